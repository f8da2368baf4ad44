"""Per-client rate limits as pure ASGI middleware, over token buckets shared through Redis.

The client is the authentication middleware's verdict in ``scope["state"]["claims"]``: a
vendor (by its vendor id claim), a customer (by token subject) or an anonymous caller (by
address; IPv6 by its /64, which one host usually holds whole). Each kind has its own budget.
A refused request gets 429 before its body is read.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Collection, Mapping
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observability.context import current_request
from router.http.token_buckets import (
    DEFAULT_KEY_PREFIX,
    DEFAULT_MAX_KEYS,
    DEFAULT_REDIS_TIMEOUT_SECONDS,
    Decision,
    MemoryTokenBuckets,
    RedisTokenBuckets,
    TokenBuckets,
)
from router.telemetry.metrics import REFUSED_OPERATIONS

RATE_LIMITED = "RATE_LIMITED"
CHARGE = "rate_limit_charge"
"""Where a limited request's scope state holds its charge for more operations."""
VENDOR_CLAIM = "extension_VendorId"
MAX_KEY_CHARS = 128
"""Longer client ids are keyed by their SHA-256."""
MAX_FORWARDED_HOPS = 32

ClientKind = Literal["anonymous", "customer", "vendor"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Budget(_Section):
    capacity: int = Field(ge=1, le=1_000_000)
    """The burst: requests a client may send at once after being idle."""
    refill_per_second: float = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    """The sustained rate."""


class RateLimitSettings(_Section):
    enabled: bool = True
    redis_url: str | None = None
    """Shared budgets across router instances; without it each instance counts on its own."""
    key_prefix: str = Field(DEFAULT_KEY_PREFIX, min_length=1, max_length=100)
    redis_timeout_seconds: float = Field(DEFAULT_REDIS_TIMEOUT_SECONDS, gt=0, le=5)
    # A storefront page runs a handful of operations, and many shoppers can share one
    # address (NAT); signed-in shoppers are keyed one by one; vendor apps sync in bursts.
    anonymous: Budget = Field(default_factory=lambda: Budget(capacity=60, refill_per_second=2))
    customer: Budget = Field(default_factory=lambda: Budget(capacity=120, refill_per_second=4))
    vendor: Budget = Field(default_factory=lambda: Budget(capacity=600, refill_per_second=20))
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list, max_length=1000)
    """Peers whose ``X-Forwarded-For`` is believed; others are the client themselves."""
    max_keys: int = Field(DEFAULT_MAX_KEYS, ge=1, le=10_000_000)
    """Buckets kept in memory (without Redis, or while it is down); about 300 bytes each."""

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"must be a redis://, rediss:// or unix:// URL, got {value!r}")
        return value

    def budget(self, kind: ClientKind) -> Budget:
        budget: Budget = getattr(self, kind)
        return budget


def build_token_buckets(settings: RateLimitSettings) -> TokenBuckets:
    """Redis buckets falling back to memory when ``redis_url`` is set, else memory alone."""
    memory = MemoryTokenBuckets(settings.max_keys)
    if settings.redis_url is None:
        return memory
    return RedisTokenBuckets.from_url(
        settings.redis_url,
        key_prefix=settings.key_prefix,
        timeout_seconds=settings.redis_timeout_seconds,
        fallback=memory,
    )


class RateLimitMiddleware:
    """Spends one token of the client's budget per request to ``paths``; 429 past it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: RateLimitSettings,
        buckets: TokenBuckets,
        paths: Collection[str],
    ) -> None:
        self.app = app
        self.settings = settings
        self.buckets = buckets
        self.paths = frozenset(paths)
        self._trusted: tuple[IPNetwork, ...] = tuple(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.settings.enabled
            or scope["method"] == "OPTIONS"
            or _route_path(scope) not in self.paths
        ):
            await self.app(scope, receive, send)
            return
        kind, client = identify_client(scope, self._trusted)
        budget = self.settings.budget(kind)
        decision = await self.buckets.take(
            bucket_key(kind, client),
            capacity=budget.capacity,
            refill_per_second=budget.refill_per_second,
        )
        limit_headers = [
            (b"ratelimit-limit", str(budget.capacity).encode()),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
        ]
        if not decision.allowed:
            await _refuse(send, decision, limit_headers)
            return

        key = bucket_key(kind, client)

        async def charge(operations: int) -> Decision:
            """Take ``operations`` more tokens (a batch's other operations)."""
            return await self.buckets.take(
                key,
                capacity=budget.capacity,
                refill_per_second=budget.refill_per_second,
                cost=min(max(operations, 1), budget.capacity),
            )

        scope.setdefault("state", {})[CHARGE] = charge

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *limit_headers]
            await send(message)

        await self.app(scope, receive, send_with_limits)


async def charge_operations(scope: Scope, operations: int) -> Decision | None:
    """Charge a request's client for ``operations`` more operations (a batch counts each of
    its operations); None when no rate limit applies to the request."""
    charge = scope.get("state", {}).get(CHARGE)
    if charge is None or operations <= 0:
        return None
    decision: Decision = await charge(operations)
    return decision


async def _refuse(send: Send, decision: Decision, limit_headers: list[tuple[bytes, bytes]]) -> None:
    status, headers, body = refusal(decision)
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, *limit_headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def refusal(decision: Decision) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The 429 a refused request gets (status, headers, body), counted."""
    REFUSED_OPERATIONS.labels(RATE_LIMITED).inc()
    current_request().add_error_code(RATE_LIMITED)
    seconds = max(1, math.ceil(decision.retry_after_seconds))
    body = orjson.dumps(
        {
            "errors": [
                {
                    "message": f"too many requests: retry after {seconds} seconds",
                    "extensions": {"code": RATE_LIMITED, "retryAfter": seconds},
                }
            ]
        }
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    return 429, headers, body


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def identify_client(scope: Scope, trusted_proxies: Collection[IPNetwork]) -> tuple[ClientKind, str]:
    """The client's kind and id: vendor id, token subject, or network address."""
    state = scope.get("state")
    claims = state.get("claims") if isinstance(state, Mapping) else None
    if isinstance(claims, Mapping):
        vendor = _id(claims.get(VENDOR_CLAIM))
        if vendor is not None:
            return "vendor", vendor
        subject = _id(claims.get("oid")) or _id(claims.get("sub"))
        if subject is not None:
            return "customer", subject
    return "anonymous", client_address(scope, trusted_proxies)


def _id(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def bucket_key(kind: ClientKind, client: str) -> str:
    if len(client) > MAX_KEY_CHARS:
        client = "sha256:" + hashlib.sha256(client.encode()).hexdigest()
    return f"{kind}:{client}"


def client_address(scope: Scope, trusted_proxies: Collection[IPNetwork]) -> str:
    """The socket peer, or, when the peer is a trusted proxy, the nearest address in
    ``X-Forwarded-For`` that is not one: hops to its left were written by the client."""
    peer = scope.get("client")
    peer_host = peer[0] if peer else None
    address = _parse_address(peer_host) if isinstance(peer_host, str) else None
    if address is None:
        return (peer_host if isinstance(peer_host, str) else "unknown")[:MAX_KEY_CHARS]
    if _is_trusted(address, trusted_proxies):
        for hop in reversed(_forwarded_hops(scope)):
            forwarded = _parse_address(hop)
            if forwarded is None:
                break
            address = forwarded
            if not _is_trusted(address, trusted_proxies):
                break
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _forwarded_hops(scope: Scope) -> list[str]:
    values = [value for name, value in scope["headers"] if name == b"x-forwarded-for"]
    joined = b",".join(values).decode("latin-1")
    return [hop.strip() for hop in joined.rsplit(",", MAX_FORWARDED_HOPS)[-MAX_FORWARDED_HOPS:]]


def _parse_address(text: str) -> IPAddress | None:
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443, as some proxies write it
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, trusted_proxies: Collection[IPNetwork]) -> bool:
    return any(address in network for network in trusted_proxies)
