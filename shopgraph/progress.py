"""How far a long command has got, for the person or the log watching it.

A job (``reindex``, ``seed``) runs in stages, each counting items (demo products, products
indexed). On a terminal each stage is a bar; otherwise (CI, a pipe, a log file) it is a plain
line every ``interval`` seconds or ``every`` items (a quarter of the stage by default),
whichever comes first, such as ``reindex: 500/2000 products (25%)``. Every stage ends with a
line giving its count and duration, such as ``reindex: 2000 products in 1.4s``, and a job of
several stages with the whole job's duration.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

import click

Advance = Callable[[int], None]
"""Called with how many more items of the stage are done."""
Stages = Callable[[str, int | None], Advance]
"""Starts a job's next stage (what it counts, how many there are, if known) and returns what
counts it; the stage before ends."""

INTERVAL_SECONDS = 2.0
MIN_EVERY = 500
"""Without a terminal, a line every quarter of the stage's total, and at least this many items
apart."""


def no_progress(_: int) -> None:
    pass


def no_stages(_: str, __: int | None) -> Advance:
    return no_progress


class ProgressReporter:
    """A job's progress on ``file`` (standard error by default); a context manager whose exit
    ends the last stage. ``tty`` is taken from ``file`` unless given."""

    def __init__(
        self,
        job: str,
        *,
        file: TextIO | None = None,
        tty: bool | None = None,
        interval: float = INTERVAL_SECONDS,
        every: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job = job
        self.file = file or sys.stderr
        self.tty = self.file.isatty() if tty is None else tty
        self.interval, self.every, self.clock = interval, every, clock
        self._started = clock()
        self._stages = 0
        self._what: str | None = None
        self._total: int | None = None
        self._done = self._shown = 0
        self._stage_started = self._last_line = 0.0
        self._step = MIN_EVERY
        self._bar: Any = None

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end_stage(reached=exc is None)
        if exc is None and self._stages > 1:
            self._line(f"done in {self._seconds(self._started)}")

    def stage(self, what: str, total: int | None = None) -> Advance:
        """Ends the current stage and starts counting ``what``; returns its ``advance``."""
        self._end_stage(reached=True)
        self._stages += 1
        self._what, self._total, self._done, self._shown = what, total, 0, 0
        self._stage_started = self._last_line = self.clock()
        self._step = self.every or max(MIN_EVERY, -(-(total or 0) // 4))
        if self.tty:
            label = f"{self.job}: {what}"
            self._bar = click.progressbar(length=total or 0, label=label, file=self.file,
                                          show_pos=True)  # fmt: skip
            self._bar.__enter__()
        return self.advance

    def advance(self, count: int = 1) -> None:
        self._done += count
        if self._bar is not None:
            self._bar.update(count)
            return
        now = self.clock()
        if self._total is not None and self._done >= self._total:
            return  # the stage's final line says it
        if self._done - self._shown >= self._step or now - self._last_line >= self.interval:
            self._shown, self._last_line = self._done, now
            self._line(self._position())

    def _position(self) -> str:
        if not self._total:
            return f"{self._done} {self._what}"
        percent = 100 * self._done // self._total
        return f"{self._done}/{self._total} {self._what} ({percent}%)"

    def _end_stage(self, *, reached: bool) -> None:
        if self._what is None:
            return
        if self._bar is not None:
            self._bar.render_finish()
            self._bar = None
        if reached:
            self._line(f"{self._done} {self._what} in {self._seconds(self._stage_started)}")
        else:
            self._line(f"stopped at {self._position()}")
        self._what = None

    def _seconds(self, since: float) -> str:
        return f"{self.clock() - since:.1f}s"

    def _line(self, text: str) -> None:
        click.echo(f"{self.job}: {text}", file=self.file)
