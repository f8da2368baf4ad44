"""The router configurations the project ships load, with their policy hook."""

from __future__ import annotations

from pathlib import Path

from bff_mobile.operations import load_router_operations
from bff_mobile.router_client import document_id
from router.auth.viewer import load_policy_hook
from router.http.config import load_config
from router.operation.persisted import load_manifest
from shopgraph.authorization import decide_policies

ROOT = Path(__file__).resolve().parents[1]


def test_the_compose_configuration_verifies_tokens_and_limits_rates() -> None:
    config = load_config(ROOT / "schema" / "router.compose.yaml", environ={})
    assert config.authentication is not None
    assert config.authentication.jwt.http_hosts == ["identity"]
    assert config.rate_limit is not None
    assert config.rate_limit.redis_url == "redis://redis:6379/1"
    assert config.authorization.policy_hook is not None
    assert load_policy_hook(config.authorization.policy_hook) is decide_policies


def test_the_compose_configuration_shares_apq_and_trusts_the_mobile_operations() -> None:
    config = load_config(ROOT / "schema" / "router.compose.yaml", environ={})
    assert config.apq.redis_url == "redis://redis:6379/1"
    assert config.entity_cache.enabled
    assert config.entity_cache.redis_url == "redis://redis:6379/1"
    assert config.entity_cache.responses
    # compose runs the router in the image's /app, a copy of the repository's root.
    (manifest,) = config.trusted_documents.manifests
    documents = load_manifest(ROOT / manifest)
    assert documents == {document_id(body): body for body in load_router_operations().values()}
