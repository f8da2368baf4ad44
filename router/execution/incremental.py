"""Incremental delivery (``@defer``): a plan's primary part answered first, then each
deferred part as soon as its own fetches have answered.

Format-neutral: :meth:`IncrementalExecution.payloads` yields an :class:`Initial` and then one
:class:`Subsequent` per deferred part; ``router.http.multipart`` writes them in the format the
client asked for. Each part runs on the reference data path (``executor.PlanRun``) over one
merged response tree, with errors of its own, and is shaped on its own (null propagation,
authorization holes, error masking as for any response). The whole response has one deadline;
closing the iterator (the client went away) cancels whatever is still running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType

from observability.asgi import log_unexpected
from router.auth.directives import Viewer
from router.execution.executor import PlanRun
from router.execution.prepare import PreparedOperation
from router.execution.response import included, shape_fragment, shape_response
from router.planning.authorize import authorize_operation
from router.planning.defer import deferred_fragments
from router.planning.operation import InlineFragment
from router.planning.plan import Condition, Defer, DeferredNode, Fetch, PlanNode, iter_fetches
from router.planning.planner import plan_normalized
from router.telemetry.metrics import DATA_PATH_EXECUTIONS, DEFERRED_PARTS
from router.telemetry.spans import step
from router.types import JSONObject

if TYPE_CHECKING:
    from router.execution.service import RouterService

ResponsePath = list[str | int]
DEADLINE_CODE = "DEFER_DEADLINE_EXCEEDED"
DEADLINE_MESSAGE = "the response's deadline passed before this part was ready"


@dataclass
class Pending:
    """One deferred fragment on one object of the response."""

    id: str
    path: ResponsePath
    label: str | None
    type_name: str
    fragment: InlineFragment
    raw: JSONObject


@dataclass
class Initial:
    data: JSONObject | None
    errors: list[JSONObject]
    pending: list[Pending]

    @property
    def has_next(self) -> bool:
        return bool(self.pending)


@dataclass
class Completed:
    """A pending fragment's answer: ``data`` None when a null reached the fragment itself."""

    pending: Pending
    data: JSONObject | None
    errors: list[JSONObject] = field(default_factory=list)


@dataclass
class Subsequent:
    completed: list[Completed]
    has_next: bool


Payload = Initial | Subsequent


def deferred_root(node: PlanNode | None, variables: Mapping[str, Any]) -> Defer | None:
    """The ``Defer`` node these variables run, if any (under the root's conditions)."""
    while isinstance(node, Condition):
        node = node.if_clause if variables.get(node.condition) else node.else_clause
    return node if isinstance(node, Defer) else None


async def start_incremental(
    service: RouterService,
    prepared: PreparedOperation,
    variables: Mapping[str, Any],
    headers: Mapping[str, str],
    viewer: Viewer,
    deadline_seconds: float,
) -> IncrementalExecution | None:
    """The operation's incremental execution, planned; None when nothing defers with these
    variables (the operation is then answered in one response, as any other)."""
    normalized = prepared.normalized
    if normalized is None or prepared.introspection or not prepared.has_defer:
        return None
    authorized = authorize_operation(
        service.supergraph.api_schema, service.authorization, normalized, viewer
    )
    labels = service.active_labels()
    key = service.plans.key(prepared.digest, prepared.operation_name, labels, authorized.signature)
    plan = service.plans.cached(key)
    if plan is None:
        with step("graphql.plan"):
            planned = await service.workers.run(
                lambda: plan_normalized(service.supergraph, authorized.operation, labels)
            )
        plan = service.plans.store(key, planned)
    defer = deferred_root(plan.node, variables)
    if defer is None:
        return None
    fragments = deferred_fragments(normalized, variables)
    parts = [part for part in defer.deferred if part.key in fragments]
    return IncrementalExecution(
        service, prepared, variables, headers, defer, parts, fragments, authorized.denied,
        deadline_seconds,
    )  # fmt: skip


class IncrementalExecution:
    def __init__(
        self,
        service: RouterService,
        prepared: PreparedOperation,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        defer: Defer,
        parts: list[DeferredNode],
        fragments: dict[str, InlineFragment],
        denied: frozenset[int],
        deadline_seconds: float,
    ) -> None:
        self.service = service
        self.prepared = prepared
        self.variables = variables
        self.headers = headers
        self.defer = defer
        self.parts = parts
        self.fragments = fragments
        self.denied = denied
        self.deadline_seconds = deadline_seconds
        self.data: JSONObject = {}
        self._ids = 0
        self._pending_ids: dict[int, set[str]] = {}

    def _run(self, fetched: dict[int, asyncio.Event] | None = None) -> PlanRun:
        service = self.service
        run = _TrackedRun(service.supergraph, service.client, self.variables,
                          service.index.type_matches, self.headers,
                          service.error_policy)  # fmt: skip
        run.data = self.data  # every part merges into the one response tree
        run.fetched = fetched or {}
        return run

    async def _execute(
        self, node: PlanNode | None, fetched: dict[int, asyncio.Event] | None = None
    ) -> list[JSONObject]:
        """Run ``node``; its errors (an unexpected failure among them, logged)."""
        run = self._run(fetched)
        try:
            if node is not None:
                await run.execute_node(node)
        except Exception as unexpected:
            error_id = log_unexpected(unexpected, "the router's execution of a deferred part")
            run.errors.append({"message": f"internal router error (error id {error_id})",
                               "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                              "errorId": error_id}})  # fmt: skip
        finally:
            for event in (fetched or {}).values():
                event.set()  # the primary is over: no part waits for a fetch it skipped
        return run.errors

    async def _after(
        self, part: DeferredNode, fetched: dict[int, asyncio.Event]
    ) -> list[JSONObject]:
        """A deferred part, run once the primary fetches it starts from have answered."""
        for fetch_id in part.depends:
            if fetch_id in fetched:
                await fetched[fetch_id].wait()
        return await self._execute(part.node)

    async def payloads(self) -> AsyncGenerator[Payload]:
        """The initial payload, then one per deferred part as each is ready. Closing the
        iterator cancels the fetches still running."""
        DATA_PATH_EXECUTIONS.labels("python").inc()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadline_seconds
        fetched = {f.id: asyncio.Event() for f in iter_fetches(self.defer.primary)}
        # Each part starts as soon as the primary fetches it needs have answered (at the
        # root: at once); it is sent after the primary part, whenever it is ready.
        early = {id(p): asyncio.create_task(self._after(p, fetched))
                 for p in self.parts if p.node is not None}  # fmt: skip
        primary = asyncio.create_task(self._execute(self.defer.primary, fetched))
        running: dict[asyncio.Task[list[JSONObject]], tuple[DeferredNode, list[Pending]]] = {}
        try:
            done, _ = await asyncio.wait([primary], timeout=deadline - loop.time())
            if not done:
                yield Initial(None, [_deadline_error()], [])
                return
            initial = self._initial(primary.result())
            for part in self.parts:
                pending = [p for p in initial.pending if p.id in self._ids_of(part)]
                task = early.pop(id(part), None)
                if not pending:
                    if task is not None:
                        task.cancel()
                    continue
                running[task or asyncio.create_task(self._execute(part.node))] = (part, pending)
            yield initial
            while running:
                done, _ = await asyncio.wait(
                    running, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    yield self._timed_out(running)
                    return
                for task in done:
                    _, pending = running.pop(task)
                    DEFERRED_PARTS.labels("sent").inc()
                    completed = self._complete(pending, task.result())
                    yield Subsequent(completed, has_next=bool(running))
        finally:
            leftovers = [primary, *early.values(), *running]
            if running:
                DEFERRED_PARTS.labels("cancelled").inc(len(running))
            for task in leftovers:
                task.cancel()
            for task in leftovers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # -- the primary ---------------------------------------------------------------------------
    def _initial(self, errors: list[JSONObject]) -> Initial:
        schema = self.service.supergraph.api_schema
        normalized = self.prepared.normalized
        assert normalized is not None
        skipped = frozenset(id(self.fragments[p.key]) for p in self.parts)
        with step("graphql.merge"):
            data = shape_response(schema, normalized, self.data, self.variables, errors,
                                  self.denied, skipped)  # fmt: skip
        pending: list[Pending] = []
        for part in self.parts:
            found = self._pending(part, data)
            self._pending_ids[id(part)] = {p.id for p in found}
            pending += found
        return Initial(data, errors, pending)

    def _ids_of(self, part: DeferredNode) -> set[str]:
        return self._pending_ids.get(id(part), set())

    def _pending(self, part: DeferredNode, data: JSONObject | None) -> list[Pending]:
        """Each object of the client's data at the part's path that the fragment applies to."""
        fragment = self.fragments[part.key]
        if data is None or not included(fragment, self.variables):
            return []
        schema = self.service.supergraph.api_schema
        found: list[Pending] = []
        for path in _paths(data, part.query_path):
            raw = _at(self.data, path)
            if not isinstance(raw, dict):
                continue
            typename = raw.get("__typename")
            type_name = typename if isinstance(typename, str) else None
            if type_name is None or not isinstance(schema.get_type(type_name), GraphQLObjectType):
                type_name = part.type_name
            if not self.service.index.type_matches(type_name, fragment.type_condition):
                continue
            found.append(Pending(str(self._ids), path, part.label, type_name, fragment, raw))
            self._ids += 1
        return found

    # -- deferred parts ------------------------------------------------------------------------
    def _complete(self, pending: list[Pending], errors: list[JSONObject]) -> list[Completed]:
        """Each pending object's part shaped, with the part's fetch errors under it."""
        schema = self.service.supergraph.api_schema
        completed = []
        for index, item in enumerate(pending):
            own = [e for e in errors if _under(e.get("path"), item.path)]
            if index == 0:
                claimed = [e for e in errors if not any(_under(e.get("path"), p.path)
                                                        for p in pending)]  # fmt: skip
                own = claimed + own
            raw = _at(self.data, item.path)
            data = shape_fragment(schema, item.type_name, item.fragment,
                                  raw if isinstance(raw, dict) else {}, item.path,
                                  self.variables, own, self.denied)  # fmt: skip
            completed.append(Completed(item, data, own))
        return completed

    def _timed_out(
        self, running: dict[asyncio.Task[list[JSONObject]], tuple[DeferredNode, list[Pending]]]
    ) -> Subsequent:
        completed = [
            Completed(item, None, [_deadline_error(item.path)])
            for _, pending in running.values()
            for item in pending
        ]
        DEFERRED_PARTS.labels("timed_out").inc(len(running))
        for task in running:
            task.cancel()
        running.clear()
        return Subsequent(completed, has_next=False)


class _TrackedRun(PlanRun):
    """A plan run that says when each of its fetches has answered (``fetched``, by id)."""

    fetched: dict[int, asyncio.Event]

    async def root_fetch(self, fetch: Fetch) -> None:
        try:
            await super().root_fetch(fetch)
        finally:
            self._answered(fetch)

    async def entity_fetch(self, fetch: Fetch, path: list[str]) -> None:
        try:
            await super().entity_fetch(fetch, path)
        finally:
            self._answered(fetch)

    def _answered(self, fetch: Fetch) -> None:
        event = self.fetched.get(fetch.id)
        if event is not None:
            event.set()


def _deadline_error(path: ResponsePath | None = None) -> JSONObject:
    error: JSONObject = {"message": DEADLINE_MESSAGE, "extensions": {"code": DEADLINE_CODE}}
    if path:
        error["path"] = path
    return error


def _paths(
    data: Any, query_path: list[str], prefix: ResponsePath | None = None
) -> list[ResponsePath]:
    """Concrete paths (list indices in place of ``@``) of the non-null values at a path."""
    prefix = prefix or []
    if not query_path:
        return [prefix] if isinstance(data, dict) else []
    head, rest = query_path[0], query_path[1:]
    if head == "@":
        if not isinstance(data, list):
            return []
        return [p for i, item in enumerate(data) for p in _paths(item, rest, [*prefix, i])]
    if not isinstance(data, dict):
        return []
    return _paths(data.get(head), rest, [*prefix, head])


def _at(data: Any, path: ResponsePath) -> Any:
    for step_ in path:
        if isinstance(step_, int):
            data = data[step_] if isinstance(data, list) and step_ < len(data) else None
        else:
            data = data.get(step_) if isinstance(data, dict) else None
    return data


def _under(error_path: Any, path: ResponsePath) -> bool:
    return isinstance(error_path, list) and error_path[: len(path)] == path
