"""One benchmark run: the subgraphs, then each gateway in each setting, alone, in turn."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.processes import free_port, running

from .install import HERE, Tools
from .measure import Load, TreeSampler, k6, percentile, sequential_latencies
from .peers import Launch, launch, settings

HEAVY = HERE / "heavy.graphql"
LIGHT = "{ topProducts { upc name price } }"
K6_SCRIPT = HERE / "k6.js"
COMMITTED_SUPERGRAPH = HERE / "supergraph.graphql"
ROUTING_BASE = "http://127.0.0.1:4200"
READY_SECONDS = 90


@dataclass
class Options:
    gateways: list[str]
    dedup: list[bool]
    warmup: int
    duration: int
    vus: int
    overhead: bool
    load: bool
    light_requests: int
    heavy_requests: int
    raw: Path


@dataclass
class Row:
    gateway: str
    dedup: bool | None
    load: Load
    cpu_percent: float
    rss_mb: float
    processes: int
    subgraph_requests_per_response: float
    """Subgraph requests served during the window over the gateway's answers: lower with
    inbound dedup honoured (and with outbound dedup)."""
    subgraphs_cpu_percent: float
    """The subgraphs' CPU over the window: near 100 % says core 0 bounds the result."""


@dataclass
class Overhead:
    gateway: str
    dedup: bool | None
    requests: int
    direct_p50_ms: float
    direct_p95_ms: float
    through_p50_ms: float
    through_p95_ms: float
    plan_miss: dict[str, float] | None = None

    @property
    def p50_ms(self) -> float:
        return self.through_p50_ms - self.direct_p50_ms

    @property
    def p95_ms(self) -> float:
        return self.through_p95_ms - self.direct_p95_ms


@dataclass
class Outcome:
    rows: list[Row] = field(default_factory=list)
    overheads: list[Overhead] = field(default_factory=list)
    launches: list[Launch] = field(default_factory=list)
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)
    """The machine's load average when the run started (it is shared)."""


def benchmark(options: Options, tools: Tools) -> Outcome:
    outcome = Outcome()
    options.raw.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack, httpx.Client(timeout=60) as client:
        port = free_port()
        argv = ["taskset", "-c", "0", str(tools.subgraphs)]
        env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
        subgraphs = stack.enter_context(running(argv, options.raw / "subgraphs.log", env, HERE))
        wait_until(lambda: client.get(f"http://127.0.0.1:{port}/health").status_code == 200,
                   subgraphs.poll, "the subgraphs")  # fmt: skip
        supergraph = supergraph_for(tools, port, options.raw)
        reference: Any = None
        for gateway in options.gateways:
            chosen = settings(gateway, options.dedup)
            for index, dedup in enumerate(chosen):
                run = launch(gateway, dedup, supergraph, free_port(), options.raw / "config"
                             / f"{gateway}-{dedup}", tools)  # fmt: skip
                outcome.launches.append(run)
                print(f"== {run.key}", flush=True)
                with start(client, run, options.raw) as process:
                    reference = check_data(client, run, reference, options.raw)
                    if options.load:
                        subgraph = Subgraphs(subgraphs.pid, port)
                        outcome.rows.append(throughput(run, process.pid, subgraph, options,
                                                       tools))  # fmt: skip
                    if options.overhead and index == len(chosen) - 1:
                        outcome.overheads.append(overhead(client, run, port, options))
    return outcome


class ExitedEarlyError(SystemExit):
    """The process ended before it answered (uncaught, it ends the run with that message)."""


@contextmanager
def start(client: httpx.Client, run: Launch, raw: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start the gateway on core 1 and wait until it answers; a gateway that exits first is
    started once more (its first log is kept beside the second)."""
    argv = ["taskset", "-c", "1", *run.argv]
    log, first = raw / f"{run.key}.log", raw / f"{run.key}-first.log"
    for attempt in (1, 2):
        with running(argv, log, run.env, run.cwd) as process:
            try:
                wait_until(lambda: ready(client, run.url), process.poll, run.key)
            except ExitedEarlyError as error:
                if attempt == 2:
                    raise SystemExit(
                        f"{run.key} exited twice before it was ready; see {first} and {log}"
                    ) from error
                log.rename(first)
                print(f"   exited before it was ready (see {first}); starting it again",
                      flush=True)  # fmt: skip
                continue
            yield process
            return


def wait_until(check: Any, exited: Any, what: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if exited() is not None:
            raise ExitedEarlyError(f"{what} exited before it was ready; see results-raw/")
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} was not ready after {READY_SECONDS} s")


def ready(client: httpx.Client, url: str) -> bool:
    response = client.post(url, json={"query": "{ __typename }"})
    return response.status_code == 200 and b'"__typename"' in response.content


def supergraph_for(tools: Tools, port: int, raw: Path) -> Path:
    """Compose the running subgraphs' SDL; it must equal the committed supergraph. Returns a
    copy whose routing URLs point at this run's port."""
    composed = raw / "supergraph-composed.graphql"
    env = {**os.environ, "ROUTING_BASE": ROUTING_BASE}
    node = shutil.which("node") or "node"
    argv = [node, "compose.mjs", f"http://127.0.0.1:{port}", str(composed)]
    subprocess.run(argv, cwd=tools.node_dir, env=env, check=True)
    text = composed.read_text()
    if text != COMMITTED_SUPERGRAPH.read_text():
        raise SystemExit(
            f"the subgraphs compose into {composed}, which differs from {COMMITTED_SUPERGRAPH}: "
            "copy it there and commit it with the subgraphs' change"
        )
    supergraph = raw / "supergraph.graphql"
    supergraph.write_text(text.replace(ROUTING_BASE, f"http://127.0.0.1:{port}"))
    return supergraph


def check_data(client: httpx.Client, run: Launch, reference: Any, raw: Path) -> Any:
    """Send the heavy query once; the answer must be 200 JSON without errors, and its data
    exactly the first gateway's. Returns the reference data."""
    response = client.post(run.url, json={"query": HEAVY.read_text()})
    (raw / f"{run.key}-answer.json").write_text(response.text)
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or "errors" in body:
        raise SystemExit(f"{run.key} answered {response.status_code}: {response.text[:1000]}")
    if reference is not None and body.get("data") != reference:
        raise SystemExit(
            f"{run.key} returned different data from the first gateway: compare "
            f"{raw / (run.key + '-answer.json')} with the first *-answer.json in {raw}"
        )
    print(f"   same data as the first gateway ({len(response.content)} bytes)", flush=True)
    return body["data"] if reference is None else reference


@dataclass(frozen=True)
class Subgraphs:
    pid: int
    port: int

    def requests(self) -> int:
        return int(httpx.get(f"http://127.0.0.1:{self.port}/requests").text)


def throughput(run: Launch, pid: int, subgraphs: Subgraphs, options: Options, tools: Tools) -> Row:
    raw = options.raw
    print(f"   warm-up {options.warmup} s", flush=True)
    if options.warmup > 0:
        k6(tools.k6, K6_SCRIPT, run.url, HEAVY, options.warmup, options.vus,
           raw / f"{run.key}-warmup.json", raw / f"{run.key}-warmup-k6.log")  # fmt: skip
    print(f"   measured {options.duration} s", flush=True)
    sampler, subgraph_sampler = TreeSampler(pid), TreeSampler(subgraphs.pid)
    before = subgraphs.requests()
    sampler.start()
    subgraph_sampler.start()
    load = k6(tools.k6, K6_SCRIPT, run.url, HEAVY, options.duration, options.vus,
              raw / f"{run.key}-k6.json", raw / f"{run.key}-k6.log")  # fmt: skip
    cpu, rss, processes = sampler.stop()
    subgraphs_cpu = subgraph_sampler.stop()[0]
    fetches = (subgraphs.requests() - before) / max(load.requests, 1)
    row = Row(run.gateway, run.dedup, load, cpu, rss, processes, fetches, subgraphs_cpu)
    print(f"   {load.rps:.1f} req/s, p95 {load.p95_ms:.1f} ms, errors "
          f"{load.non_200 + load.graphql_errors}, CPU {cpu:.0f} %, RSS {rss:.0f} MiB, "
          f"{fetches:.2f} subgraph requests per answer, subgraphs' CPU {subgraphs_cpu:.0f} %",
          flush=True)  # fmt: skip
    (raw / f"{run.key}-row.json").write_text(json.dumps(asdict(row), indent=2))
    return row


def overhead(client: httpx.Client, run: Launch, port: int, options: Options) -> Overhead:
    """p50/p95 of the light query through the gateway minus the same straight to products,
    one request at a time, measured back to back; for ours, the heavy query's plan-cache miss."""
    n = options.light_requests
    light = [{"query": LIGHT}] * n
    direct_url = f"http://127.0.0.1:{port}/products"
    sequential_latencies(client, direct_url, light[: n // 10])  # warm-up
    sequential_latencies(client, run.url, light[: n // 10])
    direct = sequential_latencies(client, direct_url, light)
    through = sequential_latencies(client, run.url, light)
    result = Overhead(run.gateway, run.dedup, n, percentile(direct, 50), percentile(direct, 95),
                      percentile(through, 50), percentile(through, 95))  # fmt: skip
    if run.gateway == "shopgraph":
        result.plan_miss = plan_cache_miss(client, run.url, options.heavy_requests)
    print(f"   overhead p50 {result.p50_ms:.2f} ms, p95 {result.p95_ms:.2f} ms", flush=True)
    return result


def plan_cache_miss(client: httpx.Client, url: str, n: int) -> dict[str, float]:
    """The heavy query repeated, against the heavy query with a new operation name each time
    (a new document: parsed, validated and planned again)."""
    text = HEAVY.read_text()
    stamp = time.time_ns()
    same = [{"query": text}] * n
    fresh = [{"query": text.replace("query TestQuery", f"query TestQuery_{stamp}_{i}")}
             for i in range(n)]  # fmt: skip
    sequential_latencies(client, url, same[: max(n // 10, 1)])
    repeated = sequential_latencies(client, url, same)
    missed = sequential_latencies(client, url, fresh)
    return {
        "requests": float(n),
        "repeated_p50_ms": percentile(repeated, 50),
        "repeated_p95_ms": percentile(repeated, 95),
        "miss_p50_ms": percentile(missed, 50),
        "miss_p95_ms": percentile(missed, 95),
        "miss_cost_p50_ms": percentile(missed, 50) - percentile(repeated, 50),
        "miss_cost_p95_ms": percentile(missed, 95) - percentile(repeated, 95),
    }
