"""The rate-limit middleware around a tiny Starlette app, with buckets in memory and in Redis."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datastores.testservices.base import free_port
from router.http.rate_limit import (
    RATE_LIMITED,
    Budget,
    RateLimitMiddleware,
    RateLimitSettings,
    bucket_key,
    build_token_buckets,
    client_address,
    identify_client,
)
from router.http.token_buckets import MemoryTokenBuckets, RedisTokenBuckets, TokenBuckets

CLAIMS_HEADER = "x-test-claims"
VENDOR = {"sub": "app-1", "extension_VendorId": "v-01"}
CUSTOMER = {"sub": "u-1"}


class Served:
    """The inner app: /graphql and /health, counting the requests it is given."""

    def __init__(self) -> None:
        self.graphql_calls = 0
        routes = [
            Route("/graphql", self.graphql, methods=["GET", "POST"]),
            Route("/health", self.health, methods=["GET"]),
        ]
        self.app = Starlette(routes=routes)

    async def graphql(self, _: Request) -> Response:
        self.graphql_calls += 1
        return JSONResponse({"data": {"ok": True}})

    async def health(self, _: Request) -> Response:
        return JSONResponse({"status": "UP"})


class ClaimsFromHeader:
    """Stands in for the authentication middleware: claims as JSON in a test header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = dict(scope.get("headers", [])).get(CLAIMS_HEADER.encode())
        scope.setdefault("state", {})["claims"] = orjson.loads(raw) if raw else None
        await self.app(scope, receive, send)


def settings(**overrides: Any) -> RateLimitSettings:
    base: dict[str, Any] = {
        "anonymous": {"capacity": 2, "refill_per_second": 0.01},
        "customer": {"capacity": 3, "refill_per_second": 0.01},
        "vendor": {"capacity": 4, "refill_per_second": 0.01},
    }
    return RateLimitSettings.model_validate({**base, **overrides})


def limited(
    config: RateLimitSettings, buckets: TokenBuckets | None = None
) -> tuple[ASGIApp, Served]:
    served = Served()
    limiter = RateLimitMiddleware(
        served.app,
        settings=config,
        buckets=buckets if buckets is not None else MemoryTokenBuckets(),
        paths={"/graphql"},
    )
    return ClaimsFromHeader(limiter), served


def http(app: ASGIApp, peer: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 4321))
    return httpx.AsyncClient(transport=transport, base_url="http://router")


async def post(
    client: httpx.AsyncClient,
    claims: Mapping[str, Any] | None = None,
    forwarded_for: str | None = None,
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if claims is not None:
        headers[CLAIMS_HEADER] = orjson.dumps(claims).decode()
    if forwarded_for is not None:
        headers["x-forwarded-for"] = forwarded_for
    return await client.post("/graphql", content=b'{"query":"{ ok }"}', headers=headers)


async def statuses(client: httpx.AsyncClient, n: int, **kwargs: Any) -> list[int]:
    return [(await post(client, **kwargs)).status_code for _ in range(n)]


@pytest.fixture
def shared_redis_settings(redis_url: str) -> RateLimitSettings:
    return settings(redis_url=redis_url, key_prefix=f"test:rate-limit:{uuid.uuid4().hex}:")


async def test_each_kind_of_client_has_its_own_budget() -> None:
    app, served = limited(settings())
    async with http(app) as client:
        assert await statuses(client, 3) == [200, 200, 429]
        assert await statuses(client, 4, claims=CUSTOMER) == [200, 200, 200, 429]
        assert await statuses(client, 3, claims={"oid": "u-2", "sub": "u-1"}) == [200, 200, 200]
        assert await statuses(client, 5, claims=VENDOR) == [200, 200, 200, 200, 429]
        same_vendor = {"sub": "app-2", "extension_VendorId": "v-01"}
        assert await statuses(client, 1, claims=same_vendor) == [429]
    assert served.graphql_calls == 2 + 3 + 3 + 4


async def test_claims_without_a_usable_id_are_anonymous() -> None:
    app, _ = limited(settings())
    async with http(app) as client:
        assert await statuses(client, 1, claims={"sub": ""}) == [200]
        assert await statuses(client, 1, claims={"scp": "read"}) == [200]
        assert await statuses(client, 1, claims={"extension_VendorId": 7}) == [429]


async def test_past_the_budget_comes_429_with_retry_after_and_a_coded_error() -> None:
    app, served = limited(settings(anonymous={"capacity": 1, "refill_per_second": 0.25}))
    async with http(app) as client:
        allowed = await post(client)
        refused = await post(client)
    assert allowed.status_code == 200
    assert (allowed.headers["ratelimit-limit"], allowed.headers["ratelimit-remaining"]) == (
        "1",
        "0",
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert refused.headers["retry-after"] == "4"
    assert refused.json() == {
        "errors": [
            {
                "message": "too many requests: retry after 4 seconds",
                "extensions": {"code": RATE_LIMITED, "retryAfter": 4},
            }
        ]
    }
    assert served.graphql_calls == 1


async def test_a_refused_request_is_neither_read_nor_passed_on() -> None:
    calls: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        raise AssertionError("the request body was read")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = RateLimitMiddleware(
        inner,
        settings=settings(anonymous={"capacity": 1, "refill_per_second": 5}),
        buckets=MemoryTokenBuckets(),
        paths={"/graphql"},
    )
    scope: Scope = {
        "type": "http", "method": "POST", "path": "/api/graphql", "root_path": "/api",
        "headers": [], "client": ("192.0.2.1", 5000),
    }  # fmt: skip
    await middleware(dict(scope), receive, send)
    await middleware(dict(scope), receive, send)
    assert calls == ["/api/graphql"]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"] * 2
    assert sent[0]["headers"][-2:] == [(b"ratelimit-limit", b"1"), (b"ratelimit-remaining", b"0")]
    assert sent[2]["status"] == 429
    assert dict(sent[2]["headers"])[b"retry-after"] == b"1"  # 0.2 s rounds up to 1


async def test_only_the_given_paths_are_limited_and_preflights_are_free() -> None:
    app, _ = limited(settings(anonymous={"capacity": 1, "refill_per_second": 0.01}))
    async with http(app) as client:
        for _ in range(3):
            health = await client.get("/health")
            assert health.status_code == 200
            assert "ratelimit-limit" not in health.headers
            assert (await client.options("/graphql")).status_code != 429
        assert await statuses(client, 2) == [200, 429]


async def test_disabled_limits_let_everything_through() -> None:
    app, served = limited(settings(enabled=False))
    async with http(app) as client:
        assert await statuses(client, 5) == [200] * 5
    assert served.graphql_calls == 5


async def test_the_budget_refills() -> None:
    app, _ = limited(settings(anonymous={"capacity": 1, "refill_per_second": 20}))
    async with http(app) as client:
        assert await statuses(client, 2) == [200, 429]
        await asyncio.sleep(0.07)
        assert await statuses(client, 2) == [200, 429]


async def test_two_routers_over_one_redis_share_one_budget(
    shared_redis_settings: RateLimitSettings,
) -> None:
    buckets_a = build_token_buckets(shared_redis_settings)
    buckets_b = build_token_buckets(shared_redis_settings)
    router_a, _ = limited(shared_redis_settings, buckets_a)
    router_b, served_b = limited(shared_redis_settings, buckets_b)
    try:
        async with http(router_a) as a, http(router_b) as b:
            assert await statuses(a, 3, claims=CUSTOMER) == [200, 200, 200]
            assert await statuses(b, 1, claims=CUSTOMER) == [429]
            assert await statuses(b, 1, claims={"sub": "u-other"}) == [200]
            assert await statuses(a, 1, claims={"sub": "u-other"}) == [200]
        assert served_b.graphql_calls == 1
        for buckets in (buckets_a, buckets_b):
            assert isinstance(buckets, RedisTokenBuckets)
            assert not buckets.redis_down
    finally:
        await buckets_a.aclose()
        await buckets_b.aclose()


async def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    app, _ = limited(settings(trusted_proxies=["10.0.0.0/8"]))
    async with http(app, peer="203.0.113.7") as client:
        spoofed = [
            (await post(client, forwarded_for=f"198.51.100.{n}")).status_code for n in range(4)
        ]
    assert spoofed == [200, 200, 429, 429]


async def test_forwarded_for_from_a_trusted_proxy_names_the_client() -> None:
    app, _ = limited(settings(trusted_proxies=["10.0.0.0/8", "2001:db8:ffff::/48"]))
    async with http(app, peer="10.0.0.5") as proxy:
        assert await statuses(proxy, 2, forwarded_for="198.51.100.1") == [200, 200]
        assert await statuses(proxy, 2, forwarded_for="198.51.100.2") == [200, 200]
        assert await statuses(proxy, 1, forwarded_for="198.51.100.1") == [429]
        # What the client wrote itself sits left of what the proxies appended: no fresh budget.
        chained = [f"1.1.1.{n}, 198.51.100.3, 10.0.0.9" for n in range(3)]
        assert [(await post(proxy, forwarded_for=f)).status_code for f in chained] == [
            200,
            200,
            429,
        ]
    async with http(app, peer="2001:db8:ffff::1") as proxy6:
        assert await statuses(proxy6, 3, forwarded_for="198.51.100.4") == [200, 200, 429]


async def test_many_anonymous_addresses_keep_memory_within_max_keys() -> None:
    buckets = MemoryTokenBuckets(max_keys=50)
    app, served = limited(settings(trusted_proxies=["10.0.0.5"]), buckets)
    async with http(app, peer="10.0.0.5") as proxy:
        for n in range(300):
            response = await post(proxy, forwarded_for=f"198.51.{n // 256}.{n % 256}")
            assert response.status_code == 200
    assert len(buckets) == 50
    assert served.graphql_calls == 300


async def test_with_redis_down_requests_are_still_served_quickly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = settings(
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        anonymous={"capacity": 100, "refill_per_second": 1},
        customer={"capacity": 5, "refill_per_second": 0.01},
    )
    buckets = build_token_buckets(config)
    app, _ = limited(config, buckets)
    began = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="shopgraph.router.rate_limit"):
            async with http(app) as client:
                assert await statuses(client, 20) == [200] * 20
                # The fallback still enforces the budget, per router instance.
                assert await statuses(client, 6, claims=CUSTOMER) == [200] * 5 + [429]
        assert time.monotonic() - began < 2.0
        assert len([r for r in caplog.records if r.name == "shopgraph.router.rate_limit"]) == 1
    finally:
        await buckets.aclose()


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("192.0.2.1", None, "192.0.2.1"),
        ("::ffff:192.0.2.1", None, "192.0.2.1"),
        ("2001:db8:1:2:aaaa::1", None, "2001:db8:1:2::/64"),
        ("testclient", None, "testclient"),
        ("10.0.0.5", "[2001:db8::7]:443", "2001:db8::/64"),
        ("10.0.0.5", "198.51.100.7:8443", "198.51.100.7"),
        ("10.0.0.5", "unknown, 10.0.0.6", "10.0.0.6"),
        ("10.0.0.5", "10.0.0.8, 10.0.0.6", "10.0.0.8"),
        ("10.0.0.5", None, "10.0.0.5"),
    ],
)
def test_client_address(peer: str, forwarded: str | None, client: str) -> None:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    scope: Scope = {"type": "http", "headers": headers, "client": (peer, 1)}
    trusted = RateLimitSettings.model_validate({"trusted_proxies": ["10.0.0.0/8"]}).trusted_proxies
    assert client_address(scope, trusted) == client


def test_a_missing_peer_and_missing_state_are_one_anonymous_client() -> None:
    assert identify_client({"type": "http", "headers": []}, ()) == ("anonymous", "unknown")


def test_long_client_ids_are_keyed_by_digest() -> None:
    key = bucket_key("customer", "x" * 10_000)
    assert key.startswith("customer:sha256:")
    assert len(key) == len("customer:sha256:") + 64
    assert bucket_key("vendor", "v-01") == "vendor:v-01"


def test_settings_default_to_memory_buckets_and_production_budgets() -> None:
    defaults = RateLimitSettings()
    buckets = build_token_buckets(defaults)
    assert defaults.enabled
    assert isinstance(buckets, MemoryTokenBuckets)
    assert buckets.max_keys == defaults.max_keys
    assert defaults.trusted_proxies == []
    assert defaults.anonymous.capacity <= defaults.customer.capacity <= defaults.vendor.capacity


def test_redis_settings_build_redis_buckets_with_a_memory_fallback() -> None:
    buckets = build_token_buckets(RateLimitSettings(redis_url="redis://127.0.0.1:1/0", max_keys=7))
    assert isinstance(buckets, RedisTokenBuckets)
    assert isinstance(buckets.fallback, MemoryTokenBuckets)
    assert buckets.fallback.max_keys == 7


@pytest.mark.parametrize(
    "bad",
    [
        {"unknown_option": True},
        {"anonymous": {"capacity": 0, "refill_per_second": 1}},
        {"customer": {"capacity": 10, "refill_per_second": 0}},
        {"vendor": {"capacity": 10, "refill_per_second": 1, "burst": 3}},
        {"trusted_proxies": ["not-an-address"]},
        {"trusted_proxies": ["10.0.0.1/8"]},
        {"redis_url": "http://cache:6379"},
        {"max_keys": 0},
        {"redis_timeout_seconds": 0},
    ],
)
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RateLimitSettings.model_validate(bad)


def test_budget_is_per_kind() -> None:
    config = settings()
    assert config.budget("vendor") == Budget(capacity=4, refill_per_second=0.01)
