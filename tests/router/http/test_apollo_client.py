"""Apollo Client, from the npm registry, against a router process over real subgraph processes:
its persisted-queries link (hashes over GET, the document sent once when the router asks) and
its BatchHttpLink (three queries in one POST). Without a Redis tier each router worker keeps
its own registrations, and a client meeting another worker registers its document again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.router.conftest import NAMES, Subgraphs, router_process
from tests.support.node_packages import install_packages, run_node

PACKAGES = {"@apollo/client": "3.14.1", "graphql": "16.11.0"}
SCRIPT = Path(__file__).with_name("apollo_client.mjs")


@pytest.fixture(scope="module")
def seen(
    subgraphs: Subgraphs, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    # Two workers, which share registrations through Redis.
    config = {
        "subgraphs": {name: {"url": subgraphs.url(name)} for name in NAMES},
        "workers": 2,
        "apq": {"redis_url": redis_url, "key_prefix": f"test:apq:{uuid.uuid4().hex}:"},
        "batching": {"enabled": True, "max_batch_size": 3},
    }
    directory = install_packages("apollo-client/3.14.1", PACKAGES)
    for url in router_process(config, tmp_path_factory.mktemp("apollo-client")):
        yield run_node(SCRIPT, directory, {"url": url}, timeout=60)


def test_apq_registers_once_then_runs_by_hash_over_get(seen: Any) -> None:
    apq = seen["apq"]
    products = [
        {"__typename": "Product", "id": "p1", "name": "Kettle"},
        {"__typename": "Product", "id": "p2", "name": "Teapot"},
        {"__typename": "Product", "id": "p3", "name": "Mug"},
    ]
    assert apq["first"] == apq["second"] == {"products": products}
    asked, registered, hit = apq["requests"]
    # The first client: a hash over GET, which the router does not know yet; then the
    # document (and its hash) over POST. The second client: the hash over GET only.
    assert (asked["method"], asked["hasQuery"], asked["status"]) == ("GET", False, 200)
    assert "PERSISTED_QUERY_NOT_FOUND" in asked["body"]
    assert (registered["method"], registered["hasQuery"], registered["status"]) == (
        "POST",
        True,
        200,
    )
    assert (hit["method"], hit["hasQuery"], hit["status"]) == ("GET", False, 200)


def test_batch_http_link_gets_its_three_answers_from_one_request(seen: Any) -> None:
    batch = seen["batch"]
    assert batch["results"] == [
        {"product": {"__typename": "Product", "name": "Kettle"}},
        {"product": {"__typename": "Product", "name": "Teapot", "price": 1999}},
        {"reviewCount": 5},
    ]
    (request,) = batch["requests"]
    assert (request["method"], request["status"]) == ("POST", 200)
