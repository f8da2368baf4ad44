"""Readiness: can this service reach every store it uses, right now?

``/health`` only says that the process answers. ``/health/ready`` makes one real round trip to
each store (or service) it depends on, all at once, each bounded by a short timeout, and
answers 200 when every one came back, or 503 naming what failed. The checks themselves live
with the services (``subgraphs/common/health.py``, ``bff_web/health.py``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CHECK_TIMEOUT_SECONDS = 2.0
ERROR_LENGTH = 200
_CREDENTIALS = re.compile(r"(\w[\w+.-]*://)[^/@\s]+@")


@dataclass(frozen=True)
class ReadinessCheck:
    """One store's probe: a round trip that raises when the store cannot serve."""

    name: str
    probe: Callable[[], Awaitable[object]]


Checks = Callable[[], Sequence[ReadinessCheck]]
"""The checks of a running service; raises ``LookupError`` while its stores are not open."""


def describe(error: BaseException) -> str:
    """The exception's type and the first line of its message, without credentials."""
    lines = str(error).strip().splitlines()
    message = _CREDENTIALS.sub(r"\1***@", lines[0] if lines else "")
    if len(message) > ERROR_LENGTH:
        message = message[: ERROR_LENGTH - 1] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


async def run_check(check: ReadinessCheck, seconds: float) -> dict[str, Any]:
    """The check's result, in ``seconds`` at most."""
    started = time.perf_counter()
    error = None
    try:
        async with asyncio.timeout(seconds):
            await check.probe()
    except TimeoutError:
        error = f"TimeoutError: no answer within {seconds:g} s"
    except Exception as failure:  # whatever the driver raises, the store is not ready
        error = describe(failure)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    if error is None:
        return {"status": "UP", "latency_ms": latency_ms}
    return {"status": "DOWN", "latency_ms": latency_ms, "error": error}


async def readiness(checks: Sequence[ReadinessCheck], seconds: float) -> dict[str, Any]:
    """``{"status": "UP" | "DOWN", "checks": {name: {"status", "latency_ms"[, "error"]}}}``,
    the checks run concurrently."""
    results = await asyncio.gather(*(run_check(check, seconds) for check in checks))
    by_name = {check.name: result for check, result in zip(checks, results, strict=True)}
    up = all(result["status"] == "UP" for result in results)
    return {"status": "UP" if up else "DOWN", "checks": by_name}


def readiness_route(checks: Checks, timeout: float = CHECK_TIMEOUT_SECONDS) -> Route:
    """``GET /health/ready``: 200 when every check passes, else 503."""

    async def ready(_: Request) -> Response:
        try:
            current = checks()
        except LookupError:
            body: dict[str, Any] = {"status": "DOWN", "checks": {}}
        else:
            body = await readiness(current, timeout)
        status = 200 if body["status"] == "UP" else 503
        return Response(orjson.dumps(body), status, media_type="application/json",
                        headers={"cache-control": "no-store"})  # fmt: skip

    return Route("/health/ready", ready, methods=["GET"])


def ping_check(name: str, ping: Callable[[], Awaitable[object]]) -> ReadinessCheck:
    """A check whose probe is one call of the client's own (``redis.ping``)."""

    async def probe() -> None:
        await ping()

    return ReadinessCheck(name, probe)
