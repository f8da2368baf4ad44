"""Apollo Client 3.14.1, from the npm registry, reading ``@defer`` responses from a router
process over real subgraph processes: it asks with ``multipart/mixed;deferSpec=20220824``,
gets the primary part first and each deferred part merged in as it arrives, errors of a
deferred part included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.router.conftest import NAMES, Subgraphs, router_process
from tests.support.node_packages import install_packages, run_node

PACKAGES = {"@apollo/client": "3.14.1", "graphql": "16.11.0"}
SCRIPT = Path(__file__).with_name("apollo_client_defer.mjs")
NAMES_BY_ID = {"p1": "Kettle", "p2": "Teapot", "p3": "Mug"}
PRICES = {"p1": 2999, "p2": 1999, "p3": 599}


@pytest.fixture(scope="module")
def seen(subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    config = {"subgraphs": {name: {"url": subgraphs.url(name)} for name in NAMES}}
    directory = install_packages("apollo-client/3.14.1", PACKAGES)
    for url in router_process(config, tmp_path_factory.mktemp("apollo-client-defer")):
        yield run_node(SCRIPT, directory, {"url": url}, timeout=60)


def _products(with_price: bool) -> list[dict[str, Any]]:
    return [
        {"__typename": "Product", "id": id_, "name": name}
        | ({"price": PRICES[id_]} if with_price else {})
        for id_, name in NAMES_BY_ID.items()
    ]


def test_the_client_asks_for_multipart_and_gets_it(seen: Any) -> None:
    (request,) = seen["slow"]["requests"]
    assert "multipart/mixed;deferSpec=20220824" in request["accept"].replace(" ", "")
    assert request["contentType"] == 'multipart/mixed;boundary="-";deferSpec=20220824'
    assert request["status"] == 200


def test_the_primary_part_comes_first_and_the_slow_part_last(seen: Any) -> None:
    results = seen["slow"]["seen"]
    assert [r["data"] for r in results] == [
        {"products": _products(with_price=False)},
        {"products": _products(with_price=True)},
        # The client adds __typename to every selection set, the deferred fragment's too.
        {"products": _products(with_price=True), "slow": "slept 1.5s", "__typename": "Query"},
    ]
    assert all(not r["errors"] for r in results)
    # In the order they arrived; the slow part not before its call could answer.
    at = [r["at"] for r in results]
    assert at == sorted(at)
    assert at[0] < 1500 <= at[-1]


def test_the_errors_of_a_deferred_part_reach_the_client(seen: Any) -> None:
    first, last = seen["failing"]["seen"]
    assert first["data"] == {"product": {"__typename": "Product", "id": "p2", "name": "Teapot"}}
    assert first["errors"] == []
    reviews = last["data"]["product"]["reviews"]
    assert [r["body"] for r in reviews] == ["Lovely", "Cracked"]
    assert reviews[0]["author"] == {"__typename": "User", "id": "u2", "name": "Grace"}
    assert reviews[1]["author"] is None
    assert last["errors"] == ["Subgraph errors redacted"]
