"""What subgraphs add to :mod:`observability`: the operation each request runs (for the access
log, the operation metrics and the server span's name), resolver spans, DataLoader batches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, TypeVar, cast

from opentelemetry import trace
from strawberry.extensions import SchemaExtension

from observability import tracing
from observability.context import note_operation
from observability.metrics import current_metrics

B = TypeVar("B", bound=Callable[..., Awaitable[Any]])

_tracer = trace.get_tracer("shopgraph.subgraphs")


def note_request_operation(data: object) -> None:
    """The operation of a GraphQL request body (``{"query": …, "operationName": …}``), for a
    framework that gives no parsed document to hook into (ariadne)."""
    if not isinstance(data, dict):
        return
    query, name = data.get("query"), data.get("operationName")
    first = query.lstrip().split(None, 1)[0] if isinstance(query, str) and query.strip() else ""
    kind = first if first in ("query", "mutation", "subscription") else "query"
    note_operation(kind, name if isinstance(name, str) else None)


class OperationTelemetry(SchemaExtension):
    """Tells :mod:`observability` which operation the request runs."""

    def on_execute(self) -> Generator[None, None, None]:
        context = self.execution_context
        kind = context.operation_type.value if context.operation_type else None
        note_operation(kind, context.operation_name)
        yield


def no_arguments(_: dict[str, Any], __: Any) -> dict[str, Any]:
    """What a resolver span records of its field's arguments: nothing. They hold what people
    typed and sent (a search, an address, a card number), which a trace must not keep."""
    return {}


def schema_extensions() -> list[Any]:
    """The strawberry extensions of every subgraph schema: the operation noted, and resolver
    spans (strawberry's OpenTelemetry extension, without arguments) when traces are exported."""
    extensions: list[Any] = [OperationTelemetry]
    if tracing.enabled():
        from strawberry.extensions.tracing import OpenTelemetryExtension

        class ResolverSpans(OpenTelemetryExtension):
            def __init__(self, *, execution_context: Any = None) -> None:
                super().__init__(execution_context=execution_context, arg_filter=no_arguments)

        extensions.append(ResolverSpans)
    return extensions


def measured_batch(name: str, load: B) -> B:
    """A DataLoader batch function with a span and its size in
    ``shopgraph_dataloader_batch_size``."""

    async def batch(keys: Sequence[Any]) -> Any:
        current_metrics().batch_size.labels(name).observe(len(keys))
        with _tracer.start_as_current_span(
            f"dataloader {name}", attributes={"dataloader.batch_size": len(keys)}
        ):
            return await load(keys)

    return cast(B, batch)
