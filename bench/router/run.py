"""Router benchmark: shopgraph's router against Apollo Gateway and Hive Gateway.

The same four subgraphs, the same supergraph and the same load generator (wrk) for every
gateway; one gateway runs at a time. Writes bench/router/RESULTS.md.

    .venv/bin/python bench/router/run.py [--duration 15] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SUBGRAPHS = {"users": 4301, "reviews": 4302, "products": 4303, "inventory": 4304}
GATEWAY_PORT = 4300
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

OPERATIONS = {
    "heavy": """query Heavy {
  users {
    id name username
    reviews {
      id body
      product {
        upc name price weight inStock shippingEstimate
        reviews {
          id body
          author { id name username reviews { id body product { upc name inStock } } }
        }
      }
    }
  }
}""",
    "light": "query Light { topProducts(first: 5) { upc name price } }",
}


@dataclass
class Gateway:
    name: str
    argv: list[str]
    note: str


def gateways(supergraph: Path) -> list[Gateway]:
    node = shutil.which("node") or "node"
    modules = HERE / "node_modules"
    port = str(GATEWAY_PORT)
    return [
        Gateway(
            "shopgraph router",
            [str(ROOT / ".venv" / "bin" / "shopgraph"), "router", "--supergraph", str(supergraph),
             "--port", port],
            "one process (uvicorn, uvloop)",
        ),
        Gateway(
            "@apollo/gateway",
            [node, str(HERE / "gateways" / "apollo.mjs"), str(supergraph), port],
            "Apollo Server standalone, defaults",
        ),
        Gateway(
            "@graphql-hive/gateway",
            [node, str(modules / "@graphql-hive" / "gateway" / "dist" / "bin.js"), "supergraph",
             str(supergraph), "--port", port, "--fork", "1"],
            "`--fork 1`: one worker, like the others",
        ),
    ]  # fmt: skip


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    peak_rss_mb: float
    gateway_cpu: float
    subgraph_cpu: dict[str, float]


# -- processes -------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def peak_rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@contextmanager
def running(argv: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=HERE,
                                   start_new_session=True)  # fmt: skip
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def post(url: str, query: str) -> dict[str, object]:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark only talks to loopback, not {url}")
    request = urllib.request.Request(  # noqa: S310 (checked above: loopback http only)
        url, json.dumps({"query": query}).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        body: dict[str, object] = json.loads(response.read())
        return body


def wait_ready(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}")
        try:
            if post(url, "{ __typename }").get("data"):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not become ready at {url}")


# -- load ------------------------------------------------------------------------------------
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
init = function(args)
  local file = io.open(args[1], "r")
  wrk.body = file:read("*a")
  file:close()
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def load(url: str, body_file: Path, script: Path, seconds: int, connections: int) -> list[int]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         url, "--", str(body_file)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return [int(x) for x in line.split()[1:]]


def measure(gateway: Gateway, workdir: Path, subgraph_pids: dict[str, int],
            args: argparse.Namespace) -> dict[str, Result]:  # fmt: skip
    url = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
    results: dict[str, Result] = {}
    log = workdir / f"{gateway.name.replace('/', '_').replace('@', '')}.log"
    with running(gateway.argv, log) as process:
        wait_ready(url, process, gateway.name)
        for op_name in args.operations:
            body = workdir / f"{op_name}.json"
            print(f"  {gateway.name}: {op_name} warm-up {args.warmup}s", flush=True)
            load(url, body, workdir / "wrk.lua", args.warmup, args.connections)
            before = {n: cpu_seconds(p) for n, p in subgraph_pids.items()}
            gateway_pids = process_tree(process.pid)
            gateway_before = sum(cpu_seconds(p) for p in gateway_pids)
            print(f"  {gateway.name}: {op_name} {args.duration}s x {args.connections}", flush=True)
            count, micros, errors, p50, p95, p99 = load(
                url, body, workdir / "wrk.lua", args.duration, args.connections
            )
            seconds = micros / 1e6
            results[op_name] = Result(
                requests_per_second=count / seconds,
                p50_ms=p50 / 1000,
                p95_ms=p95 / 1000,
                p99_ms=p99 / 1000,
                errors=errors,
                peak_rss_mb=peak_rss_mb(process_tree(process.pid)),
                gateway_cpu=100
                * (sum(cpu_seconds(p) for p in gateway_pids) - gateway_before)
                / seconds,
                subgraph_cpu={
                    n: 100 * (cpu_seconds(p) - before[n]) / seconds
                    for n, p in subgraph_pids.items()
                },
            )
    return results


def check_same_data(all_gateways: list[Gateway], workdir: Path, operations: list[str]) -> None:
    """Every gateway must return the same data for each operation, or the numbers mean nothing."""
    url = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
    answers: dict[str, dict[str, object]] = {}
    for gateway in all_gateways:
        with running(gateway.argv, workdir / "check.log") as process:
            wait_ready(url, process, gateway.name)
            for op_name in operations:
                response = post(url, OPERATIONS[op_name])
                if response.get("errors") or not response.get("data"):
                    raise SystemExit(f"{gateway.name} failed {op_name}: {response}")
                expected = answers.setdefault(op_name, response)
                if response != expected:
                    raise SystemExit(f"{gateway.name} answers {op_name} differently")
    print("  all gateways return the same data", flush=True)


# -- set-up and report -----------------------------------------------------------------------
def install() -> None:
    if not (HERE / "node_modules").is_dir():
        print("installing the peers from the npm registry (npm ci)", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                       check=True)  # fmt: skip
    if shutil.which("wrk") is None:
        print("installing wrk (Debian)", flush=True)
        prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
        subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "wrk"], check=True)


def versions() -> dict[str, str]:
    lock = json.loads((HERE / "package-lock.json").read_text())["packages"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    return {
        "shopgraph router": f"git {head}, Python {platform.python_version()}",
        "@apollo/gateway": lock["node_modules/@apollo/gateway"]["version"],
        "@graphql-hive/gateway": lock["node_modules/@graphql-hive/gateway"]["version"],
        "node": node,
    }


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "unknown CPU",
    )  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB"


def report(results: dict[str, dict[str, Result]], args: argparse.Namespace,
           all_gateways: list[Gateway]) -> str:  # fmt: skip
    lines = [
        "# Router benchmark",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `{' '.join(['.venv/bin/python', 'bench/router/run.py', *sys.argv[1:]])}`",
        f"- load: wrk, 2 threads, {args.connections} connections, {args.duration} s per run "
        f"after {args.warmup} s of warm-up; one gateway at a time on the same machine",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        "- gateways: " + "; ".join(f"{g.name}: {g.note}" for g in all_gateways),
        "- subgraphs: four Node processes (users, reviews, products, inventory) that answer a "
        "repeated request from memory, so that they are not the bottleneck (their CPU is shown)",
        "",
    ]
    ours = "shopgraph router"
    for op_name in args.operations:
        lines += [f"## {op_name}", "", "```graphql", OPERATIONS[op_name], "```", ""]
        lines.append("| gateway | req/s | vs ours | p50 ms | p95 ms | p99 ms | errors | "
                     "peak RSS MB | gateway CPU % | busiest subgraph CPU % |")  # fmt: skip
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        base = results[ours][op_name].requests_per_second
        for name, by_op in results.items():
            r = by_op[op_name]
            busiest = max(r.subgraph_cpu.items(), key=lambda item: item[1])
            lines.append(
                f"| {name} | {r.requests_per_second:.0f} | {r.requests_per_second / base:.2f} | "
                f"{r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | "
                f"{r.peak_rss_mb:.0f} | {r.gateway_cpu:.0f} | {busiest[1]:.0f} ({busiest[0]}) |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--operations", type=lambda s: s.split(","), default=list(OPERATIONS))
    parser.add_argument("--gateways", type=lambda s: s.split(","), default=None,
                        help="names to run (default: all)")  # fmt: skip
    args = parser.parse_args()
    install()
    with tempfile.TemporaryDirectory(prefix="shopgraph-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "wrk.lua").write_text(WRK_SCRIPT)
        for op_name in args.operations:
            (workdir / f"{op_name}.json").write_text(json.dumps({"query": OPERATIONS[op_name]}))
        node = shutil.which("node") or "node"
        with ExitStack() as stack:
            pids = {}
            for name, port in SUBGRAPHS.items():
                argv = [node, str(HERE / "subgraphs" / "server.mjs"), name, str(port)]
                pids[name] = stack.enter_context(running(argv, workdir / f"{name}.log")).pid
            supergraph = workdir / "supergraph.graphql"
            subprocess.run([node, str(HERE / "compose.mjs"), str(supergraph),
                            *map(str, SUBGRAPHS.values())], check=True, cwd=HERE)  # fmt: skip
            chosen = [g for g in gateways(supergraph)
                      if args.gateways is None or g.name in args.gateways]  # fmt: skip
            check_same_data(chosen, workdir, args.operations)
            results = {g.name: measure(g, workdir, pids, args) for g in chosen}
    text = report(results, args, chosen)
    (HERE / "RESULTS.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
