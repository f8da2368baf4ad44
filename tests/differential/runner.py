"""Run generated operations through both gateways, compare, adjudicate, minimize, report."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema

from router.supergraph import load_supergraph
from tests.differential.adjudications import Adjudicator
from tests.differential.compare import differing_paths, mismatch
from tests.differential.evidence import Evidence
from tests.differential.gateways import Gateways
from tests.differential.generator import OperationGenerator
from tests.differential.minimize import Candidate, minimize
from tests.differential.supergraphs import Fixture


@dataclass
class Difference:
    fixture: str
    kind: str
    """``data`` or ``errors`` (see ``compare.mismatch``)."""
    text: str
    variables: dict[str, Any]
    ours: Any
    apollo: Any
    adjudication: str | None = None
    """The kind of the adjudication that claims the difference."""
    router_bug: bool = False
    """The adjudication is a known bug of ours (not Apollo's)."""
    wrong: str = "apollo"
    """Whose answer the adjudication finds wrong: ``apollo``, ``router`` or ``neither``."""
    minimized: bool = False

    def describe(self) -> str:
        verdict = "NOT adjudicated"
        if self.adjudication:
            side = {"router": "known router bug", "neither": "both conform"}.get(
                self.wrong, "Apollo is wrong"
            )
            verdict = f"{side}: {self.adjudication}"
        paths = ", ".join(".".join(map(str, p)) or "<root>" for p in self.paths[:6])
        return "\n".join(
            [
                f"--- {self.fixture}: {self.kind} differ ({verdict})"
                + (" [minimized]" if self.minimized else ""),
                f"at: {paths}" if paths else "",
                self.text.rstrip(),
                f"variables: {json.dumps(self.variables, sort_keys=True)}",
                f"ours:   {json.dumps(self.ours, sort_keys=True)}",
                f"apollo: {json.dumps(self.apollo, sort_keys=True)}",
            ]
        )

    @property
    def paths(self) -> list[tuple[str | int, ...]]:
        return differing_paths(self.ours, self.apollo)


@dataclass
class FixtureReport:
    fixture: str
    operations: int = 0
    agreed: int = 0
    differences: list[Difference] = field(default_factory=list)
    load_error: str | None = None

    @property
    def unadjudicated(self) -> list[Difference]:
        return [d for d in self.differences if d.adjudication is None]

    @property
    def adjudicated(self) -> Counter[str]:
        """Differences where Apollo is wrong, by kind."""
        return Counter(
            d.adjudication for d in self.differences if d.adjudication and not d.router_bug
        )

    @property
    def router_bugs(self) -> Counter[str]:
        """Differences that are known bugs of ours, by kind."""
        return Counter(d.adjudication for d in self.differences if d.adjudication and d.router_bug)

    def totals(self) -> str:
        if self.load_error:
            return f"{self.fixture}: Apollo did not load it: {self.load_error}"
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.adjudicated.items()))
        bugs = ", ".join(f"{k} {n}" for k, n in sorted(self.router_bugs.items()))
        return (
            f"{self.fixture}: {self.operations} operations, {self.agreed} agree, "
            f"{len(self.unadjudicated)} differ, {sum(self.adjudicated.values())} adjudicated"
            + (f" ({kinds})" if kinds else "")
            + (f", {sum(self.router_bugs.values())} known router bugs ({bugs})" if bugs else "")
        )


class Runner:
    """One campaign over running gateways; ``run`` is one fixture's share."""

    def __init__(self, gateways: Gateways, adjudicator: Adjudicator) -> None:
        self.gateways = gateways
        self.adjudicator = adjudicator
        self._apollo_worker = ThreadPoolExecutor(1, thread_name_prefix="apollo-client")

    def close(self) -> None:
        self._apollo_worker.shutdown()

    def run(
        self, fixture: Fixture, operations: int, seed: int, minimize_at_most: int = 3
    ) -> FixtureReport:
        report = FixtureReport(fixture.name)
        if fixture.name in self.gateways.apollo_errors:
            report.load_error = self.gateways.apollo_errors[fixture.name]
            return report
        schema = load_supergraph(fixture.supergraph_sdl).api_schema
        generator = OperationGenerator(schema)
        minimized = 0
        for index in range(operations):
            operation = generator.generate(_operation_seed(seed, fixture.name, index))
            report.operations += 1
            difference = self.check(fixture, operation.text(), operation.values)
            if difference is None:
                report.agreed += 1
                continue
            if not self._apollo_wrong(difference) and minimized < minimize_at_most:
                minimized += 1
                difference = self.minimized(fixture, schema, difference)
            report.differences.append(difference)
        return report

    def check(self, fixture: Fixture, text: str, variables: dict[str, Any]) -> Difference | None:
        body = {"query": text, "variables": variables}
        # Apollo (another process) answers while our router works in this one.
        theirs = self._apollo_worker.submit(self.gateways.apollo, fixture.name, body)
        ours = self.gateways.ours(fixture.name, body)
        apollo = theirs.result()
        kind = mismatch(ours, apollo)
        if kind is None:
            return None
        difference = Difference(fixture.name, kind, text, variables, ours, apollo)
        adjudication = self.adjudicator.adjudicate(self.evidence(fixture, difference))
        if adjudication is not None:
            difference.adjudication = adjudication.kind
            difference.router_bug = adjudication.wrong == "router"
            difference.wrong = adjudication.wrong
        return difference

    @staticmethod
    def _apollo_wrong(difference: Difference) -> bool:
        return difference.adjudication is not None and not difference.router_bug

    def evidence(self, fixture: Fixture, difference: Difference) -> Evidence:
        """What the adjudication rules look at: the answers and, when a rule asks, the
        subgraph requests each gateway makes for the operation (it is run again)."""
        body = {"query": difference.text, "variables": difference.variables}
        runs = {"ours": self.gateways.ours, "apollo": self.gateways.apollo}

        def record(gateway: str) -> list[dict[str, Any]]:
            self.gateways.forget_subgraph_requests()
            runs[gateway](fixture.name, body)
            return self.gateways.subgraph_requests()

        def ask(subgraph: str, request: dict[str, Any]) -> Any:
            url = self.gateways.subgraph_url(fixture.name, subgraph)
            return self.gateways.http.post(url, json=request).json()

        return Evidence(
            fixture=fixture,
            text=difference.text,
            variables=difference.variables,
            ours=difference.ours,
            apollo=difference.apollo,
            record=record,
            asker=ask,
        )

    def minimized(
        self, fixture: Fixture, schema: GraphQLSchema, difference: Difference
    ) -> Difference:
        def same(found: Difference | None) -> bool:
            return (
                found is not None
                and found.kind == difference.kind
                and found.adjudication == difference.adjudication
            )

        def still_differs(candidate: Candidate) -> bool:
            return same(self.check(fixture, candidate.text, candidate.variables))

        smallest = minimize(schema, difference.text, difference.variables, still_differs)
        final = self.check(fixture, smallest.text, smallest.variables)
        if final is None or not same(final):
            return difference
        final.minimized = True
        return final


def _operation_seed(seed: int, fixture: str, index: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{fixture}:{index}".encode(), digest_size=6).digest()
    return int.from_bytes(digest, "big")
