"""Batched requests (a JSON array of operations in one POST, Apollo Router's format) through a
router over real subgraph processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import BatchingSettings, LimitSettings
from router.http.rate_limit import RateLimitSettings
from router.operation.persisted import sha256_hex
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

PRODUCT = 'query Product { product(id: "p1") { name } }'
TYPENAME = "query Typename { __typename }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _client(subgraphs: Subgraphs, supergraph: Path = SUPERGRAPH, **options: Any) -> TestClient:
    options.setdefault("batching", BatchingSettings(enabled=True, max_batch_size=4))
    app = create_app(router_config(subgraphs, **options), supergraph_path=supergraph)
    return TestClient(app, headers={"accept": GRAPHQL_RESPONSE})


@pytest.fixture
def router(subgraphs: Subgraphs) -> Iterator[TestClient]:
    with _client(subgraphs) as client:
        yield client


def _apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def test_a_batch_of_three_mixed_operations_is_answered_in_order(router: TestClient) -> None:
    router.post("/graphql", json={"query": TYPENAME, "extensions": _apq(sha256_hex(TYPENAME))})
    response = router.post(
        "/graphql",
        json=[
            {"query": PRODUCT},
            {"extensions": _apq(sha256_hex(TYPENAME))},
            {"query": "{ product(id: 1) { colour } }"},
        ],
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    first, second, third = response.json()
    assert first == {"data": {"product": {"name": "Kettle"}}}
    assert second == {"data": {"__typename": "Query"}}
    assert _code(third) == "GRAPHQL_VALIDATION_FAILED"


def test_each_operation_of_a_batch_meets_the_operation_limits(subgraphs: Subgraphs) -> None:
    with _client(subgraphs, limits=LimitSettings(max_depth=2)) as client:
        deep = '{ product(id: "p1") { reviews { author { name } } } }'
        answers = client.post("/graphql", json=[{"query": deep}, {"query": PRODUCT}]).json()
    assert _code(answers[0]) == "MAX_DEPTH_LIMIT"
    assert answers[1] == {"data": {"product": {"name": "Kettle"}}}


def test_the_queries_of_a_batch_run_at_once(router: TestClient) -> None:
    batch = [{"query": f"{{ slow(seconds: {s}) }}"} for s in (0.4, 0.41, 0.42)]
    started = time.monotonic()
    answers = router.post("/graphql", json=batch).json()
    elapsed = time.monotonic() - started
    assert [a["data"]["slow"] for a in answers] == ["slept 0.4s", "slept 0.41s", "slept 0.42s"]
    assert elapsed < 1.0, f"{elapsed:.2f} s: the queries ran one after the other"


def test_a_batch_with_a_mutation_runs_in_order(
    subgraphs: Subgraphs, supergraph_with_mutation: Path
) -> None:
    with _client(subgraphs, supergraph_with_mutation) as client:
        started = time.monotonic()
        answers = client.post(
            "/graphql",
            json=[
                {"query": "mutation { slowWrite(seconds: 0.3) }"},
                {"query": "{ slow(seconds: 0.3) }"},
            ],
        ).json()
        elapsed = time.monotonic() - started
    assert answers == [
        {"data": {"slowWrite": "wrote after 0.3s"}},
        {"data": {"slow": "slept 0.3s"}},
    ]
    assert elapsed >= 0.6, f"{elapsed:.2f} s: the query did not wait for the mutation"


def test_a_batch_past_the_limit_is_refused_whole(router: TestClient) -> None:
    response = router.post("/graphql", json=[{"query": TYPENAME}] * 5)
    assert response.status_code == 400
    assert _code(response.json()) == "BATCH_LIMIT_EXCEEDED"
    assert (
        "5 operations, more than the router's limit of 4" in response.json()["errors"][0]["message"]
    )


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([], "at least one operation"),
        ([{"query": TYPENAME}, 3], "batch item 1 must be a JSON object, not a number"),
        ([{"query": TYPENAME}, {"variables": 1, "query": TYPENAME}], "batch item 1: 'variables'"),
        ([{"query": TYPENAME}, {}], "batch item 1: a GraphQL request must have"),
    ],
)
def test_malformed_batches_are_bad_requests(
    router: TestClient, batch: list[Any], message: str
) -> None:
    response = router.post("/graphql", json=batch)
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_REQUEST"
    assert message in response.json()["errors"][0]["message"]


def test_batches_are_off_unless_enabled(subgraphs: Subgraphs) -> None:
    with _client(subgraphs, batching=BatchingSettings()) as client:
        response = client.post("/graphql", json=[{"query": TYPENAME}])
    assert response.status_code == 400
    assert _code(response.json()) == "BATCHING_NOT_ENABLED"


def test_the_rate_limit_counts_each_operation_of_a_batch(subgraphs: Subgraphs) -> None:
    limit = RateLimitSettings.model_validate(
        {"anonymous": {"capacity": 5, "refill_per_second": 0.01}}
    )
    with _client(subgraphs, rate_limit=limit) as client:
        first = client.post("/graphql", json=[{"query": TYPENAME}] * 4)
        assert first.status_code == 200
        assert len(first.json()) == 4
        second = client.post("/graphql", json=[{"query": TYPENAME}] * 2)
    assert second.status_code == 429
    assert _code(second.json()) == "RATE_LIMITED"


def test_a_batch_over_get_is_not_a_thing(router: TestClient) -> None:
    response = router.get(
        "/graphql",
        params={"query": '[{"query": "{ __typename }"}]'},
        headers={"apollo-require-preflight": "true"},
    )
    assert response.status_code == 400
    assert _code(response.json()) == "GRAPHQL_PARSE_FAILED"
