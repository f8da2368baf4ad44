"""One ``/metrics`` for several worker processes serving one port.

A scrape reaches whichever worker the kernel hands the connection to, and each worker counts
only what it served. So each worker writes its exposition to a shared directory (within a
second of what it counted, and at each scrape it answers), and answers a scrape with the sum
of every live worker's: counters and histograms add up, gauges too (entries of each worker's cache,
calls in flight) except those that are a state, where the highest wins (a circuit open in
one worker is open). A worker gone takes its counts with it, which Prometheus reads as a
counter reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

import observability.metrics  # noqa: F401  (no *_created series, merged or not)

WORKER_METRICS_DIR = "SHOPGRAPH_WORKER_METRICS_DIR"
"""Set by a supervisor of workers: the directory where they share their metrics."""
MAX_GAUGES = frozenset({"shopgraph_router_subgraph_circuit_state"})
"""Gauges that are a state, not an amount: merged by their highest value."""
WRITE_EVERY_SECONDS = 1.0


class WorkerMetrics:
    """The exposition of ``registry`` merged with the other workers' in ``directory``."""

    def __init__(self, registry: CollectorRegistry, directory: str | Path) -> None:
        self.registry = registry
        self.directory = Path(directory)
        self.own = self.directory / f"{os.getpid()}.prom"
        self._written = 0.0
        self._pending = False

    def write(self) -> bytes:
        text = generate_latest(self.registry)
        temporary = self.own.with_suffix(".tmp")
        temporary.write_bytes(text)
        temporary.replace(self.own)  # whole, never half written, for a reader
        self._written = time.monotonic()
        return text

    def tick(self) -> None:
        """Note that a request was counted (call it per request, on the event loop): the
        exposition is written within a second, once however many requests come."""
        if self._pending:
            return
        self._pending = True
        delay = max(WRITE_EVERY_SECONDS - (time.monotonic() - self._written), 0.0)
        asyncio.get_running_loop().call_later(delay, self._flush)

    def _flush(self) -> None:
        self._pending = False
        with contextlib.suppress(OSError):
            self.write()

    def exposition(self) -> bytes:
        texts = [self.write().decode()]
        for path in self.directory.glob("*.prom"):
            if path == self.own or not _alive(path.stem):
                continue
            with contextlib.suppress(OSError, UnicodeDecodeError):
                texts.append(path.read_text())
        merged = CollectorRegistry(auto_describe=False)
        merged.register(_Merged(texts))
        return generate_latest(merged)


class _Merged(Collector):
    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = list(texts)

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
        for text in self.texts:
            for family in text_string_to_metric_families(text):
                if family.name not in families:
                    families[family.name] = Metric(
                        family.name, family.documentation, family.type, family.unit
                    )
                merged = values.setdefault(family.name, {})
                highest = family.name in MAX_GAUGES
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    if key in merged:
                        merged[key] = (max(merged[key], sample.value) if highest
                                       else merged[key] + sample.value)  # fmt: skip
                    else:
                        merged[key] = sample.value
        for name, family in families.items():
            for (sample_name, labels), value in values[name].items():
                family.add_sample(sample_name, dict(labels), value)
            yield family


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
