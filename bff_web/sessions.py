"""Server-side sessions in Redis. The browser holds only an opaque session id in a cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from prometheus_client import Gauge
from redis.asyncio import Redis

from observability.metrics import service_registry

ACTIVE_KEY = "bffweb:sessions:active"
"""A sorted set of live sessions (a digest of each id, scored by its expiry): their count is
``shopgraph_bff_web_active_sessions``, shared by every BFF instance."""
ACTIVE_SESSIONS = Gauge(
    "shopgraph_bff_web_active_sessions",
    "Browser sessions alive (signed in or holding an anonymous cart), across instances.",
    registry=service_registry("bff_web"),
)

SIGN_IN_TTL_SECONDS = 600
"""How long a started sign-in (its state, and the browser's sign-in cookie) stays valid."""


@dataclass
class Session:
    id: str
    anonymous_cart_id: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    expires_at: float = 0.0
    user: dict[str, Any] = field(default_factory=dict)
    """The signed-in person's public claims: oid, name, email."""

    @property
    def signed_in(self) -> bool:
        return self.access_token is not None


@dataclass
class PendingSignIn:
    state: str
    nonce: str
    code_verifier: str
    return_to: str
    session_id: str | None
    browser_binding: str = ""
    """The SHA-256 of the sign-in cookie of the browser that started it (see :func:`binding`)."""

    def started_by(self, browser_value: str | None) -> bool:
        """Whether the browser presenting this sign-in cookie value is the one that started it."""
        if not browser_value or not self.browser_binding:
            return False
        return hmac.compare_digest(binding(browser_value), self.browser_binding)


def _member(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()[:32]


def binding(browser_value: str) -> str:
    """What is stored of a browser's sign-in cookie: its hash, never the value itself."""
    return hashlib.sha256(browser_value.encode()).hexdigest()


class SessionStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    async def load(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        raw = await self.redis.get(f"bffweb:session:{session_id}")
        return Session(**orjson.loads(raw)) if raw else None

    async def save(self, session: Session) -> None:
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(f"bffweb:session:{session.id}", orjson.dumps(asdict(session)), ex=self.ttl)
            pipe.zadd(ACTIVE_KEY, {_member(session.id): now + self.ttl})
            pipe.zremrangebyscore(ACTIVE_KEY, "-inf", now)
            pipe.zcard(ACTIVE_KEY)
            *_, active = await pipe.execute()
        ACTIVE_SESSIONS.set(active)

    async def create(self, **values: Any) -> Session:
        session = Session(id=secrets.token_urlsafe(32), **values)
        await self.save(session)
        return session

    async def delete(self, session_id: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.delete(f"bffweb:session:{session_id}")
            pipe.zrem(ACTIVE_KEY, _member(session_id))
            pipe.zcard(ACTIVE_KEY)
            *_, active = await pipe.execute()
        ACTIVE_SESSIONS.set(active)

    async def start_sign_in(self, pending: PendingSignIn) -> None:
        await self.redis.set(f"bffweb:signin:{pending.state}", orjson.dumps(asdict(pending)),
                             ex=SIGN_IN_TTL_SECONDS)  # fmt: skip

    async def finish_sign_in(self, state: str) -> PendingSignIn | None:
        """The pending sign-in for ``state``, once: a replayed callback finds nothing."""
        raw = await self.redis.getdel(f"bffweb:signin:{state}")
        return PendingSignIn(**orjson.loads(raw)) if raw else None

    async def lock_refresh(self, session_id: str) -> bool:
        """One refresh at a time per session."""
        return bool(await self.redis.set(f"bffweb:refresh:{session_id}", "1", nx=True, ex=15))

    async def unlock_refresh(self, session_id: str) -> None:
        await self.redis.delete(f"bffweb:refresh:{session_id}")
