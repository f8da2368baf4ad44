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

from router.execution.budget import PreparationWorkers
from router.execution.client import SubgraphClient
from router.execution.executor import ErrorPolicy
from router.execution.service import CacheBounds, RouterService
from router.http.config import RouterConfig
from router.http.process import refreeze_collector
from router.supergraph import Supergraph, SupergraphError, load_supergraph

log = logging.getLogger("shopgraph.router")


class SupergraphHolder:
    def __init__(
        self,
        config: RouterConfig,
        client: SubgraphClient,
        path: str | Path | None,
        supergraph: Supergraph | None,
        workers: PreparationWorkers,
    ) -> None:
        self.config = config
        self.client = client
        self.workers = workers
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
        replacing = self.service is not None
        self._install(supergraph)
        log.info("supergraph %s loaded from %s", self.digest, self.path)
        if replacing:
            # The old supergraph was frozen out of the collector's view: let one collection
            # free it, then freeze the new one.
            refreeze_collector()
        return True

    @property
    def current(self) -> Supergraph | None:
        """The supergraph requests run on now."""
        return self.service.supergraph if self.service is not None else None

    def _install(self, supergraph: Supergraph) -> None:
        self._apply_url_overrides(supergraph)
        config = self.config
        self.service = RouterService(
            supergraph,
            self.client,
            workers=self.workers,
            caches=CacheBounds(
                operation_entries=config.caches.operations.max_entries,
                operation_bytes=config.caches.operations.max_bytes,
                plan_entries=config.caches.plans.max_entries,
                plan_bytes=config.caches.plans.max_bytes,
            ),
            document_limits=config.limits.document_limits(),
            operation_limits=config.limits.operation_limits(),
            override_labels=frozenset(config.override_labels),
            introspection=config.introspection,
            default_list_size=config.demand_control.default_list_size,
            data_path=config.data_path,
            defer_support=config.defer_support,
            error_policy=ErrorPolicy(
                config.subgraph_errors.include_messages, dict(config.subgraph_errors.subgraphs)
            ),
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
