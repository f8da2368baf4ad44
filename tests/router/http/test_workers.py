"""``workers``: worker processes sharing one port, observed from outside as real processes.

Which worker answers is seen through ``/proc`` (the supervisor's children) and by stopping
all but one worker (SIGSTOP): the port then answers only through the one left running.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from datastores.testservices.base import free_port
from router.http.config import ENV_PREFIX, ConfigError, RouterConfig
from router.http.rate_limit import RateLimitSettings
from router.http.workers import refuse_per_worker_state
from tests.router.conftest import NAMES, ROOT, SUPERGRAPH, Subgraphs

START_SECONDS = 90.0
QUERY = {"query": "{ products { id name } }"}
# Nothing from this environment's SHOPGRAPH_ROUTER__* overrides.
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def listening_inode(port: int) -> str:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                return fields[9]
    raise AssertionError(f"nothing listens on port {port}")


@dataclass
class Router:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> set[int]:
        return children(self.process.pid)

    def ready(self) -> set[int]:
        return {int(pid) for pid in re.findall(r"worker (\d+) ready", self.log.read_text())}

    def wait_for_workers(
        self, count: int, *, replacing: AbstractSet[int] = frozenset()
    ) -> set[int]:
        """The ``count`` workers once all are ready and none is one of ``replacing``."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            workers = self.workers()
            if len(workers) == count and workers <= self.ready() and not workers & replacing:
                return workers
            time.sleep(0.1)
        raise AssertionError(f"workers {self.workers()}, ready {self.ready()}")

    def query(self) -> httpx.Response:
        # A new connection each time: the kernel hands it to whichever worker accepts first.
        return httpx.post(
            f"{self.url}/graphql", json=QUERY, headers={"connection": "close"}, timeout=30
        )


@contextmanager
def running_router(
    directory: Path, config: dict[str, Any], *argv: str, taskset: str | None = None
) -> Iterator[Router]:
    config_file = directory / "router.yaml"
    config_file.write_text(yaml.safe_dump(config))
    supergraph = directory / "supergraph.graphql"
    if not supergraph.exists():
        shutil.copyfile(SUPERGRAPH, supergraph)
    port = free_port()
    log = directory / "router.log"
    command = [sys.executable, "-m", "router.http.serve", "--supergraph", str(supergraph),
               "--config", str(config_file), "--port", str(port), *argv]  # fmt: skip
    if taskset is not None:
        command = ["taskset", "-c", taskset, *command]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=CLEAN_ENV, stdout=output, stderr=output)
    router = Router(process, port, log)
    try:
        yield router
    finally:
        workers = router.workers()
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        process.terminate()
        try:
            process.wait(60)
        finally:
            for pid in workers & router.workers():
                os.kill(pid, signal.SIGKILL)
            if process.poll() is None:
                process.kill()


def subgraph_config(subgraphs: Subgraphs, **options: Any) -> dict[str, Any]:
    return {"subgraphs": {name: {"url": subgraphs.url(name)} for name in NAMES}, **options}


@pytest.fixture(scope="module")
def two_workers(subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Router]:
    directory = tmp_path_factory.mktemp("two-workers")
    with running_router(directory, subgraph_config(subgraphs, workers=2)) as router:
        router.wait_for_workers(2)
        yield router


@contextmanager
def only_running(router: Router, worker: int) -> Iterator[None]:
    """Every other worker stopped, so only ``worker`` can accept connections."""
    others = router.workers() - {worker}
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


def test_two_workers_share_one_listening_socket_and_each_answers_alone(
    two_workers: Router,
) -> None:
    workers = two_workers.wait_for_workers(2)
    listener = listening_inode(two_workers.port)
    assert listener in socket_inodes(two_workers.process.pid)
    for pid in workers:
        assert "router.http.worker" in Path(f"/proc/{pid}/cmdline").read_text()
        assert listener in socket_inodes(pid)
        with only_running(two_workers, pid):
            for _ in range(5):
                response = two_workers.query()
                assert response.status_code == 200
                assert response.json()["data"]["products"][0]["id"] == "p1"


def test_every_worker_follows_the_supergraph_file(two_workers: Router) -> None:
    workers = two_workers.wait_for_workers(2)
    supergraph = two_workers.log.parent / "supergraph.graphql"
    sdl = supergraph.read_text() + f"\n# edited at {time.time()}\n"
    supergraph.write_text(sdl)
    digest = hashlib.sha256(sdl.encode()).hexdigest()[:16]
    for pid in workers:
        with only_running(two_workers, pid):
            deadline = time.monotonic() + 30
            seen = None
            while seen != digest and time.monotonic() < deadline:
                ready = httpx.get(
                    f"{two_workers.url}/health/ready", headers={"connection": "close"}
                )
                seen = ready.json()["supergraph"]
                time.sleep(0.2)
            assert seen == digest, f"worker {pid} serves {seen}, not {digest}"


def test_a_killed_worker_is_replaced(two_workers: Router) -> None:
    before = two_workers.wait_for_workers(2)
    killed = min(before)
    os.kill(killed, signal.SIGKILL)
    after = two_workers.wait_for_workers(2, replacing={killed})
    assert len(after & before) == 1
    assert two_workers.query().status_code == 200


def test_sighup_restarts_every_worker_while_the_port_keeps_answering(
    two_workers: Router,
) -> None:
    before = two_workers.wait_for_workers(2)
    statuses: list[int | str] = []
    stop = threading.Event()

    def client_loop() -> None:
        while not stop.is_set():
            try:
                statuses.append(two_workers.query().status_code)
            except httpx.HTTPError as error:
                statuses.append(repr(error))

    client = threading.Thread(target=client_loop)
    client.start()
    try:
        time.sleep(0.5)
        two_workers.process.send_signal(signal.SIGHUP)
        after = two_workers.wait_for_workers(2, replacing=before)
        time.sleep(0.5)
    finally:
        stop.set()
        client.join(30)
    failures = [status for status in statuses if status != 200]
    assert not failures, f"{len(failures)} of {len(statuses)} requests failed: {failures[:5]}"
    assert len(statuses) > 20
    assert len(after) == 2
    assert not after & before


def test_a_restart_onto_a_broken_supergraph_keeps_the_running_workers(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    with running_router(tmp_path, subgraph_config(subgraphs, workers=2)) as router:
        before = router.wait_for_workers(2)
        (tmp_path / "supergraph.graphql").write_text("type Query {")
        router.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + START_SECONDS
        while "restart abandoned" not in router.log.read_text():
            assert time.monotonic() < deadline, router.log.read_text()
            time.sleep(0.2)
        assert router.wait_for_workers(2) == before
        assert router.query().status_code == 200


def test_sigterm_drains_requests_in_flight_in_every_worker(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    with running_router(tmp_path, subgraph_config(subgraphs, workers=2)) as router:
        workers = router.wait_for_workers(2)
        answers: dict[int, httpx.Response] = {}

        def slow_query(worker: int) -> None:
            answers[worker] = httpx.post(
                f"{router.url}/graphql", json={"query": "{ slow(seconds: 3) }"}, timeout=30
            )

        def slow_requests() -> int:
            return sum("slow" in r["query"] for r in subgraphs.requests("products"))

        threads = []
        for pid in workers:  # one request in flight in each worker
            with only_running(router, pid):
                arrived = slow_requests()
                thread = threading.Thread(target=slow_query, args=(pid,))
                thread.start()
                threads.append(thread)
                deadline = time.monotonic() + 10
                while slow_requests() == arrived:
                    assert time.monotonic() < deadline, "the slow query never reached products"
                    time.sleep(0.05)
        router.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(30)
        assert router.process.wait(60) == 0
        assert not router.workers()
        for pid in workers:
            assert answers[pid].status_code == 200
            assert answers[pid].json() == {"data": {"slow": "slept 3.0s"}}
        with pytest.raises(httpx.ConnectError):
            router.query()


def test_workers_default_to_the_cpus_this_process_may_run_on(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    assert RouterConfig().workers == len(os.sched_getaffinity(0))
    with running_router(tmp_path, subgraph_config(subgraphs), taskset="0") as router:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert router.process.poll() is None, router.log.read_text()
            assert time.monotonic() < deadline, "the router did not start"
            try:
                if router.query().status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert router.workers() == set()  # no supervisor: the router is this one process
        assert listening_inode(router.port) in socket_inodes(router.process.pid)


@pytest.mark.parametrize("entry", ["router.http.serve", "shopgraph.cli"])
def test_in_process_rate_limits_are_refused_with_several_workers(
    tmp_path: Path, entry: str
) -> None:
    config = tmp_path / "router.yaml"
    config.write_text(yaml.safe_dump({"workers": 2, "rate_limit": {}}))
    argv = ["--supergraph", str(SUPERGRAPH), "--config", str(config), "--port", str(free_port())]
    if entry == "shopgraph.cli":
        command = [str(Path(sys.executable).parent / "shopgraph"), "router", *argv]
    else:
        command = [sys.executable, "-m", entry, *argv]
    done = subprocess.run(command, cwd=ROOT, env=CLEAN_ENV, capture_output=True, timeout=60)
    assert done.returncode == 1
    message = done.stderr.decode()
    assert "rate_limit without redis_url" in message
    assert "with workers: 2 every client would get 2 budgets" in message
    assert "set rate_limit.redis_url" in message


def test_only_unshared_rate_limits_with_several_workers_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"rate_limit\.redis_url"):
        refuse_per_worker_state(RouterConfig(workers=3, rate_limit=RateLimitSettings()))
    shared = RateLimitSettings(redis_url="redis://127.0.0.1:6379/0")
    refuse_per_worker_state(RouterConfig(workers=3, rate_limit=shared))
    refuse_per_worker_state(RouterConfig(workers=1, rate_limit=RateLimitSettings()))
    refuse_per_worker_state(RouterConfig(workers=3, rate_limit=RateLimitSettings(enabled=False)))
    refuse_per_worker_state(RouterConfig(workers=3))


def test_metrics_from_any_worker_count_every_worker_s_requests(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    with running_router(tmp_path, subgraph_config(subgraphs, workers=2)) as router:
        for pid in router.wait_for_workers(2):
            with only_running(router, pid):  # five requests served by each worker
                for _ in range(5):
                    assert router.query().status_code == 200
        time.sleep(1.5)  # each worker writes what it counted within a second
        series = ('http_server_request_duration_seconds_count{http_request_method="POST",'
                  'http_response_status_code="200",http_route="/graphql"} ')  # fmt: skip
        for _ in range(4):  # whichever worker answers the scrape
            text = httpx.get(f"{router.url}/metrics", headers={"connection": "close"}).text
            [line] = [line for line in text.splitlines() if line.startswith(series)]
            assert float(line[len(series) :]) == 10.0
            assert "shopgraph_router_subgraph_circuit_state" in text
