"""Authorization codes and refresh tokens, in memory, with their expiry on the provider's clock.

Refresh tokens rotate: each use revokes the token and issues the next one of the same family.
A revoked token that comes back means it was copied, so its whole family is revoked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from subgraphs.users.identity.keys import Clock


@dataclass
class AuthorizationCode:
    """An issued code and the authorization request it answers (authlib's code model)."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_oid: str
    auth_time: int
    expires_at: float
    acr: str
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str] | None:
        return None


@dataclass
class RefreshToken:
    token: str
    client_id: str
    user_oid: str
    scope: str
    auth_time: int
    expires_at: float
    family: str = field(default_factory=lambda: secrets.token_hex(8))
    revoked: bool = False

    def check_client(self, client: object) -> bool:
        return getattr(client, "client_id", None) == self.client_id

    def get_scope(self) -> str:
        return self.scope


class GrantStore:
    """What the token endpoint must remember between requests."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._codes: dict[str, AuthorizationCode] = {}
        self._refresh_tokens: dict[str, RefreshToken] = {}

    def save_code(self, code: AuthorizationCode) -> None:
        self._drop_expired()
        self._codes[code.code] = code

    def code(self, code: str, client_id: str) -> AuthorizationCode | None:
        found = self._codes.get(code)
        if found is None or found.client_id != client_id or found.expires_at <= self.clock():
            return None
        return found

    def delete_code(self, code: AuthorizationCode) -> None:
        self._codes.pop(code.code, None)

    def nonce_in_use(self, client_id: str, nonce: str) -> bool:
        now = self.clock()
        return any(
            c.client_id == client_id and c.nonce == nonce and c.expires_at > now
            for c in self._codes.values()
        )

    def save_refresh_token(self, token: RefreshToken) -> None:
        self._drop_expired()
        self._refresh_tokens[token.token] = token

    def refresh_token(self, token: str) -> RefreshToken | None:
        """The live token; a revoked one revokes its family and is refused."""
        found = self._refresh_tokens.get(token)
        if found is None or found.expires_at <= self.clock():
            return None
        if found.revoked:
            self.revoke_family(found.family)
            return None
        return found

    def revoke(self, token: RefreshToken) -> None:
        token.revoked = True

    def revoke_family(self, family: str) -> None:
        for token in self._refresh_tokens.values():
            if token.family == family:
                token.revoked = True

    def _drop_expired(self) -> None:
        now = self.clock()
        self._codes = {k: c for k, c in self._codes.items() if c.expires_at > now}
        self._refresh_tokens = {k: t for k, t in self._refresh_tokens.items() if t.expires_at > now}
