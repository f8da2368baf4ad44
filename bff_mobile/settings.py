"""Mobile BFF settings (``SHOPGRAPH_BFF_MOBILE_*`` environment variables). The defaults fit
``make dev``: the dev router, its port moved by ``SHOPGRAPH_DEV_PORT_OFFSET``."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bff_mobile.app_version import AppVersion


def _dev_router_url() -> str:
    offset = int(os.environ.get("SHOPGRAPH_DEV_PORT_OFFSET", "0"))
    return f"http://127.0.0.1:{4000 + offset}/graphql"


class MobileSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOPGRAPH_BFF_MOBILE_", extra="ignore", populate_by_name=True
    )

    mode: Literal["development", "production"] = "production"
    """``production`` accepts only persisted operation ids; ``development`` (what
    ``shopgraph dev`` runs) documents too."""
    router_url: str = Field(
        default_factory=_dev_router_url,
        # compose.yaml gives every BFF the router's address as SHOPGRAPH_ROUTER_URL.
        validation_alias=AliasChoices("SHOPGRAPH_BFF_MOBILE_ROUTER_URL", "SHOPGRAPH_ROUTER_URL"),
    )
    router_timeout_seconds: PositiveFloat = 10.0
    """A whole call to the router, a query's one retry included."""
    router_connect_timeout_seconds: PositiveFloat = 2.0
    router_max_connections: PositiveInt = 100
    router_max_keepalive_connections: PositiveInt = 20
    router_retry_backoff_seconds: NonNegativeFloat = 0.1
    """The pause before a query's one retry, give or take half of it (jitter)."""
    min_app_version: str = "1.0.0"
    """Apps older than this (``X-App-Version``, semver) are told to upgrade (426)."""
    anonymous_max_age_seconds: int = Field(30, ge=0)
    """How long shared caches may keep a signed-out catalog read."""
    gzip_minimum_size: PositiveInt = 500
    """Responses at least this large are gzip-compressed for clients that accept it."""

    @field_validator("min_app_version")
    @classmethod
    def _semantic_version(cls, value: str) -> str:
        AppVersion.parse(value)  # raises ValueError, which pydantic reports with the name
        return value

    @property
    def minimum_version(self) -> AppVersion:
        return AppVersion.parse(self.min_app_version)

    @property
    def production(self) -> bool:
        return self.mode == "production"
