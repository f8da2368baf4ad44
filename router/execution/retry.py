"""When a failed subgraph call is tried again: queries only, after a jittered pause, within
the call's deadline, and within a budget.

The pause is "full jitter" (uniform in ``[0, min(max, base * 2**retry))``), so that calls
that failed together do not come back together.

The budget is Finagle's and Linkerd's, as a token bucket per subgraph: every first attempt
deposits ``ratio`` of a retry, a floor of ``min_per_second`` accrues with time, and each retry
withdraws one. The bucket starts with ten seconds of the floor and holds at most that (or ten
retries, with a lower floor), so that over any stretch of time retries add at most ``ratio``
of the calls plus the floor: a failing subgraph under load gets ``1 + ratio`` times its
traffic, never ``1 + max_retries`` times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Answers that say the subgraph (or a proxy before it) did not handle the request."""

_WINDOW_SECONDS = 10.0
"""How much of the floor the budget may hold: a burst of retries after a quiet spell."""
_MIN_CAPACITY = 10.0


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    backoff_base_seconds: float = 0.05
    backoff_max_seconds: float = 1.0
    budget_ratio: float = 0.2
    budget_min_per_second: float = 10.0

    def backoff(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        """The pause before retry number ``retry`` (0 for the first): full jitter, ``draw``
        giving a number in ``[0, 1)``."""
        ceiling = min(self.backoff_max_seconds, self.backoff_base_seconds * 2.0**retry)
        return float(draw() * ceiling)


class RetryBudget:
    """The retries one subgraph may still get (see the module doc)."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.ratio = policy.budget_ratio
        self.per_second = policy.budget_min_per_second
        reserve = _WINDOW_SECONDS * self.per_second
        self.capacity = max(reserve, _MIN_CAPACITY)
        self.balance = reserve
        self.clock = clock
        self._at = clock()

    def called(self) -> None:
        """A first attempt was made: deposit its share of a retry."""
        self._refill()
        self.balance = min(self.capacity, self.balance + self.ratio)

    def withdraw(self) -> bool:
        """Spend one retry; False when the budget is spent."""
        self._refill()
        if self.balance < 1.0:
            return False
        self.balance -= 1.0
        return True

    def _refill(self) -> None:
        now = self.clock()
        self.balance = min(self.capacity, self.balance + (now - self._at) * self.per_second)
        self._at = now


def retry_after_seconds(
    value: bytes | None, now: Callable[[], float] = time.time
) -> float | None:  # fmt: skip
    """The wait a ``Retry-After`` header asks for (delay-seconds or an HTTP date): None
    without the header, infinity when it cannot be read (so that no retry waits for it)."""
    if value is None:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return float("inf")
    if when.tzinfo is None:
        return float("inf")  # RFC 9110 dates are GMT; one without a zone is not one
    return max(when.timestamp() - now(), 0.0)
