"""The web BFF's rules, in process (Starlette's TestClient) against the running system's
identity provider, router and Redis: CSRF, request ids, caching, one-time sign-in state bound to
the browser that started it, token refresh and a refresh that fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from bff_web.app import create_app
from bff_web.settings import POLICY_PATH, WebSettings
from tests.support.stack import Stack

SEARCH = {"query": '{ search(query: "kettle", first: 1) { total } }'}
CSRF = {"x-shopgraph-csrf": "1"}


def settings(stack: Stack, redis_url: str, **changes: Any) -> WebSettings:
    return WebSettings(
        public_url=stack.url("bff_web"), router_url=f"{stack.url('router')}/graphql",
        discovery_url=f"{stack.url('identity')}{POLICY_PATH}/v2.0/.well-known/openid-configuration",
        redis_url=redis_url, **{"cookie_secure": False, **changes},
    )  # fmt: skip


@pytest.fixture
def web(stack: Stack, redis_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(stack, redis_url))) as client:
        yield client


def sign_in(client: TestClient, email: str = "alice@example.com") -> None:
    """The browser's part of the sign-in, by hand: the provider's form, then the callback."""
    done = client.get(provider_step(client, email), follow_redirects=False)
    assert done.status_code == 302, done.text
    assert "sg_signin" not in client.cookies, "the sign-in cookie is cleared once signed in"


def provider_step(client: TestClient, email: str) -> str:
    """Start a sign-in in ``client`` and pass the provider's form: the callback URL to open."""
    started = client.get("/auth/login", follow_redirects=False)
    assert started.status_code == 302
    return f"/auth/callback?{through_the_provider(started.headers['location'], email)}"


def through_the_provider(authorize_url: str, email: str) -> str:
    """The provider's sign-in form at ``authorize_url``, filled: the query string of the
    callback it redirects the browser to."""
    with httpx.Client() as browser:
        page = browser.get(authorize_url)
        form = dict(re.findall(r'name="(sign_in_request)" value="([^"]+)"', page.text))
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None
        target = httpx.URL(str(page.url)).join(action.group(1).replace("&amp;", "&"))
        posted = browser.post(target, data={**form, "email": email, "password": "shopgraph-demo"})
    assert posted.status_code in (302, 303), posted.text
    return urlsplit(posted.headers["location"]).query


def test_a_cross_site_form_post_is_refused(web: TestClient) -> None:
    form = web.post("/graphql", data={"query": "mutation { createCart { id } }"})
    assert form.status_code == 403
    assert form.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"
    foreign = web.post("/graphql", json=SEARCH, headers={**CSRF, "origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert web.post("/auth/logout").status_code == 403
    assert web.post("/graphql", json=SEARCH, headers=CSRF).status_code == 200


def test_request_ids_and_caching_of_anonymous_reads(web: TestClient) -> None:
    read = web.post("/graphql", json=SEARCH, headers={**CSRF, "x-request-id": "req-42"})
    assert read.headers["x-request-id"] == "req-42"
    assert read.headers["cache-control"] == "public, max-age=30"
    assert read.json()["data"]["search"]["total"] > 0
    write = web.post("/graphql", json={"query": "mutation { createCart { id } }"}, headers=CSRF)
    assert write.headers["cache-control"] == "private, no-store"
    assert re.fullmatch(r"[0-9a-f]{32}", write.headers["x-request-id"])
    sign_in(web)
    signed_in = web.post("/graphql", json=SEARCH, headers=CSRF)
    assert signed_in.headers["cache-control"] == "private, no-store"
    me = web.post("/graphql", json={"query": "{ me { id } }"}, headers=CSRF).json()
    assert me == {"data": {"me": {"id": "u-alice"}}}


def test_a_sign_in_state_works_once(web: TestClient) -> None:
    assert web.get("/auth/callback?code=x&state=never-issued").status_code == 400
    started = web.get("/auth/login", follow_redirects=False)
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    assert web.get(f"/auth/callback?code=forged&state={state}").status_code == 400
    replay = web.get(f"/auth/callback?code=forged&state={state}")
    assert replay.status_code == 400
    assert "unknown or used sign-in state" in replay.text
    assert web.get("/auth/me").json() == {"signedIn": False}


def test_a_callback_opened_in_another_browser_signs_nobody_in(stack: Stack, redis_url: str) -> None:
    """Login CSRF: a callback URL made in the attacker's browser, opened in the victim's, must
    not sign the victim in as the attacker. Two browsers, two cookie jars, one Redis."""
    with (
        TestClient(create_app(settings(stack, redis_url))) as attacker,
        TestClient(create_app(settings(stack, redis_url))) as victim,
        SyncRedis.from_url(redis_url, decode_responses=True) as redis,
    ):
        assert victim.post("/cart/id", headers=CSRF).status_code == 200  # a signed-out session
        before = set(redis.scan_iter("bffweb:session:*"))
        forged = provider_step(attacker, "bob@example.com")
        refused = victim.get(forged, follow_redirects=False)
        assert refused.status_code == 403
        assert "SIGN_IN_STATE_MISMATCH" in refused.text
        assert "set-cookie" not in refused.headers
        assert victim.get("/auth/me").json() == {"signedIn": False}
        assert set(redis.scan_iter("bffweb:session:*")) == before, "no session was created"
        again = attacker.get(forged, follow_redirects=False)
        assert again.status_code == 400, "a refused state is spent"

        # A victim with a sign-in of its own under way is refused the same way.
        assert victim.get("/auth/login", follow_redirects=False).status_code == 302
        assert "sg_signin" in victim.cookies
        refused = victim.get(provider_step(attacker, "bob@example.com"), follow_redirects=False)
        assert refused.status_code == 403
        assert "SIGN_IN_STATE_MISMATCH" in refused.text
        assert victim.get("/auth/me").json() == {"signedIn": False}
        assert set(redis.scan_iter("bffweb:session:*")) == before

        sign_in(victim)  # the victim's own sign-in still works
        assert victim.get("/auth/me").json()["user"]["id"] == "u-alice"


def test_the_sign_in_cookie(stack: Stack, redis_url: str) -> None:
    with TestClient(create_app(settings(stack, redis_url, cookie_secure=True)),
                    base_url="https://testserver") as client:  # fmt: skip
        started = client.get("/auth/login", follow_redirects=False)
        cookie = started.headers["set-cookie"]
        value = client.cookies["sg_signin"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
        assert cookie.startswith(f"sg_signin={value};")
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=lax", "path=/auth", "max-age=600"} <= attributes
        # A second sign-in in the same browser keeps the value: both tabs can finish.
        client.get("/auth/login", follow_redirects=False)
        assert client.cookies["sg_signin"] == value
        # The value is not what Redis keeps.
        with SyncRedis.from_url(redis_url, decode_responses=True) as redis:
            state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
            stored = redis.get(f"bffweb:signin:{state}")
            assert isinstance(stored, str)
            assert value not in stored
            assert orjson.loads(stored)["browser_binding"]


def test_tokens_are_refreshed_and_a_failed_refresh_ends_the_session(
    stack: Stack, redis_url: str
) -> None:
    # A margin longer than the token's life: every request refreshes first.
    app = create_app(settings(stack, redis_url, refresh_margin_seconds=7200))
    with TestClient(app) as client, SyncRedis.from_url(redis_url, decode_responses=True) as redis:

        def stored_refresh_token() -> str:
            raw = redis.get(f"bffweb:session:{client.cookies['sg_session']}")
            assert isinstance(raw, str)
            return str(orjson.loads(raw)["refresh_token"])

        sign_in(client)
        first = client.post("/graphql", json={"query": "{ me { id } }"}, headers=CSRF)
        assert first.json() == {"data": {"me": {"id": "u-alice"}}}
        spent = stored_refresh_token()
        client.post("/graphql", json={"query": "{ me { id } }"}, headers=CSRF)
        assert stored_refresh_token() != spent, "each refresh rotates the refresh token"
        # Spending a used refresh token again makes the provider revoke what followed it: the
        # BFF's next refresh fails, and the session ends cleanly.
        with httpx.Client() as other:
            token_endpoint = other.get(settings(stack, redis_url).discovery_url).json()[
                "token_endpoint"
            ]
            replay = other.post(token_endpoint, data={
                "grant_type": "refresh_token", "refresh_token": spent,
                "client_id": "bff-web", "client_secret": "bff-web-dev-secret",
            })  # fmt: skip
            assert replay.status_code == 400
        ended = client.post("/graphql", json={"query": "{ me { id } }"}, headers=CSRF)
        assert ended.status_code == 401
        assert ended.json()["errors"][0]["extensions"]["code"] == "SESSION_EXPIRED"
        assert client.get("/auth/me").json() == {"signedIn": False}
