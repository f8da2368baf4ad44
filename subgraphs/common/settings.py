"""Settings every subgraph shares (``SHOPGRAPH_*`` environment variables)."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from subgraphs.common.auth import TokenVerifier

DEV_TENANT = "shopgraph"
DEV_TENANT_ID = "shopgraph-dev-tenant"
DEV_POLICY = "B2C_1_signupsignin"
LOCAL_IDENTITY_PORT = 4100


def local_identity_url() -> str:
    """Where ``shopgraph identity`` listens: port 4100, moved by ``SHOPGRAPH_DEV_PORT_OFFSET``."""
    offset = int(os.environ.get("SHOPGRAPH_DEV_PORT_OFFSET", "0"))
    return f"http://127.0.0.1:{LOCAL_IDENTITY_PORT + offset}"


def b2c_policy_path(tenant: str, policy: str) -> str:
    """The path B2C serves a user flow's endpoints under (policy names are case-insensitive)."""
    return f"/{tenant}.onmicrosoft.com/{policy.lower()}"


def local_jwks_url() -> str:
    return local_identity_url() + b2c_policy_path(DEV_TENANT, DEV_POLICY) + "/discovery/v2.0/keys"


class IdentitySettings(BaseSettings):
    """Where tokens come from and what they must say: the B2C tenant, policy and audience.

    The defaults trust the local B2C-style provider (``shopgraph identity``); production sets
    ``SHOPGRAPH_IDENTITY_ISSUER`` and ``SHOPGRAPH_IDENTITY_JWKS_URL`` to the B2C tenant's.
    """

    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="ignore")

    identity_issuer: str = f"https://{DEV_TENANT}.b2clogin.com/{DEV_TENANT_ID}/v2.0/"
    identity_audience: str = "shopgraph-api"
    identity_jwks_url: str = Field(default_factory=local_jwks_url)
    identity_policies: list[str] = [DEV_POLICY]

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(
            issuer=self.identity_issuer,
            audience=self.identity_audience,
            jwks_url=self.identity_jwks_url,
            policies=self.identity_policies,
        )
