"""What the federation directives mean for the fields of one subgraph.

- External: ``@external`` on the field, or (Federation 2) on its object type, except the key
  fields of a type extension (``extend type`` or ``@extends``): Federation 1 required marking
  those ``@external`` while the subgraph resolves them, and both versions keep that reading.
- Shareable: ``@shareable`` on the field or on the definition listing it, every field a key
  selects (nested ones too), and the external fields a ``@provides`` provides.
- Used: selected by a key, ``@requires`` or ``@provides``, or implementing a field of an
  interface of the subgraph; an external field nothing uses is an error, and an overridden
  field that is used stays in its subgraph (``usedOverridden``).
"""

from __future__ import annotations

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode

from schema.composition.fieldsets import FieldSetError, Selection, parse_field_set
from schema.composition.subgraph import Subgraph, TypeDef

Coordinate = tuple[str, str]
"""(type name, field name)."""


def named(node: TypeNode | None) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    return node.name.value if isinstance(node, NamedTypeNode) else ""


def implementations(subgraph: Subgraph, interface: str) -> list[TypeDef]:
    """The object types of ``subgraph`` implementing ``interface``."""
    return [t for t in subgraph.types.values() if t.kind == "object" and interface in t.interfaces]


def target_fields(
    subgraph: Subgraph, type_name: str, field_set: str, *, implementations_too: bool
) -> list[Coordinate]:
    """Every field ``field_set`` selects from ``type_name``, at every depth; with
    ``implementations_too``, a field selected on an interface brings its implementations'."""
    t = subgraph.types.get(type_name)
    try:
        selections = parse_field_set(field_set)
    except FieldSetError:
        return []
    found: list[Coordinate] = []
    if t is not None:
        _collect(subgraph, t, selections, implementations_too, found)
    return found


def _collect(subgraph: Subgraph, t: TypeDef, selections: list[Selection], implementations_too: bool,
             found: list[Coordinate]) -> None:  # fmt: skip
    for selection in selections:
        if not selection.name:
            target = subgraph.types.get(selection.type_condition or t.name)
            if target is not None:
                _collect(subgraph, target, selection.children, implementations_too, found)
            continue
        f = t.fields.get(selection.name)
        if f is None:
            continue
        found.append((t.name, f.name))
        if implementations_too and t.kind == "interface":
            found += [(i.name, f.name) for i in implementations(subgraph, t.name)
                      if f.name in i.fields]  # fmt: skip
        target = subgraph.types.get(named(f.type))
        if selection.children and target is not None:
            _collect(subgraph, target, selection.children, implementations_too, found)


def apply_federation_semantics(subgraph: Subgraph) -> None:
    """Set each field's ``external``, ``provided``, ``shareable`` and ``used``."""
    fake_external = _key_fields_of_extensions(subgraph)
    type_level = subgraph.federation_version >= (2, 0)
    for t in subgraph.types.values():
        for f in t.fields.values():
            external = f.marked_external or (type_level and t.kind == "object"
                                             and t.marked_external)  # fmt: skip
            f.external = external and (t.name, f.name) not in fake_external
    keyed = _key_fields(subgraph)
    provided = _provided_fields(subgraph)
    used = keyed | provided | _required_fields(subgraph) | _interface_fields(subgraph)
    for t in subgraph.types.values():
        for f in t.fields.values():
            where = (t.name, f.name)
            f.provided = where in provided
            f.used = where in used
            f.shareable = (f.marked_shareable or where in keyed
                           or (f.provided and f.external))  # fmt: skip


def _key_fields_of_extensions(subgraph: Subgraph) -> set[Coordinate]:
    found: set[Coordinate] = set()
    for t in subgraph.types.values():
        for key in t.keys:
            if key.extension or t.extends:
                found |= set(target_fields(subgraph, t.name, key.fields, implementations_too=False))
    return found


def _key_fields(subgraph: Subgraph) -> set[Coordinate]:
    return {where for t in subgraph.types.values() if t.kind in ("object", "interface")
            for key in t.keys for where in _selected(subgraph, t.name, key.fields)}  # fmt: skip


def _provided_fields(subgraph: Subgraph) -> set[Coordinate]:
    return {where for t in subgraph.types.values() for f in t.fields.values() if f.provides
            for where in _selected(subgraph, named(f.type), f.provides)}  # fmt: skip


def _required_fields(subgraph: Subgraph) -> set[Coordinate]:
    return {where for t in subgraph.types.values() for f in t.fields.values() if f.requires
            for where in _selected(subgraph, t.name, f.requires)}  # fmt: skip


def _selected(subgraph: Subgraph, type_name: str, field_set: str) -> list[Coordinate]:
    return target_fields(subgraph, type_name, field_set, implementations_too=True)


def _interface_fields(subgraph: Subgraph) -> set[Coordinate]:
    return {(i.name, name) for t in subgraph.types.values() if t.kind == "interface"
            for name in t.fields for i in implementations(subgraph, t.name)
            if name in i.fields}  # fmt: skip
