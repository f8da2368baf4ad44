"""Products subgraph settings (``SHOPGRAPH_*`` environment variables)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ProductsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="ignore")

    cdn_base_url: str = "https://cdn.shopgraph.local/images"
    identity_issuer: str = "https://shopgraph.b2clogin.com/shopgraph-dev-tenant/v2.0/"
    identity_audience: str = "shopgraph-api"
    identity_jwks_url: str | None = None
    identity_policies: list[str] = ["B2C_1_signupsignin"]
