"""``@defer`` on both data paths: a router on the compiled path hands deferred plans to the
reference path (counted as ``python`` in ``shopgraph_router_data_path_executions_total``), and
both routers stream the same bytes, over real subgraph processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.telemetry.metrics import REGISTRY
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

QUERIES = [
    '{ product(id: "p1") { name ... @defer(label: "r") { reviews { body author { name } } } } }',
    "{ products { name ... @defer { price reviews { author { name } } } } }",
    '{ product(id: "p2") { reviews { author { id ... @defer { name } } } } }',
    "{ reviewCount ... @defer { products { id } } }",
    '{ products { reviews { ... @defer(label: "v") { body } } } }',
]
ACCEPTS = ["multipart/mixed;deferSpec=20220824", "multipart/mixed;incrementalSpec=v0.2"]


def _router(subgraphs: Subgraphs, data_path: Literal["native", "python"]) -> TestClient:
    config = router_config(subgraphs, data_path=data_path, dedupe_inbound_requests=False)
    return TestClient(create_app(config, supergraph_path=SUPERGRAPH))


@pytest.fixture(scope="module")
def routers(subgraphs: Subgraphs) -> Iterator[tuple[TestClient, TestClient]]:
    with _router(subgraphs, "native") as native, _router(subgraphs, "python") as python:
        yield native, python


def _executions(path: str) -> float:
    value = REGISTRY.get_sample_value("shopgraph_router_data_path_executions_total",
                                      {"path": path})  # fmt: skip
    return value or 0.0


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", QUERIES)
def test_both_paths_stream_the_same_bytes(
    routers: tuple[TestClient, TestClient], query: str, accept: str
) -> None:
    native, python = routers
    before = _executions("python"), _executions("native")
    answers = [r.post("/graphql", json={"query": query}, headers={"accept": accept})
               for r in (native, python)]  # fmt: skip
    assert answers[0].headers["content-type"].startswith("multipart/mixed")
    assert answers[0].content == answers[1].content
    # The compiled path does not cover @defer: both ran on the reference path.
    assert (_executions("python") - before[0], _executions("native") - before[1]) == (2, 0)


def test_when_if_says_no_the_compiled_path_answers(
    routers: tuple[TestClient, TestClient],
) -> None:
    native, _ = routers
    query = 'query($d: Boolean!) { product(id: "p1") { name ... @defer(if: $d) { price } } }'
    before = _executions("native"), _executions("python")
    off = [r.post("/graphql", json={"query": query, "variables": {"d": False}},
                  headers={"accept": ACCEPTS[0]}) for r in routers]  # fmt: skip
    assert off[0].json() == {"data": {"product": {"name": "Kettle", "price": 2999}}}
    assert off[0].content == off[1].content
    # The plan is a Condition on $d: its branch that does not defer runs compiled.
    assert (_executions("native") - before[0], _executions("python") - before[1]) == (1, 1)
    on = native.post("/graphql", json={"query": query, "variables": {"d": True}},
                     headers={"accept": ACCEPTS[0]})  # fmt: skip
    assert on.headers["content-type"].startswith("multipart/mixed")
    # The branch that defers streams from the reference path.
    assert (_executions("native") - before[0], _executions("python") - before[1]) == (1, 2)
