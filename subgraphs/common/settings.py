"""Settings every subgraph shares (``SHOPGRAPH_*`` environment variables)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from subgraphs.common.auth import TokenVerifier


class IdentitySettings(BaseSettings):
    """Where tokens come from and what they must say: the B2C tenant, policy and audience."""

    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="ignore")

    identity_issuer: str = "https://shopgraph.b2clogin.com/shopgraph-dev-tenant/v2.0/"
    identity_audience: str = "shopgraph-api"
    identity_jwks_url: str | None = None
    identity_policies: list[str] = ["B2C_1_signupsignin"]

    def verifier(self) -> TokenVerifier:
        jwks_url = self.identity_jwks_url or self.identity_issuer.rstrip("/") + "/keys"
        return TokenVerifier(
            issuer=self.identity_issuer,
            audience=self.identity_audience,
            jwks_url=jwks_url,
            policies=self.identity_policies,
        )
