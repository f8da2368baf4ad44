"""Alias fields that would make a subgraph operation invalid: same response key, different type.

``... on User { id } ... on Admin { id }`` is invalid when ``User.id`` is ``ID!`` and
``Admin.id`` is ``ID`` in that subgraph. The later field gets an alias, and the fetch records
a rewrite so the executor puts the value back under the key the client asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from router.planning.operation import Field, InlineFragment, Selection
from router.planning.schema_index import SchemaIndex


@dataclass(frozen=True)
class KeyRewrite:
    """In ``type_condition`` objects at ``path`` of a fetch's result, rename alias to key."""

    path: tuple[str, ...]
    type_condition: str
    alias: str
    key: str


def alias_conflicting_fields(
    index: SchemaIndex, graph: str, type_name: str, selections: list[Selection]
) -> list[KeyRewrite]:
    rewrites: list[KeyRewrite] = []
    _walk(index, graph, type_name, selections, (), rewrites)
    return rewrites


def _walk(
    index: SchemaIndex,
    graph: str,
    type_name: str,
    selections: list[Selection],
    path: tuple[str, ...],
    rewrites: list[KeyRewrite],
) -> None:
    seen: dict[str, str] = {}  # response key -> printed subgraph type
    for selection in selections:
        if isinstance(selection, Field):
            _descend(index, graph, type_name, selection, path, rewrites)
            seen.setdefault(selection.key, _printed_type(index, graph, type_name, selection.name))
    for fragment in (s for s in selections if isinstance(s, InlineFragment)):
        fragment_type = fragment.type_condition or type_name
        for selection in fragment.selections:
            if not isinstance(selection, Field):
                continue
            printed = _printed_type(index, graph, fragment_type, selection.name)
            existing = seen.setdefault(selection.key, printed)
            if existing != printed:
                alias = f"_{selection.key}_{fragment_type}"
                rewrites.append(KeyRewrite(path, fragment_type, alias, selection.key))
                selection.alias = alias
            _descend(index, graph, fragment_type, selection, path, rewrites)
        nested: list[Selection] = [s for s in fragment.selections if isinstance(s, InlineFragment)]
        if nested:
            _walk(index, graph, fragment_type, nested, path, rewrites)


def _descend(
    index: SchemaIndex,
    graph: str,
    type_name: str,
    selection: Field,
    path: tuple[str, ...],
    rewrites: list[KeyRewrite],
) -> None:
    if not selection.selections or selection.name.startswith("__"):
        return
    named = index.schema.type_map.get(type_name)
    if named is None or selection.name not in getattr(named, "fields", {}):
        return
    return_type, _ = index.return_shape(type_name, selection.name)
    _walk(index, graph, return_type, selection.selections, (*path, selection.key), rewrites)


def _printed_type(index: SchemaIndex, graph: str, type_name: str, field_name: str) -> str:
    if field_name == "__typename":
        return "String!"
    entry = index.field_in_graph(graph, type_name, field_name)
    if entry is not None and entry.type:
        return entry.type
    named = index.schema.type_map.get(type_name)
    fields = getattr(named, "fields", {})
    return str(fields[field_name].type) if field_name in fields else ""
