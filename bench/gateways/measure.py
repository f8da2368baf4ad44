"""What is measured: k6's load, a process tree's CPU and peak memory, sequential latency."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.5


def descendants(root: int) -> set[int]:
    """``root`` and every process below it, from /proc's parent links."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def peak_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class TreeSampler:
    """Samples a process tree while it runs: CPU ticks per process (over the window between
    :meth:`start` and :meth:`stop`) and VmHWM per process (its peak since it started)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for pid in descendants(self.root):
            ticks = cpu_ticks(pid)
            if ticks is None:
                continue
            self.first.setdefault(pid, ticks)
            self.last[pid] = ticks
            self.peak[pid] = max(self.peak.get(pid, 0), peak_rss_kib(pid))

    def _run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._started = time.monotonic()
        self._thread.start()

    def stop(self) -> tuple[float, float, int]:
        """CPU % of one core over the window, summed peak RSS in MiB, number of processes."""
        self._sample()
        elapsed = time.monotonic() - self._started
        self._done.set()
        self._thread.join()
        ticks = sum(self.last[pid] - self.first[pid] for pid in self.last)
        cpu = 100.0 * ticks / CLOCK_TICKS / elapsed
        return cpu, sum(self.peak.values()) / 1024, len(self.last)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    non_200: int
    graphql_errors: int
    failed_checks: int
    k6_cpu_percent: float = 0.0


def k6(
    k6_binary: Path, script: Path, url: str, query_file: Path, seconds: int, vus: int,
    summary: Path, log: Path,
) -> Load:  # fmt: skip
    """One constant-VU k6 run on core 0; its summary is kept at ``summary``."""
    env = {**os.environ, "ENDPOINT": url, "QUERY_FILE": str(query_file),
           "DURATION": f"{seconds}s", "VUS": str(vus), "SUMMARY": str(summary),
           "K6_NO_USAGE_REPORT": "true"}  # fmt: skip
    argv = ["taskset", "-c", "0", str(k6_binary), "run", "--quiet", "--no-color", str(script)]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        sampler.start()
        returncode = process.wait()
        cpu = sampler.stop()[0]
    if returncode not in (0, 99):  # 99: a threshold failed, which this script has none of
        raise SystemExit(f"k6 failed ({returncode}); see {log}")
    load = parse_summary(json.loads(summary.read_text()))
    load.k6_cpu_percent = cpu
    return load


def parse_summary(data: dict[str, Any]) -> Load:
    metrics = data["metrics"]

    def value(name: str, stat: str, default: float = 0.0) -> float:
        metric = metrics.get(name)
        if metric is None:
            return default
        values = metric.get("values", metric)
        return float(values.get(stat, default))

    checks = metrics.get("checks", {})
    failed = int(checks.get("values", checks).get("fails", 0))
    return Load(
        rps=value("http_reqs", "rate"),
        p50_ms=value("http_req_duration", "med"),
        p95_ms=value("http_req_duration", "p(95)"),
        p99_ms=value("http_req_duration", "p(99)"),
        requests=int(value("http_reqs", "count")),
        non_200=int(value("non_200", "count")),
        graphql_errors=int(value("graphql_errors", "count")),
        failed_checks=failed,
    )


def sequential_latencies(
    client: httpx.Client, url: str, bodies: list[dict[str, Any]]
) -> list[float]:
    """Milliseconds each request took, one at a time; every answer must be 200 with no errors."""
    latencies = []
    for body in bodies:
        started = time.perf_counter()
        response = client.post(url, json=body)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or b'"errors"' in response.content:
            raise SystemExit(f"{url} answered {response.status_code}: {response.text[:500]}")
    return latencies


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
