"""Automatic persisted queries (Apollo's APQ, GET and POST), with the in-process store and the
Redis tier that router instances share."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.http.app import create_app
from router.http.config import ApqSettings, ConfigError, RouterConfig, load_config
from router.operation.persisted import sha256_hex
from router.telemetry.metrics import REGISTRY
from tests.router.planning.plans import FIXTURES

SUPERGRAPH = FIXTURES / "entities.graphql"
QUERY = "query Typename { __typename }"
PREFLIGHT = {"apollo-require-preflight": "true"}


def _router(config: RouterConfig) -> TestClient:
    app = create_app(config, supergraph_path=SUPERGRAPH)
    return TestClient(app, headers={"accept": "application/graphql-response+json"})


@pytest.fixture
def router() -> Iterator[TestClient]:
    with _router(RouterConfig()) as client:
        yield client


def _persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def _post(client: TestClient, body: dict[str, Any]) -> Any:
    response = client.post("/graphql", json=body)
    return response.status_code, response.json()


def _get(client: TestClient, digest: str, query: str | None = None) -> Any:
    params = {"extensions": orjson.dumps(_persisted(digest)).decode()}
    if query is not None:
        params["query"] = query
    response = client.get("/graphql", params=params, headers=PREFLIGHT)
    return response.status_code, response.json()


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def test_an_unknown_hash_asks_for_the_document_then_runs_by_hash_alone(
    router: TestClient,
) -> None:
    digest = sha256_hex(QUERY)
    status, body = _post(router, {"extensions": _persisted(digest)})
    # 200, as Apollo clients expect, so that they send the document next.
    assert status == 200
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    assert _code(body) == "PERSISTED_QUERY_NOT_FOUND"
    registered = _post(router, {"query": QUERY, "extensions": _persisted(digest)})
    assert registered == (200, {"data": {"__typename": "Query"}})
    assert _post(router, {"extensions": _persisted(digest)}) == registered


def test_registration_and_hits_over_get(router: TestClient) -> None:
    digest = sha256_hex(QUERY)
    assert _code(_get(router, digest)[1]) == "PERSISTED_QUERY_NOT_FOUND"
    assert _get(router, digest, QUERY) == (200, {"data": {"__typename": "Query"}})
    assert _get(router, digest.upper()) == (200, {"data": {"__typename": "Query"}})


def test_a_hash_that_is_not_the_documents_is_refused_and_nothing_is_kept(
    router: TestClient,
) -> None:
    other = sha256_hex("{ __typename }")
    status, body = _post(router, {"query": QUERY, "extensions": _persisted(other)})
    assert (status, _code(body)) == (400, "PERSISTED_QUERY_HASH_MISMATCH")
    assert body["errors"][0]["message"] == "provided sha does not match query"
    assert _code(_post(router, {"extensions": _persisted(other)})[1]) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


def test_a_document_that_fails_validation_is_not_registered(router: TestClient) -> None:
    invalid = "{ nope }"
    digest = sha256_hex(invalid)
    status, body = _post(router, {"query": invalid, "extensions": _persisted(digest)})
    assert (status, _code(body)) == (400, "GRAPHQL_VALIDATION_FAILED")
    assert _code(_post(router, {"extensions": _persisted(digest)})[1]) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


@pytest.mark.parametrize(
    "persisted",
    [
        {"version": 2, "sha256Hash": "a" * 64},
        {"sha256Hash": "a" * 64},
        {"version": 1, "sha256Hash": 7},
        {"version": 1, "sha256Hash": "not hex, and spaces"},
        {"version": 1, "sha256Hash": "ab" * 200},
        {"version": 1, "sha256Hash": "abc"},
        "a" * 64,
    ],
)
def test_malformed_persisted_query_extensions_are_bad_requests(
    router: TestClient, persisted: Any
) -> None:
    status, body = _post(router, {"extensions": {"persistedQuery": persisted}})
    assert (status, _code(body)) == (400, "BAD_REQUEST")


def test_with_apq_off_clients_are_told_it_is_not_supported() -> None:
    with _router(RouterConfig(apq=ApqSettings(enabled=False))) as client:
        status, body = _post(client, {"extensions": _persisted(sha256_hex(QUERY))})
        assert status == 200
        assert body["errors"][0]["message"] == "PersistedQueryNotSupported"
        assert _code(body) == "PERSISTED_QUERY_NOT_SUPPORTED"
        # A client that sends the document too is answered; nothing is kept.
        sent = _post(client, {"query": QUERY, "extensions": _persisted(sha256_hex(QUERY))})
        assert sent == (200, {"data": {"__typename": "Query"}})


def test_the_in_process_store_is_bounded_and_exported() -> None:
    with _router(RouterConfig(apq=ApqSettings(cache={"max_entries": 2}))) as client:
        documents = [f"query Q{n} {{ __typename }}" for n in range(3)]
        for document in documents:
            assert (
                _post(client, {"query": document, "extensions": _persisted(sha256_hex(document))})[
                    0
                ]
                == 200
            )
        # The first one was evicted, the last two answer by hash.
        first, *rest = (sha256_hex(document) for document in documents)
        assert (
            _code(_post(client, {"extensions": _persisted(first)})[1])
            == "PERSISTED_QUERY_NOT_FOUND"
        )
        for digest in rest:
            assert _post(client, {"extensions": _persisted(digest)})[1] == {
                "data": {"__typename": "Query"}
            }
        metrics = client.get("/metrics").text
        assert 'shopgraph_router_cache_entries{cache="apq"} 2.0' in metrics
        assert 'shopgraph_router_cache_evictions_total{cache="apq"} 1.0' in metrics


def _counted(result: str) -> float:
    name = "shopgraph_router_persisted_queries_total"
    return REGISTRY.get_sample_value(name, {"result": result}) or 0.0


def test_misses_registrations_and_hits_are_counted(router: TestClient) -> None:
    before = [_counted(result) for result in ("apq_miss", "apq_registered", "apq_hit")]
    digest = sha256_hex("query Counted { __typename }")
    _post(router, {"extensions": _persisted(digest)})
    _post(router, {"query": "query Counted { __typename }", "extensions": _persisted(digest)})
    for _ in range(3):
        _post(router, {"extensions": _persisted(digest)})
    after = [_counted(result) for result in ("apq_miss", "apq_registered", "apq_hit")]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 3]


def test_routers_sharing_redis_share_registrations(redis_url: str) -> None:
    apq = ApqSettings(redis_url=redis_url, key_prefix=f"test:apq:{uuid.uuid4().hex}:")
    digest = sha256_hex(QUERY)
    with _router(RouterConfig(apq=apq)) as first, _router(RouterConfig(apq=apq)) as second:
        assert _code(_post(second, {"extensions": _persisted(digest)})[1]) == (
            "PERSISTED_QUERY_NOT_FOUND"
        )
        assert _post(first, {"query": QUERY, "extensions": _persisted(digest)})[0] == 200
        assert _post(second, {"extensions": _persisted(digest)}) == (
            200,
            {"data": {"__typename": "Query"}},
        )


def test_registrations_expire_from_redis(redis_url: str) -> None:
    import redis

    prefix = f"test:apq:{uuid.uuid4().hex}:"
    apq = ApqSettings(redis_url=redis_url, key_prefix=prefix, ttl_seconds=600)
    digest = sha256_hex(QUERY)
    with _router(RouterConfig(apq=apq)) as client:
        assert _post(client, {"query": QUERY, "extensions": _persisted(digest)})[0] == 200
    with redis.Redis.from_url(redis_url) as direct:
        assert direct.get(prefix + digest) == QUERY.encode()
        assert 590 <= direct.ttl(prefix + digest) <= 600


def test_an_unreachable_redis_leaves_apq_working_in_this_router() -> None:
    apq = ApqSettings(redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.1)
    digest = sha256_hex(QUERY)
    with _router(RouterConfig(apq=apq)) as client:
        assert _code(_post(client, {"extensions": _persisted(digest)})[1]) == (
            "PERSISTED_QUERY_NOT_FOUND"
        )
        assert _post(client, {"query": QUERY, "extensions": _persisted(digest)})[0] == 200
        assert _post(client, {"extensions": _persisted(digest)}) == (
            200,
            {"data": {"__typename": "Query"}},
        )


def test_apq_settings_come_from_yaml_and_are_checked(tmp_path: Any) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("apq:\n  redis_url: redis://cache:6379/0\n  ttl_seconds: 60\n")
    config = load_config(path, environ={})
    assert (config.apq.redis_url, config.apq.ttl_seconds) == ("redis://cache:6379/0", 60)
    path.write_text("apq:\n  ttl: 60\n")
    with pytest.raises(ConfigError, match="ttl"):
        load_config(path, environ={})
