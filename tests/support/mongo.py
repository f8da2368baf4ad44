"""For the tests that point a MongoDB client at a port where no server listens.

PyMongo (4.20) monitors each server from a task that reconnects while the server is down.
When the client is closed during one of those connects, the task is cancelled and the socket
it was connecting is never closed (``pool_shared._async_create_connection`` closes it only on
``OSError``); garbage collection later reports it as an unclosed socket, in whichever test is
running then. These tests collect it themselves, inside the test, and say that warning is
expected there; anywhere else an unclosed socket still fails the test it happens in.
"""

from __future__ import annotations

import gc

import pytest

LEAVES_A_MONITOR_SOCKET = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <socket\.socket:pytest.PytestUnraisableExceptionWarning"
)
"""Mark of a test that closes a client whose server never answered."""


def collect_monitor_sockets() -> None:
    """Finalize, now, a socket the closed client's monitor left (see the module's doc)."""
    gc.collect()
