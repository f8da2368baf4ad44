"""`.venv/bin/python -m bench.gateways`: see README.md beside this file."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .install import HERE, install
from .peers import GATEWAYS
from .report import write
from .run import Options, benchmark


def parse_args() -> argparse.Namespace:
    def names(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
        def parse(text: str) -> list[str]:
            chosen = [name.strip() for name in text.split(",") if name.strip()]
            unknown = sorted(set(chosen) - set(choices))
            if unknown or not chosen:
                raise argparse.ArgumentTypeError(f"choose among {', '.join(choices)}")
            return chosen

        return parse

    parser = argparse.ArgumentParser(prog="python -m bench.gateways", description=__doc__)
    parser.add_argument(
        "--gateways",
        type=names(GATEWAYS),
        default=list(GATEWAYS),
        help="comma-separated; the first is the data reference (default: all)",
    )
    parser.add_argument(
        "--dedup",
        type=names(("on", "off")),
        default=["on", "off"],
        help="inbound dedup settings to run (default: on,off)",
    )
    parser.add_argument("--warmup", type=int, default=10, help="seconds (default 10)")
    parser.add_argument("--duration", type=int, default=30, help="seconds (default 30)")
    parser.add_argument("--vus", type=int, default=50, help="k6 virtual users (default 50)")
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="also measure each gateway's latency overhead and our plan-cache miss",
    )
    parser.add_argument("--no-load", action="store_true", help="skip the k6 load (with --overhead)")
    parser.add_argument("--light-requests", type=int, default=3000)
    parser.add_argument("--heavy-requests", type=int, default=300)
    parser.add_argument(
        "--results",
        type=Path,
        default=HERE,
        help="where RESULTS.md and results.json go (default: bench/gateways)",
    )
    return parser.parse_args()  # fmt: skip


def main() -> None:
    args = parse_args()
    options = Options(
        gateways=args.gateways,
        dedup=[name == "on" for name in args.dedup],
        warmup=args.warmup,
        duration=args.duration,
        vus=args.vus,
        overhead=args.overhead,
        load=not args.no_load,
        light_requests=args.light_requests,
        heavy_requests=args.heavy_requests,
        raw=HERE / "results-raw",
    )
    tools = install(need_hive_router="hive-router" in options.gateways)
    outcome = benchmark(options, tools)
    write(outcome, options, tools, args.results)


if __name__ == "__main__":
    main()
