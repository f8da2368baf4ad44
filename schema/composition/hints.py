"""Hints on a composed supergraph: what composition accepted, but a reader should know.

The merge itself hints where it decides (types merged to a supertype, values left out,
overrides); this module adds the hints that compare the subgraphs' definitions of one element:
an entity in some subgraphs only, a value type's or interface's field missing from some of
their subgraphs, descriptions that differ and merged directive arguments that differ (the
walk of :mod:`schema.composition.satisfiability` hints on shared fields of an abstract type).
"""

from __future__ import annotations

from collections.abc import Iterator

from schema.composition.access_control import Coordinate, inherited_sources
from schema.composition.errors import CompositionHint
from schema.composition.subgraph import Element, Subgraph, TypeDef
from schema.composition.supergraph import Supergraph

ROOT_TYPES = ("Query", "Mutation", "Subscription")


def collect_hints(subgraphs: list[Subgraph], supergraph: Supergraph) -> list[CompositionHint]:
    found: list[CompositionHint] = []
    # Access requirements an element takes on from others (an interface field from its
    # implementations' fields) merge with its own, so they may differ too.
    inherited = inherited_sources(subgraphs)
    for name, merged in supergraph.types.items():
        definitions = [(s, s.types[name]) for s in subgraphs if name in s.types]
        if merged.kind in ("object", "interface"):
            found += _entity_and_value_type_hints(name, merged.kind, definitions)
        for coordinate, key, elements in _elements(name, definitions):
            found += _description_hints(coordinate, elements)
            applied = [e for _, e in elements] + (list(inherited.get(key, ())) if key else [])
            found += _directive_argument_hints(coordinate, applied, supergraph.directive_names)
    return found


def _entity_and_value_type_hints(
    name: str, kind: str, definitions: list[tuple[Subgraph, TypeDef]]
) -> list[CompositionHint]:
    found = []
    keyed = [s.name for s, t in definitions if t.keys]
    objects = [(s, t) for s, t in definitions if not t.interface_object]
    if kind == "object" and keyed and len(keyed) < len(definitions):
        unkeyed = [s.name for s, _ in definitions if s.name not in keyed]
        found.append(CompositionHint(
            "INCONSISTENT_ENTITY",
            f'Type "{name}" is declared as an entity (has a @key applied) in some but not all '
            f"defining subgraphs: it has no @key in {_names(unkeyed)} but has some @key in "
            f"{_names(keyed)}.",
        ))  # fmt: skip
    if keyed or name in ROOT_TYPES:
        return found
    code, described = (("INCONSISTENT_OBJECT_VALUE_TYPE_FIELD", "non-entity object")
                       if kind == "object"
                       else ("INCONSISTENT_INTERFACE_VALUE_TYPE_FIELD", "interface"))  # fmt: skip
    names: list[str] = []
    for _, t in objects:
        names += [n for n in t.fields if n not in names]
    for field_name in names:
        lacking = [s.name for s, t in objects if field_name not in t.fields
                   and not all(f.external for f in t.fields.values())]  # fmt: skip
        if lacking:
            having = [s.name for s, t in objects if field_name in t.fields]
            found.append(CompositionHint(
                code,
                f'Field "{name}.{field_name}" of {described} type "{name}" is defined in some but '
                f'not all subgraphs that define "{name}": "{name}.{field_name}" is defined in '
                f"{_names(having)} but not in {_names(lacking)}.",
            ))  # fmt: skip
    return found


def _elements(
    name: str, definitions: list[tuple[Subgraph, TypeDef]]
) -> Iterator[tuple[str, Coordinate | None, list[tuple[str, Element]]]]:
    """Each element of the type (the type, its fields, their arguments, its values) with its
    coordinate as access control keys it and its definition in each subgraph."""
    yield name, (name, None), [(s.name, t) for s, t in definitions]
    field_names: list[str] = []
    value_names: list[str] = []
    for _, t in definitions:
        field_names += [n for n in t.fields if n not in field_names]
        value_names += [n for n in t.values if n not in value_names]
    for field_name in field_names:
        fields = [(s.name, t.fields[field_name]) for s, t in definitions if field_name in t.fields]
        yield f"{name}.{field_name}", (name, field_name), [(s, f) for s, f in fields]
        argument_names = {a for _, f in fields for a in f.arguments}
        for argument in sorted(argument_names):
            having = [(s, f.arguments[argument]) for s, f in fields if argument in f.arguments]
            yield f"{name}.{field_name}({argument}:)", None, [(s, a) for s, a in having]
    for value in value_names:
        yield f"{name}.{value}", None, [(s.name, t.values[value]) for s, t in definitions
                                        if value in t.values]  # fmt: skip


def _description_hints(
    coordinate: str, elements: list[tuple[str, Element]]
) -> list[CompositionHint]:
    described = {e.description for _, e in elements if e.description}
    if len(described) < 2:
        return []
    return [CompositionHint(
        "INCONSISTENT_DESCRIPTION",
        f'Element "{coordinate}" has inconsistent descriptions across subgraphs.',
    )]  # fmt: skip


def _directive_argument_hints(
    coordinate: str, elements: list[Element], names: dict[str, str]
) -> list[CompositionHint]:
    applied: dict[str, set[object]] = {}
    for e in elements:
        for directive, value in (
            ("cost", e.cost), ("listSize", e.list_size),
            ("requiresScopes", _frozen(e.requires_scopes)), ("policy", _frozen(e.policies)),
        ):  # fmt: skip
            if value is not None:
                applied.setdefault(directive, set()).add(value)
    return [CompositionHint(
        "MERGED_NON_REPEATABLE_DIRECTIVE_ARGUMENTS",
        f'Directive @{names.get(directive, directive)} is applied to "{coordinate}" in multiple '
        "subgraphs with different arguments.",
    ) for directive, values in applied.items() if len(values) > 1]  # fmt: skip


def _frozen(groups: list[list[str]] | None) -> tuple[tuple[str, ...], ...] | None:
    return None if groups is None else tuple(tuple(g) for g in groups)


def _names(subgraphs: list[str]) -> str:
    noun = "subgraph" if len(subgraphs) == 1 else "subgraphs"
    return f"{noun} " + " and ".join(f'"{s}"' for s in subgraphs)
