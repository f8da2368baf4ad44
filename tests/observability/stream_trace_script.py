"""Run by test_stream_traces in a process of its own (tracing is set up once per process):
an event written in a request's span, relayed and consumed; prints the spans as JSON."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

import orjson
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from redis.asyncio import Redis

from observability.process import configure
from observability.settings import TelemetrySettings
from observability.tracing import inject
from subgraphs.common.streams import StreamConsumer, stream_metrics
from subgraphs.orders.relay import OutboxRelay
from subgraphs.orders.store import OutboxEvent


async def main(redis_url: str, stream: str) -> None:
    exporter = InMemorySpanExporter()
    configure("orders", TelemetrySettings(traces_exporter="console"), exporter)
    redis = Redis.from_url(redis_url, decode_responses=True)
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("request PlaceOrder", kind=trace.SpanKind.SERVER):
        traceparent = inject(dict[str, str]())["traceparent"]  # what the outbox row keeps
    relay = OutboxRelay(store=None, redis=redis)  # type: ignore[arg-type]
    events = [OutboxEvent(7, stream, "OrderPlaced", {"orderId": "o-7"}, traceparent),
              OutboxEvent(8, stream, "OrderPlaced", {"orderId": "o-8"}, None)]  # fmt: skip
    await relay.publish(events)
    handled: list[str] = []

    async def handle(entries: Sequence[tuple[str, dict[str, str]]]) -> dict[str, str]:
        handled.extend(fields["event_id"] for _, fields in entries)
        with tracer.start_as_current_span("index the order"):
            pass
        return {}

    for batch_size in (1, 1):  # one entry per batch: each continues its own trace
        consumer = StreamConsumer(redis, handle, stream=stream, group="g", consumer="c",
                                  dead_letter_stream=f"{stream}:dead", batch_size=batch_size,
                                  block_ms=10)  # fmt: skip
        await consumer.ensure_group()
        await consumer.poll()
    await redis.aclose()
    spans = [{
        "name": s.name, "trace_id": format(s.context.trace_id, "032x"),
        "span_id": format(s.context.span_id, "016x"),
        "parent_id": format(s.parent.span_id, "016x") if s.parent else None,
        "service": s.resource.attributes["service.name"], "kind": s.kind.name,
    } for s in exporter.get_finished_spans()]  # fmt: skip
    metrics = stream_metrics("orders")
    lag = metrics.lag.labels(stream, "g")._value.get()
    print(orjson.dumps({"spans": spans, "handled": handled, "lag": lag}).decode())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
