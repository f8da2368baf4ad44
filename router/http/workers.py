"""The supervisor of a multi-process router (``workers`` > 1).

The supervisor binds the port once; every worker (``router.http.worker``) inherits that one
listening socket and accepts from it, so the kernel queues connections for whichever worker
is free and a worker that stops takes no queued connection with it. The supervisor serves
nothing itself. It

- replaces a worker that dies (after a growing pause if it dies before it is ready);
- on SIGHUP restarts the workers one at a time: a new one starts, and only once it is ready
  (its supergraph loaded, accepting) is the old one told to drain, so the port always has
  ready workers; new workers read the configuration and supergraph files afresh;
- on SIGTERM or SIGINT tells every worker to drain (requests in flight finish) and exits
  when they have.

Shared state: each worker has its own plan and operation caches (derived state, rebuilt on
demand) and follows the supergraph file itself. Rate limits must be shared, so in-process
token buckets are refused with more than one worker (``refuse_per_worker_state``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from observability.process import configure
from observability.workers import WORKER_METRICS_DIR
from router.http.config import ConfigError, RouterConfig

log = logging.getLogger("shopgraph.router")

DRAIN_SECONDS = 30
"""How long a worker told to stop waits for requests in flight before cancelling them."""
READY_TIMEOUT_SECONDS = 120.0
"""How long a new worker may take to load its supergraph before it is given up."""
STOP_TIMEOUT_SECONDS = DRAIN_SECONDS + 10
"""How long a draining worker may take before it is killed."""
BACKLOG = 2048
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
_HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD)


def refuse_per_worker_state(config: RouterConfig) -> None:
    """Refuse a configuration whose shared state would be per worker with ``workers`` > 1."""
    limits = config.rate_limit
    if config.workers > 1 and limits is not None and limits.enabled and not limits.redis_url:
        raise ConfigError(
            f"rate_limit without redis_url keeps its token buckets in each process, so with "
            f"workers: {config.workers} every client would get {config.workers} budgets; set "
            "rate_limit.redis_url to share them across workers, or workers: 1 (workers "
            "defaults to the number of CPUs the router may run on)"
        )


def bind_listener(host: str, port: int) -> socket.socket:
    """The one listening socket every worker inherits."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(BACKLOG)
    except OSError:
        listener.close()
        raise
    return listener


@dataclass(eq=False)
class Worker:
    slot: int
    process: subprocess.Popen[bytes]
    ready_pipe: int | None
    started_at: float = field(default_factory=time.monotonic)
    ready: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> bool:
        return self.process.poll() is not None

    def close_pipe(self) -> None:
        if self.ready_pipe is not None:
            os.close(self.ready_pipe)
            self.ready_pipe = None

    def send(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signum)


class Supervisor:
    """Runs ``count`` workers on ``listener`` until SIGTERM or SIGINT; see the module doc."""

    def __init__(
        self,
        listener: socket.socket,
        count: int,
        *,
        supergraph_path: str | Path,
        config_path: str | Path | None,
        log_level: str = "warning",
        access_log: bool = False,
    ) -> None:
        self.listener = listener
        self.count = count
        self.worker_argv = [
            sys.executable, "-m", "router.http.worker",
            "--supergraph", str(supergraph_path),
            "--listen-fd", str(listener.fileno()),
            "--parent-pid", str(os.getpid()),
            "--log-level", log_level,
            *(["--config", str(config_path)] if config_path is not None else []),
            *(["--access-log"] if access_log else []),
        ]  # fmt: skip
        self.workers: dict[int, Worker] = {}
        self.retiring: list[Worker] = []
        self.restarting: deque[int] = deque()
        self.replacement: Worker | None = None
        self.respawn_at: dict[int, float] = {}
        self.failures: dict[int, int] = {}
        self.any_ready = False
        self.signals: deque[int] = deque()
        self.selector = selectors.DefaultSelector()
        # Where the workers share their metrics, so that a scrape of any answers for all.
        self.metrics_dir = tempfile.mkdtemp(prefix="shopgraph-router-metrics-")

    def run(self) -> int:
        """Serve until told to stop; the exit status (1 if no worker could start)."""
        wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.selector.register(wake_read, selectors.EVENT_READ)
        previous_wakeup = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        previous = {signum: signal.signal(signum, self._on_signal) for signum in _HANDLED}
        try:
            for slot in range(self.count):
                self.workers[slot] = self._spawn(slot)
            return self._loop(wake_read)
        finally:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            signal.set_wakeup_fd(previous_wakeup)
            self.selector.close()
            os.close(wake_read)
            os.close(wake_write)

    def _on_signal(self, signum: int, _: FrameType | None) -> None:
        self.signals.append(signum)

    def _loop(self, wake_read: int) -> int:
        while True:
            for key, _ in self.selector.select(timeout=self._next_timeout()):
                if key.fd == wake_read:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake_read, 512)
                else:
                    self._read_ready(key.fd)
            while self.signals:
                signum = self.signals.popleft()
                if signum in (signal.SIGTERM, signal.SIGINT):
                    log.info("%s: draining %d workers", signal.Signals(signum).name, self.count)
                    return self._stop_all(0)
                if signum == signal.SIGHUP:
                    log.info("SIGHUP: restarting the workers one at a time")
                    self.restarting = deque(range(self.count))
            if not self._reap():
                return self._stop_all(1)
            self._respawn_due()
            self._roll()

    def _next_timeout(self) -> float:
        now = time.monotonic()
        due = [at - now for at in self.respawn_at.values()]
        return max(0.0, min([1.0, *due]))

    def _spawn(self, slot: int) -> Worker:
        ready_read, ready_write = os.pipe2(os.O_CLOEXEC)
        argv = [*self.worker_argv, "--ready-fd", str(ready_write)]
        try:
            env = {**os.environ, WORKER_METRICS_DIR: self.metrics_dir}
            process = subprocess.Popen(
                argv, pass_fds=(self.listener.fileno(), ready_write), env=env
            )
        finally:
            os.close(ready_write)
        worker = Worker(slot, process, ready_read)
        self.selector.register(ready_read, selectors.EVENT_READ, worker)
        log.info("worker %d started (slot %d)", worker.pid, slot)
        return worker

    def _read_ready(self, fd: int) -> None:
        worker: Worker = self.selector.get_key(fd).data
        ready = os.read(fd, 1) == b"1"
        self.selector.unregister(fd)
        worker.close_pipe()
        if ready:
            worker.ready = True
            self.any_ready = True
            self.failures.pop(worker.slot, None)
            log.info("worker %d ready", worker.pid)

    def _forget(self, worker: Worker) -> None:
        if worker.ready_pipe is not None:
            self.selector.unregister(worker.ready_pipe)
            worker.close_pipe()

    def _reap(self) -> bool:
        """Replace workers that died; False when none could ever start."""
        for worker in [w for w in self.retiring if w.exited()]:
            self.retiring.remove(worker)
            self._forget(worker)
        replacement = self.replacement
        if replacement is not None and replacement.exited():
            self._forget(replacement)
            log.error(
                "the new worker %d exited (%s) before it was ready: restart abandoned, the "
                "running workers keep serving",
                replacement.pid,
                replacement.process.returncode,
            )
            self.replacement = None
            self.restarting.clear()
        for slot, worker in list(self.workers.items()):
            if not worker.exited():
                continue
            self._forget(worker)
            del self.workers[slot]
            if not worker.ready and not self.any_ready:
                log.error("worker %d could not start: stopping", worker.pid)
                return False
            delay = 0.0
            if not worker.ready:  # it may die again at once: back off
                failures = self.failures[slot] = self.failures.get(slot, 0) + 1
                delay = min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), MAX_RETRY_SECONDS)
            log.warning(
                "worker %d exited (%s): replacing it in %.1f s",
                worker.pid,
                worker.process.returncode,
                delay,
            )
            self.respawn_at[slot] = time.monotonic() + delay
        return True

    def _respawn_due(self) -> None:
        now = time.monotonic()
        for slot, at in list(self.respawn_at.items()):
            if at <= now:
                del self.respawn_at[slot]
                self.workers[slot] = self._spawn(slot)

    def _roll(self) -> None:
        """One step of a rolling restart: start a slot's new worker, or retire its old one."""
        replacement = self.replacement
        if replacement is None:
            while self.restarting:
                slot = self.restarting.popleft()
                if slot in self.workers:  # a slot waiting to respawn starts afresh anyway
                    self.replacement = self._spawn(slot)
                    return
            return
        if replacement.ready:
            self.replacement = None
            self.respawn_at.pop(replacement.slot, None)
            old = self.workers.get(replacement.slot)
            self.workers[replacement.slot] = replacement
            if old is not None:  # else it died meanwhile and its replacement is this one
                log.info("worker %d replaces worker %d, which drains", replacement.pid, old.pid)
                old.send(signal.SIGTERM)
                self.retiring.append(old)
        elif time.monotonic() - replacement.started_at > READY_TIMEOUT_SECONDS:
            log.error("the new worker %d is not ready in time: restart abandoned", replacement.pid)
            replacement.send(signal.SIGKILL)
            self.retiring.append(replacement)
            self.replacement = None
            self.restarting.clear()

    def _stop_all(self, status: int) -> int:
        everyone = [*self.workers.values(), *self.retiring]
        if self.replacement is not None:
            everyone.append(self.replacement)
        for worker in everyone:
            worker.send(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for worker in everyone:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker %d did not drain in time: killed", worker.pid)
                worker.send(signal.SIGKILL)
                worker.process.wait()
            self._forget(worker)
        self.listener.close()
        return status


def serve_workers(
    config: RouterConfig,
    *,
    host: str,
    port: int,
    supergraph_path: str | Path,
    config_path: str | Path | None,
    log_level: str = "warning",
    access_log: bool = False,
) -> int:
    """Bind ``host:port`` and run ``config.workers`` workers on it; the exit status."""
    refuse_per_worker_state(config)
    configure("router", config.telemetry, drivers=False)
    listener = bind_listener(host, port)
    bound = listener.getsockname()
    log.info("router on http://%s:%d with %d worker processes", host, bound[1], config.workers)
    supervisor = Supervisor(
        listener,
        config.workers,
        supergraph_path=supergraph_path,
        config_path=config_path,
        log_level=log_level,
        access_log=access_log,
    )
    return supervisor.run()
