"""Calls from the web BFF to the router: one deadline for the whole call, and one retry for a
query whose connection failed or that the router answered 502, 503 or 504."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Protocol

import httpx
import orjson

from bff_web.settings import WebSettings

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({502, 503, 504})
NOT_ANSWERED = (httpx.ConnectTimeout, httpx.NetworkError, httpx.RemoteProtocolError)
"""The connection failed before the router answered: a query may go again, a mutation not."""


class RouterConnection(Protocol):
    settings: WebSettings
    http: httpx.AsyncClient


class RouterUnavailableError(Exception):
    """No answer from the router: ``status`` is what the browser gets (502 or 504)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


async def call_router(
    s: RouterConnection, body: bytes, headers: dict[str, str], *, retry: bool
) -> httpx.Response:
    """POST ``body`` to the router, in ``router_timeout_seconds`` at most. A query (``retry``)
    goes once more, after a jittered pause, when the connection failed or the router answered
    502, 503 or 504; a mutation never does, since it may have run."""
    settings = s.settings
    try:
        async with asyncio.timeout(settings.router_timeout_seconds):
            if retry:
                answer = await _first_try(s, body, headers)
                if answer is not None:
                    return answer
                jitter = random.uniform(0.5, 1.5)  # noqa: S311 (spreads retries; no secret)
                await asyncio.sleep(settings.router_retry_backoff_seconds * jitter)
            return await s.http.post(settings.router_url, content=body, headers=headers)
    except httpx.ConnectTimeout as error:
        raise RouterUnavailableError("the router cannot be reached: ConnectTimeout", 502) from error
    except (TimeoutError, httpx.TimeoutException) as error:
        raise RouterUnavailableError("the router did not answer in time", 504) from error
    except httpx.HTTPError as error:
        message = f"the router cannot be reached: {type(error).__name__}"
        raise RouterUnavailableError(message, 502) from error


async def _first_try(
    s: RouterConnection, body: bytes, headers: dict[str, str]
) -> httpx.Response | None:
    """The router's answer to a query, or None when the query should go once more."""
    try:
        answer = await s.http.post(s.settings.router_url, content=body, headers=headers)
    except NOT_ANSWERED as error:
        log.info("router call failed (%r): the query goes once more", error)
        return None
    if answer.status_code in RETRY_STATUSES:
        log.info("the router answered %s: the query goes once more", answer.status_code)
        return None
    return answer


def is_json(content: bytes) -> bool:
    try:
        return isinstance(orjson.loads(content), dict)
    except orjson.JSONDecodeError:
        return False
