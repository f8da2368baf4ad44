"""``@authenticated``, ``@requiresScopes`` and ``@policy`` across subgraphs.

- Requirements on one element in several subgraphs all apply: scopes and policies, each a
  disjunction (outer list) of conjunctions (inner lists), merge as their conjunction, with
  conjunctions implied by others dropped.
- Subgraphs may not put them on interfaces, interface fields or interface objects; an
  interface (and its fields) instead takes on every requirement of its implementations, and an
  implementation's field takes on what an ``@interfaceObject`` requires of that field.
- A field that ``@requires`` other fields must itself require at least what they do, or the
  router would fetch for a caller data that caller may not see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from schema.composition.errors import CompositionError, ErrorLocation
from schema.composition.fieldsets import FieldSetError, Selection, parse_field_set
from schema.composition.subgraph import Element, Subgraph
from schema.composition.supergraph import Access, SField, SType, Supergraph

Report = Callable[[CompositionError], None]
Requirement = list[list[str]]


def dnf_conjunction(values: Sequence[Requirement]) -> Requirement:
    """Every one of ``values`` at once, in disjunctive normal form."""
    if not values:
        return []
    normal: list[Requirement] = []
    seen: set[str] = set()
    for value in values:
        groups = sorted((sorted(group) for group in value or [[]]), key=_json)
        if _json(groups) not in seen:
            seen.add(_json(groups))
            normal.append(groups)
    result = normal[0]
    for current in normal[1:]:
        product: Requirement = []
        keys: set[str] = set()
        for left in result:
            for right in current:
                candidate = sorted([*left, *(e for e in right if e not in left)])
                if _json(candidate) not in keys:
                    keys.add(_json(candidate))
                    product.append(candidate)
        result = _without_implied(product)
    return result


def merge_requirements(applications: Sequence[Requirement | None]) -> Requirement | None:
    """One element's requirement from its applications: as written when they agree."""
    distinct: list[Requirement] = []
    for application in applications:
        if application is not None and application not in distinct:
            distinct.append(application)
    if not distinct:
        return None
    if len(distinct) == 1:
        return [list(group) for group in distinct[0]]
    return dnf_conjunction(distinct)


def merge_access_control(target: Access, elements: Sequence[Element]) -> None:
    target.authenticated = any(e.authenticated for e in elements)
    target.requires_scopes = merge_requirements([e.requires_scopes for e in elements])
    target.policies = merge_requirements([e.policies for e in elements])


Coordinate = tuple[str, str | None]
"""A type, or one of its fields."""


def inherited_sources(subgraphs: Sequence[Subgraph]) -> dict[Coordinate, list[Element]]:
    """The subgraph elements whose requirements a supergraph element takes on besides its own:
    an interface those of its implementations, an interface field those of the same field of
    its implementations, an implementation's field those of an ``@interfaceObject``'s field."""
    interfaces = {t.name for s in subgraphs for t in s.types.values()
                  if t.kind == "interface" or t.interface_object}  # fmt: skip
    implemented: dict[str, list[str]] = {}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            if t.kind == "object" and not t.interface_object:
                known = implemented.setdefault(t.name, [])
                known += [i for i in t.interfaces if i in interfaces and i not in known]
    implementations: dict[str, list[str]] = {}
    for name, of in implemented.items():
        for interface in of:
            implementations.setdefault(interface, []).append(name)
    found: dict[Coordinate, list[Element]] = {}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            if t.kind != "object":
                continue
            if _requires_anything(t):
                for interface in implemented.get(t.name, ()):
                    found.setdefault((interface, None), []).append(t)
            for f in t.fields.values():
                if f.external or not _requires_anything(f):
                    continue
                targets: list[str] = []
                if t.interface_object:
                    for implementation in implementations.get(t.name, ()):
                        targets += [implementation, *implemented.get(implementation, ())]
                    targets = [n for n in dict.fromkeys(targets) if n != t.name]
                else:
                    targets = implemented.get(t.name, [])
                for target in targets:
                    found.setdefault((target, f.name), []).append(f)
    return found


def check_not_on_interfaces(subgraph: Subgraph, report: Report) -> None:
    """Subgraphs put requirements on the objects; the supergraph derives the interfaces'."""
    for t in subgraph.types.values():
        on_interface = t.kind == "interface" or t.interface_object
        kind = "interface object" if t.interface_object else "interface"
        places: list[tuple[str, str, Element]] = [(kind, t.name, t)] if on_interface else []
        if t.kind == "interface":
            places += [("field", f"{t.name}.{f.name}", f) for f in t.fields.values()]
        for described, coordinate, element in places:
            for directive in _requirement_names(element, subgraph):
                report(CompositionError(
                    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
                    f"[{subgraph.name}] Invalid use of @{directive} on {described} "
                    f'"{coordinate}": @{directive} cannot be applied on interfaces, interface '
                    "fields and interface objects", (subgraph.location(element),),
                ))  # fmt: skip


@dataclass
class Requirements:
    authenticated: bool = False
    scopes: Requirement | None = None
    policies: Requirement | None = None

    @classmethod
    def of(cls, *elements: Access | None) -> Requirements:
        given = [e for e in elements if e is not None]
        scopes = [e.requires_scopes for e in given if e.requires_scopes is not None]
        policies = [e.policies for e in given if e.policies is not None]
        return cls(
            authenticated=any(e.authenticated for e in given),
            scopes=dnf_conjunction(scopes) if scopes else None,
            policies=dnf_conjunction(policies) if policies else None,
        )

    def satisfies(self, other: Requirements) -> bool:
        """Whether whoever meets these requirements also meets ``other``."""
        return ((self.authenticated or not other.authenticated)
                and _implies(self.scopes, other.scopes)
                and _implies(self.policies, other.policies))  # fmt: skip


def check_transitive_requirements(supergraph: Supergraph, report: Report) -> None:
    """A field's requirements cover those of every field its ``@requires`` selects."""
    for t in supergraph.types.values():
        for f in t.fields.values():
            for join in f.joins or ():
                if join.requires is None:
                    continue
                own = Requirements.of(t, f)
                try:
                    selections = parse_field_set(join.requires)
                except FieldSetError:
                    continue
                missing = _first_unmet(supergraph, t, selections, own)
                if missing is None:
                    continue
                subgraph = supergraph.graphs.get(join.graph or "", ("", ""))[0]
                report(CompositionError(
                    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
                    f'[{subgraph}] Field "{t.name}.{f.name}" does not specify necessary '
                    "@authenticated, @requiresScopes and/or @policy auth requirements to access "
                    f"the transitive {missing} data from @requires selection set.",
                    _located_in(f, subgraph),
                ))  # fmt: skip


def _first_unmet(supergraph: Supergraph, t: SType, selections: list[Selection],
                 own: Requirements) -> str | None:  # fmt: skip
    """What ``own`` does not cover in ``selections`` on ``t``, described; else None."""
    for selection in selections:
        if not selection.name:
            condition = supergraph.types.get(selection.type_condition or t.name, t)
            if not own.satisfies(Requirements.of(condition)):
                return f'inline fragment type condition "{condition.name}"'
            found = _first_unmet(supergraph, condition, selection.children, own)
        elif selection.name.startswith("__") or selection.name not in t.fields:
            continue
        else:
            f = t.fields[selection.name]
            returned = supergraph.types.get(f.type.strip("[]!"))
            if not own.satisfies(Requirements.of(f)) or not own.satisfies(
                Requirements.of(returned)
            ):
                return f'field "{t.name}.{f.name}"'
            found = None
            if returned is not None and selection.children:
                found = _first_unmet(supergraph, returned, selection.children, own)
        if found is not None:
            return found
    return None


def _located_in(f: SField, subgraph: str) -> tuple[ErrorLocation, ...]:
    return tuple(s for s in f.sources if s.subgraph == subgraph) or (ErrorLocation(subgraph),)


def _implies(first: Requirement | None, second: Requirement | None) -> bool:
    """Every conjunction of ``first`` contains some conjunction of ``second``."""
    left = first or [[]]
    right = second or [[]]
    return all(any(set(r) <= set(group) for r in right) for group in left)


def _without_implied(values: Requirement) -> Requirement:
    kept: Requirement = []
    for candidate in sorted(values, key=len):
        if not any(set(k) <= set(candidate) for k in kept):
            kept.append(candidate)
    return kept


def _requires_anything(element: Element) -> bool:
    return (element.authenticated or element.requires_scopes is not None
            or element.policies is not None)  # fmt: skip


def _requirement_names(element: Element, subgraph: Subgraph) -> list[str]:
    present = [("authenticated", element.authenticated),
               ("requiresScopes", element.requires_scopes is not None),
               ("policy", element.policies is not None)]  # fmt: skip
    return [subgraph.spec_names.get(name, name) for name, on in present if on]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
