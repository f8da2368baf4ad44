"""Who is asking: bearer tokens from Azure AD B2C (or the local B2C-style provider) verified.

Every subgraph verifies the token itself: signature against the issuer's JWKS (refetched
when a token names a key it has not seen), algorithm, issuer, audience, expiry with a small
leeway, and the B2C policy (``tfp`` or ``acr``). Identity (name, email) comes from claims.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ("RS256",)


class AuthenticationError(Exception):
    """The request's credentials are not acceptable (``UNAUTHENTICATED``)."""

    code = "UNAUTHENTICATED"


@dataclass(frozen=True)
class Viewer:
    subject: str | None = None
    """The B2C object id (``oid``), the user's id everywhere in shopgraph."""
    name: str | None = None
    email: str | None = None
    roles: frozenset[str] = frozenset()
    vendor_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    delegated: bool = False
    """A person signed in through an app: the token's ``scp`` limits what the app may do."""

    @property
    def authenticated(self) -> bool:
        return self.subject is not None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


ANONYMOUS = Viewer()


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: KeySet | None = None,
        jwks_url: str | None = None,
        policies: Collection[str] = (),
        leeway_seconds: int = 60,
        min_refetch_seconds: float = 10.0,
    ) -> None:
        if keys is None and jwks_url is None:
            raise ValueError("TokenVerifier needs keys or a jwks_url")
        self.issuer = issuer
        self.audience = audience
        self.keys = keys or KeySet([])
        self.jwks_url = jwks_url
        self.policies = frozenset(policies)
        self.leeway = leeway_seconds
        self.min_refetch = min_refetch_seconds
        self.fetches = 0
        """How many times the JWKS was fetched (it is cached between key rotations)."""
        self._fetched_at = 0.0

    async def viewer(self, authorization: str | None) -> Viewer:
        """The viewer for an ``Authorization`` header; anonymous when there is none."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
        return viewer_from_claims(await self.verify(token.strip()))

    async def verify(self, token: str) -> dict[str, Any]:
        await self._ensure_key_for(token)
        try:
            decoded = jwt.decode(token, self.keys, algorithms=list(ALGORITHMS))
            registry = jwt.JWTClaimsRegistry(
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise AuthenticationError(f"invalid token: {error}") from error
        claims = dict(decoded.claims)
        policy = claims.get("tfp") or claims.get("acr")
        if self.policies and str(policy).lower() not in {p.lower() for p in self.policies}:
            raise AuthenticationError(f"invalid token: policy {policy!r} is not accepted")
        return claims

    async def _ensure_key_for(self, token: str) -> None:
        kid = _header_kid(token)
        if self.jwks_url is None or (kid and _has_kid(self.keys, kid)):
            return
        if time.monotonic() - self._fetched_at < self.min_refetch and self.keys.keys:
            return  # tokens naming unknown keys refetch at most once per interval
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(self.jwks_url)
        if response.status_code != 200:
            raise AuthenticationError(f"cannot fetch signing keys: HTTP {response.status_code}")
        self.keys = KeySet.import_key_set(response.json())
        self._fetched_at = time.monotonic()
        self.fetches += 1


def viewer_from_claims(claims: dict[str, Any]) -> Viewer:
    roles = claims.get("roles") or []
    emails = claims.get("emails") or ([claims["email"]] if "email" in claims else [])
    return Viewer(
        subject=str(claims.get("oid") or claims.get("sub")),
        name=claims.get("name"),
        email=emails[0] if emails else None,
        roles=frozenset(str(r) for r in roles),
        vendor_id=claims.get("extension_VendorId") or claims.get("vendor_id"),
        scopes=frozenset(str(claims.get("scp", "")).split()),
        delegated="scp" in claims,
    )


def _header_kid(token: str) -> str | None:
    import base64
    import json

    try:
        header = token.split(".")[0]
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, IndexError) as error:
        raise AuthenticationError("invalid token: not a JWT") from error
    kid = decoded.get("kid") if isinstance(decoded, dict) else None
    return str(kid) if kid else None


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)
