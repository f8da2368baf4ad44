"""Every attack of the matrix against the router with its production defaults and our
supergraph: each is refused with its own code before any subgraph is called (none is
running here), and the router keeps answering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import RouterConfig
from tests.security.attacks import Attack, attacks

# A job interrupted past its CPU budget may have its exception land in a finalizer that happens
# to run in its thread (here, the test client's streams); Python reports it as unraisable and
# the router interrupts the job again (tests/router/execution/test_budget.py).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schema" / "supergraph.graphql"
ATTACKS = attacks()


@pytest.fixture(scope="module")
def router() -> Iterator[TestClient]:
    with TestClient(create_app(RouterConfig(), supergraph_path=SUPERGRAPH)) as client:
        yield client


def send(client: TestClient, attack: Attack) -> tuple[int, list[str]]:
    response = client.request(
        attack.method,
        "/graphql",
        content=attack.body or None,
        headers={"accept": "application/graphql-response+json", **attack.headers},
        params=attack.params,
    )
    codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
    return response.status_code, codes


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_each_attack_is_refused_with_its_code(router: TestClient, attack: Attack) -> None:
    status, codes = send(router, attack)
    assert (status, codes[:1]) == (attack.status, [attack.code])


def test_the_router_still_answers_after_the_whole_matrix(router: TestClient) -> None:
    for attack in ATTACKS:
        send(router, attack)
    response = router.post("/graphql", json={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


def test_suggestions_do_not_leak_field_names_with_introspection_off(router: TestClient) -> None:
    response = router.post("/graphql", json={"query": '{ product(id: "p-1") { nam } }'})
    [error] = response.json()["errors"]
    assert error["message"] == "Cannot query field 'nam' on type 'Product'."


def test_repeated_fields_within_the_limits_are_answered_once(router: TestClient) -> None:
    # 1,500 copies of a field are within the limits; repeats are dropped before validation,
    # whose pairwise comparison of same-named fields would otherwise take seconds.
    query = "{ __typename " + "__typename " * 1_500 + "}"
    assert router.post("/graphql", json={"query": query}).json() == {
        "data": {"__typename": "Query"}
    }


def test_failed_documents_are_not_cached(router: TestClient) -> None:
    service = router.app.state.supergraph.service  # type: ignore[attr-defined]
    before = len(service.operations.cache)
    for i in range(50):
        router.post("/graphql", json={"query": f"{{ unknown{i} }}"})
    assert len(service.operations.cache) == before
