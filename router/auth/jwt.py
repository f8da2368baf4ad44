"""Bearer tokens verified at the edge: Azure AD B2C's RS256 JWTs (and the local B2C-style
provider's).

A token is accepted only when it is a compact JWS of at most ``MAX_TOKEN_LENGTH`` characters,
its header names ``RS256`` and the ``kid`` of a key the issuer publishes, that key's signature
holds, and its claims say: ``iss`` the issuer exactly, ``aud`` one of the audiences, ``exp``
present and not past, ``nbf`` (if any) reached, both with ``leeway_seconds``, and, when
policies are set, a ``tfp`` (or ``acr``) naming one of them.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError

from router.auth.errors import AuthenticationError
from router.auth.jwks import Clock, JwksCache, JwksError
from router.auth.settings import JwtSettings

ALGORITHM = "RS256"
MAX_TOKEN_LENGTH = 16 * 1024
MAX_KID_LENGTH = 256
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class JwtVerifier:
    """Verifies tokens of the issuer ``settings`` describes, with its keys cached."""

    def __init__(self, settings: JwtSettings, *, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.keys = JwksCache(settings, clock=clock)
        self._policies = frozenset(policy.lower() for policy in settings.policies)
        self._audiences = frozenset(settings.audiences)

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; ``AuthenticationError`` when it is not acceptable."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationError(
                f"the token is longer than {MAX_TOKEN_LENGTH} characters", reason="too_long"
            )
        kid = _signing_kid(token)
        try:
            key = await self.keys.key(kid)
        except JwksError as error:
            raise AuthenticationError(
                "the token cannot be verified: the identity provider's signing keys are "
                "unavailable",
                reason="keys_unavailable",
            ) from error
        if key is None:
            raise AuthenticationError("the token's signing key is unknown", reason="unknown_key")
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM]).claims
        except BadSignatureError:
            raise AuthenticationError(
                "the token's signature is invalid", reason="signature"
            ) from None
        except (JoseError, ValueError, TypeError):
            raise AuthenticationError("the token is not a valid JWT", reason="malformed") from None
        self._check_claims(claims)
        return dict(claims)

    def _check_claims(self, claims: dict[str, Any]) -> None:
        now, leeway = time.time(), self.settings.leeway_seconds
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if exp is None:
            raise AuthenticationError("the token has no expiry (exp)", reason="missing_expiry")
        if not _numeric_date(exp) or ("nbf" in claims and not _numeric_date(nbf)):
            raise AuthenticationError("the token's exp or nbf is not a time", reason="malformed")
        if now >= exp + leeway:
            raise AuthenticationError("the token has expired", reason="expired")
        if nbf is not None and now + leeway < nbf:
            raise AuthenticationError("the token is not valid yet (nbf)", reason="not_yet_valid")
        issuer = self.settings.issuer or self.keys.issuer
        if issuer is None or claims.get("iss") != issuer:
            raise AuthenticationError("the token's issuer is not accepted", reason="issuer")
        if not self._audience_accepted(claims.get("aud")):
            raise AuthenticationError("the token's audience is not accepted", reason="audience")
        if self._policies:
            policy = claims.get("tfp", claims.get("acr"))
            if not isinstance(policy, str) or policy.lower() not in self._policies:
                raise AuthenticationError(
                    "the token's user flow (tfp/acr) is not accepted", reason="policy"
                )

    def _audience_accepted(self, audience: Any) -> bool:
        if isinstance(audience, str):
            return audience in self._audiences
        if isinstance(audience, list):
            return any(isinstance(a, str) and a in self._audiences for a in audience)
        return False


def _signing_kid(token: str) -> str:
    """The header's ``kid``, once the header says RS256; refuses anything that is not a JWS."""
    if not _COMPACT_JWS.match(token):
        raise AuthenticationError("the token is not a JWT", reason="malformed")
    encoded = token.partition(".")[0]
    try:
        header = orjson.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise AuthenticationError("the token is not a JWT", reason="malformed") from None
    if not isinstance(header, dict):
        raise AuthenticationError("the token is not a JWT", reason="malformed")
    if header.get("alg") != ALGORITHM:
        raise AuthenticationError(
            f"the token's algorithm is not accepted (only {ALGORITHM})", reason="algorithm"
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
        raise AuthenticationError("the token names no signing key (kid)", reason="unknown_key")
    return kid


def _numeric_date(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
