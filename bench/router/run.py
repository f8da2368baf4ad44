"""Gateway benchmark: shopgraph's router against Apollo Gateway and Hive Gateway.

Every gateway runs alone over the same four Node subgraphs and the same supergraph, checks
that it returns the same data as the others, and is then loaded with wrk. Writes
bench/router/RESULTS.md; wrk's output, the logs and results.json go to bench/router/results-raw/.

    .venv/bin/python bench/router/run.py [--duration 20] [--connections 32]
        [--gateways ours,apollo,hive] [--operations heavy,light]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.processes import free_port, running

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RAW = HERE / "results-raw"
SUBGRAPHS = ("users", "reviews", "products", "inventory")
WARMUP_SECONDS = 5
WRK_THREADS = 2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

OPERATIONS = {
    "heavy": """query Heavy {
  me {
    id name username
    reviews {
      id body
      product {
        upc name price weight inStock shippingEstimate
        reviews {
          id body
          author {
            id name username
            reviews { id body product { upc name price inStock shippingEstimate } }
          }
        }
      }
    }
  }
}""",
    "light": "query Light { topProducts(first: 5) { upc name price } }",
}

# POSTs the JSON body from the file named by the script's first argument. response() sorts
# out answers that are not 2xx and 2xx answers without data or with GraphQL errors; done()
# prints one line of key=value pairs that run.py reads.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.body = file:read("*a")
  file:close()
  non_2xx = 0
  graphql_errors = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  elseif not string.find(body, '"data"', 1, true) or string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local non_2xx, graphql_errors = 0, 0
  for _, thread in ipairs(threads) do
    non_2xx = non_2xx + thread:get("non_2xx")
    graphql_errors = graphql_errors + thread:get("graphql_errors")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non_2xx=%d socket_errors=%d graphql_errors=%d "
      .. "p50_us=%d p95_us=%d p99_us=%d\\n",
    summary.requests, summary.duration, non_2xx, e.connect + e.read + e.write + e.timeout,
    graphql_errors, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Gateway:
    key: str
    title: str
    argv: list[str]
    health_path: str
    env: dict[str, str]
    setup: str


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    graphql_errors: int
    peak_rss_mb: float
    gateway_cpu_percent: float
    subgraph_cpu_percent: dict[str, float]


def gateways(supergraph: Path, port: int) -> dict[str, Gateway]:
    """How each gateway is started; each is one process, so its PID is the gateway's."""
    node = shutil.which("node") or "node"
    production = {"NODE_ENV": "production"}
    hive_cli = HERE / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
    ours = ROOT / ".venv" / "bin" / "shopgraph"
    return {
        "ours": Gateway(
            "ours",
            "shopgraph router",
            [str(ours), "router", "--supergraph", str(supergraph), "--port", str(port)],
            "/health/ready",
            {},
            "`shopgraph router --supergraph FILE --port N`, its defaults: one process, no "
            "access log",
        ),
        "apollo": Gateway(
            "apollo",
            "@apollo/gateway",
            [node, str(HERE / "gateways" / "apollo.mjs"), str(supergraph), str(port)],
            "/graphql?query=%7B__typename%7D",
            production,
            "`gateways/apollo.mjs`: ApolloGateway in @apollo/server's standalone server, "
            "their defaults, NODE_ENV=production (no landing page, no introspection)",
        ),
        "hive": Gateway(
            "hive",
            "@graphql-hive/gateway",
            [
                node,
                str(hive_cli),
                "supergraph",
                str(supergraph),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            "/readiness",
            production,
            "its CLI `hive-gateway supergraph FILE --host 127.0.0.1 --port N`, its defaults "
            "(one worker: `--fork` defaults to 1), NODE_ENV=production",
        ),
    }


# -- processes -------------------------------------------------------------------------------


def wait_ready(client: httpx.Client, url: str, process: subprocess.Popen[bytes], what: str) -> None:
    """Poll GET url until it answers 200; fail if the process exits or 60 s pass."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}; see {RAW}")
        try:
            if client.get(url, headers={"apollo-require-preflight": "true"}).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} was not ready at {url} after 60 s; see {RAW}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- set-up ----------------------------------------------------------------------------------
def install() -> None:
    """npm dependencies and Debian's wrk, when missing."""
    if not (HERE / "node_modules").is_dir():
        print("installing the npm dependencies (npm ci)", flush=True)
        subprocess.run(
            ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"],
            check=True,
        )
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get)", flush=True)
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)


def start_subgraphs(stack: ExitStack, client: httpx.Client) -> dict[str, tuple[int, int]]:
    """Start the four subgraphs; returns name -> (port, pid)."""
    node = shutil.which("node") or "node"
    started: dict[str, tuple[int, int]] = {}
    for name in SUBGRAPHS:
        port = free_port()
        argv = [node, str(HERE / "subgraphs" / "server.mjs"), name, str(port)]
        process = stack.enter_context(
            running(argv, RAW / f"subgraph-{name}.log", dict(os.environ), HERE)
        )
        wait_ready(client, f"http://127.0.0.1:{port}/", process, f"subgraph {name}")
        started[name] = (port, process.pid)
    print("subgraphs: " + ", ".join(f"{n} :{p}" for n, (p, _) in started.items()), flush=True)
    return started


def compose(supergraph: Path, ports: list[int]) -> None:
    node = shutil.which("node") or "node"
    argv = [node, str(HERE / "compose.mjs"), str(supergraph), *map(str, ports)]
    subprocess.run(argv, check=True, cwd=HERE)
    print(f"supergraph composed into {supergraph}", flush=True)


# -- one gateway -----------------------------------------------------------------------------
def check_data(
    client: httpx.Client, url: str, gateway: Gateway, reference: dict[str, object]
) -> None:
    """Send each operation once; its data must match the first gateway's (kept in reference)."""
    for op_name, query in OPERATIONS.items():
        response = client.post(url, json={"query": query}, headers={"accept": "application/json"})
        (RAW / f"{gateway.key}-{op_name}.json").write_text(response.text)
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith("application/json"):
            raise SystemExit(
                f"{gateway.title} answered {op_name} with {response.status_code} {kind}"
            )
        body = response.json()
        if body.get("errors") or not body.get("data"):
            raise SystemExit(f"{gateway.title} failed {op_name}: {response.text[:500]}")
        expected = reference.setdefault(op_name, body["data"])
        if body["data"] != expected:
            raise SystemExit(
                f"{gateway.title} returns other data for {op_name} than the first gateway; "
                f"compare the {op_name} answers in {RAW}"
            )
        print(f"[{gateway.key}] {op_name}: data checked", flush=True)


def wrk(url: str, workdir: Path, op_name: str, seconds: int, connections: int) -> dict[str, int]:
    """Run wrk with the Lua script over one operation; returns the numbers done() printed."""
    options = f"-t{WRK_THREADS} -c{connections} -d{seconds}s --timeout 10s".split()
    script, body = workdir / "wrk.lua", workdir / f"{op_name}.json"
    argv = ["wrk", *options, "-s", str(script), url, "--", str(body)]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}


def load(
    url: str,
    workdir: Path,
    op_name: str,
    args: argparse.Namespace,
    gateway_pid: int,
    subgraph_pids: dict[str, int],
) -> Run:
    """One measured wrk run, with the CPU the gateway and each subgraph used during it."""
    before = {name: cpu_seconds(pid) for name, pid in subgraph_pids.items()}
    gateway_before = cpu_seconds(gateway_pid)
    started = time.monotonic()
    result = wrk(url, workdir, op_name, args.duration, args.connections)
    elapsed = time.monotonic() - started
    return Run(
        requests_per_second=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        non_2xx=result["non_2xx"],
        socket_errors=result["socket_errors"],
        graphql_errors=result["graphql_errors"],
        peak_rss_mb=peak_rss_mb(gateway_pid),
        gateway_cpu_percent=100 * (cpu_seconds(gateway_pid) - gateway_before) / elapsed,
        subgraph_cpu_percent={
            name: 100 * (cpu_seconds(pid) - before[name]) / elapsed
            for name, pid in subgraph_pids.items()
        },
    )


def bench_gateway(
    gateway: Gateway,
    port: int,
    workdir: Path,
    args: argparse.Namespace,
    subgraph_pids: dict[str, int],
    reference: dict[str, object],
) -> dict[str, Run]:
    """Start one gateway, check its data, load it with each operation, stop it."""
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/graphql"
    runs: dict[str, Run] = {}
    print(f"[{gateway.key}] starting {gateway.title}", flush=True)
    with (
        httpx.Client(timeout=30) as client,
        running(
            gateway.argv, RAW / f"gateway-{gateway.key}.log", {**os.environ, **gateway.env}, HERE
        ) as process,
    ):
        wait_ready(client, base + gateway.health_path, process, gateway.title)
        check_data(client, url, gateway, reference)
        for op_name in args.operations:
            tag = f"[{gateway.key}] {op_name}:"
            print(f"{tag} warm-up {WARMUP_SECONDS} s", flush=True)
            wrk(url, workdir, op_name, WARMUP_SECONDS, args.connections)
            print(f"{tag} {args.duration} s with {args.connections} connections", flush=True)
            run = runs[op_name] = load(url, workdir, op_name, args, process.pid, subgraph_pids)
            busiest = max(run.subgraph_cpu_percent.values())
            print(
                f"{tag} {run.requests_per_second:.0f} req/s, p99 {run.p99_ms:.1f} ms, "
                f"errors {errors(run)}, busiest subgraph {busiest:.0f} % CPU",
                flush=True,
            )
        print(f"[{gateway.key}] stopping", flush=True)
    return runs


# -- report ----------------------------------------------------------------------------------
def errors(run: Run) -> str:
    return f"{run.non_2xx} / {run.socket_errors} / {run.graphql_errors}"


def command_line() -> str:
    python = os.path.relpath(sys.executable, ROOT)
    script = os.path.relpath(Path(sys.argv[0]).resolve(), ROOT)
    return shlex.join([python, script, *sys.argv[1:]])


def versions() -> list[str]:
    def npm(package: str) -> str:
        manifest = HERE / "node_modules" / package / "package.json"
        return f"{package} {json.loads(manifest.read_text())['version']}"

    def output(*argv: str) -> str:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
        return (done.stdout or done.stderr).strip().splitlines()[0]

    head = output("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    clean = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", "router"])
    dirty = "" if clean.returncode == 0 else " with uncommitted changes in router/"
    return [
        f"shopgraph router git {head}{dirty}, Python {platform.python_version()}",
        npm("@apollo/gateway") + ", " + npm("@apollo/server"),
        npm("@graphql-hive/gateway"),
        npm("graphql") + ", " + npm("@apollo/subgraph") + " (subgraphs)",
        f"node {output('node', '--version')}",
        output("wrk", "--version").split(" [")[0],
    ]


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    kib = next(int(x.split()[1]) for x in meminfo if x.startswith("MemTotal:"))
    return f"{len(os.sched_getaffinity(0))} cores (nproc), {model}, {kib / 2**20:.1f} GiB memory"


def table(op_name: str, results: dict[str, dict[str, Run]], titles: dict[str, str]) -> list[str]:
    lines = [
        f"## {op_name}",
        "",
        "```graphql",
        OPERATIONS[op_name],
        "```",
        "",
        "| gateway | req/s | vs ours | p50 ms | p95 ms | p99 ms | errors | peak RSS MB "
        "| gateway CPU % | max subgraph CPU % |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    ours = results.get("ours", {}).get(op_name)
    for key, runs in results.items():
        run = runs[op_name]
        ratio = f"{run.requests_per_second / ours.requests_per_second:.2f}" if ours else "n/a"
        busiest = max(run.subgraph_cpu_percent, key=run.subgraph_cpu_percent.__getitem__)
        lines.append(
            f"| {titles[key]} | {run.requests_per_second:.0f} | {ratio} | {run.p50_ms:.1f} "
            f"| {run.p95_ms:.1f} | {run.p99_ms:.1f} | {errors(run)} | {run.peak_rss_mb:.0f} "
            f"| {run.gateway_cpu_percent:.0f} "
            f"| {run.subgraph_cpu_percent[busiest]:.1f} ({busiest}) |"
        )
    return [*lines, ""]


def report(
    results: dict[str, dict[str, Run]], specs: dict[str, Gateway], args: argparse.Namespace
) -> str:
    lines = [
        "# Gateway benchmark",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command (from the repository root): `{command_line()}`",
        f"- load: wrk, {WRK_THREADS} threads, {args.connections} connections, {args.duration} s "
        f"per operation after {WARMUP_SECONDS} s of warm-up; one gateway at a time, wrk, the "
        "gateway and the subgraphs all on this machine",
        "- versions:",
        *(f"  - {line}" for line in versions()),
        "- gateways:",
        *(f"  - {specs[key].title}: {specs[key].setup}" for key in results),
        "- subgraphs: four Node processes (users, reviews, products, inventory) that memoize "
        "each response by request body, so that a repeated request costs them almost nothing",
        "- columns: `vs ours` is req/s over ours; `errors` is non-2xx / socket errors / 2xx "
        "answers without data or with GraphQL errors; `peak RSS` is the gateway process's "
        "VmHWM at the end of the run; CPU is utime + stime during the run, in % of one core "
        "(`max subgraph` is the busiest of the four)",
        "",
    ]
    for op_name in args.operations:
        lines += table(op_name, results, {key: specs[key].title for key in results})
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    def names(choices: list[str]) -> Callable[[str], list[str]]:
        def parse(text: str) -> list[str]:
            chosen = [name.strip() for name in text.split(",") if name.strip()]
            unknown = sorted(set(chosen) - set(choices))
            if unknown or not chosen:
                raise argparse.ArgumentTypeError(f"choose among {', '.join(choices)}")
            return chosen

        return parse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per run (20)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument(
        "--gateways",
        type=names(["ours", "apollo", "hive"]),
        default=["ours", "apollo", "hive"],
        help="ours,apollo,hive",
    )
    parser.add_argument(
        "--operations",
        type=names(list(OPERATIONS)),
        default=list(OPERATIONS),
        help=",".join(OPERATIONS),
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    install()
    RAW.mkdir(exist_ok=True)
    results: dict[str, dict[str, Run]] = {}
    reference: dict[str, object] = {}
    with (
        tempfile.TemporaryDirectory(prefix="shopgraph-bench-") as tmp,
        httpx.Client(timeout=10) as client,
        ExitStack() as stack,
    ):
        workdir = Path(tmp)
        (workdir / "wrk.lua").write_text(WRK_SCRIPT)
        for op_name, query in OPERATIONS.items():
            (workdir / f"{op_name}.json").write_text(json.dumps({"query": query}))
        subgraphs = start_subgraphs(stack, client)
        supergraph = workdir / "supergraph.graphql"
        compose(supergraph, [port for port, _ in subgraphs.values()])
        shutil.copy(supergraph, RAW / "supergraph.graphql")
        subgraph_pids = {name: pid for name, (_, pid) in subgraphs.items()}
        port = free_port()
        specs = gateways(supergraph, port)
        for key in args.gateways:
            results[key] = bench_gateway(specs[key], port, workdir, args, subgraph_pids, reference)
    raw = {key: {op: asdict(run) for op, run in runs.items()} for key, runs in results.items()}
    (RAW / "results.json").write_text(json.dumps(raw, indent=1) + "\n")
    (HERE / "RESULTS.md").write_text(report(results, specs, args) + "\n")
    print(f"wrote {HERE / 'RESULTS.md'}", flush=True)


if __name__ == "__main__":
    main()
