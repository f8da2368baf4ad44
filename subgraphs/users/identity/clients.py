"""Registered applications: the web BFF, the mobile app, GraphiQL and vendors' back-end apps.

A ``Client`` answers the questions authlib's grants ask of a client (``ClientMixin``).
Redirect URIs match exactly; nothing is inferred from a prefix.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

OPENID_SCOPES = frozenset({"openid", "offline_access"})
API_SCOPE_NAMES = ("catalog.write", "orders.read", "orders.write", "profile.read", "profile.write")
DEFAULT_SCOPE_NAME = ".default"
"""What an app asks for in the client credentials flow: every permission granted to it."""

SECRET_AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post"})

# Secrets of the local demo apps, documented in the README; real apps are registered in B2C.
DEV_SECRETS = {
    "bff-web": "bff-web-dev-secret",
    "vendor-app-v-01": "vendor-app-v-01-dev-secret",
    "vendor-app-v-02": "vendor-app-v-02-dev-secret",
}


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    grant_types: frozenset[str]
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    secret: str | None = None
    """``None`` for a public client (a native or browser app), which must use PKCE."""
    scopes: frozenset[str] = field(default_factory=frozenset)
    """Every scope the client may be granted, API scopes as full URIs."""
    vendor_id: str | None = None

    @property
    def is_public(self) -> bool:
        return self.secret is None

    @property
    def object_id(self) -> str:
        """The app's own object id: ``oid`` and ``sub`` of the tokens it gets for itself."""
        return f"app-{self.client_id}"

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": list(self.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only when there is no choice to make; otherwise the request must name one.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = (scope or "").split()
        return " ".join(s for s in dict.fromkeys(requested) if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret is None:
            return False
        return hmac.compare_digest(client_secret.encode(), self.secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint != "token":
            return True
        return method == "none" if self.is_public else method in SECRET_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class ClientRegistry:
    def __init__(self, clients: Iterable[Client]) -> None:
        self.clients = {client.client_id: client for client in clients}

    def by_id(self, client_id: str | None) -> Client | None:
        return self.clients.get(client_id) if client_id else None

    def browser_origins(self) -> list[str]:
        """Origins of the web redirect URIs: browsers there may call the token endpoint."""
        origins: dict[str, None] = {}
        for client in self.clients.values():
            for uri in client.redirect_uris:
                parts = urlsplit(uri)
                if parts.scheme in ("http", "https"):
                    origins[f"{parts.scheme}://{parts.netloc}"] = None
        return list(origins)


def api_scope(api_base: str, name: str) -> str:
    """B2C names an API's scope by the API's URI: ``https://{tenant}.onmicrosoft.com/{api}/{name}``."""
    return f"{api_base.rstrip('/')}/{name}"


def dev_clients(api_base: str, port_offset: int = 0) -> tuple[Client, ...]:
    """The demo apps, their local URLs moved by ``SHOPGRAPH_DEV_PORT_OFFSET`` like every port."""
    web, router = 3000 + port_offset, 4000 + port_offset
    every_api_scope = frozenset(api_scope(api_base, name) for name in API_SCOPE_NAMES)
    shopper_scopes = frozenset(
        api_scope(api_base, name) for name in API_SCOPE_NAMES if name != "catalog.write"
    )
    interactive = frozenset({"authorization_code", "refresh_token"})
    vendor_scopes = frozenset({api_scope(api_base, DEFAULT_SCOPE_NAME)})
    return (
        Client("bff-web", "shopgraph web", interactive,
               redirect_uris=(f"http://127.0.0.1:{web}/auth/callback",
                              f"http://localhost:{web}/auth/callback"),
               post_logout_redirect_uris=(f"http://127.0.0.1:{web}/", f"http://localhost:{web}/"),
               secret=DEV_SECRETS["bff-web"], scopes=OPENID_SCOPES | every_api_scope),
        Client("mobile-app", "shopgraph mobile", interactive,
               redirect_uris=("shopgraph://auth/callback",),
               post_logout_redirect_uris=("shopgraph://auth/signed-out",),
               scopes=OPENID_SCOPES | shopper_scopes),
        Client("graphiql", "GraphiQL on the router", interactive,
               redirect_uris=(f"http://127.0.0.1:{router}/auth/callback",),
               post_logout_redirect_uris=(f"http://127.0.0.1:{router}/graphql",),
               scopes=OPENID_SCOPES | every_api_scope),
        Client("vendor-app-v-01", "Northwind Traders back office",
               frozenset({"client_credentials"}), secret=DEV_SECRETS["vendor-app-v-01"],
               scopes=vendor_scopes, vendor_id="v-01"),
        Client("vendor-app-v-02", "Contoso Home back office",
               frozenset({"client_credentials"}), secret=DEV_SECRETS["vendor-app-v-02"],
               scopes=vendor_scopes, vendor_id="v-02"),
    )  # fmt: skip
