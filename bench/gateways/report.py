"""RESULTS.md and results.json from a run's outcome."""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from router.http.config import RouterConfig

from .install import HERE, HIVE_ROUTER_VERSION, K6_VERSION, Tools, npm_version
from .peers import ROOT, TITLES
from .run import Options, Outcome, Row

CORE0_BOUND_PERCENT = 90.0
DEDUP_HONOURED = 0.67
"""With 50 clients sending one query, dedup on should cut the gateway's CPU per answer to at
most this fraction of dedup off's."""


def setting(dedup: bool | None) -> str:
    return {True: "on", False: "off", None: "unknown"}[dedup]


def command_line() -> str:
    python = os.path.relpath(sys.executable, ROOT)
    return shlex.join([python, "-m", "bench.gateways", *sys.argv[1:]])


def output(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def versions(tools: Tools) -> list[str]:
    head = output("git", "rev-parse", "--short", "HEAD")
    clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "router"], cwd=ROOT,
                           check=False).returncode == 0  # fmt: skip
    dirty = "" if clean else " with uncommitted changes in router/"
    lock = (HERE / "subgraphs" / "Cargo.lock").read_text()
    match = re.search(r'name = "async-graphql"\nversion = "([^"]+)"', lock)
    npm = tools.node_dir

    def js(package: str) -> str:
        return f"{package} {npm_version(npm, package)}"

    return [
        f"shopgraph router: git {head}{dirty}, Python {platform.python_version()}, "
        f"{native_data_path()}",
        f"Hive Gateway: {js('@graphql-hive/gateway')}",
        f"Hive Router: hive-router {HIVE_ROUTER_VERSION} (cargo install --locked)",
        f"Apollo Gateway: {js('@apollo/gateway')}, {js('@apollo/server')}",
        f"Node {output('node', '--version')}, {js('graphql')}, {js('@apollo/composition')}",
        f"subgraphs: async-graphql {match.group(1) if match else '?'} (Rust, release build)",
        f"k6 {K6_VERSION}",
    ]


def native_data_path() -> str:
    """Which data path the router runs by default, and the compiled extension's version."""
    field = RouterConfig.model_fields.get("data_path")
    try:
        native = f"shopgraph-native {metadata.version('shopgraph-native')}"
    except metadata.PackageNotFoundError:
        native = "shopgraph-native not installed"
    return f"data_path {field.default if field else 'python'} ({native})"


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    kib = next(int(x.split()[1]) for x in meminfo if x.startswith("MemTotal:"))
    return (f"{os.cpu_count()} cores, {model}, {kib / 2**20:.1f} GiB memory, "
            f"{platform.system()} {platform.release()}")  # fmt: skip


def ours_rps(rows: list[Row]) -> dict[bool | None, float]:
    return {row.dedup: row.load.rps for row in rows if row.gateway == "shopgraph"}


def ratio(row: Row, ours: dict[bool | None, float]) -> float | None:
    base = ours.get(row.dedup, ours.get(None))
    return row.load.rps / base if base else None


def core0_bound(row: Row) -> bool:
    """k6 and the subgraphs used (nearly) all of core 0: the load, not the gateway, set the
    requests per second."""
    return row.subgraphs_cpu_percent + row.load.k6_cpu_percent >= CORE0_BOUND_PERCENT


def table(rows: list[Row]) -> list[str]:
    ours = ours_rps(rows)
    lines = [
        "| gateway | inbound dedup | req/s | ratio to ours | p50 ms | p95 ms | p99 ms | errors "
        "(non-200 / GraphQL) | peak RSS MiB | CPU % of one core | subgraph requests per answer "
        "| subgraphs' CPU % | k6 CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        load, r = row.load, ratio(row, ours)
        bound = " (core 0 bound)" if core0_bound(row) else ""
        lines.append(
            f"| {TITLES[row.gateway]} | {setting(row.dedup)} | {load.rps:,.1f}{bound} | "
            f"{'—' if r is None else f'{r:.2f}'} | {load.p50_ms:.1f} | {load.p95_ms:.1f} | "
            f"{load.p99_ms:.1f} | {load.non_200} / {load.graphql_errors} of {load.requests:,} "
            f"| {row.rss_mb:.0f} ({row.processes} proc.) | {row.cpu_percent:.0f} | "
            f"{row.subgraph_requests_per_response:.2f} | {row.subgraphs_cpu_percent:.0f} | "
            f"{load.k6_cpu_percent:.0f} |"
        )
    return lines


def cpu_per_answer(row: Row) -> float:
    return row.cpu_percent / max(row.load.rps, 1e-9)


def dedup_effect(rows: list[Row]) -> list[str]:
    """Per gateway run both ways: the throughput gain, and whether dedup on cut the gateway's
    CPU per answer (the sign that the setting is honoured, even where the load generator
    bounds the throughput)."""
    lines = []
    for gateway in TITLES:
        by = {row.dedup: row for row in rows if row.gateway == gateway}
        on, off = by.get(True), by.get(False)
        if on is None or off is None or not off.load.rps:
            continue
        gain = on.load.rps / off.load.rps
        cut = cpu_per_answer(on) / max(cpu_per_answer(off), 1e-9)
        doubt = "" if cut <= DEDUP_HONOURED else "; barely less: is the setting honoured?"
        lines.append(
            f"- {TITLES[gateway]}: dedup on / off = {gain:.2f} times the requests per second, "
            f"{cut:.2f} times the gateway's CPU per answer{doubt}"
        )
    return lines


def overhead_section(outcome: Outcome) -> list[str]:
    if not outcome.overheads:
        return []
    first = outcome.overheads[0]
    lines = [
        "## Overhead",
        "",
        f"One client, one request at a time ({first.requests:,} light requests per "
        "target, after a tenth as many unmeasured): `{ topProducts { upc name price } }` "
        "straight to the products subgraph, then through the gateway, back to back. "
        "Overhead = through - direct.",
        "",
        "| gateway | direct p50 ms | through p50 ms | overhead p50 ms | direct p95 ms "
        "| through p95 ms | overhead p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcome.overheads:
        lines.append(
            f"| {TITLES[o.gateway]} (dedup {setting(o.dedup)}) | {o.direct_p50_ms:.2f} | "
            f"{o.through_p50_ms:.2f} | **{o.p50_ms:.2f}** | {o.direct_p95_ms:.2f} | "
            f"{o.through_p95_ms:.2f} | **{o.p95_ms:.2f}** |"
        )
    for o in outcome.overheads:
        if o.plan_miss:
            m = o.plan_miss
            lines += [
                "",
                f"Plan-cache miss, {TITLES[o.gateway]}: the heavy query {m['requests']:.0f} "
                "times as one document, then as many times with a new operation name each "
                "time (parsed, validated and planned anew), one request at a time.",
                "",
                "| | p50 ms | p95 ms |",
                "|---|---:|---:|",
                f"| same document | {m['repeated_p50_ms']:.2f} | {m['repeated_p95_ms']:.2f} |",
                f"| new document each time | {m['miss_p50_ms']:.2f} | {m['miss_p95_ms']:.2f} |",
                f"| **cost of a miss** | **{m['miss_cost_p50_ms']:.2f}** | "
                f"**{m['miss_cost_p95_ms']:.2f}** |",
            ]
    return [*lines, ""]


def write(outcome: Outcome, options: Options, tools: Tools, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(results_json(outcome), indent=2) + "\n")
    (directory / "RESULTS.md").write_text(markdown(outcome, options, tools))
    print(f"wrote {directory / 'RESULTS.md'} and results.json", flush=True)


def results_json(outcome: Outcome) -> list[dict[str, Any]]:
    ours = ours_rps(outcome.rows)
    entries: list[dict[str, Any]] = []
    for row in outcome.rows:
        load = row.load
        entries.append({
            "gateway": row.gateway, "dedup": row.dedup, "rps": round(load.rps, 2),
            "p95_ms": round(load.p95_ms, 3), "rss_mb": round(row.rss_mb, 1),
            "p50_ms": round(load.p50_ms, 3), "p99_ms": round(load.p99_ms, 3),
            "requests": load.requests, "non_200": load.non_200,
            "graphql_errors": load.graphql_errors,
            "cpu_percent": round(row.cpu_percent, 1), "processes": row.processes,
            "subgraph_requests_per_answer": round(row.subgraph_requests_per_response, 3),
            "subgraphs_cpu_percent": round(row.subgraphs_cpu_percent, 1),
            "k6_cpu_percent": round(load.k6_cpu_percent, 1),
            "ratio_to_ours": (lambda r: None if r is None else round(r, 3))(ratio(row, ours)),
        })  # fmt: skip
    for o in outcome.overheads:
        entry: dict[str, Any] = {
            "kind": "overhead", "gateway": o.gateway, "dedup": o.dedup, "requests": o.requests,
            "direct_p50_ms": round(o.direct_p50_ms, 3), "direct_p95_ms": round(o.direct_p95_ms, 3),
            "through_p50_ms": round(o.through_p50_ms, 3),
            "through_p95_ms": round(o.through_p95_ms, 3),
            "overhead_p50_ms": round(o.p50_ms, 3), "overhead_p95_ms": round(o.p95_ms, 3),
        }  # fmt: skip
        if o.plan_miss:
            entry["plan_cache_miss"] = {k: round(v, 3) for k, v in o.plan_miss.items()}
        entries.append(entry)
    return entries


def markdown(outcome: Outcome, options: Options, tools: Tools) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Gateway benchmark results",
        "",
        f"- date: {now}",
        f"- machine: {machine()}; load average when the run started "
        f"{' '.join(f'{x:.2f}' for x in outcome.load_average)}, when it ended "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared)",
        f"- command: `{command_line()}`",
        f"- load: k6, {options.vus} constant VUs POSTing `heavy.graphql`, {options.warmup} s "
        f"warm-up then {options.duration} s measured, per gateway and setting; the gateway "
        "and all its processes on core 1 (`taskset -c 1`), k6 and the subgraphs on core 0",
        "- every gateway first returned exactly the same `data` for the heavy query",
        "",
        "## Versions",
        "",
        *[f"- {line}" for line in versions(tools)],
        "",
    ]
    if outcome.rows:
        lines += ["## Throughput: the heavy query", "", *table(outcome.rows), ""]
        effect = dedup_effect(outcome.rows)
        if effect:
            lines += ["Inbound dedup's effect:", "", *effect, ""]
    lines += overhead_section(outcome)
    lines += ["## Configurations", ""]
    for run in outcome.launches:
        lines += [f"### {run.key}", "", "```", shlex.join(run_argv(run)), "```", "",
                  "```", run.config.rstrip(), "```", ""]  # fmt: skip
    lines += notes_section()
    return "\n".join(lines).rstrip() + "\n"


def run_argv(run: Any) -> list[str]:
    home = str(Path.home())
    return ["taskset", "-c", "1", *(a.replace(home, "~") for a in run.argv)]


def notes_section() -> list[str]:
    return [
        "## Notes",
        "",
        "- Ratio to ours: the gateway's requests per second over shopgraph's in the same "
        "dedup setting.",
        "- Apollo Gateway has no inbound request deduplication: one row, dedup off.",
        "- Apollo Gateway forks `availableParallelism() - 1` workers as the public benchmark's "
        "index does; pinned to one core that is 0 forks.",
        "- The public benchmark runs Node 26; this machine has the Node version listed above.",
        "- shopgraph's router runs with demand control off: by default it refuses the heavy "
        "query (estimated cost 24,420 > 10,000), and no peer estimates costs.",
        "- Peak RSS is VmHWM summed over the gateway's processes; CPU is utime + stime of "
        "those processes over the measured window, in % of one core.",
        "- Subgraph requests per answer: requests the subgraphs served during the window over "
        "the gateway's answers, fewer than the plan's fetches where outbound and inbound "
        "dedup share them. The subgraphs and k6 share core 0: where their CPU adds up to "
        "about 100 %, core 0, not the gateway, bounds the requests per second: such rows "
        f"say (core 0 bound) (k6 + subgraphs >= {CORE0_BOUND_PERCENT:.0f} % of core 0).",
        "",
    ]
