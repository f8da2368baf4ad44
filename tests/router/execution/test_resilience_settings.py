"""The YAML settings of retries and caps per subgraph: defaults, overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.execution.retry import RetryPolicy
from router.http.config import ConfigError, RetrySettings, load_config


def test_the_defaults_retry_queries_twice_within_a_fifth_of_the_traffic() -> None:
    config = load_config(None, {})
    defaults = config.subgraph_defaults
    assert defaults.retry.policy() == RetryPolicy(
        max_retries=2,
        backoff_base_seconds=0.05,
        backoff_max_seconds=1.0,
        budget_ratio=0.2,
        budget_min_per_second=10.0,
    )
    assert (defaults.max_connections, defaults.max_in_flight) == (128, 512)
    assert RetrySettings(enabled=False).policy() is None
    assert RetrySettings(max_retries=0).policy() is None


def test_settings_per_subgraph_from_yaml_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(
        "subgraph_defaults:\n  max_in_flight: 64\n"
        "subgraphs:\n  search:\n    retry: {max_retries: 1, budget_ratio: 0.1}\n"
        "    max_connections: 16\n"
    )
    config = load_config(path, {"SHOPGRAPH_ROUTER__SUBGRAPHS__ORDERS__RETRY__ENABLED": "false"})
    search = config.subgraph("search")
    assert (search.retry.max_retries, search.retry.budget_ratio) == (1, 0.1)
    assert search.max_connections == 16
    assert config.subgraph("orders").retry.policy() is None
    assert config.subgraph("products").max_in_flight == 64


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("retry: {max_retries: -1}", "max_retries"),
        ("retry: {max_retries: 11}", "max_retries"),
        ("retry: {budget_ratio: 1.5}", "budget_ratio"),
        ("retry: {budget_min_per_second: -1}", "budget_min_per_second"),
        ("retry: {backoff_base_ms: 0}", "backoff_base_ms"),
        ("retry: {backoff_base_ms: 500, backoff_max_ms: 100}", "must be at least backoff_base_ms"),
        ("retry: {attempts: 3}", "attempts"),
        ("max_connections: 0", "max_connections"),
        ("max_in_flight: 0", "max_in_flight"),
    ],
)
def test_bad_settings_are_clear_errors(tmp_path: Path, yaml: str, message: str) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(f"subgraph_defaults: {{{yaml}}}\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path, {})
