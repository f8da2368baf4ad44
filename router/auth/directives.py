"""The supergraph's authorization directives, as Apollo Router reads them.

``@authenticated`` needs a verified token; ``@requiresScopes(scopes: [[…]])`` needs every scope
of one inner list; ``@policy(policies: [[…]])`` needs every policy of one inner list, policies
being decided per request by a hook. On a type they apply to every field that returns it;
several uses on one element all apply. This module knows nothing of HTTP or of plans: the
planner asks it whether a viewer may see a field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Alternatives = tuple[frozenset[str], ...]
"""Any one of these sets, all of its members."""


@dataclass(frozen=True)
class Viewer:
    """What a request can show: a verified token, its scopes, the policies the hook granted."""

    authenticated: bool = False
    scopes: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()


ANONYMOUS = Viewer()


@dataclass(frozen=True)
class Requirement:
    authenticated: bool = False
    scopes: tuple[Alternatives, ...] = ()
    policies: tuple[Alternatives, ...] = ()

    def __bool__(self) -> bool:
        return self.authenticated or bool(self.scopes) or bool(self.policies)

    def __add__(self, other: Requirement) -> Requirement:
        return Requirement(
            self.authenticated or other.authenticated,
            self.scopes + other.scopes,
            self.policies + other.policies,
        )

    def allows(self, viewer: Viewer) -> bool:
        if (self.authenticated or self.scopes or self.policies) and not viewer.authenticated:
            return False
        return all(_any_met(a, viewer.scopes) for a in self.scopes) and all(
            _any_met(a, viewer.policies) for a in self.policies
        )


def _any_met(alternatives: Alternatives, held: frozenset[str]) -> bool:
    return any(required <= held for required in alternatives)


@dataclass
class AuthorizationRules:
    """Requirements by schema coordinate (``Type`` or ``Type.field``)."""

    by_coordinate: dict[str, Requirement] = field(default_factory=dict)
    _by_field: dict[tuple[str, str, str], Requirement] = field(default_factory=dict)
    """``for_field``'s answers, one per field of the schema at most."""

    @classmethod
    def from_directives(cls, directives: Mapping[str, Mapping[str, list[dict[str, Any]]]]) -> (
        AuthorizationRules
    ):  # fmt: skip
        rules = cls()
        for coordinate, uses in directives.items():
            requirement = Requirement(
                authenticated=bool(uses.get("authenticated")),
                scopes=tuple(
                    _alternatives(u.get("scopes")) for u in uses.get("requiresScopes", ())
                ),
                policies=tuple(_alternatives(u.get("policies")) for u in uses.get("policy", ())),
            )
            if requirement:
                rules.by_coordinate[coordinate] = requirement
        return rules

    def __bool__(self) -> bool:
        return bool(self.by_coordinate)

    def for_field(self, parent: str, name: str, returns: str) -> Requirement:
        """What it takes to see ``parent.name``, a field returning the named type ``returns``."""
        key = (parent, name, returns)
        found = self._by_field.get(key)
        if found is None:
            found = Requirement()
            for coordinate in (f"{parent}.{name}", returns):
                requirement = self.by_coordinate.get(coordinate)
                if requirement is not None:
                    found = found + requirement
            self._by_field[key] = found
        return found

    def policy_names(self) -> frozenset[str]:
        return frozenset(
            name
            for requirement in self.by_coordinate.values()
            for alternatives in requirement.policies
            for names in alternatives
            for name in names
        )


def _alternatives(value: Any) -> Alternatives:
    if not isinstance(value, list):
        return ()
    return tuple(
        frozenset(str(name) for name in inner) for inner in value if isinstance(inner, list)
    )
