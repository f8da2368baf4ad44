"""Security benchmark: the router's refusals under the attack matrix, the latency of a normal
query while each attack runs, and the router's memory under floods of distinct documents.

Starts `shopgraph dev` (subgraphs on embedded stores, seeded into a temporary data directory,
ports moved by SHOPGRAPH_DEV_PORT_OFFSET), then a separate router process with the production
defaults over schema/supergraph.graphql, pointed at the dev subgraphs. Writes
bench/security/RESULTS.md; exits with status 1 when a check fails (after writing it).

    .venv/bin/python bench/security/run.py [--repeats 20] [--baseline 200] [--connections 4]
        [--attack-seconds 5] [--invalid-documents 3000] [--valid-documents 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.processes import free_port, running
from router.http.config import RouterConfig
from shopgraph.services import SERVICES, SUBGRAPHS
from tests.security.attacks import Attack, attacks

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SUPERGRAPH = ROOT / "schema" / "supergraph.graphql"
OFFSETS = range(300, 400, 10)  # SHOPGRAPH_DEV_PORT_OFFSET candidates, the first one free wins
DEV_READY_SECONDS = 240  # seeding the demo catalog from nothing takes most of it
ROUTER_READY_SECONDS = 60
WARMUP_REQUESTS = 50
PROBE_START_SECONDS = 0.25  # after the attackers' first requests, before the probe starts
PROBE_MAX_REQUESTS = 2_000
MAX_ATTACK_REQUESTS = 200_000  # per connection, whatever the duration
LATENCY_MARGIN_MS = 50.0
RSS_MARGIN_MB = 50.0
INVALID_DOCUMENT_BYTES = 90_000
FLOOD_CONNECTIONS = 2
ACCEPT = "application/graphql-response+json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


STARTED = time.monotonic()


def say(text: str) -> None:
    """Progress, with the seconds since the start."""
    print(f"[{time.monotonic() - STARTED:4.0f} s] {text}", flush=True)


# -- measurements ----------------------------------------------------------------------------
@dataclass
class Latencies:
    samples_ms: list[float] = field(default_factory=list)

    def add(self, started: float) -> None:
        self.samples_ms.append((time.perf_counter() - started) * 1000)

    def percentile(self, q: float) -> float:
        """Nearest rank; NaN without samples."""
        if not self.samples_ms:
            return math.nan
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def max(self) -> float:
        return max(self.samples_ms, default=math.nan)


@dataclass
class Refusals:
    attack: Attack
    latency: Latencies
    answers: Counter[tuple[int, str]]

    @property
    def as_expected(self) -> bool:
        return set(self.answers) == {(self.attack.status, self.attack.code)}


@dataclass
class UnderAttack:
    attack: Attack
    normal: Latencies
    normal_failures: int
    attack_requests: int
    attack_seconds: float
    attack_answers: dict[str, int]
    router_cpu_percent: float


@dataclass
class Results:
    version: str = ""
    load_before: str = ""
    product_id: str = ""
    normal_query: str = ""
    refusals: list[Refusals] = field(default_factory=list)
    baseline: Latencies = field(default_factory=Latencies)
    baseline_cpu_percent: float = 0.0
    under_attack: list[UnderAttack] = field(default_factory=list)
    rss_mb: list[tuple[str, float]] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    flood_answers: dict[str, Counter[str]] = field(default_factory=dict)
    findings: list[tuple[str, str]] = field(default_factory=list)

    def finding(self, check: str, text: str) -> None:
        """A failed check: which one (refusal, latency, memory) and what was seen."""
        self.findings.append((check, text))
        say(f"!!! {check}: {text}")


def answer_code(response: httpx.Response) -> str:
    """The first error's extensions.code, or what stands in for it."""
    try:
        body = response.json()
    except ValueError:
        return "(not JSON)"
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return "(no errors)" if isinstance(body, dict) and body.get("data") else "(no data)"
    code = errors[0].get("extensions", {}).get("code") if isinstance(errors[0], dict) else None
    return str(code) if code else "(no code)"


def memory_mb(pid: int, key: str) -> float:
    """VmRSS (resident now) or VmHWM (the most it has been) from /proc/PID/status, in MB
    (10**6 bytes, the unit of the cache bounds)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024 / 1e6  # the kernel's kB are KiB
    return math.nan


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# -- processes -------------------------------------------------------------------------------
def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def dev_offset() -> int:
    """The first offset at which every port `shopgraph dev` takes is free."""
    for offset in OFFSETS:
        if all(port_free(s.base_port + offset) for s in SERVICES):
            return offset
    raise SystemExit(f"no free set of dev ports at offsets {OFFSETS.start}..{OFFSETS.stop}")


def clean_environment(**extra: str) -> dict[str, str]:
    """This environment without any SHOPGRAPH_* setting (store URLs, router overrides), so
    the subgraphs use embedded stores and the router its defaults; plus extra."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("SHOPGRAPH_")}
    return {**kept, **extra}


def log_tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path, s: float
) -> None:
    """Poll ready() every 0.25 s; fail if the process exits or s seconds pass."""
    deadline = time.monotonic() + s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}:\n{log_tail(log)}")
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{what} was not ready after {s:.0f} s:\n{log_tail(log)}")


def start_dev(stack: ExitStack, workdir: Path) -> dict[str, str]:
    """`shopgraph dev` on embedded stores seeded into workdir; returns the subgraph URLs."""
    offset = dev_offset()
    env = clean_environment(
        SHOPGRAPH_DEV_PORT_OFFSET=str(offset),
        SHOPGRAPH_DATA_DIR=str(workdir / "data"),
    )
    log = workdir / "dev.log"
    argv = [str(ROOT / ".venv" / "bin" / "shopgraph"), "dev"]
    say(f"starting shopgraph dev (port offset {offset}, data in {workdir / 'data'})")
    process = stack.enter_context(running(argv, log, env, ROOT))
    ports = {s.name: s.base_port + offset for s in SERVICES}
    urls = {name: f"http://127.0.0.1:{ports[name]}/graphql" for name in SUBGRAPHS}
    started = time.monotonic()
    with httpx.Client(timeout=10) as client:

        def answering() -> bool:
            for url in urls.values():
                response = client.post(url, json={"query": "{ __typename }"})
                if response.status_code != 200:
                    return False
            return True

        wait_until(answering, process, "shopgraph dev", log, DEV_READY_SECONDS)
    elapsed = time.monotonic() - started
    say(f"subgraphs answer after {elapsed:.0f} s: " + ", ".join(urls.values()))
    return urls


def start_router(stack: ExitStack, workdir: Path, urls: dict[str, str]) -> tuple[str, int]:
    """The router with production defaults but the subgraph URLs; returns its URL and PID."""
    config = workdir / "router.yaml"
    config.write_text(yaml.safe_dump({"subgraphs": {n: {"url": u} for n, u in urls.items()}}))
    supergraph = workdir / "supergraph.graphql"  # a copy, so that no edit reloads it mid-run
    shutil.copyfile(SUPERGRAPH, supergraph)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "router.http.serve",
        "--supergraph",
        str(supergraph),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = workdir / "router.log"
    # One process: the RSS read is the router's own, not a supervisor's.
    environment = clean_environment(SHOPGRAPH_ROUTER__WORKERS="1")
    process = stack.enter_context(running(argv, log, environment, ROOT))
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=10) as client:

        def ready() -> bool:
            return client.get(f"{base}/health/ready").status_code == 200

        wait_until(ready, process, "the router", log, ROUTER_READY_SECONDS)
    say(f"router ready at {base}/graphql (PID {process.pid})")
    return f"{base}/graphql", process.pid


# -- requests --------------------------------------------------------------------------------
async def send(client: httpx.AsyncClient, url: str, attack: Attack) -> httpx.Response:
    return await client.request(
        attack.method,
        url,
        content=attack.body or None,
        headers={"accept": ACCEPT, **attack.headers},
        params=attack.params,
    )


async def post(client: httpx.AsyncClient, url: str, query: str) -> httpx.Response:
    return await client.post(url, json={"query": query}, headers={"accept": ACCEPT})


def single_connection(timeout: float = 30) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=1))


async def find_product(client: httpx.AsyncClient, url: str) -> str:
    response = await post(
        client, url, '{ search(query: "", first: 1) { hits { product { id } } } }'
    )
    hits = (response.json().get("data") or {}).get("search", {}).get("hits") or []
    if response.status_code != 200 or not hits:
        raise SystemExit(f"the search for a product failed: {response.text[:500]}")
    product_id: str = hits[0]["product"]["id"]
    return product_id


def normal_ok(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    body = response.json()
    return not body.get("errors") and bool((body.get("data") or {}).get("product"))


async def probe(
    client: httpx.AsyncClient, url: str, query: str, count: int, seconds: float = math.inf
) -> tuple[Latencies, int]:
    """count sequential normal queries (fewer if seconds run out); latencies and failures."""
    latency, failures = Latencies(), 0
    deadline = time.monotonic() + seconds
    for _ in range(count):
        if time.monotonic() >= deadline:
            break
        started = time.perf_counter()
        try:
            response = await post(client, url, query)
        except httpx.TransportError:
            failures += 1
            continue
        latency.add(started)
        failures += not normal_ok(response)
    return latency, failures


# -- phase 1: refusals -----------------------------------------------------------------------
async def measure_refusals(url: str, matrix: list[Attack], repeats: int, results: Results) -> None:
    say(f"== refusals: each attack {repeats} times, sequentially")
    async with single_connection() as client:
        for attack in matrix:
            latency, answers = Latencies(), Counter[tuple[int, str]]()
            for _ in range(repeats):
                started = time.perf_counter()
                try:
                    response = await send(client, url, attack)
                except httpx.TransportError as error:
                    answers[(0, f"transport error {type(error).__name__}")] += 1
                    continue
                latency.add(started)
                answers[(response.status_code, answer_code(response))] += 1
            refusals = Refusals(attack, latency, answers)
            results.refusals.append(refusals)
            got = ", ".join(f"{s} {c} x{n}" for (s, c), n in answers.items())
            say(
                f"  {attack.name}: {got}; p50 {latency.p50:.1f} ms, p95 {latency.p95:.1f} ms, "
                f"max {latency.max:.1f} ms"
            )
            if not refusals.as_expected:
                results.finding(
                    "refusal",
                    f"attack {attack.name!r}: expected {attack.status} {attack.code}, got {got}",
                )


# -- phase 2: a normal query under attack ----------------------------------------------------
def attacker(conn: Connection, url: str, connections: int) -> None:
    """Worker process: for each (attack, seconds) received, run that attack from
    `connections` connections in a loop and send back what it was answered; None stops it."""
    for _ in range(1_000):
        command = conn.recv()
        if command is None:
            return
        attack, seconds = command
        conn.send(asyncio.run(hammer(conn, url, attack, connections, seconds)))


async def hammer(
    conn: Connection, url: str, attack: Attack, connections: int, seconds: float
) -> dict[str, Any]:
    answers: Counter[str] = Counter()
    clients = [single_connection() for _ in range(connections)]
    deadline = time.monotonic() + seconds

    async def loop(client: httpx.AsyncClient) -> None:
        for _ in range(MAX_ATTACK_REQUESTS):
            if time.monotonic() >= deadline:
                return
            try:
                response = await send(client, url, attack)
            except httpx.TransportError as error:
                answers[f"transport error {type(error).__name__}"] += 1
                continue
            answers[f"{response.status_code} {answer_code(response)}"] += 1

    conn.send("started")
    started = time.monotonic()
    try:
        await asyncio.gather(*(loop(client) for client in clients))
    finally:
        for client in clients:
            await client.aclose()
    return {"answers": dict(answers), "seconds": time.monotonic() - started}


@contextmanager
def attacker_process(url: str, connections: int) -> Iterator[Connection]:
    here, there = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=attacker, args=(there, url, connections), daemon=True
    )
    process.start()
    try:
        yield here
    finally:
        with suppress(OSError):  # the worker is gone already
            here.send(None)
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(5)


async def receive(conn: Connection, seconds: float) -> Any:
    if not await asyncio.to_thread(conn.poll, seconds):
        raise SystemExit(f"the attacker process did not answer within {seconds:.0f} s")
    return conn.recv()


async def measure_under_attack(
    url: str, pid: int, matrix: list[Attack], args: argparse.Namespace, results: Results
) -> None:
    query = results.normal_query
    say(f"== normal query: baseline, {args.baseline} sequential requests")
    async with single_connection() as client:
        await probe(client, url, query, WARMUP_REQUESTS)
        cpu, started = cpu_seconds(pid), time.monotonic()
        results.baseline, failures = await probe(client, url, query, args.baseline)
        results.baseline_cpu_percent = 100 * (cpu_seconds(pid) - cpu) / (time.monotonic() - started)
        base = results.baseline
        say(f"  baseline p50 {base.p50:.1f} ms, p95 {base.p95:.1f} ms")
        if failures:
            results.finding(
                "latency", f"the normal query failed {failures} of {args.baseline} times"
            )
        say(
            f"== normal query under each attack ({args.connections} connections, "
            f"{args.attack_seconds:.0f} s each)"
        )
        with attacker_process(url, args.connections) as conn:
            for attack in matrix:
                conn.send((attack, args.attack_seconds))
                if await receive(conn, 60) != "started":
                    raise SystemExit("the attacker process did not start")
                await asyncio.sleep(PROBE_START_SECONDS)
                window = args.attack_seconds - 2 * PROBE_START_SECONDS
                cpu, started = cpu_seconds(pid), time.monotonic()
                normal, failures = await probe(client, url, query, PROBE_MAX_REQUESTS, window)
                cpu_percent = 100 * (cpu_seconds(pid) - cpu) / (time.monotonic() - started)
                done = await receive(conn, args.attack_seconds + 60)
                run = UnderAttack(
                    attack, normal, failures, sum(done["answers"].values()), done["seconds"],
                    done["answers"], cpu_percent,
                )  # fmt: skip
                results.under_attack.append(run)
                report_under_attack(run, base, results)


def report_under_attack(run: UnderAttack, base: Latencies, results: Results) -> None:
    rate = run.attack_requests / run.attack_seconds
    say(
        f"  {run.attack.name}: normal p50 {run.normal.p50:.1f} ms "
        f"({run.normal.p50 - base.p50:+.1f}), p95 {run.normal.p95:.1f} ms "
        f"({run.normal.p95 - base.p95:+.1f}), n={len(run.normal.samples_ms)}; "
        f"attack {rate:.0f} req/s, router CPU {run.router_cpu_percent:.0f} %"
    )
    name = run.attack.name
    if run.normal_failures:
        results.finding(
            "latency", f"under {name!r} the normal query failed {run.normal_failures} times"
        )
    for label, now, before in (
        ("p50", run.normal.p50, base.p50),
        ("p95", run.normal.p95, base.p95),
    ):
        if not now <= before + LATENCY_MARGIN_MS:
            results.finding(
                "latency",
                f"under {name!r} the normal query's {label} is {now:.1f} ms, over the baseline "
                f"{before:.1f} ms + {LATENCY_MARGIN_MS:.0f} ms",
            )
    expected = f"{run.attack.status} {run.attack.code}"
    others = {k: n for k, n in run.attack_answers.items() if k != expected}
    if others:
        results.finding("refusal", f"under load {name!r} was answered {others} besides {expected}")


# -- phase 3: memory -------------------------------------------------------------------------
async def flood(
    url: str, documents: Callable[[int], str], count: int, check: Callable[[httpx.Response], str]
) -> Counter[str]:
    """Send count documents from FLOOD_CONNECTIONS connections; what they were answered."""
    answers: Counter[str] = Counter()
    numbers = iter(range(count))
    progress = max(1, count // 5)

    async def worker() -> None:
        async with single_connection() as client:
            for i in numbers:
                answers[check(await post(client, url, documents(i)))] += 1
                if (i + 1) % progress == 0:
                    say(f"    {i + 1} / {count}")

    await asyncio.gather(*(worker() for _ in range(FLOOD_CONNECTIONS)))
    return answers


async def measure_memory(url: str, pid: int, args: argparse.Namespace, results: Results) -> None:
    def rss(stage: str) -> None:
        results.rss_mb.append((stage, memory_mb(pid, "VmRSS")))
        say(f"  RSS {stage}: {results.rss_mb[-1][1]:.1f} MB")

    def invalid(_: int) -> str:
        text = secrets.token_hex(INVALID_DOCUMENT_BYTES // 2 - 20)
        return f'{{ product(id: "{text}") {{ nam }} }}'

    def valid(i: int) -> str:
        return f'{{ p{i}: product(id: "{results.product_id}") {{ name price {{ amount }} }} }}'

    def status_code(response: httpx.Response) -> str:
        return f"{response.status_code} {answer_code(response)}"

    say(f"== memory: {args.invalid_documents} distinct invalid ~90 KB documents")
    answers = await flood(url, invalid, args.invalid_documents, status_code)
    results.flood_answers["invalid"] = answers
    if set(answers) != {"400 GRAPHQL_VALIDATION_FAILED"}:
        results.finding("flood", f"the invalid documents were answered {dict(answers)}")
    rss(f"after {args.invalid_documents:,} distinct invalid ~90 KB documents")
    say(f"== memory: {args.valid_documents} distinct valid documents")
    answers = await flood(url, valid, args.valid_documents, status_code)
    results.flood_answers["valid"] = answers
    if set(answers) != {"200 (no errors)"}:
        results.finding("flood", f"the valid documents were answered {dict(answers)}")
    rss(f"after {args.valid_documents:,} distinct valid documents")
    results.peak_rss_mb = memory_mb(pid, "VmHWM")
    bound = rss_bound_mb()
    for stage, mb in [*results.rss_mb, ("peak (VmHWM)", results.peak_rss_mb)]:
        if not mb <= bound:
            results.finding(
                "memory", f"the router's RSS {stage} is {mb:.1f} MB, over {bound:.0f} MB"
            )


def rss_bound_mb() -> float:
    caches = RouterConfig().caches
    return (caches.operations.max_bytes + caches.plans.max_bytes) / 1e6 + RSS_MARGIN_MB


# -- the run ---------------------------------------------------------------------------------
async def bench(url: str, pid: int, args: argparse.Namespace, results: Results) -> None:
    matrix = attacks()
    results.rss_mb.append(("at start (ready)", memory_mb(pid, "VmRSS")))
    async with single_connection() as client:
        results.product_id = await find_product(client, url)
        name = f'{{ product(id: "{results.product_id}") {{ name price {{ amount }} }} }}'
        results.normal_query = name
        latency, failures = await probe(client, url, name, WARMUP_REQUESTS)
        if failures:
            raise SystemExit(f"the normal query {name} fails: see the router's answers")
    results.rss_mb.append(("after warm-up", memory_mb(pid, "VmRSS")))
    say(f"normal query: {name} (warm-up p50 {latency.p50:.1f} ms)")
    await measure_refusals(url, matrix, args.repeats, results)
    await measure_under_attack(url, pid, matrix, args, results)
    results.rss_mb.append(("after the refusals and the attacks", memory_mb(pid, "VmRSS")))
    await measure_memory(url, pid, args, results)


def interrupted(signum: int, _: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # unwinds, so every process is stopped


def main() -> int:
    args = parse_args()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, interrupted)
    started = time.monotonic()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results = Results(version=version(), load_before=load)
    with (
        tempfile.TemporaryDirectory(prefix="shopgraph-security-bench-") as tmp,
        ExitStack() as stack,
    ):
        workdir = Path(tmp)
        urls = start_dev(stack, workdir)
        url, pid = start_router(stack, workdir, urls)
        asyncio.run(bench(url, pid, args, results))
        say("stopping the router and shopgraph dev")
    elapsed = time.monotonic() - started
    (HERE / "RESULTS.md").write_text(report(results, args, elapsed) + "\n")
    say(f"wrote {HERE / 'RESULTS.md'} ({elapsed:.0f} s in all)")
    if results.findings:
        say(f"{len(results.findings)} check(s) failed:")
        for check, text in results.findings:
            say(f"  - {check}: {text}")
        return 1
    say("every check passed")
    return 0


# -- report ----------------------------------------------------------------------------------
def command_line() -> str:
    python = os.path.relpath(sys.executable, ROOT)
    script = os.path.relpath(Path(sys.argv[0]).resolve(), ROOT)
    return shlex.join([python, script, *sys.argv[1:]])


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    kib = next(int(x.split()[1]) for x in meminfo if x.startswith("MemTotal:"))
    return f"{len(os.sched_getaffinity(0))} cores (nproc), {model}, {kib / 2**20:.1f} GiB memory"


def version() -> str:
    def git(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True)

    head = git("rev-parse", "--short", "HEAD").stdout.strip()
    paths = ["router", "subgraphs", "shopgraph", "tests/security", "schema/supergraph.graphql"]
    changed = [p for p in paths if git("status", "--porcelain", "--", p).stdout.strip()]
    dirty = f" with uncommitted changes in {', '.join(changed)}" if changed else ""
    return f"shopgraph git {head}{dirty}, Python {platform.python_version()}"


def ms(value: float) -> str:
    return f"{value:.1f}"


def refusal_table(results: Results) -> list[str]:
    lines = [
        "| attack | expected | answered (x times) | as expected | p50 ms | p95 ms | max ms |",
        "|---|---|---|:-:|--:|--:|--:|",
    ]
    for r in results.refusals:
        got = ", ".join(f"{s} {c} x{n}" for (s, c), n in r.answers.items())
        lines.append(
            f"| {r.attack.name} | {r.attack.status} `{r.attack.code}` | {got} "
            f"| {'yes' if r.as_expected else '**NO**'} | {ms(r.latency.p50)} "
            f"| {ms(r.latency.p95)} | {ms(r.latency.max)} |"
        )
    return lines


def load_table(results: Results) -> list[str]:
    base = results.baseline
    lines = [
        "| during | normal requests | p50 ms | p95 ms | Δ p50 ms | Δ p95 ms | router CPU % "
        "| attack req/s | attack answers | within +50 ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|:-:|",
        f"| no attack (baseline) | {len(base.samples_ms)} | {ms(base.p50)} | {ms(base.p95)} "
        f"| | | {results.baseline_cpu_percent:.0f} | | | |",
    ]
    for run in results.under_attack:
        within = max(run.normal.p50 - base.p50, run.normal.p95 - base.p95) <= LATENCY_MARGIN_MS
        answers = ", ".join(f"{k} x{n}" for k, n in run.attack_answers.items())
        lines.append(
            f"| {run.attack.name} | {len(run.normal.samples_ms)} | {ms(run.normal.p50)} "
            f"| {ms(run.normal.p95)} | {run.normal.p50 - base.p50:+.1f} "
            f"| {run.normal.p95 - base.p95:+.1f} | {run.router_cpu_percent:.0f} "
            f"| {run.attack_requests / run.attack_seconds:.0f} "
            f"| {answers} | {'yes' if within and not run.normal_failures else '**NO**'} |"
        )
    return lines


def memory_table(results: Results) -> list[str]:
    bound = rss_bound_mb()
    lines = ["| when | router RSS MB | within bound |", "|---|--:|:-:|"]
    for stage, mb in [*results.rss_mb, ("peak over the run (VmHWM)", results.peak_rss_mb)]:
        lines.append(f"| {stage} | {mb:.1f} | {'yes' if mb <= bound else '**NO**'} |")
    return lines


def report(results: Results, args: argparse.Namespace, elapsed: float) -> str:
    caches = RouterConfig().caches
    cache_mb = (caches.operations.max_bytes / 1e6, caches.plans.max_bytes / 1e6)
    floods = "; ".join(
        f"{kind}: " + ", ".join(f"{k} x{n}" for k, n in answers.items())
        for kind, answers in results.flood_answers.items()
    )
    findings = [f"- {check}: {text}" for check, text in results.findings] or [
        "- none: every check passed"
    ]
    return "\n".join([
        "# Security benchmark",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({elapsed:.0f} s in all)",
        f"- machine: {machine()}; load average (1, 5, 15 min) before the run: "
        f"{results.load_before}",
        f"- command (from the repository root): `{command_line()}`",
        f"- version: {results.version} (when the router started)",
        "- set-up: `shopgraph dev` (the demo subgraphs on embedded stores, seeded into a "
        "temporary data directory) and a separate router process, `python -m "
        "router.http.serve`, with the production defaults (`RouterConfig()`) except the "
        "subgraph URLs, over a copy of `schema/supergraph.graphql`; the benchmark, the router "
        "and the "
        "subgraphs all on this machine, on 127.0.0.1",
        f"- attacks: the matrix of `tests/security/attacks.py` ({len(results.refusals)} attacks)",
        f"- normal query: `{results.normal_query}`",
        "",
        "## Failed checks",
        "",
        *findings,
        "",
        "## Refusals",
        "",
        f"Each attack sent {args.repeats} times in a row on one keep-alive connection; the "
        "latency is the client's, from sending the request to reading the whole answer.",
        "",
        *refusal_table(results),
        "",
        "## A normal query under attack",
        "",
        f"The normal query, sent sequentially on one connection: {args.baseline} times with "
        f"no attack, then during each attack sent in a loop from {args.connections} other "
        f"connections (in another process) for {args.attack_seconds:.0f} s, as many times as "
        f"fit between {PROBE_START_SECONDS} s after the attack starts and "
        f"{PROBE_START_SECONDS} s before it ends. Δ is over the baseline; the check is that "
        f"neither p50 nor p95 grows by more than {LATENCY_MARGIN_MS:.0f} ms and that every "
        "normal query is answered with data. `router CPU %` is the router process's utime + "
        "stime while the normal query was measured, in % of one core; the attacking process "
        "shares the machine's cores with the router and the subgraphs.",
        "",
        *load_table(results),
        "",
        "## Memory",
        "",
        f"The router process's VmRSS, then {args.invalid_documents:,} distinct documents of "
        f"~{INVALID_DOCUMENT_BYTES // 1000} KB that fail validation "
        '(`{ product(id: "<random 90 KB>") { nam } }`) and '
        f"{args.valid_documents:,} distinct valid documents (a different alias each, so each "
        f"is planned and cached), from {FLOOD_CONNECTIONS} connections. Bound: "
        f"caches.operations.max_bytes + caches.plans.max_bytes = {cache_mb[0]:.0f} MB + "
        f"{cache_mb[1]:.0f} MB, + {RSS_MARGIN_MB:.0f} MB = {rss_bound_mb():.0f} MB "
        "(MB here is 10^6 bytes, as in the cache bounds).",
        "",
        *memory_table(results),
        "",
        f"Answers: {floods}.",
    ])  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--repeats", type=int, default=20, help="times each attack is sent for its refusal (20)")
    add("--baseline", type=int, default=200, help="normal queries with no attack (200)")
    add("--connections", type=int, default=4, help="connections an attack runs from (4)")
    add("--attack-seconds", type=float, default=5.0, help="seconds each attack runs (5)")
    add("--invalid-documents", type=int, default=3000, help="invalid ~90 KB documents (3000)")
    add("--valid-documents", type=int, default=1500, help="distinct valid documents (1500)")
    args = parser.parse_args()
    for name in ("repeats", "baseline", "connections", "invalid_documents", "valid_documents"):
        if not 1 <= getattr(args, name) <= 100_000:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 100000")
    if not 1 <= args.attack_seconds <= 120:
        parser.error("--attack-seconds must be between 1 and 120")
    return args


if __name__ == "__main__":
    sys.exit(main())
