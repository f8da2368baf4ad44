"""Where the stores are. Unset URLs mean the embedded stores of ``shopgraph dev``."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

# The environment variables that point a service at a store; compose.yaml sets these.
STORE_URL_VARIABLES = (
    "SHOPGRAPH_POSTGRES_URL",
    "SHOPGRAPH_MONGO_URL",
    "SHOPGRAPH_ELASTICSEARCH_URL",
    "SHOPGRAPH_REDIS_URL",
)


class StoreSettings(BaseSettings):
    """Store connection settings, read from ``SHOPGRAPH_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="ignore")

    postgres_url: str | None = None
    mongo_url: str | None = None
    mongo_database: str = "shopgraph"
    elasticsearch_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".shopgraph")

    def with_redis(self, redis_url: str | None) -> StoreSettings:
        """These settings with Redis at ``redis_url`` when one is given (tests point an app at
        their own Redis this way)."""
        return self if redis_url is None else self.model_copy(update={"redis_url": redis_url})

    @property
    def embedded(self) -> bool:
        """True when no production store is configured (the ``shopgraph dev`` default)."""
        return not any((self.postgres_url, self.mongo_url, self.elasticsearch_url, self.redis_url))
