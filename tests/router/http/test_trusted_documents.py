"""Trusted documents from manifests (Apollo's persisted query list, and ``{id: document}``),
named by ``extensions.persistedQuery`` or ``documentId``; the ``safelist`` mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import ConfigError, RouterConfig, TrustedDocumentsSettings
from router.operation.persisted import sha256_hex
from router.telemetry.metrics import REGISTRY
from tests.router.planning.plans import FIXTURES

SUPERGRAPH = FIXTURES / "entities.graphql"
LISTED = "query Listed {\n  __typename\n}"
RELAY = "query Relay { __typename }"
NEW = "query New { __typename }"
TYPENAME = {"data": {"__typename": "Query"}}


@pytest.fixture
def manifests(tmp_path: Path) -> list[str]:
    apollo = tmp_path / "persisted-query-manifest.json"
    apollo.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha256_hex(LISTED), "name": "Listed", "type": "query",
                        "body": LISTED}],
    }))  # fmt: skip
    relay = tmp_path / "relay.json"
    relay.write_text(json.dumps({"relay-1": RELAY}))
    return [str(apollo), str(relay)]


def _router(**trusted: Any) -> TestClient:
    config = RouterConfig(trusted_documents=TrustedDocumentsSettings(**trusted))
    app = create_app(config, supergraph_path=SUPERGRAPH)
    return TestClient(app, headers={"accept": "application/graphql-response+json"})


@pytest.fixture
def allowing(manifests: list[str]) -> Iterator[TestClient]:
    with _router(manifests=manifests) as client:
        yield client


@pytest.fixture
def safelist(manifests: list[str]) -> Iterator[TestClient]:
    with _router(manifests=manifests, mode="safelist") as client:
        yield client


def _post(client: TestClient, body: dict[str, Any]) -> tuple[int, Any]:
    response = client.post("/graphql", json=body)
    return response.status_code, response.json()


def _by_hash(digest: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


def _code(response: tuple[int, Any]) -> tuple[int, str]:
    status, body = response
    return status, body["errors"][0]["extensions"]["code"]


def test_listed_documents_run_by_id_in_either_format(allowing: TestClient) -> None:
    assert _post(allowing, _by_hash(sha256_hex(LISTED))) == (200, TYPENAME)
    assert _post(allowing, {"documentId": "relay-1"}) == (200, TYPENAME)
    assert _post(allowing, _by_hash("relay-1")) == (200, TYPENAME)


def test_an_unknown_id_is_not_in_the_list(allowing: TestClient) -> None:
    assert _code(_post(allowing, {"documentId": "relay-2"})) == (400, "PERSISTED_QUERY_NOT_IN_LIST")
    message = _post(allowing, {"documentId": "relay-2"})[1]["errors"][0]["message"]
    assert message == "persisted query 'relay-2' not found in the persisted query list"


def test_an_id_and_a_document_together_are_refused(allowing: TestClient) -> None:
    assert _code(_post(allowing, {"documentId": "relay-1", "query": RELAY})) == (
        400,
        "BAD_REQUEST",
    )


def test_allow_mode_runs_other_documents_and_registers_them(allowing: TestClient) -> None:
    assert _post(allowing, {"query": NEW}) == (200, TYPENAME)
    assert _post(allowing, _by_hash(sha256_hex(NEW), NEW)) == (200, TYPENAME)
    assert _post(allowing, _by_hash(sha256_hex(NEW))) == (200, TYPENAME)


def test_a_safelist_runs_listed_documents_by_id_or_in_full(safelist: TestClient) -> None:
    assert _post(safelist, _by_hash(sha256_hex(LISTED))) == (200, TYPENAME)
    assert _post(safelist, {"documentId": "relay-1"}) == (200, TYPENAME)
    # Sent in full, a listed document runs whatever its ignored characters.
    assert _post(safelist, {"query": "query Listed { __typename }"}) == (200, TYPENAME)
    assert _post(safelist, {"query": RELAY + "\n# a comment"}) == (200, TYPENAME)


def test_a_safelist_refuses_every_other_document(safelist: TestClient) -> None:
    assert _code(_post(safelist, {"query": NEW})) == (400, "QUERY_NOT_IN_SAFELIST")
    assert _code(_post(safelist, {"query": "query Listed { __typename __typename }"})) == (
        400,
        "QUERY_NOT_IN_SAFELIST",
    )
    # No registration through APQ either: the hash stays unknown.
    assert _code(_post(safelist, _by_hash(sha256_hex(NEW), NEW))) == (400, "QUERY_NOT_IN_SAFELIST")
    assert _code(_post(safelist, _by_hash(sha256_hex(NEW)))) == (400, "PERSISTED_QUERY_NOT_IN_LIST")
    assert _code(_post(safelist, {"query": "{ __typename "})) == (400, "QUERY_NOT_IN_SAFELIST")


def test_require_id_refuses_listed_documents_sent_in_full(manifests: list[str]) -> None:
    with _router(manifests=manifests, mode="safelist", require_id=True) as client:
        assert _code(_post(client, {"query": LISTED})) == (400, "PERSISTED_QUERY_ID_REQUIRED")
        assert _post(client, {"documentId": "relay-1"}) == (200, TYPENAME)


def _counted(result: str) -> float:
    name = "shopgraph_router_persisted_queries_total"
    return REGISTRY.get_sample_value(name, {"result": result}) or 0.0


def test_trusted_runs_and_refusals_are_counted(safelist: TestClient) -> None:
    refused, trusted = _counted("refused"), _counted("trusted")
    _post(safelist, {"query": NEW})
    _post(safelist, {"documentId": "relay-1"})
    _post(safelist, {"documentId": "relay-1"})
    assert (_counted("refused") - refused, _counted("trusted") - trusted) == (1, 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read the manifest"),
        ("[]", "expected apollo-persisted-query-manifest"),
        ('{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}',
         "only version 1"),
        ('{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a"}]}',
         "has no document"),
        ('{"a b": "{ __typename }"}', "no usable id"),
        ('{"x": 3}', "has no document"),
    ],
)  # fmt: skip
def test_a_manifest_that_cannot_be_read_stops_the_router(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        create_app(
            RouterConfig(trusted_documents=TrustedDocumentsSettings(manifests=[str(path)])),
            supergraph_path=SUPERGRAPH,
        )


def test_two_manifests_may_not_give_one_id_two_documents(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"one": "{ __typename }"}))
    (tmp_path / "b.json").write_text(json.dumps({"one": "query Other { __typename }"}))
    settings = TrustedDocumentsSettings(
        manifests=[str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    )
    with pytest.raises(ConfigError, match="names two different documents"):
        create_app(RouterConfig(trusted_documents=settings), supergraph_path=SUPERGRAPH)


def test_a_safelist_needs_a_manifest() -> None:
    with pytest.raises(ValueError, match="needs at least one manifest"):
        TrustedDocumentsSettings(mode="safelist")
    with pytest.raises(ValueError, match="only with mode 'safelist'"):
        TrustedDocumentsSettings(manifests=["m.json"], require_id=True)
