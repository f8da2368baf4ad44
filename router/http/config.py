"""Router configuration: one YAML file, overridden by ``SHOPGRAPH_ROUTER__*`` variables.

The defaults are the safe production ones: no playground, no introspection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from observability.settings import TelemetrySettings
from router.auth.settings import AuthenticationSettings
from router.execution.breaker import BreakerSettings
from router.execution.retry import RetryPolicy
from router.http.rate_limit import RateLimitSettings
from router.operation.document import DocumentLimits
from router.operation.limits import OperationLimits
from router.operation.variables import VariablesLimits
from router.types import RouterError


class ConfigError(RouterError):
    code = "INVALID_CONFIGURATION"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CircuitBreakerSettings(_Section):
    """The platform's rule by default: open after 5 failures in a row (timeouts, unreachable,
    HTTP 5xx), probe after 30 s, close after 2 successes in a row."""

    enabled: bool = True
    failures: int = Field(5, ge=1)
    successes: int = Field(2, ge=1)
    probe_after_seconds: float = Field(30.0, gt=0)

    def breaker(self) -> BreakerSettings | None:
        if not self.enabled:
            return None
        return BreakerSettings(self.failures, self.successes, self.probe_after_seconds)


class RetrySettings(_Section):
    """Retries of queries (never mutations) after a failure that says the subgraph did not
    handle the request: no connection, a keep-alive connection closed under the request, HTTP
    502/503/504 or 429 (waiting at least its ``Retry-After``; not retried when that is past the
    timeout). Never after a timeout or a GraphQL error, never while the circuit is open,
    always within ``timeout_seconds``."""

    enabled: bool = True
    max_retries: int = Field(2, ge=0, le=10)
    backoff_base_ms: int = Field(50, ge=1)
    """The first retry waits a random time below this; each next one twice as long at most."""
    backoff_max_ms: int = Field(1_000, ge=1)
    budget_ratio: float = Field(0.2, ge=0, le=1)
    """Retries may add at most this share of the calls to a subgraph..."""
    budget_min_per_second: float = Field(10.0, ge=0)
    """...plus this many per second (and a reserve of ten seconds of them)."""

    @model_validator(mode="after")
    def _ordered_backoff(self) -> RetrySettings:
        if self.backoff_max_ms < self.backoff_base_ms:
            raise ValueError(
                f"backoff_max_ms ({self.backoff_max_ms}) must be at least backoff_base_ms "
                f"({self.backoff_base_ms})"
            )
        return self

    def policy(self) -> RetryPolicy | None:
        if not self.enabled or self.max_retries == 0:
            return None
        return RetryPolicy(
            max_retries=self.max_retries,
            backoff_base_seconds=self.backoff_base_ms / 1000,
            backoff_max_seconds=self.backoff_max_ms / 1000,
            budget_ratio=self.budget_ratio,
            budget_min_per_second=self.budget_min_per_second,
        )


class SubgraphSettings(_Section):
    timeout_seconds: float = Field(10.0, gt=0)
    """One deadline for a call and its retries."""
    url: str | None = None
    """Override the routing URL the supergraph gives for this subgraph."""
    circuit_breaker: CircuitBreakerSettings = Field(
        default_factory=lambda: CircuitBreakerSettings()
    )
    retry: RetrySettings = Field(default_factory=lambda: RetrySettings())
    max_connections: int = Field(128, ge=1, le=65_536)
    """Connections to the subgraph's origin (subgraphs sharing an origin share its pool,
    sized by the first one called); more calls wait for one within their timeout."""
    max_in_flight: int = Field(512, ge=1, le=1_000_000)
    """Calls in flight at once (identical calls shared count once); one more waits 50 ms at
    most for a slot, then fails at once with ``SUBREQUEST_CAPACITY``."""


# The production defaults are the operation stage's own, in one place.
_DOCUMENT, _OPERATION, _VARIABLES = DocumentLimits(), OperationLimits(), VariablesLimits()


class VariablesLimitSettings(_Section):
    max_bytes: int = Field(_VARIABLES.max_bytes, ge=0)
    """The variables' JSON size."""
    max_list_length: int = Field(_VARIABLES.max_list_length, ge=0)
    max_depth: int = Field(_VARIABLES.max_depth, ge=0)

    def limits(self) -> VariablesLimits:
        return VariablesLimits(self.max_bytes, self.max_list_length, self.max_depth)


class LimitSettings(_Section):
    """Operation limits, checked in one pass over the document before validation and
    planning; 0 turns a limit off. See docs/security.md for the threat each one answers."""

    max_document_bytes: int = Field(_DOCUMENT.max_bytes, gt=0)
    max_tokens: int = Field(_DOCUMENT.max_tokens, gt=0)
    max_nesting: int = Field(_DOCUMENT.max_nesting, gt=0)
    """Brackets and braces, as the parser sees them."""
    max_depth: int = Field(_OPERATION.max_depth, ge=0)
    max_height: int = Field(_OPERATION.max_height, ge=0)
    max_aliases: int = Field(_OPERATION.max_aliases, ge=0)
    max_root_fields: int = Field(_OPERATION.max_root_fields, ge=0)
    max_directives: int = Field(_OPERATION.max_directives, ge=0)
    max_expanded_selections: int = Field(_OPERATION.max_expanded_selections, ge=0)
    warn_only: bool = False
    """Log the operation limits a request passes instead of refusing it (to roll limits out).
    Document size, tokens, nesting, variables and the CPU budget are always enforced."""
    variables: VariablesLimitSettings = Field(default_factory=lambda: VariablesLimitSettings())
    cpu_budget_ms: int = Field(1_000, ge=0)
    """CPU time a new document may take to prepare or plan; 0: no budget."""
    preparation_workers: int = Field(2, ge=1, le=16)
    max_preparing: int = Field(64, ge=1)
    """New documents being prepared at once; more are refused with OPERATION_QUEUE_FULL."""

    def document_limits(self) -> DocumentLimits:
        return DocumentLimits(self.max_document_bytes, self.max_tokens, self.max_nesting)

    def operation_limits(self) -> OperationLimits:
        return OperationLimits(
            max_depth=self.max_depth,
            max_height=self.max_height,
            max_aliases=self.max_aliases,
            max_root_fields=self.max_root_fields,
            max_directives=self.max_directives,
            max_expanded_selections=self.max_expanded_selections,
            warn_only=self.warn_only,
        )


class CacheSettings(_Section):
    max_entries: int = Field(1000, ge=0)
    max_bytes: int = Field(64_000_000, ge=0)


class CachesSettings(_Section):
    operations: CacheSettings = Field(default_factory=lambda: CacheSettings())
    plans: CacheSettings = Field(
        default_factory=lambda: CacheSettings(max_entries=1000, max_bytes=32_000_000)
    )


class ApqSettings(_Section):
    """Automatic persisted queries (Apollo's APQ protocol, GET and POST): a client sends a
    document's SHA-256 alone, and the whole document only when the router asks for it."""

    enabled: bool = True
    cache: CacheSettings = Field(
        default_factory=lambda: CacheSettings(max_entries=10_000, max_bytes=32_000_000)
    )
    """The in-process tier, in front of Redis."""
    redis_url: str | None = None
    """A Redis every router instance shares (``redis://``, ``rediss://``); this router's
    memory only, unless set."""
    key_prefix: str = "shopgraph:apq:"
    ttl_seconds: int = Field(86_400, gt=0)
    """How long Redis keeps a document no client has registered again."""
    redis_timeout_seconds: float = Field(0.2, gt=0)
    """A slower Redis counts as a miss: the client sends its document again."""


class TrustedDocumentsSettings(_Section):
    """Operations known in advance, from manifests: Apollo's persisted query list or a
    ``{id: document}`` object (GraphQL Hive, Relay). Clients name them by
    ``extensions.persistedQuery.sha256Hash`` or ``documentId``."""

    manifests: list[str] = Field(default_factory=list)
    """Manifest files, read at start-up (relative to the working directory)."""
    mode: Literal["allow", "safelist"] = "allow"
    """``safelist``: only the manifests' documents run (by id, or sent in full) and APQ
    registers nothing; ``allow``: any document runs as well."""
    require_id: bool = False
    """With ``safelist``: a document sent in full is refused even when it is listed."""
    log_unknown: bool = False
    """With ``allow``: log a line for each operation that is in no manifest."""

    @model_validator(mode="after")
    def _safelist_has_manifests(self) -> TrustedDocumentsSettings:
        if self.mode == "safelist" and not self.manifests:
            raise ValueError("trusted_documents.mode 'safelist' needs at least one manifest")
        if self.require_id and self.mode != "safelist":
            raise ValueError("trusted_documents.require_id works only with mode 'safelist'")
        return self


class EntityCacheSettings(_Section):
    """Subgraph answers to query fetches kept in Redis for the max age of their
    ``@cacheControl`` hints, per entity, shared by every router instance, dropped when an
    entity they hold changes (see ``router.execution.entity_cache``)."""

    enabled: bool = False
    redis_url: str | None = None
    key_prefix: str = "shopgraph:entities:"
    invalidation_channel: str = "shopgraph:entity-changes"
    """The Redis channel our subgraphs announce changed entities on
    (``{"typename": "Product", "id": "p-0042"}``)."""
    max_ttl_seconds: int = Field(3_600, gt=0)
    """No entry is kept longer, whatever its hints say."""
    redis_timeout_seconds: float = Field(0.1, gt=0)
    """A slower Redis is a miss: the subgraph answers."""
    responses: bool = False
    """Also keep whole responses of public queries asked without credentials (the response
    cache), dropped with the entities they show."""


class SubscriptionSettings(_Section):
    """Subscriptions over WebSocket (``graphql-transport-ws``) and Server-Sent Events; the
    router subscribes to the owning subgraph over WebSocket."""

    enabled: bool = True
    max_open: int = Field(1_000, ge=1)
    """Subscriptions open at once in this process; more are refused (SUBSCRIPTION_LIMIT)."""
    max_per_connection: int = Field(32, ge=1)
    """Operations at once on one WebSocket."""
    init_timeout_seconds: float = Field(10.0, gt=0)
    """A WebSocket that sends no ``connection_init`` in time is closed (4408)."""


class BatchingSettings(_Section):
    """Several operations in one POST as a JSON array (Apollo Router's format), answered as an
    array in the same order, each one executed on its own under the operation limits."""

    enabled: bool = False
    max_batch_size: int = Field(10, ge=1, le=1_000)


class SubgraphErrorSettings(_Section):
    include_messages: bool = False
    """Pass subgraph error messages (and extensions) to clients; else "Subgraph errors
    redacted" with the error's code, path and subgraph name, the message going to the log."""
    subgraphs: dict[str, bool] = Field(default_factory=dict)
    """Per subgraph name, overriding ``include_messages``."""


class CsrfSettings(_Section):
    """Apollo Router's CSRF prevention: a request must be one a browser would preflight."""

    enabled: bool = True
    required_headers: list[str] = Field(
        default_factory=lambda: ["x-apollo-operation-name", "apollo-require-preflight"]
    )


class DemandControlSettings(_Section):
    """The static cost of an operation from the supergraph's ``@cost`` and ``@listSize``."""

    enabled: bool = True
    mode: Literal["enforce", "measure"] = "enforce"
    """``measure`` computes and exports costs but refuses nothing (to choose ``max_cost``)."""
    max_cost: int = Field(10_000, ge=0)
    """Estimated cost past which a request is refused (COST_ESTIMATED_TOO_EXPENSIVE); 0: none."""
    default_list_size: int = Field(10, ge=0)
    """Items assumed for a list field without ``@listSize``."""
    include_in_response: bool = False
    """Always put ``extensions.cost``; else only when the request's extensions ask
    (``"extensions": {"cost": true}``)."""


class AuthorizationSettings(_Section):
    """``@authenticated``, ``@requiresScopes`` and ``@policy`` are enforced whenever the
    supergraph has them; these settings say where scopes and policies come from."""

    scope_claims: list[str] = Field(default_factory=lambda: ["scope", "scp"])
    """Claims holding the token's scopes (space-separated strings or lists)."""
    policy_hook: str | None = None
    """``package.module:function(policies, claims) -> granted policies``; without one, every
    ``@policy`` field is unauthorized."""


class CorsSettings(_Section):
    allow_origins: list[str] = Field(default_factory=list)
    allow_credentials: bool = False


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class PlaygroundSignInSettings(_Section):
    """GraphiQL's "Sign in": OAuth 2.0 authorization code + PKCE, run by the browser as a
    public client (no secret); the access token is then sent as ``Authorization: Bearer``."""

    authorize_url: str
    token_url: str
    client_id: str = Field(min_length=1)
    scopes: list[str] = Field(default_factory=lambda: ["openid"])
    """Space-separated in a string, or a list."""
    redirect_path: str = "/auth/callback"
    """Served by the router; its URL (on GraphiQL's origin) must be registered at the provider."""
    hint: str | None = None
    """Shown next to "Sign in", e.g. which demo accounts exist."""

    @field_validator("authorize_url", "token_url")
    @classmethod
    def _browser_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
        if parts.fragment or parts.username is not None:
            raise ValueError(f"must have neither a #fragment nor credentials, got {value!r}")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"must use https (http only on 127.0.0.1 or localhost), got {value!r}")
        return value

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    @field_validator("scopes")
    @classmethod
    def _plain_scopes(cls, value: list[str]) -> list[str]:
        bad = [scope for scope in value if not scope or any(c.isspace() for c in scope)]
        if bad:
            raise ValueError(f"a scope can be neither empty nor contain spaces, got {bad!r}")
        return value

    @field_validator("redirect_path")
    @classmethod
    def _local_path(cls, value: str) -> str:
        if not value.startswith("/") or value.startswith("//") or any(c in value for c in "?#"):
            raise ValueError(f"must be a path on the router like /auth/callback, got {value!r}")
        if value.startswith("/graphiql/") or value in ("/health", "/health/ready"):
            raise ValueError(f"{value!r} is one of the router's own paths")
        return value

    @property
    def token_origin(self) -> str:
        parts = urlsplit(self.token_url)
        return f"{parts.scheme}://{parts.netloc}"


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity), not the machine's."""
    return len(os.sched_getaffinity(0))


class RouterTelemetrySettings(TelemetrySettings):
    """:class:`TelemetrySettings` as the YAML file's ``telemetry:`` section: a misspelled key
    is an error, not a setting silently ignored."""

    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="forbid")


class RouterConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(4000, ge=0, le=65535)
    workers: int = Field(default_factory=available_cpus, ge=1, le=256)
    """Processes serving the port: one per CPU this process may run on, by default. With one,
    the router is that single process; with more, a supervisor holds the socket, replaces
    workers that die and restarts them one at a time on SIGHUP. Caches stay per worker;
    rate limits need ``rate_limit.redis_url`` (see ``router.http.workers``)."""
    graphql_path: str = "/graphql"
    playground: bool = False
    playground_example: str | None = None
    """GraphiQL's first operation: a ``.graphql`` file (relative to the working directory) or
    the text itself; built-in examples if unset. After validation it holds the text."""
    playground_sign_in: PlaygroundSignInSettings | None = None
    """Off unless set; only used with ``playground``."""
    introspection: bool = False
    max_request_bytes: int = Field(2_000_000, gt=0)
    limits: LimitSettings = Field(default_factory=lambda: LimitSettings())
    caches: CachesSettings = Field(default_factory=lambda: CachesSettings())
    subgraph_errors: SubgraphErrorSettings = Field(default_factory=lambda: SubgraphErrorSettings())
    csrf: CsrfSettings = Field(default_factory=lambda: CsrfSettings())
    demand_control: DemandControlSettings = Field(default_factory=lambda: DemandControlSettings())
    authentication: AuthenticationSettings | None = None
    """JWT verification at the edge; off unless set (subgraphs verify tokens regardless)."""
    authorization: AuthorizationSettings = Field(default_factory=lambda: AuthorizationSettings())
    rate_limit: RateLimitSettings | None = None
    """Per-client token buckets; off unless set."""
    apq: ApqSettings = Field(default_factory=lambda: ApqSettings())
    trusted_documents: TrustedDocumentsSettings = Field(
        default_factory=lambda: TrustedDocumentsSettings()
    )
    batching: BatchingSettings = Field(default_factory=lambda: BatchingSettings())
    subscriptions: SubscriptionSettings = Field(default_factory=lambda: SubscriptionSettings())
    entity_cache: EntityCacheSettings = Field(default_factory=lambda: EntityCacheSettings())
    dedupe_subgraph_requests: bool = True
    dedupe_inbound_requests: bool = True
    """Identical queries in flight at once (same document, operation name, variables,
    propagated headers, ``Authorization`` and claims) share one execution and response."""
    defer_support: bool = True
    """``@defer`` (incremental delivery over ``multipart/mixed``): the API schema declares it
    and deferred fragments are sent as they are ready. Off, it is an unknown directive."""
    defer_deadline_seconds: float = Field(60.0, gt=0)
    """One deadline for a streamed response, from its first fetch to its last part: parts
    not ready by then are sent with a ``DEFER_DEADLINE_EXCEEDED`` error."""
    data_path: Literal["native", "python"] = "native"
    """Where responses are merged, shaped and serialized: the compiled extension, or the
    pure-Python reference it is tested against (identical responses, several times slower)."""
    subgraph_defaults: SubgraphSettings = Field(default_factory=lambda: SubgraphSettings())
    subgraphs: dict[str, SubgraphSettings] = Field(default_factory=dict)
    cors: CorsSettings = Field(default_factory=lambda: CorsSettings())
    override_labels: list[str] = Field(default_factory=list)
    """Progressive ``@override`` labels that are on; ``percent(N)`` labels are drawn per request."""
    propagate_headers: list[str] = Field(default_factory=lambda: ["authorization"])
    hot_reload: bool = True
    telemetry: RouterTelemetrySettings = Field(default_factory=lambda: RouterTelemetrySettings())
    """Traces (exporter, endpoint, headers, sampling ratio) and logs (format, level, access
    log); what YAML leaves out comes from ``SHOPGRAPH_TRACES_*``/``SHOPGRAPH_LOG_*``."""

    @field_validator("playground_example")
    @classmethod
    def _read_example(cls, value: str | None) -> str | None:
        if value is None or "\n" in value or not value.strip().endswith((".graphql", ".gql")):
            return value
        try:
            return Path(value.strip()).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read the example operation file {value!r}: {error}") from None

    @model_validator(mode="after")
    def _distinct_paths(self) -> RouterConfig:
        sign_in = self.playground_sign_in
        if sign_in is not None and sign_in.redirect_path == self.graphql_path:
            path = sign_in.redirect_path
            raise ValueError(
                f"playground_sign_in.redirect_path {path!r} must differ from graphql_path"
            )
        return self

    def subgraph(self, name: str) -> SubgraphSettings:
        return self.subgraphs.get(name, self.subgraph_defaults)


ENV_PREFIX = "SHOPGRAPH_ROUTER__"


def load_config(
    path: str | Path | None = None, environ: dict[str, str] | None = None
) -> RouterConfig:
    """Read the YAML file (if any), apply environment overrides, validate."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read router config {path}: {error}") from error
        if not isinstance(loaded, dict):
            raise ConfigError(f"router config {path} must be a mapping at the top level")
        raw = loaded
    for key, value in (environ if environ is not None else os.environ).items():
        if key.startswith(ENV_PREFIX):
            _set_path(raw, key[len(ENV_PREFIX) :].lower().split("__"), yaml.safe_load(value))
    try:
        return RouterConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"invalid router config: {error}") from error


def _set_path(target: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value
