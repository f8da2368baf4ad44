"""Composition results and errors: data, not exceptions.

Codes are those of the reference tools (Apollo's composition), so a failure reads the same
whichever tool reported it; :data:`CODES` is the registry, with what each code means.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubgraphInput:
    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class ErrorLocation:
    subgraph: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.subgraph
        return f"{self.subgraph}:{self.line}:{self.column}"


@dataclass(frozen=True)
class CompositionError:
    code: str
    message: str
    locations: tuple[ErrorLocation, ...] = ()

    def __str__(self) -> str:
        where = ", ".join(str(location) for location in self.locations)
        return f"[{self.code}] {self.message}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class CompositionResult:
    supergraph_sdl: str | None
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


CODES: dict[str, str] = {}
