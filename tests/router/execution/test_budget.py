"""Cold work runs in worker threads under a CPU budget; the event loop keeps serving."""

from __future__ import annotations

import asyncio

import pytest

from router.execution.budget import PreparationWorkers
from router.operation.errors import OperationRefusedError


def spin() -> int:
    count = 0
    while True:
        count += 1


async def test_a_job_past_its_budget_is_interrupted_and_the_next_job_runs() -> None:
    workers = PreparationWorkers(workers=1, cpu_budget_ms=30)
    with pytest.raises(OperationRefusedError) as refused:
        await workers.run(spin)
    assert refused.value.code == "OPERATION_BUDGET_EXCEEDED"
    assert await workers.run(lambda: 42) == 42  # the same thread, with nothing left pending
    assert workers.interrupted == 1
    workers.shutdown()


async def test_the_event_loop_keeps_ticking_while_jobs_spin() -> None:
    workers = PreparationWorkers(workers=2, cpu_budget_ms=200)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        for _ in range(20):
            await asyncio.sleep(0.001)
            ticks += 1

    results = await asyncio.gather(workers.run(spin), workers.run(spin), tick(),
                                   return_exceptions=True)  # fmt: skip
    assert ticks == 20
    assert all(isinstance(r, OperationRefusedError) for r in results[:2])
    workers.shutdown()


async def test_too_many_waiting_jobs_are_refused() -> None:
    workers = PreparationWorkers(workers=1, cpu_budget_ms=100, max_waiting=1)
    first = asyncio.ensure_future(workers.run(spin))
    await asyncio.sleep(0.01)
    with pytest.raises(OperationRefusedError) as refused:
        await workers.run(lambda: 1)
    assert refused.value.code == "OPERATION_QUEUE_FULL"
    with pytest.raises(OperationRefusedError):
        await first
    workers.shutdown()
