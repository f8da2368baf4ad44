"""Checks on the subgraphs before and after merging: the federation directives' rules
(keys, @external, @requires, @provides, @override, @shareable, @interfaceObject) and whether
every field of the supergraph can be reached from every subgraph where its type can be."""

from __future__ import annotations

from collections.abc import Callable

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode

from schema.composition.errors import CompositionError
from schema.composition.fieldsets import FieldSetError, Selection, parse_field_set
from schema.composition.subgraph import Element, FieldDef, Subgraph, TypeDef
from schema.composition.supergraph import Supergraph

Report = Callable[[CompositionError], None]
BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def named(node: TypeNode | None) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    return node.name.value if isinstance(node, NamedTypeNode) else ""


# -- one subgraph at a time --------------------------------------------------------------


def check_subgraph(subgraph: Subgraph, report: Report) -> None:
    _check_references(subgraph, report)
    used_external: set[tuple[str, str]] = set()
    for t in subgraph.types.values():
        for key in t.keys:
            _check_field_set(subgraph, t, key.fields, "KEY", f'@key(fields: "{key.fields}")',
                             report, used_external, external_required=False)  # fmt: skip
        for f in t.fields.values():
            if f.requires is not None:
                described = f'@requires(fields: "{f.requires}") on "{t.name}.{f.name}"'
                _check_field_set(subgraph, t, f.requires, "REQUIRES", described, report,
                                 used_external, external_required=True, element=f)  # fmt: skip
            if f.provides is not None:
                target = subgraph.types.get(named(f.type))
                if target is not None:
                    described = f'@provides(fields: "{f.provides}") on "{t.name}.{f.name}"'
                    _check_field_set(
                        subgraph, target, f.provides, "PROVIDES", described, report,
                        used_external, external_required=True, element=f,
                    )  # fmt: skip
            if f.override_from is not None and f.override_from == subgraph.name:
                report(CompositionError(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{subgraph.name}" are the same for '
                    f'overridden field "{t.name}.{f.name}"',
                    (subgraph.location(f),),
                ))  # fmt: skip
    for t in subgraph.types.values():
        for f in t.fields.values():
            if f.external and (t.name, f.name) not in used_external and not t.interface_object:
                report(CompositionError(
                    "EXTERNAL_UNUSED",
                    f'[{subgraph.name}] Field "{t.name}.{f.name}" is marked @external but is not '
                    "used in any federation directive (@key, @provides, @requires) or to satisfy "
                    "an interface; the field declaration has no use and should be removed (or "
                    "the field should not be @external).",
                    (subgraph.location(f),),
                ))  # fmt: skip


def _check_references(subgraph: Subgraph, report: Report) -> None:
    known = BUILT_IN_SCALARS | set(subgraph.types)
    for t in subgraph.types.values():
        references: list[tuple[Element, TypeNode | None]] = [(f, f.type) for f in t.fields.values()]
        references += [(a, a.type) for f in t.fields.values() for a in f.arguments.values()]
        for element, node in references:
            if named(node) not in known:
                report(CompositionError(
                    "INVALID_GRAPHQL",
                    f'[{subgraph.name}] Unknown type "{named(node)}".',
                    (subgraph.location(element),),
                ))  # fmt: skip
        for name in t.interfaces + t.members:
            if name not in known:
                report(CompositionError(
                    "INVALID_GRAPHQL", f'[{subgraph.name}] Unknown type "{name}".',
                    (subgraph.location(t),),
                ))  # fmt: skip


def _check_field_set(
    subgraph: Subgraph, t: TypeDef, text: str, kind: str, described: str, report: Report,
    used_external: set[tuple[str, str]], *, external_required: bool,
    element: FieldDef | None = None,
) -> None:  # fmt: skip
    location = (subgraph.location(element or t),)
    try:
        selections = parse_field_set(text)
    except FieldSetError as error:
        report(CompositionError(f"{kind}_INVALID_FIELDS",
                                f"[{subgraph.name}] On type \"{t.name}\", for {described}: "
                                f"{error}", location))  # fmt: skip
        return
    problems = _walk(subgraph, t, selections, kind, external_required, used_external)
    for code, message in problems:
        report(
            CompositionError(
                code, f'[{subgraph.name}] On type "{t.name}", for {described}: {message}', location
            )
        )


def _walk(
    subgraph: Subgraph, t: TypeDef, selections: list[Selection], kind: str,
    external_required: bool, used_external: set[tuple[str, str]], depth: int = 0,
) -> list[tuple[str, str]]:  # fmt: skip
    problems: list[tuple[str, str]] = []
    for selection in selections:
        if not selection.name:  # an inline fragment
            target = subgraph.types.get(selection.type_condition or t.name)
            if target is not None:
                problems += _walk(subgraph, target, selection.children, kind, external_required,
                                  used_external, depth)  # fmt: skip
            continue
        f = t.fields.get(selection.name)
        if f is None:
            problems.append((f"{kind}_INVALID_FIELDS",
                             f'Cannot query field "{selection.name}" on type "{t.name}" '
                             "(if the field is defined in another subgraph, you need to add it "
                             "to this subgraph with @external)."))  # fmt: skip
            continue
        if f.external:
            used_external.add((t.name, f.name))
        elif external_required and depth == 0 and kind in ("REQUIRES", "PROVIDES"):
            problems.append((f"{kind}_FIELDS_MISSING_EXTERNAL",
                             f'field "{t.name}.{f.name}" should not be part of a @'
                             f'{kind.lower()} since it is already provided by this subgraph '
                             "(it is not marked @external)"))  # fmt: skip
        target = subgraph.types.get(named(f.type))
        if kind == "KEY" and target is not None and target.kind in ("union", "interface"):
            problems.append(("KEY_FIELDS_SELECT_INVALID_TYPE",
                             f'field "{t.name}.{f.name}" is a {target.kind} type which is not '
                             "allowed in @key"))  # fmt: skip
        if kind == "KEY" and selection.has_arguments:
            problems.append(("KEY_FIELDS_HAS_ARGS", f'field "{t.name}.{f.name}" cannot be '
                             "included because it has arguments (fields with argument are not "
                             "allowed in @key)"))  # fmt: skip
        if selection.children and target is not None:
            problems += _walk(subgraph, target, selection.children, kind, external_required,
                              used_external, depth + 1)  # fmt: skip
    return problems


# -- across subgraphs ----------------------------------------------------------------------


def check_sharing(subgraphs: list[Subgraph], report: Report) -> None:
    """A field resolved by more than one subgraph must be @shareable in each of them."""
    from schema.composition.fieldsets import top_level_fields

    types: dict[str, list[tuple[Subgraph, TypeDef]]] = {}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            if t.kind == "object" and not t.interface_object:
                types.setdefault(t.name, []).append((subgraph, t))
    for name, definitions in sorted(types.items()):
        fields = {f for _, t in definitions for f in t.fields}
        for field_name in sorted(fields):
            defs = [(s, t, t.fields[field_name]) for s, t in definitions
                    if field_name in t.fields]  # fmt: skip
            overriders = {f.override_from for _, _, f in defs if f.override_from}
            resolving = [(s, t, f) for s, t, f in defs if not f.external
                         and (s.name not in overriders)]  # fmt: skip
            if len(resolving) < 2:
                continue
            unshared = [
                s for s, t, f in resolving
                if not (f.shareable or t.shareable or s.federation_version < (2, 0)
                        or any(field_name in top_level_fields(k.fields) for k in t.keys))
            ]  # fmt: skip
            if not unshared:
                continue
            names = " and ".join(f'"{s.name}"' for s, _, _ in resolving)
            report(CompositionError(
                "INVALID_FIELD_SHARING",
                f'Non-shareable field "{name}.{field_name}" is resolved from multiple '
                f"subgraphs: it is resolved from subgraphs {names} and defined as non-shareable "
                "in subgraph(s) " + ", ".join(f'"{s.name}"' for s in unshared),
                tuple(s.location(f) for s, _, f in resolving),
            ))  # fmt: skip


def check_external_on_base(subgraphs: list[Subgraph], report: Report) -> None:
    """An @external field must be resolved by some other subgraph."""
    resolved: set[tuple[str, str]] = set()
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            resolved |= {(t.name, f.name) for f in t.fields.values() if not f.external}
    interfaces = {t.name for s in subgraphs for t in s.types.values() if t.kind == "interface"}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            for f in t.fields.values():
                if f.external and (t.name, f.name) not in resolved and t.name not in interfaces:
                    report(CompositionError(
                        "EXTERNAL_MISSING_ON_BASE",
                        f'Field "{t.name}.{f.name}" is marked @external on all the subgraphs in '
                        "which it is listed (subgraph "
                        f'"{subgraph.name}").',
                        (subgraph.location(f),),
                    ))  # fmt: skip


def check_interface_objects(subgraphs: list[Subgraph], report: Report) -> None:
    interfaces = {t.name for s in subgraphs for t in s.types.values() if t.kind == "interface"}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            if t.interface_object and t.name not in interfaces:
                report(CompositionError(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'Type "{t.name}" is declared with @interfaceObject in all the subgraphs in '
                    "which is is defined (it is defined in subgraph "
                    f'"{subgraph.name}" but should be defined as an interface in at least one '
                    "subgraph)",
                    (subgraph.location(t),),
                ))  # fmt: skip


def check_queries(supergraph: Supergraph, subgraphs: list[Subgraph], report: Report) -> None:
    query = supergraph.types.get("Query")
    if query is None or not query.fields:
        report(CompositionError(
            "NO_QUERIES", "No queries found in any subgraph: a supergraph must have a query root "
            "type.", tuple(s.location() for s in subgraphs),
        ))  # fmt: skip
