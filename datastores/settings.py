"""Where the stores are. Unset URLs mean the embedded stores of ``shopgraph dev``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import NonNegativeInt, PositiveFloat, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The environment variables that point a service at a store; compose.yaml sets these.
STORE_URL_VARIABLES = (
    "SHOPGRAPH_POSTGRES_URL",
    "SHOPGRAPH_MONGO_URL",
    "SHOPGRAPH_ELASTICSEARCH_URL",
    "SHOPGRAPH_REDIS_URL",
)

MongoReadPreference = Literal[
    "primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"
]


class StoreSettings(BaseSettings):
    """Store connection settings, read from ``SHOPGRAPH_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="ignore")

    postgres_url: str | None = None
    postgres_replica_url: str | None = None
    """A read replica of ``postgres_url``, for the reads that may lag behind it (see
    :mod:`subgraphs.common.consistency`); unset, every read goes to the primary."""
    mongo_url: str | None = None
    mongo_database: str = "shopgraph"
    mongo_read_preference: MongoReadPreference = "primary"
    mongo_write_concern_w: NonNegativeInt | Literal["majority"] | None = None
    """How many members acknowledge a write (``w``); unset, the server's default. How long a
    write waits for them is ``mongo_timeout_seconds``: PyMongo's ``timeoutMS`` bounds the
    whole operation and takes the place of ``wtimeout``, which it leaves out."""
    mongo_write_concern_j: bool | None = None
    """Whether a write is acknowledged only once journaled (``j``)."""
    elasticsearch_url: str | None = None
    """One node's URL, or several separated by commas (requests go round them, and a request
    that fails to connect is retried on another)."""
    elasticsearch_sniff: bool = False
    """Ask the cluster for its nodes at start and after a node fails; off, because behind a
    load balancer or a Kubernetes Service the nodes' own addresses may not be reachable."""
    redis_url: str | None = None
    data_dir: Path = Path(".shopgraph")

    # Every store call is bounded: about 5 s for a call, 2 s to connect.
    postgres_command_timeout_seconds: PositiveFloat = 5.0
    """The longest one statement may run (asyncpg's ``command_timeout``)."""
    postgres_connect_timeout_seconds: PositiveFloat = 2.0
    postgres_pool_timeout_seconds: PositiveFloat = 5.0
    """How long a call waits for a pooled connection while all of them are in use."""
    mongo_timeout_seconds: PositiveFloat = 5.0
    """Each MongoDB operation, its retries and server selection included (``timeoutMS``)."""
    mongo_connect_timeout_seconds: PositiveFloat = 2.0
    mongo_server_selection_timeout_seconds: PositiveFloat = 2.0
    elasticsearch_request_timeout_seconds: PositiveFloat = 5.0
    elasticsearch_max_retries: NonNegativeInt = 2
    """Retries on another node after a connection error or a 429/502/503/504."""
    elasticsearch_retry_on_timeout: bool = False
    """A timed-out search is likely to time out again, and adds load while it does."""
    redis_timeout_seconds: PositiveFloat = 5.0
    """Each Redis command; longer than any ``XREADGROUP BLOCK`` of the stream readers (1 s)."""
    redis_connect_timeout_seconds: PositiveFloat = 2.0
    redis_health_check_interval_seconds: PositiveInt = 30
    """A connection idle this long is pinged before use, so a dropped one is replaced first."""
    redis_retries: NonNegativeInt = 1
    """Tries again after a connection error only: a command that timed out may have run."""

    @model_validator(mode="after")
    def _check_combinations(self) -> StoreSettings:
        if self.postgres_replica_url and not self.postgres_url:
            raise ValueError("SHOPGRAPH_POSTGRES_REPLICA_URL is set without SHOPGRAPH_POSTGRES_URL")
        if self.mongo_write_concern_w == 0 and self.mongo_write_concern_j:
            raise ValueError("SHOPGRAPH_MONGO_WRITE_CONCERN_W=0 (unacknowledged) cannot be "
                             "combined with SHOPGRAPH_MONGO_WRITE_CONCERN_J=true")  # fmt: skip
        if self.elasticsearch_url and not self.elasticsearch_hosts():
            raise ValueError("SHOPGRAPH_ELASTICSEARCH_URL lists no node")
        return self

    def with_redis(self, redis_url: str | None) -> StoreSettings:
        """These settings with Redis at ``redis_url`` when one is given (tests point an app at
        their own Redis this way)."""
        return self if redis_url is None else self.model_copy(update={"redis_url": redis_url})

    def mongo_client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``AsyncMongoClient``."""
        options: dict[str, Any] = {
            "timeoutMS": round(self.mongo_timeout_seconds * 1000),
            "connectTimeoutMS": round(self.mongo_connect_timeout_seconds * 1000),
            "serverSelectionTimeoutMS": round(self.mongo_server_selection_timeout_seconds * 1000),
            "readPreference": self.mongo_read_preference,
        }
        if self.mongo_write_concern_w is not None:
            options["w"] = self.mongo_write_concern_w
        if self.mongo_write_concern_j is not None:
            options["journal"] = self.mongo_write_concern_j
        return options

    def elasticsearch_hosts(self) -> list[str]:
        """The nodes of ``elasticsearch_url``, in the order given."""
        return [url.strip() for url in (self.elasticsearch_url or "").split(",") if url.strip()]

    def elasticsearch_client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``AsyncElasticsearch``."""
        return {
            "request_timeout": self.elasticsearch_request_timeout_seconds,
            "max_retries": self.elasticsearch_max_retries,
            "retry_on_timeout": self.elasticsearch_retry_on_timeout,
            "sniff_on_start": self.elasticsearch_sniff,
            "sniff_on_node_failure": self.elasticsearch_sniff,
        }

    @property
    def embedded(self) -> bool:
        """True when no production store is configured (the ``shopgraph dev`` default)."""
        return not any((self.postgres_url, self.mongo_url, self.elasticsearch_url, self.redis_url))
