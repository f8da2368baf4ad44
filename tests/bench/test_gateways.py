"""The gateway benchmark's own measuring: k6 summaries, process-tree sampling, peer settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from bench.gateways.install import tools
from bench.gateways.measure import SAMPLE_SECONDS, Load, TreeSampler, parse_summary
from bench.gateways.peers import Launch, launch, settings
from bench.gateways.report import dedup_effect, table
from bench.gateways.run import Row, start


def test_parse_summary_reads_rate_percentiles_and_error_counters() -> None:
    summary = {
        "metrics": {
            "http_reqs": {"values": {"count": 1200, "rate": 40.5}},
            "http_req_duration": {"values": {"med": 10.0, "p(95)": 20.0, "p(99)": 30.0}},
            "non_200": {"values": {"count": 3}},
            "graphql_errors": {"values": {"count": 2}},
            "checks": {"values": {"passes": 2395, "fails": 5}},
        }
    }
    load = parse_summary(summary)
    assert (load.rps, load.requests, load.p50_ms, load.p95_ms, load.p99_ms) == (
        40.5, 1200, 10.0, 20.0, 30.0,
    )  # fmt: skip
    assert (load.non_200, load.graphql_errors, load.failed_checks) == (3, 2, 5)


def test_tree_sampler_counts_the_cpu_of_a_child_process() -> None:
    """The grandchild burns 2 s of CPU (not of wall time, which a busy machine stretches);
    the sampler, which samples every SAMPLE_SECONDS, may miss up to one interval at either end."""
    busy = "import time\nwhile time.process_time() < 2.0: pass"
    spawn = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}])"
    began = time.monotonic()
    parent = subprocess.Popen([sys.executable, "-c", spawn])
    try:
        sampler = TreeSampler(parent.pid)
        sampler.start()
        parent.wait(30)
    finally:
        parent.kill()
    cpu, rss_mb, processes = sampler.stop()
    cpu_seconds = cpu / 100 * (time.monotonic() - began)
    assert processes == 2
    assert cpu_seconds > 2.0 - 2 * SAMPLE_SECONDS
    assert rss_mb > 1


def test_apollo_gateway_runs_once_without_dedup_and_the_others_in_each_setting() -> None:
    assert settings("apollo-gateway", [True, False]) == [False]
    assert settings("hive-router", [True, False]) == [True, False]
    assert settings("shopgraph", [False]) == [False]


def test_hive_router_config_sets_router_dedupe(tmp_path: Path) -> None:
    for dedup in (True, False):
        run = launch("hive-router", dedup, tmp_path / "s.graphql", 4321, tmp_path / str(dedup),
                     tools())  # fmt: skip
        config = yaml.safe_load((tmp_path / str(dedup) / "router.config.yaml").read_text())
        assert config["traffic_shaping"]["router"]["dedupe"]["enabled"] is dedup
        assert config["http"]["port"] == 4321
        assert run.url == "http://127.0.0.1:4321/graphql"


def row(gateway: str, dedup: bool, rps: float, cpu: float, core0: float) -> Row:
    load = Load(rps, 1.0, 2.0, 3.0, int(rps * 30), 0, 0, 0, k6_cpu_percent=core0 / 2)
    return Row(gateway, dedup, load, cpu, 100.0, 1, 1.0, core0 / 2)


def test_report_flags_core0_bound_rows_and_a_dedup_setting_without_effect() -> None:
    rows = [
        row("shopgraph", True, 3000.0, 50.0, 100.0),
        row("shopgraph", False, 600.0, 100.0, 40.0),
        row("hive-router", True, 1000.0, 100.0, 40.0),
        row("hive-router", False, 1000.0, 100.0, 40.0),
    ]
    lines = table(rows)
    assert "3,000.0 (core 0 bound)" in lines[2]
    assert "core 0 bound" not in lines[3]
    assert "| 0.33 |" in lines[4]  # hive-router on over ours on
    effect = dedup_effect(rows)
    assert "is the setting honoured" not in effect[0]
    assert "is the setting honoured" in effect[1]


def test_a_gateway_that_exits_before_it_answers_is_started_twice_then_fails(
    tmp_path: Path,
) -> None:
    quits = Launch("shopgraph", False, [sys.executable, "-c", "print('bye')"], dict(os.environ),
                   tmp_path, "", "http://127.0.0.1:9/graphql")  # fmt: skip
    with (
        httpx.Client() as client,
        pytest.raises(SystemExit, match="exited twice"),
        start(client, quits, tmp_path),
    ):
        pass
    assert (tmp_path / "shopgraph-dedup-off-first.log").read_text() == "bye\n"
    assert (tmp_path / "shopgraph-dedup-off.log").read_text() == "bye\n"
