"""The GraphQL over HTTP server audit of the npm package ``graphql-http`` against real router
processes over real subgraph processes (docs/conformance.md, "GraphQL over HTTP").

Three runs of every audit:
- ``defaults``: the router with its production defaults. Every MUST and SHOULD passes except
  the two that query ``__type`` with variables and require an answer without errors, which
  production refuses because introspection is off.
- ``introspection``: the same router with ``introspection: true``; every MUST and SHOULD passes.
- ``preflight``: that router again, every request carrying ``apollo-require-preflight`` as our
  CSRF prevention asks of GET clients; every audit passes, MAY included.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.router.conftest import NAMES, Subgraphs, router_process
from tests.support.node_packages import install_packages, run_node

GRAPHQL_HTTP_VERSION = "1.23.1"
PACKAGES = {"graphql-http": GRAPHQL_HTTP_VERSION, "graphql": "16.15.0"}
SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
# Audits whose documents are introspection (``__type``); BF61 only checks for a 200, which an
# application/json client gets for the refusal too, so it passes with introspection off.
INTROSPECTION_AUDITS = {"BF61", "2EA1", "28B9", "D6D5", "6A70"}
# Audits sending GET requests, which CSRF prevention refuses without a preflight header.
GET_AUDITS = {"5A70", "9C48", "D6D5", "6A70"}
AUDIT_TIMEOUT_SECONDS = 120


def _subgraph_settings(subgraphs: Subgraphs) -> dict[str, Any]:
    return {"subgraphs": {name: {"url": subgraphs.url(name)} for name in NAMES}}


@pytest.fixture(scope="module")
def production_router(
    subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from router_process(_subgraph_settings(subgraphs), tmp_path_factory.mktemp("defaults"))


@pytest.fixture(scope="module")
def introspection_router(
    subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    config = {**_subgraph_settings(subgraphs), "introspection": True}
    yield from router_process(config, tmp_path_factory.mktemp("introspection"))


@pytest.fixture(scope="module")
def audit(production_router: str, introspection_router: str) -> dict[str, list[dict[str, Any]]]:
    """Each run's results, one per audit: id, name, status (ok, error, warn, notice), reason."""
    directory = install_packages(f"graphql-http/{GRAPHQL_HTTP_VERSION}", PACKAGES)
    runs: list[dict[str, Any]] = [
        {"name": "defaults", "url": production_router},
        {"name": "introspection", "url": introspection_router},
        {"name": "preflight", "url": introspection_router,
         "headers": {"apollo-require-preflight": "true"}},
    ]  # fmt: skip
    results = run_node(SCRIPT, directory, {"runs": runs}, timeout=AUDIT_TIMEOUT_SECONDS)
    by_run: dict[str, list[dict[str, Any]]] = {run["name"]: [] for run in runs}
    for result in results:
        by_run[result["run"]].append(result)
    return by_run


def _level(result: dict[str, Any]) -> str:
    return str(result["name"]).split()[0]


def _failing(results: list[dict[str, Any]], levels: set[str]) -> list[dict[str, Any]]:
    return [r for r in results if _level(r) in levels and r["status"] != "ok"]


def _report(failing: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{r['id']} {r['name']}: {r['reason']} (HTTP {r.get('httpStatus')}, "
        f"{r.get('contentType')}: {r.get('body')})"
        for r in failing
    )


def test_the_audit_has_the_documented_number_of_musts_and_shoulds(
    audit: dict[str, list[dict[str, Any]]],
) -> None:
    levels = [_level(r) for r in audit["defaults"]]
    # docs/conformance.md gives these counts for the pinned version.
    assert (levels.count("MUST"), levels.count("SHOULD"), levels.count("MAY")) == (13, 23, 25)


def test_production_defaults_fail_only_the_musts_and_shoulds_that_need_introspection(
    audit: dict[str, list[dict[str, Any]]],
) -> None:
    failing = _failing(audit["defaults"], {"MUST", "SHOULD"})
    assert {r["id"] for r in failing} == {"2EA1", "28B9"}, _report(failing)
    assert {r["id"] for r in failing} <= INTROSPECTION_AUDITS
    for result in failing:
        assert "introspection has been disabled" in (result["body"] or ""), _report([result])


def test_every_must_and_should_passes_with_introspection_on(
    audit: dict[str, list[dict[str, Any]]],
) -> None:
    failing = _failing(audit["introspection"], {"MUST", "SHOULD"})
    assert failing == [], _report(failing)
    optional = _failing(audit["introspection"], {"MAY"})
    assert {r["id"] for r in optional} <= GET_AUDITS, _report(optional)
    for result in optional:
        assert "Cross-Site Request Forgery" in (result["body"] or ""), _report([result])


def test_every_audit_passes_for_a_client_that_sends_the_preflight_header(
    audit: dict[str, list[dict[str, Any]]],
) -> None:
    failing = _failing(audit["preflight"], {"MUST", "SHOULD", "MAY"})
    assert failing == [], _report(failing)


def test_the_audited_router_serves_the_real_subgraphs(
    production_router: str, subgraphs: Subgraphs
) -> None:
    subgraphs.forget()
    response = httpx.post(
        production_router,
        json={"query": "{ products { id reviews { body } } }"},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body
    assert body["data"]["products"]
    assert subgraphs.requests("products")
    assert subgraphs.requests("reviews")
