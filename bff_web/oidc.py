"""The BFF as an OpenID Connect client (authlib): authorization code + PKCE, the ID token
checked (signature, issuer, audience, expiry, nonce), refresh, and logout at the provider."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
    AsyncOAuth2Client,
)
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from bff_web.settings import WebSettings


class SignInError(Exception):
    """The provider's answer does not hold up; the sign-in is refused."""


class OidcClient:
    def __init__(self, settings: WebSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._discovery: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            response = await self.http.get(self.settings.discovery_url)
            response.raise_for_status()
            self._discovery = response.json()
        return self._discovery

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id, client_secret=self.settings.client_secret,
            scope=self.settings.scopes, redirect_uri=self.settings.redirect_uri,
            code_challenge_method="S256", token_endpoint_auth_method="client_secret_post",  # noqa: S106
        )  # fmt: skip

    async def authorization_url(self) -> tuple[str, str, str, str]:
        """(url, state, nonce, code_verifier) for a new sign-in."""
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        endpoint = (await self.discovery())["authorization_endpoint"]
        async with self._client() as client:
            url, _ = client.create_authorization_url(endpoint, state=state, nonce=nonce,
                                                     code_verifier=verifier)  # fmt: skip
        return url, state, nonce, verifier

    async def exchange(self, code: str, verifier: str, nonce: str) -> dict[str, Any]:
        """Tokens for an authorization code; the ID token is verified, nonce included."""
        endpoint = (await self.discovery())["token_endpoint"]
        async with self._client() as client:
            try:
                token = dict(await client.fetch_token(endpoint, code=code, code_verifier=verifier))
            except Exception as error:  # authlib raises its OAuthError or httpx errors
                raise SignInError(f"the code was not accepted: {error}") from error
        claims = await self.verify_id_token(str(token.get("id_token", "")))
        if claims.get("nonce") != nonce:
            raise SignInError("the ID token's nonce is not the one this sign-in sent")
        token["claims"] = claims
        return token

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        endpoint = (await self.discovery())["token_endpoint"]
        async with self._client() as client:
            return dict(await client.refresh_token(endpoint, refresh_token=refresh_token))

    async def verify_id_token(self, id_token: str) -> dict[str, Any]:
        discovery = await self.discovery()
        keys = await self._jwks(id_token)
        try:
            decoded = jwt.decode(id_token, keys, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": discovery["issuer"]},
                aud={"essential": True, "value": self.settings.client_id},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise SignInError(f"the ID token does not verify: {error}") from error
        return dict(decoded.claims)

    async def _jwks(self, token: str) -> KeySet:
        kid = _kid(token)
        if self._keys is None or (kid and not any(k.kid == kid for k in self._keys.keys)):
            response = await self.http.get((await self.discovery())["jwks_uri"])
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
        return self._keys

    async def logout_url(self, id_token: str | None) -> str:
        endpoint = (await self.discovery()).get("end_session_endpoint")
        if not endpoint:
            return "/"
        params = {"post_logout_redirect_uri": self.settings.public_url.rstrip("/") + "/"}
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(params)}"


def _kid(token: str) -> str | None:
    try:
        part = token.split(".")[0]
        header = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, IndexError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return str(kid) if kid else None


def expires_at(token: dict[str, Any]) -> float:
    if "expires_at" in token:
        return float(token["expires_at"])
    return time.time() + float(token.get("expires_in", 3600))
