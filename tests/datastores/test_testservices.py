"""The test-server machinery fails loudly: a server that dies or won't start is named."""

import signal

import pytest

from datastores.testservices import TestServiceError, start_server
from datastores.testservices.base import make_workdir, spawn, wait_until
from datastores.testservices.builds import redis_server
from datastores.testservices.redis import start_redis


def test_a_killed_server_is_reported_with_its_exit() -> None:
    handle = start_redis()
    try:
        handle.ensure_running()
        assert handle.process is not None
        handle.process.send_signal(signal.SIGKILL)
        handle.process.wait(10)
        with pytest.raises(TestServiceError, match=r"redis test server \(pid \d+\) exited"):
            handle.ensure_running()
    finally:
        handle.stop()


def test_a_server_that_cannot_start_says_why() -> None:
    workdir = make_workdir("broken")
    process, log_path = spawn(
        "broken-redis", [str(redis_server()), "--port", "not-a-port"], workdir=workdir
    )
    with pytest.raises(TestServiceError, match="broken-redis exited with code 1") as caught:
        wait_until("broken-redis", lambda: False, process=process, log_path=log_path, timeout=30)
    assert "port" in str(caught.value).lower()


def test_a_url_from_the_environment_replaces_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6390/2")
    handle = start_server("redis")
    assert handle.external
    assert handle.url == "redis://127.0.0.1:6390/2"
    handle.ensure_running()  # nothing of ours to watch; never raises
