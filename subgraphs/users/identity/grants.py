"""authlib's grants, bound to the provider's accounts, grant store and token claims."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import grants  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped]
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped]
from authlib.oidc.core import OpenIDCode, OpenIDToken  # type: ignore[import-untyped]
from joserfc.jwk import RSAKey

from subgraphs.users.identity.accounts import Account
from subgraphs.users.identity.clients import Client
from subgraphs.users.identity.keys import ALGORITHM
from subgraphs.users.identity.storage import AuthorizationCode, GrantStore, RefreshToken
from subgraphs.users.identity.tokens import TokenFactory, user_claims

if TYPE_CHECKING:
    from subgraphs.users.identity.server import IdentityServer

CLIENT_SECRET_METHODS = ["client_secret_basic", "client_secret_post"]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*CLIENT_SECRET_METHODS, "none"]

    server: IdentityServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        now = self.server.clock()
        settings = self.server.settings
        self.server.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.scope or "",
                user_oid=request.user.oid,
                auth_time=int(now),
                expires_at=now + settings.authorization_code_lifetime_seconds,
                acr=settings.policy.lower(),
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return self.server.store.code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.store.delete_code(authorization_code)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        return self.server.accounts.by_oid(authorization_code.user_oid)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    """Refresh tokens rotate: the new response carries the next one, the used one is revoked."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*CLIENT_SECRET_METHODS, "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    server: IdentityServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        return self.server.store.refresh_token(refresh_token)

    def authenticate_user(self, refresh_token: RefreshToken) -> Account | None:
        return self.server.accounts.by_oid(refresh_token.user_oid)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        self.server.store.revoke(refresh_token)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """An app acting for itself (a vendor's back office), authenticated by its secret."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = CLIENT_SECRET_METHODS

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: Client = self.request.client
        if any(s not in client.scopes for s in (self.request.payload.scope or "").split()):
            raise InvalidScopeError


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only, and required of public clients already at the authorize step."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        client: Client = grant.request.client
        if client.is_public and not data.get("code_challenge"):
            raise InvalidRequestError("Public clients must send a 'code_challenge' (S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The 'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)


class _B2CIdToken:
    """The ID token's signing key and claims: B2C's, with the client id as audience."""

    def __init__(self, tokens: TokenFactory) -> None:
        self.tokens = tokens

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.tokens.keys.current

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.tokens.keys.kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(self.tokens.clock())
        lifetime = self.tokens.settings.id_token_lifetime_seconds
        claims = self.tokens.registered_claims(now, lifetime)
        return {**claims, "aud": client.client_id, "auth_time": now}

    def generate_user_info(self, user: Account, scope: str) -> dict[str, Any]:
        return user_claims(user)


class B2COpenIDCode(_B2CIdToken, OpenIDCode):  # type: ignore[misc]
    """An ID token next to the tokens of the code flow, with the request's ``nonce``."""

    def __init__(self, tokens: TokenFactory, store: GrantStore) -> None:
        _B2CIdToken.__init__(self, tokens)
        OpenIDCode.__init__(self, require_nonce=False)
        self.store = store

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return self.store.nonce_in_use(request.payload.client_id, nonce)


class B2COpenIDToken(_B2CIdToken, OpenIDToken):  # type: ignore[misc]
    """A fresh ID token on refresh, as B2C gives one."""
