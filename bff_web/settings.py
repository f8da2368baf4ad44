"""Web BFF settings (``SHOPGRAPH_BFF_WEB_*`` environment variables; Redis from
``SHOPGRAPH_REDIS_URL``). The defaults fit ``make dev``: the local identity provider, the dev
router, and ports moved by ``SHOPGRAPH_DEV_PORT_OFFSET``."""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field, NonNegativeFloat, PositiveFloat, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

POLICY_PATH = "/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
API_SCOPES = "https://shopgraph.onmicrosoft.com/shopgraph-api"


def _offset() -> int:
    return int(os.environ.get("SHOPGRAPH_DEV_PORT_OFFSET", "0"))


def _web_url() -> str:
    return f"http://127.0.0.1:{3000 + _offset()}"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOPGRAPH_BFF_WEB_", extra="ignore", populate_by_name=True
    )

    public_url: str = Field(default_factory=_web_url)
    """Where browsers reach the BFF; the sign-in redirect and the CSRF origin come from it."""
    router_url: str = Field(
        default_factory=lambda: f"http://127.0.0.1:{4000 + _offset()}/graphql",
        validation_alias=AliasChoices("SHOPGRAPH_BFF_WEB_ROUTER_URL", "SHOPGRAPH_ROUTER_URL",
                                      "router_url"),
    )  # fmt: skip
    discovery_url: str = Field(
        default_factory=lambda: (
            f"http://127.0.0.1:{4100 + _offset()}{POLICY_PATH}"
            "/v2.0/.well-known/openid-configuration"
        )
    )
    client_id: str = "bff-web"
    client_secret: str = "bff-web-dev-secret"  # noqa: S105 (the local provider's dev secret)
    scopes: str = (f"openid offline_access {API_SCOPES}/orders.read {API_SCOPES}/orders.write "
                   f"{API_SCOPES}/profile.read {API_SCOPES}/profile.write "
                   f"{API_SCOPES}/catalog.write")  # fmt: skip
    """What the BFF may do for the person signed in; their roles decide the rest (a customer's
    catalog.write allows nothing, a vendor's its own catalogue in the vendor console)."""
    media_origin: str = Field(default_factory=lambda: f"http://127.0.0.1:{4500 + _offset()}")
    """Where product images come from (the CDN's origin in production; the dev media service),
    the only other origin the pages' Content-Security-Policy allows images from."""
    session_ttl_seconds: int = 8 * 3600
    refresh_margin_seconds: int = 60
    """Refresh the access token this long before it expires."""
    cookie_name: str = "sg_session"
    cookie_secure: bool = True
    anonymous_cache_seconds: int = 30
    max_request_bytes: int = Field(default=1_000_000, gt=0)
    """The largest request body any route reads; a larger one gets 413 (REQUEST_TOO_LARGE)."""
    redis_url: str | None = Field(default=None, validation_alias="SHOPGRAPH_REDIS_URL")
    redis_timeout_seconds: PositiveFloat = Field(
        5.0,
        validation_alias=AliasChoices(
            "SHOPGRAPH_BFF_WEB_REDIS_TIMEOUT_SECONDS", "SHOPGRAPH_REDIS_TIMEOUT_SECONDS"
        ),
    )
    """Each session-store command; ``SHOPGRAPH_REDIS_TIMEOUT_SECONDS`` (the subgraphs') too."""
    redis_connect_timeout_seconds: PositiveFloat = Field(
        2.0,
        validation_alias=AliasChoices(
            "SHOPGRAPH_BFF_WEB_REDIS_CONNECT_TIMEOUT_SECONDS",
            "SHOPGRAPH_REDIS_CONNECT_TIMEOUT_SECONDS",
        ),
    )
    router_timeout_seconds: PositiveFloat = 10.0
    max_subscriptions: PositiveInt = 500
    """Live-update streams (subscriptions relayed from the router) open at once."""
    """A whole call to the router, a query's one retry included."""
    router_connect_timeout_seconds: PositiveFloat = 2.0
    router_max_connections: PositiveInt = 100
    """Connections open at once to the router and the identity provider (one shared pool)."""
    router_max_keepalive_connections: PositiveInt = 20
    router_retry_backoff_seconds: NonNegativeFloat = 0.1
    """The pause before a query's one retry, give or take half of it (jitter)."""

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url.rstrip('/')}/auth/callback"
