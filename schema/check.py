"""Breaking and dangerous changes of the API schema between two supergraphs."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import find_breaking_changes, find_dangerous_changes

from router.supergraph import load_supergraph


@dataclass
class Changes:
    breaking: list[str] = field(default_factory=list)
    dangerous: list[str] = field(default_factory=list)


def api_changes(previous_supergraph: str, supergraph: str) -> Changes:
    """What clients of the API schema (what the router serves) would notice."""
    old = load_supergraph(previous_supergraph).api_schema
    new = load_supergraph(supergraph).api_schema
    return Changes(
        breaking=[f"{c.type.name}: {c.description}" for c in find_breaking_changes(old, new)],
        dangerous=[f"{c.type.name}: {c.description}" for c in find_dangerous_changes(old, new)],
    )
