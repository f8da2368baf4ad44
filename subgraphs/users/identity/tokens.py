"""What tokens say: B2C-shaped claims, signed access tokens and opaque refresh tokens."""

from __future__ import annotations

import secrets
from typing import Any

from subgraphs.users.identity.accounts import Account
from subgraphs.users.identity.clients import DEFAULT_SCOPE_NAME, Client
from subgraphs.users.identity.keys import Clock, SigningKeys
from subgraphs.users.identity.settings import ProviderSettings


class TokenFactory:
    """authlib's token generator (``register_token_generator``), writing B2C's claims.

    Delegated tokens (a person signed in to an app) carry the person's claims and ``scp``;
    app tokens (client credentials) carry the app's object id and, for a vendor's app,
    ``roles: ["vendor"]`` and ``extension_VendorId``.
    """

    def __init__(self, settings: ProviderSettings, keys: SigningKeys, clock: Clock) -> None:
        self.settings = settings
        self.keys = keys
        self.clock = clock

    def __call__(
        self,
        grant_type: str,
        client: Client,
        user: Account | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        now = int(self.clock())
        lifetime = expires_in or self.settings.access_token_lifetime_seconds
        claims = {
            **self.registered_claims(now, lifetime),
            **self.access_claims(client, user, scope),
        }
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": self.keys.sign(claims),
            "expires_in": lifetime,
            "expires_on": now + lifetime,
            "not_before": now,
        }
        if scope:
            token["scope"] = scope
        if include_refresh_token and user is not None and "offline_access" in (scope or ""):
            token["refresh_token"] = secrets.token_urlsafe(48)
            token["refresh_token_expires_in"] = self.settings.refresh_token_lifetime_seconds
        return token

    def registered_claims(self, now: int, lifetime: int) -> dict[str, Any]:
        """Issuer, times and the user flow, as every B2C token has them."""
        policy = self.settings.policy
        return {
            "iss": self.settings.token_issuer,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "ver": "1.0",
            "tfp": policy,
            "acr": policy.lower(),
        }

    def access_claims(
        self, client: Client, user: Account | None, scope: str | None
    ) -> dict[str, Any]:
        claims: dict[str, Any] = {"aud": self.settings.audience, "azp": client.client_id}
        if user is None:
            claims.update(sub=client.object_id, oid=client.object_id, name=client.name)
            claims["roles"] = ["vendor"] if client.vendor_id else []
            if client.vendor_id:
                claims["extension_VendorId"] = client.vendor_id
            return claims
        claims.update(user_claims(user))
        # Always present, even empty: ``scp`` is how a verifier tells a person's token from an
        # app's, and a person's token without API scopes must not pass for an app's.
        claims["scp"] = " ".join(self.api_scope_names(scope))
        return claims

    def api_scope_names(self, scope: str | None) -> list[str]:
        """The API's scopes by their short names, as B2C writes them in ``scp``."""
        prefix = self.settings.api_base + "/"
        return [
            s.removeprefix(prefix)
            for s in (scope or "").split()
            if s.startswith(prefix) and s != prefix + DEFAULT_SCOPE_NAME
        ]


def user_claims(user: Account) -> dict[str, Any]:
    """A person's claims, in access tokens and ID tokens alike."""
    claims: dict[str, Any] = {
        "sub": user.oid,
        "oid": user.oid,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "emails": [user.email],
        "roles": list(user.roles),
    }
    if user.vendor_id:
        claims["extension_VendorId"] = user.vendor_id
    return claims
