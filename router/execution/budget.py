"""Cold CPU work (parse, validate, plan) off the event loop, each job within a CPU budget.

Cached operations never come here. A new document is prepared in a worker thread, so the event
loop keeps serving other clients while it runs; the job's thread CPU time is watched, and a job
past its budget is interrupted by an exception raised inside its thread (pure-Python work such
as graphql-core's validation stops at its next bytecode). The number of jobs waiting is bounded
too, so a flood of new documents is refused rather than queued without end.
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from router.operation.errors import OperationRefusedError, Violation

T = TypeVar("T")


class BudgetExceeded(BaseException):
    """Raised inside a worker thread whose job went past its budget.

    A ``BaseException`` so that no library's ``except Exception`` can swallow it.
    """


def _raise_in_thread(ident: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(ident), ctypes.py_object(exception) if exception else None
    )


class _Job(Generic[T]):
    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        # The caller's context goes with the job: its span is the parent of the job's spans.
        self.context = contextvars.copy_context()
        self.lock = threading.Lock()
        self.ident: int | None = None
        self.clock: int | None = None
        self.started_cpu = 0.0
        self.done = False
        self.interrupted = False

    def run(self) -> T:
        with self.lock:
            self.ident = threading.get_ident()
            self.clock = time.pthread_getcpuclockid(self.ident)
            self.started_cpu = time.clock_gettime(self.clock)
        try:
            return self.context.run(self.fn)
        finally:
            with self.lock:
                self.done = True
                if self.interrupted and self.ident is not None:
                    _raise_in_thread(self.ident, None)  # drop an exception not yet delivered

    def cpu_used(self) -> float:
        with self.lock:
            if self.clock is None or self.done:
                return 0.0
            return time.clock_gettime(self.clock) - self.started_cpu

    def interrupt(self) -> None:
        """Raise :class:`BudgetExceeded` in the job's thread (again, if one landed where it
        could not stop the job, such as a finalizer)."""
        with self.lock:
            if self.ident is None or self.done:
                return
            self.interrupted = True
            _raise_in_thread(self.ident, BudgetExceeded)


class PreparationWorkers:
    """Runs jobs in ``workers`` threads; each may use ``cpu_budget_ms`` of CPU time."""

    def __init__(
        self, *, workers: int = 2, cpu_budget_ms: int = 100, max_waiting: int = 64
    ) -> None:
        if workers < 1:
            raise ValueError("at least one preparation worker is needed")
        self.cpu_budget_ms = cpu_budget_ms
        self.max_waiting = max_waiting
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="router-prepare")
        self._in_flight = 0
        self.interrupted = 0

    async def run(self, fn: Callable[[], T]) -> T:
        """``fn()``'s result; :class:`OperationRefusedError` past the budget or the queue."""
        if self._in_flight >= self.max_waiting:
            raise OperationRefusedError(Violation("OPERATION_QUEUE_FULL", self.max_waiting))
        job: _Job[T] = _Job(fn)
        budget = self.cpu_budget_ms / 1000
        self._in_flight += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool, job.run)
            try:
                while not future.done():
                    used = job.cpu_used()
                    if budget and used >= budget:
                        job.interrupt()
                        await asyncio.wait({future}, timeout=0.01)
                        continue
                    wait = budget - used if budget else None
                    await asyncio.wait({future}, timeout=max(wait, 0.002) if wait else None)
            except asyncio.CancelledError:
                job.interrupt()  # the client went away: its work is not wanted either
                raise
            try:
                return future.result()
            except BudgetExceeded:
                self.interrupted += 1
                raise OperationRefusedError(
                    Violation("OPERATION_BUDGET_EXCEEDED", self.cpu_budget_ms)
                ) from None
        finally:
            self._in_flight -= 1

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
