"""Holds the current supergraph's service and swaps it when the supergraph file changes.

Requests take the service once, at their start, so in-flight requests finish on the
supergraph they began with.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path

import watchfiles

from router.execution.client import SubgraphClient
from router.execution.service import RouterService
from router.http.config import RouterConfig
from router.supergraph import Supergraph, SupergraphError, load_supergraph

log = logging.getLogger("shopgraph.router")


class SupergraphHolder:
    def __init__(
        self,
        config: RouterConfig,
        client: SubgraphClient,
        path: str | Path | None,
        supergraph: Supergraph | None,
    ) -> None:
        self.config = config
        self.client = client
        self.path = Path(path) if path is not None else None
        self.service: RouterService | None = None
        self.digest: str | None = None
        self.last_error: str | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        if supergraph is not None:
            self._install(supergraph)

    async def start(self) -> None:
        if self.service is None and self.path is not None:
            self.load_file()
        if self.path is not None and self.config.hot_reload:
            self._watcher = asyncio.create_task(self._watch(), name="supergraph-watch")

    async def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    def load_file(self) -> bool:
        """(Re)load the supergraph file; keep the current one if the new one is broken."""
        assert self.path is not None
        try:
            sdl = self.path.read_text()
            digest = hashlib.sha256(sdl.encode()).hexdigest()[:16]
            if digest == self.digest:
                return False
            supergraph = load_supergraph(sdl)
        except (OSError, SupergraphError) as error:
            self.last_error = f"{self.path}: {error}"
            log.error("supergraph not loaded: %s", self.last_error)
            return False
        self._install(supergraph)
        log.info("supergraph %s loaded from %s", self.digest, self.path)
        return True

    def _install(self, supergraph: Supergraph) -> None:
        self._apply_url_overrides(supergraph)
        self.service = RouterService(
            supergraph,
            self.client,
            plan_cache_size=self.config.plan_cache_size,
            override_labels=frozenset(self.config.override_labels),
            introspection=self.config.introspection,
        )
        self.digest = hashlib.sha256(supergraph.sdl.encode()).hexdigest()[:16]
        self.last_error = None

    def _apply_url_overrides(self, supergraph: Supergraph) -> None:
        for graph_id, graph in list(supergraph.graphs.items()):
            url = (
                self.config.subgraph(graph.name).url
                if graph.name in self.config.subgraphs
                else None
            )
            if url:
                supergraph.graphs[graph_id] = type(graph)(graph.id, graph.name, url)

    async def _watch(self) -> None:
        assert self.path is not None
        watched = self.path.resolve()
        async for _ in watchfiles.awatch(
            watched.parent, stop_event=self._stop, watch_filter=lambda _, p: Path(p) == watched
        ):
            self.load_file()
