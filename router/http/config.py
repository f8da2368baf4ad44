"""Router configuration: one YAML file, overridden by ``SHOPGRAPH_ROUTER__*`` variables.

The defaults are the safe production ones: no playground, no introspection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from router.types import RouterError


class ConfigError(RouterError):
    code = "INVALID_CONFIGURATION"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubgraphSettings(_Section):
    timeout_seconds: float = Field(30.0, gt=0)
    url: str | None = None
    """Override the routing URL the supergraph gives for this subgraph."""


class CorsSettings(_Section):
    allow_origins: list[str] = Field(default_factory=list)
    allow_credentials: bool = False


class RouterConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(4000, ge=0, le=65535)
    graphql_path: str = "/graphql"
    playground: bool = False
    introspection: bool = False
    max_request_bytes: int = Field(2_000_000, gt=0)
    plan_cache_size: int = Field(1000, ge=0)
    dedupe_subgraph_requests: bool = True
    subgraph_defaults: SubgraphSettings = Field(default_factory=lambda: SubgraphSettings())
    subgraphs: dict[str, SubgraphSettings] = Field(default_factory=dict)
    cors: CorsSettings = Field(default_factory=lambda: CorsSettings())
    override_labels: list[str] = Field(default_factory=list)
    """Progressive ``@override`` labels that are on; ``percent(N)`` labels are drawn per request."""
    propagate_headers: list[str] = Field(default_factory=lambda: ["authorization"])
    hot_reload: bool = True

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
