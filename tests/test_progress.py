"""Progress without a terminal: plain lines every quarter of a stage or every 2 s, and a final
line with the count and the duration; ``shopgraph seed`` and ``shopgraph search reindex``
print them when their output is not a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopgraph.cli import main
from shopgraph.progress import ProgressReporter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _reporter(job: str, clock: Clock, **options: int) -> tuple[ProgressReporter, io.StringIO]:
    out = io.StringIO()
    return ProgressReporter(job, file=out, tty=False, clock=clock, **options), out


def test_a_line_every_quarter_and_a_final_line_with_count_and_duration() -> None:
    clock = Clock()
    reporter, out = _reporter("reindex", clock)
    with reporter:
        advance = reporter.stage("products", 2000)
        for _ in range(20):
            clock.now += 0.05
            advance(100)
    assert out.getvalue().splitlines() == [
        "reindex: 500/2000 products (25%)",
        "reindex: 1000/2000 products (50%)",
        "reindex: 1500/2000 products (75%)",
        "reindex: 2000 products in 1.0s",
    ]


def test_a_slow_stage_has_a_line_every_two_seconds() -> None:
    clock = Clock()
    reporter, out = _reporter("reindex", clock)
    with reporter:
        advance = reporter.stage("products", 100_000)
        for _ in range(5):
            clock.now += 1.5
            advance(10)
    assert out.getvalue().splitlines() == [
        "reindex: 20/100000 products (0%)",  # 3 s after the start
        "reindex: 40/100000 products (0%)",  # 6 s
        "reindex: 50 products in 7.5s",
    ]


def test_every_stage_ends_with_its_count_and_the_job_with_its_duration() -> None:
    clock = Clock()
    reporter, out = _reporter("seed", clock, every=2)
    with reporter:
        written = reporter.stage("demo products", 3)
        written(1)
        written(1)
        clock.now += 1
        written(1)
        indexed = reporter.stage("products indexed", None)
        clock.now += 0.5
        indexed(3)
    assert out.getvalue().splitlines() == [
        "seed: 2/3 demo products (66%)",
        "seed: 3 demo products in 1.0s",
        "seed: 3 products indexed",  # no total: the count alone
        "seed: 3 products indexed in 0.5s",
        "seed: done in 1.5s",
    ]


def test_a_failed_job_says_where_it_stopped() -> None:
    reporter, out = _reporter("reindex", Clock())

    def fail() -> None:
        with reporter:
            reporter.stage("products", 10)(4)
            raise RuntimeError("store gone")

    with pytest.raises(RuntimeError):
        fail()
    assert out.getvalue().splitlines() == ["reindex: stopped at 4/10 products (40%)"]


def test_seed_and_reindex_show_progress_without_a_terminal(tmp_path: Path) -> None:
    env = {"SHOPGRAPH_DATA_DIR": str(tmp_path)}
    seeded = CliRunner().invoke(main, ["seed", "--products", "1000"], env=env)
    assert seeded.exit_code == 0, seeded.output
    lines = seeded.stderr.splitlines()
    assert "seed: 500/1000 demo products (50%)" in lines
    assert "seed: 500/1000 products indexed (50%)" in lines
    assert "seed: 500/1000 demo products stocked (50%)" in lines
    for stage in ("demo products", "products indexed", "demo products stocked"):
        assert any(line.startswith(f"seed: 1000 {stage} in ") for line in lines), lines
    assert lines[-1].startswith("seed: done in ")
    assert "products: 1000 added" in seeded.stdout

    reindexed = CliRunner().invoke(main, ["search", "reindex"], env=env)
    assert reindexed.exit_code == 0, reindexed.output
    lines = reindexed.stderr.splitlines()
    assert lines[0] == "reindex: 500/1000 products (50%)"
    assert lines[-1].startswith("reindex: 1000 products in ")
    assert lines[-1].endswith("s")
    assert "search index rebuilt: 1000 products" in reindexed.stdout
