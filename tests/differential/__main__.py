"""``python -m tests.differential [--operations N] [--seed N] [--supergraph NAME ...]``

Runs N generated operations per fixture supergraph through our router and ``@apollo/gateway``
and prints each difference no adjudication claims (minimized), then totals per supergraph.
Known router bugs (adjudications with ``wrong: router``) are shown minimized and counted
apart. Exits 1 when a difference is left unadjudicated.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.differential.adjudications import Adjudicator
from tests.differential.gateways import Gateways
from tests.differential.runner import FixtureReport, Runner
from tests.differential.supergraphs import load_fixtures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.differential", description=__doc__)
    parser.add_argument("--operations", type=int, default=300, help="per supergraph")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--supergraph", action="append", help="a fixture's name (repeatable)")
    parser.add_argument(
        "--minimize", type=int, default=3, help="differences to minimize per supergraph"
    )
    parser.add_argument("--all", action="store_true", help="print adjudicated differences too")
    options = parser.parse_args(argv)
    started = time.monotonic()
    fixtures = load_fixtures(options.supergraph)
    adjudicator = Adjudicator.load()
    reports: list[FixtureReport] = []
    with Gateways(fixtures, options.seed) as gateways:
        runner = Runner(gateways, adjudicator)
        for fixture in fixtures:
            report = runner.run(fixture, options.operations, options.seed, options.minimize)
            shown = [
                d
                for d in report.differences
                if options.all or d.adjudication is None or (d.router_bug and d.minimized)
            ]
            for difference in shown:
                print(difference.describe(), end="\n\n", flush=True)
            print(report.totals(), flush=True)
            reports.append(report)
        runner.close()
    print()
    print(
        f"seed {options.seed}, {options.operations} operations per supergraph, "
        f"{time.monotonic() - started:.0f} s"
    )
    for report in reports:
        print(report.totals())
    total = sum(len(r.unadjudicated) for r in reports)
    operations = sum(r.operations for r in reports)
    agreed = sum(r.agreed for r in reports)
    adjudicated = sum(sum(r.adjudicated.values()) for r in reports)
    bugs = sum(sum(r.router_bugs.values()) for r in reports)
    print(
        f"total: {operations} operations, {agreed} agree, {total} differ, "
        f"{adjudicated} adjudicated, {bugs} known router bugs"
    )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
