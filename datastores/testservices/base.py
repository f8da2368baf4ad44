"""What every throwaway server has in common: a process, a port, a log and a clean stop."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class TestServiceError(RuntimeError):
    """A test server could not be installed, started, or has stopped."""

    __test__ = False  # not a pytest test class


@dataclass
class ServerHandle:
    """A running server (ours, or an external one given by URL)."""

    __test__ = False

    name: str
    url: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    workdir: Path | None = None
    started_in: float = 0.0
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def external(self) -> bool:
        return self.process is None

    def ensure_running(self) -> None:
        """Raise a clear error when our server process has died."""
        if self.process is None or self.process.poll() is None:
            return
        raise TestServiceError(
            f"{self.name} test server (pid {self.process.pid}) exited with code "
            f"{self.process.returncode}; last log lines:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(OSError):
                cleanup()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_workdir(name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"shopgraph-{name}-"))


def log_dir() -> Path:
    """Where server logs are kept after the run (data is not)."""
    path = Path(os.environ.get("SHOPGRAPH_TEST_LOG_DIR", "build/test-servers")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    workdir: Path,
    user: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``argv`` with stdout and stderr going to the server's log file."""
    log_path = log_dir() / f"{workdir.name}.log"
    log = log_path.open("wb")
    try:
        process = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            user=user,
            group=user and _primary_group(user),
            extra_groups=[] if user else None,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    except OSError as error:
        raise TestServiceError(f"{name}: cannot run {argv[0]}: {error}") from error
    finally:
        log.close()
    return process, log_path


def wait_until(
    name: str,
    ready: Callable[[], bool],
    *,
    process: subprocess.Popen[bytes],
    log_path: Path,
    timeout: float,
) -> None:
    """Poll ``ready`` until it is true; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TestServiceError(
                f"{name} exited with code {process.returncode} while starting; "
                f"log {log_path}:\n{_tail(log_path)}"
            )
        if ready():
            return
        time.sleep(0.1)
    process.kill()
    raise TestServiceError(
        f"{name} was not ready after {timeout:.0f}s; log {log_path}:\n{_tail(log_path)}"
    )


def launch(
    name: str,
    argv: Sequence[str],
    *,
    url: str,
    workdir: Path,
    ready: Callable[[Path], bool],
    timeout: float,
    user: str | None = None,
) -> ServerHandle:
    """Start a server process and wait until ``ready(log_path)``; stop it again on failure."""
    began = time.monotonic()
    process, log_path = spawn(name, argv, workdir=workdir, user=user)
    handle = ServerHandle(name=name, url=url, process=process, log_path=log_path, workdir=workdir)
    try:
        wait_until(name, lambda: ready(log_path), process=process, log_path=log_path,
                   timeout=timeout)  # fmt: skip
    except TestServiceError:
        handle.stop()
        raise
    handle.started_in = time.monotonic() - began
    return handle


def log_says(marker: str) -> Callable[[Path], bool]:
    """A readiness check: the server printed ``marker`` to its log."""
    return lambda log_path: marker in log_path.read_text(errors="replace")


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def unprivileged_user() -> str | None:
    """Servers that refuse to run as root (PostgreSQL) run as ``nobody`` when we are root."""
    return "nobody" if os.geteuid() == 0 else None


def give_to(path: Path, user: str | None) -> None:
    if user is None:
        return
    shutil.chown(path, user=user, group=_primary_group(user))
    path.chmod(0o700)


def _primary_group(user: str) -> str:
    import grp
    import pwd

    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def _tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
