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


def test_every_product_image_url_through_the_router_is_a_jpeg(stack: Stack) -> None:
    query = '{ product(id: "p-0001") { images { url(size: SMALL) srcset } } }'
    body = httpx.post(f"{stack.url('router')}/graphql", json={"query": query}, timeout=10).json()
    [image] = body["data"]["product"]["images"]
    media = f"{stack.url('media')}/images"
    assert image["url"] == f"{media}/w_320/products/p-0001/main.jpg"
    candidates = [entry.rsplit(" ", 1) for entry in image["srcset"].split(", ")]
    assert [width for _, width in candidates] == ["120w", "320w", "640w", "1280w"]
    for url, width in candidates:
        assert url == f"{media}/w_{width.removesuffix('w')}/products/p-0001/main.jpg"
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "image/jpeg"
        assert response.content.startswith(b"\xff\xd8")
