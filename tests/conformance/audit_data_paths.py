"""The router's two data paths on the Federation gateway audit: same answers, byte for byte.

The compiled data path (``data_path: native``, the default) and the pure-Python reference
(``data_path: python``) must give identical responses. ``tests/differential/test_data_paths.py``
proves it on the fixture corpus inside ``make test``; this proves it on the supergraphs of the
public Federation gateway audit (graphql-hive/federation-gateway-audit), whose server must be
running (``npx tsx src/cli.ts serve --port 4200`` from the audit's directory)::

    .venv/bin/python -m tests.conformance.audit_data_paths --audit-url http://localhost:4200

For each suite it reads the supergraph (``GET /ID/supergraph``, composed by Apollo; its
routing URLs point at the audit's running subgraphs) and the tests (``GET /ID/tests``: a query
and the expected ``data`` and whether errors are expected), serves the supergraph with two
in-process routers that differ only in ``data_path``, with ``shopgraph router``'s defaults
otherwise, sends every test's query to both and compares the two answers' bytes. It also
checks each answer as the audit does (``data`` equal, errors present exactly when expected),
so one run gives the audit's score for both paths. A test whose query draws a new id each
time the tests are read (the mutations suite's ``addCategory``) cannot be sent twice with the
same id: each path gets its own copy, checked against its own expectation only. One line per
suite, then the totals; it exits 1 unless every other answer is identical on both paths.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import RouterConfig
from router.supergraph import load_supergraph
from router.telemetry.metrics import DATA_PATH_EXECUTIONS, REGISTRY
from tests.conformance.audit_composition import fetch_suites

TIMEOUT_SECONDS = 30.0
DataPath = Literal["native", "python"]
PATHS: tuple[DataPath, ...] = ("native", "python")


@dataclass(frozen=True)
class AuditTest:
    query: str
    data: Any
    errors: bool | None
    """Whether the answer must have errors; None when the test does not say."""


@dataclass
class SuiteResult:
    suite: str
    tests: int = 0
    identical: int = 0
    passed: dict[DataPath, int] = field(default_factory=lambda: dict.fromkeys(PATHS, 0))
    own_ids: int = 0
    """Tests whose copies differ (an id drawn per copy): not compared byte for byte."""
    compiled: int = 0
    """Answers of the native router that ran on the compiled path."""
    handed_over: int = 0
    """... and those it handed to the reference path (plans with contextual arguments,
    introspection); the rest were refused before execution (validation, planning)."""
    differences: list[str] = field(default_factory=list)


def fetch_tests(client: httpx.Client, suite: str) -> list[AuditTest]:
    answer = client.get(f"/{suite}/tests")
    answer.raise_for_status()
    tests = []
    for test in answer.json():
        expected = test.get("expected") or {}
        errors = expected.get("errors")
        tests.append(
            AuditTest(
                test["query"], expected.get("data"), errors if isinstance(errors, bool) else None
            )
        )
    return tests


def executions(path: DataPath) -> float:
    sample = REGISTRY.get_sample_value(f"{DATA_PATH_EXECUTIONS._name}_total", {"path": path})
    return sample or 0.0


def passes(test: AuditTest, *, body: bytes) -> bool:
    """The audit's own check: ``data`` deep-equal, errors present exactly when expected."""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(answer, dict) or answer.get("data") != test.data:
        return False
    return test.errors is None or bool(answer.get("errors")) == test.errors


@contextmanager
def routers(supergraph_sdl: str) -> Iterator[dict[DataPath, TestClient]]:
    """One in-process router per data path, both over the same supergraph."""
    with ExitStack() as stack:
        clients: dict[DataPath, TestClient] = {}
        for data_path in PATHS:
            config = RouterConfig(hot_reload=False, data_path=data_path)
            app = create_app(config, supergraph=load_supergraph(supergraph_sdl))
            clients[data_path] = stack.enter_context(TestClient(app))
        yield clients


def run_suite(client: httpx.Client, suite: str) -> SuiteResult:
    supergraph = client.get(f"/{suite}/supergraph")
    supergraph.raise_for_status()
    result = SuiteResult(suite)
    # Each path gets its own copy of the tests: a suite may draw a new id for each copy (the
    # mutations suite adds a category under one, and refuses the same id twice).
    tests = {path: fetch_tests(client, suite) for path in PATHS}
    with routers(supergraph.text) as clients:
        for number, pair in enumerate(zip(*(tests[path] for path in PATHS), strict=True)):
            result.tests += 1
            bodies: dict[DataPath, bytes] = {}
            for path, test in zip(PATHS, pair, strict=True):
                before = {counted: executions(counted) for counted in PATHS}
                bodies[path] = clients[path].post("/graphql", json={"query": test.query}).content
                result.passed[path] += passes(test, body=bodies[path])
                if path == "native":
                    result.compiled += executions("native") > before["native"]
                    result.handed_over += executions("python") > before["python"]
            if pair[0].query != pair[1].query:
                result.own_ids += 1  # checked against each copy's expectation only
            elif bodies["native"] == bodies["python"]:
                result.identical += 1
            else:
                result.differences.append(
                    f"test {number}:\n  native: {bodies['native'].decode(errors='replace')}\n"
                    f"  python: {bodies['python'].decode(errors='replace')}"
                )
    return result


def print_table(results: list[SuiteResult], verbose: bool) -> None:
    width = max((len(r.suite) for r in results), default=5)
    print(f"{'suite':<{width}}  tests  identical  compiled  native  python")
    for r in results:
        print(f"{r.suite:<{width}}  {r.tests:5}  {r.identical:9}  {r.compiled:8}  "
              f"{r.passed['native']:6}  {r.passed['python']:6}")  # fmt: skip
        if verbose:
            for difference in r.differences:
                print("    " + difference.replace("\n", "\n    "))
    tests = sum(r.tests for r in results)
    identical = sum(r.identical for r in results)
    scores = ", ".join(f"{p} passes {sum(r.passed[p] for r in results)}/{tests}" for p in PATHS)
    compiled = sum(r.compiled for r in results)
    own_ids = sum(r.own_ids for r in results)
    print(f"identical {identical}/{tests - own_ids} (and {own_ids} with an id drawn per copy, "
          f"each checked against its own expectation); {scores}; "
          f"the native router ran {compiled} on the compiled path, handed "
          f"{sum(r.handed_over for r in results)} to the reference path and refused the rest "
          f"before execution")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="The router's native and Python data paths on the audit's suites."
    )
    parser.add_argument("--audit-url", default="http://localhost:4200",
                        help="where the audit's server listens")  # fmt: skip
    parser.add_argument("--suite", action="append", help="only this suite (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="show each answer that differs")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.audit_url, timeout=TIMEOUT_SECONDS) as client:
        suites = args.suite or fetch_suites(client)
        results = []
        for suite in suites:
            results.append(run_suite(client, suite))
            print(f"... {suite}", file=sys.stderr, flush=True)
    print_table(results, args.verbose)
    return 0 if all(r.identical + r.own_ids == r.tests for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
