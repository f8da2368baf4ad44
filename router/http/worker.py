"""One worker process of a multi-process router: ``python -m router.http.worker``.

Started by the supervisor (``router.http.workers``), never by hand. It inherits the listening
socket, reads the configuration and the supergraph itself (so a restart picks up their
changes), serves until SIGTERM, then drains: it stops accepting, lets requests in flight
finish and exits. It tells the supervisor it is ready by writing one byte to a pipe once its
supergraph is loaded and it is accepting.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys

import uvicorn

from observability.asgi import ObservedApp
from observability.process import configure
from router.http.app import create_app
from router.http.config import ConfigError, load_config
from router.http.reload import SupergraphHolder
from router.http.workers import DRAIN_SECONDS

log = logging.getLogger("shopgraph.router")

STARTUP_FAILURE = 3  # uvicorn's exit code when an app cannot start
_PR_SET_PDEATHSIG = 1


class WorkerServer(uvicorn.Server):
    """A uvicorn server that reports readiness on a pipe, and only with a supergraph."""

    def __init__(self, config: uvicorn.Config, holder: SupergraphHolder, ready_fd: int) -> None:
        super().__init__(config)
        self.holder = holder
        self.ready_fd = ready_fd
        self.reported_ready = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.holder.service is None:
            log.error("worker %d has no supergraph: %s", os.getpid(), self.holder.last_error)
            self.should_exit = True
            return
        try:
            os.write(self.ready_fd, b"1")
        except BrokenPipeError:  # the supervisor is gone, and SIGTERM is on its way
            self.should_exit = True
            return
        finally:
            os.close(self.ready_fd)
        self.reported_ready = True


def _exit_with_parent(parent_pid: int) -> None:
    """Ask Linux for SIGTERM when the supervisor dies, so no worker outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before prctl took effect
        sys.exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="router-worker")
    parser.add_argument("--supergraph", required=True)
    parser.add_argument("--config")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--parent-pid", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    _exit_with_parent(args.parent_pid)
    # A terminal hang-up reaches the whole process group; only the supervisor acts on it.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        configure("router", drivers=False)
        log.error("worker %d: %s", os.getpid(), error.message)
        sys.exit(STARTUP_FAILURE)
    configure("router", config.telemetry, drivers=False)
    app = create_app(config, supergraph_path=args.supergraph)
    listener = socket.socket(fileno=args.listen_fd)
    server = WorkerServer(
        uvicorn.Config(
            ObservedApp(app, service="router"),
            log_config=None,
            log_level=args.log_level,
            access_log=args.access_log,
            # The router alone decides whose X-Forwarded-For it believes.
            proxy_headers=False,
            timeout_graceful_shutdown=DRAIN_SECONDS,
        ),
        app.state.supergraph,
        args.ready_fd,
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it drained on
        server.run(sockets=[listener])
    if not server.reported_ready:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
