"""Whether every field of the supergraph can be resolved wherever a query can reach its type.

A query that reaches type ``T`` in subgraph ``A`` can ask for any field of ``T``. ``A`` answers
the fields it resolves; for the others the query must jump to another subgraph through one of
``T``'s keys that ``A`` (or a subgraph already jumped to) can provide. A field no subgraph in
that reach resolves makes the supergraph unsatisfiable: the query would have no plan.
"""

from __future__ import annotations

from collections.abc import Callable

from schema.composition.errors import CompositionError
from schema.composition.fieldsets import top_level_fields
from schema.composition.subgraph import Subgraph, TypeDef
from schema.composition.supergraph import Supergraph
from schema.composition.validate import named

Report = Callable[[CompositionError], None]


def check_satisfiability(supergraph: Supergraph, subgraphs: list[Subgraph],
                         report: Report) -> None:  # fmt: skip
    for subgraph in subgraphs:
        for type_name, path in sorted(_reachable(subgraph).items()):
            merged = supergraph.types.get(type_name)
            if merged is None or merged.kind != "object" or type_name in supergraph.roots:
                continue
            views = _views(supergraph, type_name)
            reach = _reach(views, subgraph, subgraphs)
            for field_name in merged.fields:
                if any(_resolves(s, views, field_name) for s in reach):
                    continue
                owners = [s.name for s in subgraphs if _resolves(s, views, field_name)]
                report(CompositionError(
                    "SATISFIABILITY_ERROR",
                    "The following supergraph API query:\n"
                    f"{_query(path, field_name)}\n"
                    "cannot be satisfied by the subgraphs because:\n"
                    f'- from subgraph "{subgraph.name}": cannot find field '
                    f'"{type_name}.{field_name}".\n'
                    + "".join(f'- from subgraph "{o}": cannot move to subgraph "{o}" using '
                              f'@key(fields: ...) of "{type_name}": no key of "{type_name}" in '
                              f'subgraph "{o}" can be provided.\n' for o in owners),
                    tuple(s.location(s.types.get(type_name)) for s in [subgraph]
                          + [x for x in subgraphs if x.name in owners]),
                ))  # fmt: skip


def _views(supergraph: Supergraph, type_name: str) -> list[str]:
    """The type, then the interfaces it implements: a subgraph may know the type only as an
    ``@interfaceObject`` of one of them."""
    merged = supergraph.types[type_name]
    return [type_name, *merged.interfaces]


def _type_in(subgraph: Subgraph, views: list[str]) -> TypeDef | None:
    t = subgraph.types.get(views[0])
    if t is not None:
        return t
    for interface in views[1:]:
        candidate = subgraph.types.get(interface)
        if candidate is not None and candidate.interface_object:
            return candidate
    return None


def _resolves(subgraph: Subgraph, views: list[str], field_name: str) -> bool:
    t = _type_in(subgraph, views)
    if t is None or field_name not in t.fields:
        return False
    return not t.fields[field_name].external


def _keys(t: TypeDef) -> list[set[str]]:
    return [top_level_fields(k.fields) for k in t.keys if k.resolvable]


def _reach(views: list[str], start: Subgraph, subgraphs: list[Subgraph]) -> list[Subgraph]:
    """The subgraphs a query at a type in ``start`` can get to through keys."""
    reach = [start]
    changed = True
    while changed:
        changed = False
        available = {f for s in reach for f in _resolved_fields(s, views)}
        for other in subgraphs:
            t = _type_in(other, views)
            if other in reach or t is None:
                continue
            if any(key and key <= available for key in _keys(t)):
                reach.append(other)
                changed = True
    return reach


def _resolved_fields(subgraph: Subgraph, views: list[str]) -> set[str]:
    t = _type_in(subgraph, views)
    if t is None:
        return set()
    return {f.name for f in t.fields.values() if not f.external}


def _reachable(subgraph: Subgraph) -> dict[str, list[str]]:
    """Object types a query can reach in ``subgraph``, each with a path of fields to it."""
    paths: dict[str, list[str]] = {}
    queue: list[tuple[str, list[str]]] = []
    if "Query" in subgraph.types:
        queue.append(("Query", []))
    for entity in subgraph.types.values():  # entry points of the _entities field
        if entity.kind == "object" and any(k.resolvable for k in entity.keys):
            queue.append((entity.name, [f"<{entity.name} entity>"]))
    while queue:
        name, path = queue.pop(0)
        t = subgraph.types.get(name)
        if name in paths or t is None:
            continue
        paths[name] = path
        targets: list[tuple[str, str]] = []
        if t.kind in ("object", "interface"):
            targets = [(named(f.type), f.name) for f in t.fields.values() if not f.external]
        elif t.kind == "union":
            targets = [(m, f"... on {m}") for m in t.members]
        if t.kind == "interface":
            targets += [(o.name, f"... on {o.name}") for o in subgraph.types.values()
                        if name in o.interfaces]  # fmt: skip
        for target, step in targets:
            if target not in paths:
                queue.append((target, [*path, step]))
    return paths


def _query(path: list[str], field_name: str) -> str:
    steps = [*path, field_name]
    text = ""
    for depth, step in enumerate(steps):
        text += "  " * depth + ("{\n" if depth == 0 else "")
        text += "  " * (depth + 1) + step + (" {\n" if depth < len(steps) - 1 else "\n")
    for depth in range(len(steps) - 1, -1, -1):
        text += "  " * depth + "}\n"
    return text.rstrip()
