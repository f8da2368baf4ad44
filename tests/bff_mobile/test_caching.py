"""HTTP caching of query answers (ETags, 304, cache lifetimes, GET) and gzip."""

from __future__ import annotations

import gzip

import httpx
import orjson

from bff_mobile.caching import not_modified
from tests.bff_mobile.app_client import MANIFEST, persisted
from tests.support.oidc import Tokens


def _get(
    mobile: httpx.Client, name: str, headers: dict[str, str] | None = None, **variables: object
) -> httpx.Response:
    params = {"id": MANIFEST[name], "variables": orjson.dumps(variables).decode()}
    return mobile.get("/graphql", params=params, headers=headers)


def test_a_query_answer_has_a_weak_etag_and_a_shared_lifetime(mobile: httpx.Client) -> None:
    first = _get(mobile, "Product", id="p-0002", pixelDensity=2)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('W/"')  # weak: the same tag for gzipped and plain answers
    assert first.headers["cache-control"] == "public, max-age=30"
    assert "Authorization" in first.headers["vary"]
    again = _get(mobile, "Product", id="p-0002", pixelDensity=2)
    assert again.headers["etag"] == tag
    other = _get(mobile, "Product", id="p-0002", pixelDensity=1)
    assert other.headers["etag"] != tag


def test_a_matching_if_none_match_gets_304_without_a_body(mobile: httpx.Client) -> None:
    tag = _get(mobile, "Home").headers["etag"]
    for header in (tag, f'"nope", {tag}', tag.removeprefix("W/"), "*"):
        cached = _get(mobile, "Home", headers={"if-none-match": header})
        assert cached.status_code == 304, header
        assert cached.content == b""
        assert cached.headers["etag"] == tag
        assert cached.headers["cache-control"] == "public, max-age=30"
    stale = _get(mobile, "Home", headers={"if-none-match": '"something-else"'})
    assert stale.status_code == 200
    assert stale.json()["data"]["home"]


def test_posted_queries_get_etags_too(mobile: httpx.Client) -> None:
    posted = mobile.post("/graphql", json=persisted("Home"))
    assert posted.headers["etag"] == _get(mobile, "Home").headers["etag"]
    cached = mobile.post(
        "/graphql", json=persisted("Home"), headers={"if-none-match": posted.headers["etag"]}
    )
    assert cached.status_code == 304


def test_signed_in_answers_are_private(mobile: httpx.Client, alice: Tokens) -> None:
    response = _get(mobile, "Home", headers=alice.bearer)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-cache"
    assert "etag" in response.headers


def test_a_cart_is_private_even_when_signed_out(mobile: httpx.Client) -> None:
    response = _get(mobile, "Cart")
    assert response.json() == {
        "data": {
            "cart": {
                "id": None,
                "itemCount": 0,
                "subtotal": {"amount": 0, "currency": "EUR", "formatted": "0.00 EUR"},
                "lines": [],
            }
        }
    }
    assert response.headers["cache-control"] == "private, no-cache"


def test_mutations_and_errors_are_not_cached(mobile: httpx.Client) -> None:
    created = mobile.post("/graphql", json=persisted("CreateCart"))
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    assert "etag" not in created.headers
    failed = _get(mobile, "OrderHistory")  # signed out
    assert failed.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert failed.headers["cache-control"] == "no-store"
    assert "etag" not in failed.headers


def test_mutations_need_post(mobile: httpx.Client) -> None:
    response = _get(mobile, "CreateCart")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_large_answers_are_gzipped_for_clients_that_accept_it(mobile: httpx.Client) -> None:
    plain = _get(mobile, "Home", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 500
    params = {"id": MANIFEST["Home"]}
    with mobile.stream(
        "GET", "/graphql", params=params, headers={"accept-encoding": "gzip"}
    ) as zipped:
        body = b"".join(zipped.iter_raw())
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert len(body) < len(plain.content)
    assert orjson.loads(gzip.decompress(body)) == plain.json()
    small = mobile.get("/graphql", params={"id": "0" * 64}, headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_if_none_match_is_compared_weakly() -> None:
    assert not_modified('"a"', '"a"')
    assert not_modified('W/"a"', '"a"')
    assert not_modified('"b", "a"', '"a"')
    assert not_modified("*", '"a"')
    assert not not_modified('"b"', '"a"')
    assert not not_modified(None, '"a"')
    assert not not_modified("", '"a"')
