"""authlib's authorization server on Starlette.

authlib's grants are synchronous and read the request through ``OAuth2Request``; Starlette
reads bodies asynchronously. So each handler first reads the request into an ``HttpRequest``
(method, public URI, headers, query and form), then hands that to the server, whose
``create_oauth2_request`` wraps it for authlib and whose ``handle_response`` turns authlib's
``(status, body, headers)`` into a Starlette ``Response``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped]
    AuthorizationServer,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import InvalidScopeError  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import Response

from subgraphs.users.identity.accounts import AccountDirectory
from subgraphs.users.identity.clients import (
    API_SCOPE_NAMES,
    DEFAULT_SCOPE_NAME,
    OPENID_SCOPES,
    Client,
    ClientRegistry,
    api_scope,
)
from subgraphs.users.identity.grants import (
    AuthorizationCodeGrant,
    B2COpenIDCode,
    B2COpenIDToken,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    S256CodeChallenge,
)
from subgraphs.users.identity.keys import Clock, SigningKeys
from subgraphs.users.identity.logout import LogoutEndpoint
from subgraphs.users.identity.settings import ProviderSettings
from subgraphs.users.identity.storage import GrantStore, RefreshToken
from subgraphs.users.identity.tokens import TokenFactory

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class HttpRequest:
    """A request with its body read, which authlib's synchronous code can look at."""

    method: str
    uri: str
    headers: Mapping[str, str]
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    body: bytes = b""


async def read_request(request: Request, base_url: str) -> HttpRequest:
    """Read a Starlette request; its URI is the provider's public one, not the Host header's."""
    body = await request.body() if request.method == "POST" else b""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form = (
        parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        if content_type == FORM_CONTENT_TYPE
        else []
    )
    query = request.url.query
    uri = base_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")
    return HttpRequest(
        method=request.method,
        uri=uri,
        headers=request.headers,
        query=parse_qsl(query, keep_blank_values=True),
        form=form,
        body=body,
    )


class StarlettePayload(OAuth2Payload):  # type: ignore[misc]
    """Parameters from the query and the form; the first of a repeated one wins."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(method=request.method, uri=request.uri, headers=request.headers)
        self.payload = StarlettePayload(request.query + request.form)
        self._args = dict(request.query)
        self._form = dict(request.form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class StarletteJsonPayload(JsonPayload):  # type: ignore[misc]
    def __init__(self, body: bytes) -> None:
        self._data = json.loads(body) if body else {}

    @property
    def data(self) -> Any:
        return self._data


class StarletteJsonRequest(JsonRequest):  # type: ignore[misc]
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request.method, request.uri, request.headers)
        self.payload = StarletteJsonPayload(request.body)


class IdentityServer(AuthorizationServer):  # type: ignore[misc]
    """The authorization server: code + PKCE with ID tokens, refresh, client credentials."""

    def __init__(
        self,
        *,
        settings: ProviderSettings,
        clock: Clock,
        keys: SigningKeys,
        accounts: AccountDirectory,
        clients: ClientRegistry,
        store: GrantStore,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.keys = keys
        self.accounts = accounts
        self.clients = clients
        self.store = store
        self.tokens = TokenFactory(settings, keys, clock)
        super().__init__(scopes_supported=self.supported_scopes())
        self.register_token_generator("default", self.tokens)
        self.register_grant(
            AuthorizationCodeGrant,
            [S256CodeChallenge(required=True), B2COpenIDCode(self.tokens, store)],
        )
        self.register_grant(RefreshTokenGrant, [B2COpenIDToken(self.tokens)])
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(LogoutEndpoint(keys))

    def supported_scopes(self) -> list[str]:
        base = self.settings.api_base
        api = [api_scope(base, name) for name in (*API_SCOPE_NAMES, DEFAULT_SCOPE_NAME)]
        return sorted(OPENID_SCOPES) + api

    def query_client(self, client_id: str | None) -> Client | None:
        return self.clients.by_id(client_id)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Remember refresh tokens; access and ID tokens are self-contained JWTs."""
        if "refresh_token" not in token:
            return
        previous: RefreshToken | None = request.refresh_token
        code = request.authorization_code
        auth_time = previous.auth_time if previous else code.auth_time if code else None
        now = self.clock()
        record = RefreshToken(
            token=token["refresh_token"],
            client_id=request.client.client_id,
            user_oid=request.user.oid,
            scope=token.get("scope", ""),
            auth_time=int(now) if auth_time is None else auth_time,
            expires_at=now + self.settings.refresh_token_lifetime_seconds,
        )
        if previous is not None:
            record.family = previous.family
        self.store.save_refresh_token(record)

    def validate_requested_scope(self, scope: str | None) -> None:
        if scope and not set(scope.split()) <= set(self.scopes_supported):
            raise InvalidScopeError

    def create_oauth2_request(self, request: HttpRequest | OAuth2Request) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return StarletteOAuth2Request(request)

    def create_json_request(self, request: HttpRequest) -> JsonRequest:
        return StarletteJsonRequest(request)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        content = json.dumps(body).encode() if isinstance(body, dict) else body
        return Response(content, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        # authlib announces events (a client authenticated, a token revoked) here; the
        # provider has no listeners for them.
        return None
