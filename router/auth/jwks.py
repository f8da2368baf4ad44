"""The identity provider's signing keys: fetched (from the JWKS, found through the OpenID
discovery document or given), cached, and refetched periodically or when a token names a key
the cache does not hold.

No two fetches start closer than ``refresh_min_interval_seconds`` apart, so tokens naming
made-up key ids cannot make the router hammer the provider; verifications that arrive during a
fetch wait for that one fetch. When a refetch fails, the keys already held stay in use.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from router.auth.settings import JwtSettings, provider_url
from router.types import RouterError

log = logging.getLogger("shopgraph.router.auth")

MAX_DOCUMENT_BYTES = 1024 * 1024
"""Largest discovery document or JWKS read; a bigger one is refused."""
MAX_KEYS = 100
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
_CHUNK = 64 * 1024

Clock = Callable[[], float]
"""Seconds on a monotonic clock; tests pass one they move by hand."""


class JwksError(RouterError):
    """The signing keys could not be fetched or read."""

    code = "JWKS_UNAVAILABLE"


class JwksCache:
    """The signing keys of one issuer, by ``kid``."""

    def __init__(self, settings: JwtSettings, *, clock: Clock = time.monotonic) -> None:
        self._discovery_url = settings.discovery_url
        self._jwks_url = settings.jwks_url
        self._refresh_interval = settings.refresh_interval_seconds
        self._min_interval = settings.refresh_min_interval_seconds
        self._timeout = settings.fetch_timeout_seconds
        self._clock = clock
        self._keys: dict[str, RSAKey] | None = None
        self._fetched_at = -math.inf
        self._attempted_at = -math.inf
        self._error: JwksError | None = None
        self._in_flight: asyncio.Task[None] | None = None
        self.issuer: str | None = None
        """The discovery document's ``issuer``, once it has been read."""

    async def key(self, kid: str) -> RSAKey | None:
        """The key named ``kid``, or None when the provider does not publish it.

        Raises ``JwksError`` when no key set could be fetched yet.
        """
        now = self._clock()
        keys = self._keys
        if keys is None or now - self._fetched_at >= self._refresh_interval or kid not in keys:
            await self._refresh(now)
        if self._keys is None:
            raise self._error or JwksError("the signing keys have not been fetched")
        return self._keys.get(kid)

    async def _refresh(self, now: float) -> None:
        if self._in_flight is None:
            if now - self._attempted_at < self._min_interval:
                return
            self._attempted_at = now
            task = asyncio.get_running_loop().create_task(self._fetch())
            task.add_done_callback(self._fetch_done)
            self._in_flight = task
        await asyncio.shield(self._in_flight)

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        if self._in_flight is task:
            self._in_flight = None

    async def _fetch(self) -> None:
        try:
            timeout = aiohttp.ClientTimeout(total=self._timeout)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                jwks_url = self._jwks_url
                if jwks_url is None:
                    jwks_url, issuer = await self._discover(session)
                    self._jwks_url, self.issuer = jwks_url, issuer
                keys = read_jwks(await _get_json(session, jwks_url, "the JWKS"))
        except JwksError as error:
            self._error = error
            log.warning("signing keys not refreshed: %s", error.message)
            return
        self._keys = keys
        self._fetched_at = self._clock()
        self._error = None

    async def _discover(self, session: aiohttp.ClientSession) -> tuple[str, str]:
        url = self._discovery_url
        if url is None:
            raise JwksError("neither a discovery_url nor a jwks_url is set")
        document = await _get_json(session, url, "the discovery document")
        jwks_uri, issuer = document.get("jwks_uri"), document.get("issuer")
        if not isinstance(issuer, str) or not issuer.strip():
            raise JwksError(f"the discovery document at {url} has no issuer")
        if not isinstance(jwks_uri, str):
            raise JwksError(f"the discovery document at {url} has no jwks_uri")
        try:
            return provider_url(jwks_uri), issuer
        except ValueError as error:
            raise JwksError(f"the discovery document's jwks_uri {error}") from None


async def _get_json(session: aiohttp.ClientSession, url: str, what: str) -> dict[str, Any]:
    try:
        async with session.get(
            url, headers={"accept": "application/json"}, max_redirects=3
        ) as response:
            if response.status != 200:
                raise JwksError(f"{what} at {url} answered HTTP {response.status}")
            declared = response.content_length
            if declared is not None and declared > MAX_DOCUMENT_BYTES:
                raise JwksError(f"{what} at {url} is larger than {MAX_DOCUMENT_BYTES} bytes")
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise JwksError(f"{what} at {url} is larger than {MAX_DOCUMENT_BYTES} bytes")
    except TimeoutError:
        raise JwksError(f"{what} at {url} did not answer in time") from None
    except aiohttp.ClientError as error:
        raise JwksError(f"{what} at {url} could not be fetched: {error}") from None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise JwksError(f"{what} at {url} is not JSON") from None
    if not isinstance(document, dict):
        raise JwksError(f"{what} at {url} is not a JSON object")
    return document


def read_jwks(document: dict[str, Any]) -> dict[str, RSAKey]:
    """The RSA signature keys of a JWKS, by ``kid``; keys of other types or uses are skipped."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise JwksError("the JWKS has no list of keys")
    if len(entries) > MAX_KEYS:
        raise JwksError(f"the JWKS holds more than {MAX_KEYS} keys")
    keys: dict[str, RSAKey] = {}
    for entry in entries:
        key = _signature_key(entry)
        if key is not None and key.kid not in keys:
            keys[str(key.kid)] = key
    if not keys:
        raise JwksError("the JWKS holds no RS256 signature key with a kid")
    return keys


def _signature_key(entry: Any) -> RSAKey | None:
    if not isinstance(entry, dict) or entry.get("kty") != "RSA":
        return None
    if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256":
        return None
    kid, n, e = entry.get("kid"), entry.get("n"), entry.get("e")
    if not (isinstance(kid, str) and kid and isinstance(n, str) and isinstance(e, str)):
        return None
    bits = _modulus_bits(n)
    if not MIN_RSA_BITS <= bits <= MAX_RSA_BITS:
        log.warning("skipped the JWKS key %r: its modulus has %d bits", kid[:100], bits)
        return None
    try:
        # Only the public members: a JWKS that leaks private parts must not make signing keys.
        return RSAKey.import_key({"kty": "RSA", "kid": kid, "n": n, "e": e})
    except (JoseError, ValueError, TypeError):
        log.warning("skipped the JWKS key %r: not a valid RSA public key", kid[:100])
        return None


def _modulus_bits(n: str) -> int:
    if len(n) > MAX_RSA_BITS // 6 + 4:
        return MAX_RSA_BITS + 1
    try:
        modulus = base64.urlsafe_b64decode(n + "=" * (-len(n) % 4))
    except (binascii.Error, ValueError):
        return 0
    return int.from_bytes(modulus, "big").bit_length()
