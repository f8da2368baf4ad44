"""The local provider's settings (``SHOPGRAPH_IDENTITY_*`` environment variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PositiveInt, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from subgraphs.common.settings import (
    DEV_POLICY,
    DEV_TENANT,
    DEV_TENANT_ID,
    b2c_policy_path,
    local_identity_url,
)


class ProviderSettings(BaseSettings):
    """Tenant, user flow, lifetimes and keys of the local B2C-style provider.

    ``SHOPGRAPH_IDENTITY_ISSUER`` and ``SHOPGRAPH_IDENTITY_AUDIENCE`` are the variables the
    subgraphs read too, so one setting moves both sides.
    """

    model_config = SettingsConfigDict(
        env_prefix="SHOPGRAPH_IDENTITY_", extra="ignore", populate_by_name=True
    )

    base_url: str = Field(default_factory=local_identity_url)
    """Where clients reach this provider; the discovery document's endpoints start with it."""
    tenant: str = DEV_TENANT
    tenant_id: str = DEV_TENANT_ID
    policy: str = DEV_POLICY
    audience: str = "shopgraph-api"
    issuer: str | None = None
    """Defaults to B2C's form, ``https://{tenant}.b2clogin.com/{tenant_id}/v2.0/``."""
    access_token_lifetime_seconds: PositiveInt = 3600
    id_token_lifetime_seconds: PositiveInt = 3600
    refresh_token_lifetime_seconds: PositiveInt = 14 * 24 * 3600
    authorization_code_lifetime_seconds: PositiveInt = 600
    sign_in_form_lifetime_seconds: PositiveInt = 900
    clock_skew_seconds: int = Field(300, ge=0)
    """Added to token lifetimes before a retired signing key leaves the JWKS."""
    key_dir: Path | None = None
    """Keep signing keys here (JWK files) instead of only in memory."""
    form_secret: SecretStr | None = None
    """Signs the sign-in form; random per process unless set (set it when running several)."""
    show_demo_accounts: bool = True
    dev_port_offset: int = Field(0, validation_alias="SHOPGRAPH_DEV_PORT_OFFSET")

    @property
    def token_issuer(self) -> str:
        return self.issuer or f"https://{self.tenant}.b2clogin.com/{self.tenant_id}/v2.0/"

    @property
    def policy_path(self) -> str:
        return b2c_policy_path(self.tenant, self.policy)

    def endpoint(self, path: str) -> str:
        """The public URL of one of this user flow's endpoints, e.g. ``/oauth2/v2.0/token``."""
        return self.base_url.rstrip("/") + self.policy_path + path

    @property
    def key_retention_seconds(self) -> int:
        """How long a retired key must stay published: until every token it signed expired."""
        lifetime = max(self.access_token_lifetime_seconds, self.id_token_lifetime_seconds)
        return lifetime + self.clock_skew_seconds

    @property
    def api_base(self) -> str:
        """The API's identifier URI, which prefixes its scopes (B2C style)."""
        return f"https://{self.tenant}.onmicrosoft.com/{self.audience}"
