"""The readiness runner: concurrent checks, each bounded, failures named without secrets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.testclient import TestClient

from subgraphs.common.health import Checks, ReadinessCheck, describe, readiness_route


def ready(checks: Checks, timeout: float = 2.0) -> TestClient:
    return TestClient(Starlette(routes=[readiness_route(checks, timeout)]))


def sleeping(name: str, seconds: float) -> ReadinessCheck:
    async def probe() -> None:
        await asyncio.sleep(seconds)

    return ReadinessCheck(name, probe)


def failing(name: str, error: Exception) -> ReadinessCheck:
    async def probe() -> None:
        raise error

    return ReadinessCheck(name, probe)


def test_every_check_up_is_200() -> None:
    response = ready(lambda: [sleeping("postgres", 0), sleeping("redis", 0)]).get("/health/ready")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "UP"
    assert set(body["checks"]) == {"postgres", "redis"}
    for check in body["checks"].values():
        assert check["status"] == "UP"
        assert isinstance(check["latency_ms"], float)


def test_one_check_down_is_503_naming_it() -> None:
    error = ConnectionRefusedError("Connect call failed ('127.0.0.1', 5432)")
    response = ready(lambda: [failing("postgres", error), sleeping("redis", 0)]).get(
        "/health/ready"
    )
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "DOWN"
    assert body["checks"]["redis"]["status"] == "UP"
    postgres = body["checks"]["postgres"]
    assert postgres["status"] == "DOWN"
    assert postgres["error"] == "ConnectionRefusedError: Connect call failed ('127.0.0.1', 5432)"


def test_a_check_that_does_not_answer_is_cut_off() -> None:
    started = time.monotonic()
    response = ready(lambda: [sleeping("mongo", 30)], timeout=0.2).get("/health/ready")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["checks"]["mongo"]["error"] == "TimeoutError: no answer within 0.2 s"


def test_checks_run_at_once() -> None:
    checks: Sequence[ReadinessCheck] = [sleeping(f"store{n}", 0.5) for n in range(4)]
    started = time.monotonic()
    response = ready(lambda: checks).get("/health/ready")
    assert response.status_code == 200
    assert time.monotonic() - started < 1.9  # one after another would take 2 s


def test_a_service_that_has_not_started_is_not_ready() -> None:
    def not_started() -> Sequence[ReadinessCheck]:
        raise LookupError("services")

    response = ready(not_started).get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "DOWN", "checks": {}}


def test_errors_say_no_credentials_and_no_traceback() -> None:
    error = OSError("cannot reach mongodb://shop:s3cret@db:27017/x\nTraceback (most recent call)")
    assert describe(error) == "OSError: cannot reach mongodb://***@db:27017/x"
    assert describe(TimeoutError()) == "TimeoutError"
    assert len(describe(ValueError("x" * 1000))) < 250
