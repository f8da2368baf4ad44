"""The running system answers across its subgraphs through the router."""

from __future__ import annotations

import httpx

from tests.support.stack import Stack


def test_the_router_answers_across_subgraphs_on_real_stores(stack: Stack) -> None:
    query = """{ search(query: "espresso", first: 1) {
      hits { product { id name stock { inStock } } } } }"""
    body = httpx.post(f"{stack.url('router')}/graphql", json={"query": query}, timeout=10).json()
    [hit] = body["data"]["search"]["hits"]
    assert hit["product"]["id"] == "p-0002"
    assert hit["product"]["name"] == "Barista Espresso Machine"
    assert isinstance(hit["product"]["stock"]["inStock"], bool)
