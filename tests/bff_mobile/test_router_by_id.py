"""The mobile BFF calls the router by id, never sending a document the router already has: the
dev router knows its operations from their manifest; a router with only APQ is taught each
document once; a router without persisted queries gets documents."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette

from bff_mobile.operations import load_router_operations
from bff_mobile.router_client import RouterClient, document_id
from router.http.app import create_app
from router.http.config import ApqSettings, RouterConfig, SubgraphSettings
from router.telemetry.metrics import REGISTRY
from tests.support.stack import ROOT, Stack

OPERATIONS = load_router_operations()
HOME = {"featured": 2}
SUPERGRAPH = ROOT / "schema" / "supergraph.graphql"


def _scraped(stack: Stack, result: str) -> float:
    text = httpx.get(f"{stack.url('router')}/metrics", timeout=10).text
    line = f'shopgraph_router_persisted_queries_total{{result="{result}"}} '
    values = [float(row[len(line) :]) for row in text.splitlines() if row.startswith(line)]
    return sum(values)


async def test_the_dev_router_runs_the_mobile_operations_by_id(stack: Stack) -> None:
    before = _scraped(stack, "trusted")
    seen: list[bytes] = []

    async def keep(request: httpx.Request) -> None:
        seen.append(request.content)

    async with httpx.AsyncClient(event_hooks={"request": [keep]}, timeout=20) as http:
        client = RouterClient(http, f"{stack.url('router')}/graphql", OPERATIONS)
        data = await client.run("MobileHome", HOME)
        await client.run("MobileHome", HOME)
    assert len(data["search"]["hits"]) == 2
    assert _scraped(stack, "trusted") - before == 2
    assert len(seen) == 2
    assert all(b'"query"' not in body and b"sha256Hash" in body for body in seen)


@asynccontextmanager
async def _router(stack: Stack, apq: ApqSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A router of this process on the stack's subgraphs, without the mobile manifest."""
    subgraphs = {
        name: SubgraphSettings(url=f"{stack.url(name)}/graphql")
        for name in ("products", "orders", "search", "users")
    }
    app: Starlette = create_app(RouterConfig(subgraphs=subgraphs, apq=apq),
                                supergraph_path=SUPERGRAPH)  # fmt: skip
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield http


def _counted(result: str) -> float:
    name = "shopgraph_router_persisted_queries_total"
    return REGISTRY.get_sample_value(name, {"result": result}) or 0.0


async def test_a_router_with_apq_only_is_sent_each_document_once(stack: Stack) -> None:
    results = ("apq_miss", "apq_registered", "apq_hit")
    before = [_counted(result) for result in results]
    async with _router(stack, ApqSettings()) as http:
        client = RouterClient(http, "http://router/graphql", OPERATIONS)
        for _ in range(3):
            assert len((await client.run("MobileHome", HOME))["search"]["hits"]) == 2
    assert [_counted(r) - b for r, b in zip(results, before, strict=True)] == [1, 1, 2]
    assert client.by_id


async def test_a_router_without_persisted_queries_gets_documents(stack: Stack) -> None:
    async with _router(stack, ApqSettings(enabled=False)) as http:
        client = RouterClient(http, "http://router/graphql", OPERATIONS)
        assert len((await client.run("MobileHome", HOME))["search"]["hits"]) == 2
        assert not client.by_id
        assert len((await client.run("MobileHome", HOME))["search"]["hits"]) == 2


def test_the_ids_sent_are_those_of_the_manifest() -> None:
    manifest = json.loads((ROOT / "bff_mobile" / "persisted-query-manifest.json").read_text())
    listed = {entry["name"]: entry["id"] for entry in manifest["operations"]}
    assert listed == {name: document_id(text) for name, text in OPERATIONS.items()}
