"""Caching on the running system (``shopgraph dev`` on the test servers, its entity cache on the
test Redis): ``Cache-Control`` from the subgraphs' ``@cacheControl`` hints, a product page
read twice that costs the products subgraph nothing the second time, a rename seen at once,
and nothing of one caller's served to another."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from tests.e2e.test_vendor_scoping import router, vendor_token
from tests.support.stack import Stack

PAGE = """query ProductPage($id: ID!) {
  product(id: $id) { id name price { amount currency } stock { available }
                     reviews(first: 3) { nodes { rating title } } }
}"""


def _post(stack: Stack, query: str, token: str | None = None, **variables: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{stack.url('router')}/graphql", timeout=10, headers=headers,
                      json={"query": query, "variables": variables})  # fmt: skip


def _served(stack: Stack, service: str) -> float:
    """Requests the service has answered, from its /metrics."""
    text = httpx.get(f"{stack.url(service)}/metrics", timeout=10).text
    prefix = "http_server_request_duration_seconds_count{"
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(prefix) and 'http_route="/graphql"' in line)  # fmt: skip


def test_cache_control_follows_the_hints(stack: Stack) -> None:
    page = _post(stack, PAGE, id="p-0003")
    assert page.headers["cache-control"] == "max-age=5, public"  # stock: 5 s
    name = _post(stack, '{ product(id: "p-0003") { name } categories { name } }')
    assert name.headers["cache-control"] == "max-age=60, public"
    me = _post(stack, "{ me { id } }", vendor_token(stack, "v-01"))
    assert me.headers["cache-control"] == "private, no-store"
    signed_in = _post(stack, '{ product(id: "p-0003") { name } }', vendor_token(stack, "v-01"))
    assert signed_in.headers["cache-control"] == "max-age=60, private"
    mutation = _post(stack, "mutation { createCart { id } }")
    assert mutation.headers["cache-control"] == "no-store"


def test_a_product_page_read_twice_costs_the_products_subgraph_nothing(stack: Stack) -> None:
    first = _post(stack, PAGE, id="p-0004").json()
    served = _served(stack, "products"), _served(stack, "orders")
    second = _post(stack, PAGE, id="p-0004").json()
    assert second == first
    assert (_served(stack, "products"), _served(stack, "orders")) == served


def test_a_rename_is_seen_at_once(stack: Stack) -> None:
    v01 = vendor_token(stack, "v-01")
    before = _post(stack, PAGE, id="p-0001").json()["data"]["product"]["name"]
    renamed = f"Renamed {uuid.uuid4().hex[:6]}"
    rename = "mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: {name: $name}) { name } }"  # noqa: E501
    try:
        assert router(stack, v01, rename, id="p-0001", name=renamed) == {
            "data": {"updateProduct": {"name": renamed}}
        }
        deadline = time.monotonic() + 2
        while _post(stack, PAGE, id="p-0001").json()["data"]["product"]["name"] != renamed:
            assert time.monotonic() < deadline, "the renamed product was still served"
            time.sleep(0.05)
    finally:
        router(stack, v01, rename, id="p-0001", name=before)


def test_a_vendor_is_never_served_what_another_caller_was_shown(stack: Stack) -> None:
    stock = '{ product(id: "p-0002") { stock { available } } }'
    shown = _post(stack, stock).json()
    assert isinstance(shown["data"]["product"]["stock"]["available"], int)
    assert _post(stack, stock).json() == shown  # kept for signed-out callers
    # p-0002 is v-02's: v-01 may not read its stock, whatever anyone else was shown.
    other = router(stack, vendor_token(stack, "v-01"), stock)
    assert other["data"]["product"]["stock"] is None
    assert [e["extensions"]["code"] for e in other["errors"]] == ["FORBIDDEN"]
    own = router(stack, vendor_token(stack, "v-02"), stock)
    assert isinstance(own["data"]["product"]["stock"]["available"], int)
