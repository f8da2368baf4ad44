"""The retry policy on its own: full-jitter backoff, the budget, ``Retry-After``."""

from __future__ import annotations

import math
import random

import pytest

from router.execution.retry import RetryBudget, RetryPolicy, retry_after_seconds


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_is_uniform_below_a_doubling_ceiling_capped_at_the_maximum() -> None:
    policy = RetryPolicy(backoff_base_seconds=0.05, backoff_max_seconds=1.0)
    draw = random.Random(20240611).random  # noqa: S311 - jitter, no secret
    for retry, ceiling in [(0, 0.05), (1, 0.1), (2, 0.2), (4, 0.8), (5, 1.0), (12, 1.0)]:
        pauses = [policy.backoff(retry, draw) for _ in range(2_000)]
        assert all(0 <= pause < ceiling for pause in pauses)
        # Full jitter spreads the pauses over the whole range, not near its top.
        assert min(pauses) < ceiling * 0.05
        assert max(pauses) > ceiling * 0.95
        assert sum(pauses) / len(pauses) == pytest.approx(ceiling / 2, rel=0.1)


def test_backoff_bounds_are_reached_by_the_extreme_draws() -> None:
    policy = RetryPolicy(backoff_base_seconds=0.05, backoff_max_seconds=1.0)
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert policy.backoff(3, lambda: 0.999) == pytest.approx(0.3996)


def test_the_budget_starts_with_ten_seconds_of_the_floor_and_then_runs_out() -> None:
    clock = _Clock()
    budget = RetryBudget(RetryPolicy(budget_ratio=0.2, budget_min_per_second=2), clock)
    assert [budget.withdraw() for _ in range(21)] == [True] * 20 + [False]


def test_the_floor_refills_with_time_up_to_the_reserve() -> None:
    clock = _Clock()
    budget = RetryBudget(RetryPolicy(budget_ratio=0.0, budget_min_per_second=2), clock)
    while budget.withdraw():
        pass
    clock.now += 0.4
    assert not budget.withdraw()  # 0.8 of a retry
    clock.now += 0.1
    assert budget.withdraw()
    assert not budget.withdraw()
    clock.now += 3_600  # an hour of quiet still holds ten seconds' worth only
    assert sum(budget.withdraw() for _ in range(100)) == 20


def test_calls_earn_their_ratio_of_retries() -> None:
    clock = _Clock()
    budget = RetryBudget(RetryPolicy(budget_ratio=0.25, budget_min_per_second=0), clock)
    assert not budget.withdraw()  # no floor: nothing until calls are made
    granted = 0
    for _ in range(100):
        budget.called()
        granted += budget.withdraw()
    assert granted == 25


def test_under_sustained_failure_retries_stay_within_ratio_plus_floor() -> None:
    """A subgraph failing every call at 500 calls a second for a minute, each call asking
    for two retries: the budget grants the ratio of the calls, the floor and the reserve."""
    clock = _Clock()
    policy = RetryPolicy(max_retries=2, budget_ratio=0.2, budget_min_per_second=10)
    budget = RetryBudget(policy, clock)
    calls = granted = 0
    for _ in range(60 * 500):
        clock.now += 1 / 500
        budget.called()
        calls += 1
        granted += sum(budget.withdraw() for _ in range(policy.max_retries))
    assert granted <= 0.2 * calls + 10 * 60 + 100
    assert granted >= 0.2 * calls  # and it does grant them: retries are not starved


def test_a_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"0") == 0.0
    assert retry_after_seconds(b" 120 ") == 120.0
    assert retry_after_seconds(b"Tue, 14 Nov 2023 22:13:50 GMT", lambda: now) == 30.0
    assert retry_after_seconds(b"Tue, 14 Nov 2023 22:00:00 GMT", lambda: now) == 0.0
    # What cannot be read cannot be honoured: no retry waits for it.
    assert math.isinf(retry_after_seconds(b"soon") or 0.0)
    assert math.isinf(retry_after_seconds(b"-1") or 0.0)
