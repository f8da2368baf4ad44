"""Tiny ASGI apps for testing ``shopgraph dev``'s supervisor: one that starts, one that fails."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette


def create_app() -> Starlette:
    return Starlette()


def create_failing_app() -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not app.routes:  # always: an app whose store can't be reached
            raise RuntimeError("its store is unreachable")
        yield

    return Starlette(lifespan=lifespan)
