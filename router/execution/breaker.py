"""A circuit breaker per subgraph: a subgraph that keeps failing is not called for a while.

The platform's rule: the circuit opens after 5 failures in a row, lets one probe through
after 30 s, and closes again after 2 successes in a row (a failed probe opens it again).
While it is open a call fails at once, so the rest of the operation answers with partial
data instead of waiting out a timeout for each request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

State = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class BreakerSettings:
    failures: int = 5
    """Failures in a row that open the circuit."""
    successes: int = 2
    """Successes in a row, once probing, that close it."""
    probe_after_seconds: float = 30.0
    """How long it stays open before one call may probe."""


class CircuitBreaker:
    def __init__(
        self,
        settings: BreakerSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[State], None] | None = None,
    ) -> None:
        self.settings = settings or BreakerSettings()
        self.state: State = "closed"
        self._clock = clock
        self._on_change = on_change
        self._failures = 0
        self._successes = 0
        self._opened_at = 0.0
        self._probing = False

    def allow(self) -> bool:
        """May a call go out now? While half open, one call at a time probes."""
        if self.state == "closed":
            return True
        if self.state == "open":
            if self._clock() - self._opened_at < self.settings.probe_after_seconds:
                return False
            self._change("half_open")
        if self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._failures = 0
        if self.state != "half_open":
            return
        self._probing = False
        self._successes += 1
        if self._successes >= self.settings.successes:
            self._change("closed")

    def failed(self) -> None:
        if self.state == "half_open":
            self._probing = False
            self._open()
            return
        self._failures += 1
        if self.state == "closed" and self._failures >= self.settings.failures:
            self._open()

    def abandoned(self) -> None:
        """A call that went out ended neither way (cancelled): another may probe."""
        self._probing = False

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._failures = 0
        self._change("open")

    def _change(self, state: State) -> None:
        self.state = state
        self._successes = 0
        if self._on_change is not None:
            self._on_change(state)
