"""How far shopgraph's composer agrees with the Federation gateway audit's supergraphs.

The audit (graphql-hive/federation-gateway-audit) serves, for each of its test suites, the
subgraphs (``/<id>/subgraphs``: name, URL and SDL of each) and the supergraph Apollo's
composition made of them (``/<id>/supergraph``). This composes each suite's subgraphs with our
composer and compares the result with the audit's supergraph by meaning
(:func:`tests.schema.semantic.normalize`)::

    .venv/bin/python -m tests.conformance.audit_composition --audit-url http://localhost:4200

prints one line per suite (equal, differs, or refused with our first error) and the count of
equal suites; ``--verbose`` adds what differs. It exits 1 unless every suite is equal.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import httpx

from schema.composition import SubgraphInput, compose
from tests.schema.semantic import diff, normalize

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    outcome: str
    """equal, differs or refused."""
    detail: str


def fetch_suites(client: httpx.Client) -> list[str]:
    answer = client.get("/ids")
    answer.raise_for_status()
    return [str(suite) for suite in answer.json()]


def compare_suite(client: httpx.Client, suite: str) -> SuiteResult:
    subgraphs = client.get(f"/{suite}/subgraphs")
    subgraphs.raise_for_status()
    expected = client.get(f"/{suite}/supergraph")
    expected.raise_for_status()
    inputs = [SubgraphInput(s["name"], s["url"], s["sdl"]) for s in subgraphs.json()]
    ours = compose(inputs)
    if ours.supergraph_sdl is None:
        return SuiteResult(suite, "refused", str(ours.errors[0]) if ours.errors else "")
    if normalize(ours.supergraph_sdl) == normalize(expected.text):
        return SuiteResult(suite, "equal", "")
    return SuiteResult(suite, "differs", diff(ours.supergraph_sdl, expected.text,
                                              names=("ours", "the audit")))  # fmt: skip


def print_table(results: list[SuiteResult], verbose: bool) -> None:
    width = max((len(r.suite) for r in results), default=5)
    print(f"{'suite':<{width}}  result")
    for result in results:
        line = f"{result.suite:<{width}}  {result.outcome}"
        if result.outcome == "refused":
            line += f": {result.detail.splitlines()[0][:160] if result.detail else ''}"
        print(line)
        if verbose and result.outcome != "equal":
            print("    " + result.detail.replace("\n", "\n    "))
    equal = sum(r.outcome == "equal" for r in results)
    print(f"equal {equal}/{len(results)}, differ "
          f"{sum(r.outcome == 'differs' for r in results)}, refused "
          f"{sum(r.outcome == 'refused' for r in results)}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Our composer against the audit's supergraphs.")
    parser.add_argument("--audit-url", default="http://localhost:4200",
                        help="where the audit's server listens")  # fmt: skip
    parser.add_argument("--suite", action="append", help="only this suite (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="show what differs")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.audit_url, timeout=TIMEOUT_SECONDS) as client:
        suites = args.suite or fetch_suites(client)
        results = [compare_suite(client, suite) for suite in suites]
    print_table(results, args.verbose)
    return 0 if all(r.outcome == "equal" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
