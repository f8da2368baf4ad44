"""The trace viewer of ``shopgraph dev``: the last traces of every service, in memory.

Not for production (there, export OTLP to a collector); bounded: the newest
``max_traces`` traces of at most ``max_spans`` spans each.
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route


class RecentTraces(SpanExporter):
    def __init__(self, max_traces: int = 200, max_spans: int = 1000) -> None:
        self.max_traces = max_traces
        self.max_spans = max_spans
        self._traces: OrderedDict[str, list[dict[str, object]]] = OrderedDict()
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock:
            for span in spans:
                trace_id = format(span.context.trace_id, "032x")
                kept = self._traces.setdefault(trace_id, [])
                self._traces.move_to_end(trace_id)
                if len(kept) < self.max_spans:
                    kept.append(_record(span))
            while len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def traces(self) -> list[tuple[str, list[dict[str, object]]]]:
        with self._lock:
            return [(trace_id, list(spans)) for trace_id, spans in reversed(self._traces.items())]

    def trace(self, trace_id: str) -> list[dict[str, object]] | None:
        with self._lock:
            spans = self._traces.get(trace_id)
            return None if spans is None else sorted(spans, key=lambda s: int(str(s["start"])))


RECENT = RecentTraces()
"""The exporter ``shopgraph dev`` gives the tracing set-up, and the viewer reads."""


def _record(span: ReadableSpan) -> dict[str, object]:
    parent = span.parent
    return {
        "span_id": format(span.context.span_id, "016x"),
        "parent_id": format(parent.span_id, "016x") if parent else None,
        "name": span.name,
        "service": span.resource.attributes.get("service.name", "?"),
        "kind": span.kind.name,
        "start": span.start_time or 0,
        "end": span.end_time or 0,
        "status": span.status.status_code.name,
        "attributes": {k: str(v)[:300] for k, v in (span.attributes or {}).items()},
    }


def _summary(trace_id: str, spans: list[dict[str, object]]) -> dict[str, object]:
    roots = [s for s in spans if s["parent_id"] is None] or spans
    root = min(roots, key=lambda s: int(str(s["start"])))
    start = min(int(str(s["start"])) for s in spans)
    end = max(int(str(s["end"])) for s in spans)
    return {
        "trace_id": trace_id, "root": root["name"], "root_service": root["service"],
        "services": sorted({str(s["service"]) for s in spans}), "spans": len(spans),
        "duration_ms": round((end - start) / 1e6, 2),
        "errors": sum(1 for s in spans if s["status"] == "ERROR"),
    }  # fmt: skip


_STYLE = """<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#111}
table{border-collapse:collapse}
td,th{padding:.2rem .6rem;text-align:left;border-bottom:1px solid #ddd}
.bar{background:#4a7bd0;height:.8rem;display:inline-block}.err{color:#b00020}
code{font-size:12px}</style>"""


def create_app(traces: RecentTraces = RECENT) -> Starlette:
    async def index(_: Request) -> Response:
        rows = "".join(
            f"<tr><td><a href='/traces/{s['trace_id']}'>{html.escape(str(s['root']))}</a></td>"
            f"<td>{html.escape(', '.join(map(str, s['services'])))}</td>"  # type: ignore[call-overload]
            f"<td>{s['spans']}</td><td>{s['duration_ms']} ms</td>"
            f"<td class='err'>{s['errors'] or ''}</td></tr>"
            for s in (_summary(t, spans) for t, spans in traces.traces())
        )
        return HTMLResponse(
            f"<!doctype html><title>shopgraph traces</title>{_STYLE}<h1>Recent traces</h1>"
            "<p>Newest first; JSON at <code>/api/traces</code>.</p><table><tr><th>root span"
            f"</th><th>services</th><th>spans</th><th>duration</th><th>errors</th></tr>{rows}"
            "</table>"
        )

    async def one(request: Request) -> Response:
        spans = traces.trace(request.path_params["trace_id"])
        if spans is None:
            return HTMLResponse("no such trace (the viewer keeps the newest ones)", 404)
        return HTMLResponse(_waterfall(request.path_params["trace_id"], spans))

    async def api_list(_: Request) -> Response:
        return JSONResponse([_summary(t, spans) for t, spans in traces.traces()])

    async def api_one(request: Request) -> Response:
        spans = traces.trace(request.path_params["trace_id"])
        if spans is None:
            return JSONResponse({"error": "no such trace"}, 404)
        return JSONResponse({"trace_id": request.path_params["trace_id"], "spans": spans})

    return Starlette(routes=[
        Route("/", index), Route("/traces/{trace_id}", one),
        Route("/api/traces", api_list), Route("/api/traces/{trace_id}", api_one),
    ])  # fmt: skip


def _waterfall(trace_id: str, spans: list[dict[str, object]]) -> str:
    start = min(int(str(s["start"])) for s in spans)
    total = max(max(int(str(s["end"])) for s in spans) - start, 1)
    children: dict[object, list[dict[str, object]]] = {}
    ids = {s["span_id"] for s in spans}
    for span in spans:
        parent = span["parent_id"] if span["parent_id"] in ids else None
        children.setdefault(parent, []).append(span)
    rows: list[str] = []

    def walk(parent: object, depth: int) -> None:
        for span in children.get(parent, []):
            offset = (int(str(span["start"])) - start) / total * 100
            width = max((int(str(span["end"])) - int(str(span["start"]))) / total * 100, 0.3)
            ms = (int(str(span["end"])) - int(str(span["start"]))) / 1e6
            attributes = span["attributes"]
            assert isinstance(attributes, dict)
            detail = html.escape(", ".join(f"{k}={v}" for k, v in list(attributes.items())[:8]))
            css = " class='err'" if span["status"] == "ERROR" else ""
            rows.append(
                f"<tr{css}><td style='padding-left:{depth * 1.2 + 0.6}rem'>"
                f"{html.escape(str(span['name']))}</td><td>{html.escape(str(span['service']))}"
                f"</td><td>{ms:.2f} ms</td><td style='width:30rem'><span class='bar' style='"
                f"margin-left:{offset:.1f}%;width:{width:.1f}%'></span></td>"
                f"<td><code>{detail}</code></td></tr>"
            )
            walk(span["span_id"], depth + 1)

    walk(None, 0)
    return (f"<!doctype html><title>trace {trace_id}</title>{_STYLE}<p><a href='/'>← traces"
            f"</a></p><h1>Trace <code>{trace_id}</code></h1><table><tr><th>span</th>"
            f"<th>service</th><th>duration</th><th></th><th>attributes</th></tr>"
            f"{''.join(rows)}</table>")  # fmt: skip
