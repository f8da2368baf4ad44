"""Checks on the subgraphs before and after merging: the federation directives' rules
(keys, @external, @requires, @provides, @override, @shareable, @interfaceObject, @listSize,
and where @cost and the access requirements may go) and whether every field of the supergraph
can be reached from every subgraph where its type can be."""

from __future__ import annotations

from collections.abc import Callable

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, print_ast

from schema.composition.access_control import check_not_on_interfaces
from schema.composition.context import fields_used_by_contexts
from schema.composition.cost import ListField, check_list_size
from schema.composition.errors import CompositionError
from schema.composition.fieldsets import FieldSetError, Selection, parse_field_set
from schema.composition.metadata import implementations
from schema.composition.override import resolve_overrides
from schema.composition.subgraph import Element, FieldDef, Subgraph, TypeDef
from schema.composition.supergraph import Access, Supergraph

Report = Callable[[CompositionError], None]
BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def named(node: TypeNode | None) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    return node.name.value if isinstance(node, NamedTypeNode) else ""


# -- one subgraph at a time --------------------------------------------------------------


def check_subgraph(subgraph: Subgraph, report: Report) -> None:
    _check_references(subgraph, report)
    for t in subgraph.types.values():
        for key in t.keys:
            _check_field_set(subgraph, t, key.fields, "KEY", f'@key(fields: "{key.fields}")',
                             report, external_required=False)  # fmt: skip
        for f in t.fields.values():
            if f.requires is not None:
                described = f'@requires(fields: "{f.requires}") on "{t.name}.{f.name}"'
                _check_field_set(subgraph, t, f.requires, "REQUIRES", described, report,
                                 external_required=True, element=f)  # fmt: skip
            if f.provides is not None:
                target = subgraph.types.get(named(f.type))
                if target is not None:
                    described = f'@provides(fields: "{f.provides}") on "{t.name}.{f.name}"'
                    _check_field_set(subgraph, target, f.provides, "PROVIDES", described, report,
                                     external_required=True, element=f)  # fmt: skip
            if f.override_from is not None and f.override_from == subgraph.name:
                report(CompositionError(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{subgraph.name}" are the same for '
                    f'overridden field "{t.name}.{f.name}"',
                    (subgraph.location(f),),
                ))  # fmt: skip
    _check_externals(subgraph, report)
    _check_interface_keys(subgraph, report)
    _check_costs(subgraph, report)
    check_not_on_interfaces(subgraph, report)
    read_by_contexts = fields_used_by_contexts(subgraph)
    for t in subgraph.types.values():
        for f in t.fields.values():
            used = f.used or (t.name, f.name) in read_by_contexts
            if f.external and not used and not t.interface_object:
                report(CompositionError(
                    "EXTERNAL_UNUSED",
                    f'[{subgraph.name}] Field "{t.name}.{f.name}" is marked @external but is not '
                    "used in any federation directive (@key, @provides, @requires) or to satisfy "
                    "an interface; the field declaration has no use and should be removed (or "
                    "the field should not be @external).",
                    (subgraph.location(f),),
                ))  # fmt: skip


def _check_externals(subgraph: Subgraph, report: Report) -> None:
    """Merged directives never apply to an @external field, nor does @override."""
    for t in subgraph.types.values():
        for f in t.fields.values():
            if not f.external:
                continue
            merged = [f"@{subgraph.spec_names.get(name, name)}" for name, present in (
                ("inaccessible", f.inaccessible), ("authenticated", f.authenticated),
                ("requiresScopes", f.requires_scopes is not None),
                ("policy", f.policies is not None), ("cost", f.cost is not None),
                ("listSize", f.list_size is not None),
            ) if present] + [f'@tag(name: "{tag}")' for tag in f.tags]  # fmt: skip
            for directive in merged:
                report(CompositionError(
                    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                    f"[{subgraph.name}] Cannot apply merged directive {directive} to external "
                    f'field "{t.name}.{f.name}"', (subgraph.location(f),),
                ))  # fmt: skip
            if f.override_from is not None:
                report(CompositionError(
                    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                    f'@override cannot be used on field "{t.name}.{f.name}" on subgraph '
                    f'"{subgraph.name}" since "{t.name}.{f.name}" on "{subgraph.name}" is marked '
                    "with directive \"@federation__external\"", (subgraph.location(f),),
                ))  # fmt: skip


def _check_interface_keys(subgraph: Subgraph, report: Report) -> None:
    """Every implementation of an entity interface has the interface's keys."""
    for interface in subgraph.types.values():
        if interface.kind != "interface" or not interface.keys:
            continue
        for t in subgraph.types.values():
            if interface.name not in t.interfaces:
                continue
            have = {k.fields for k in t.keys}
            for key in interface.keys:
                if key.fields not in have:
                    report(CompositionError(
                        "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                        f'[{subgraph.name}] Key @key(fields: "{key.fields}") on interface type '
                        f'"{interface.name}" is missing on implementation type "{t.name}".',
                        (subgraph.location(t),),
                    ))  # fmt: skip


def _check_costs(subgraph: Subgraph, report: Report) -> None:
    """@cost is for concrete types; @listSize names real slicing arguments and sized fields."""

    def kind(name: str) -> str | None:
        found = subgraph.types.get(name)
        return found.kind if found is not None else None

    def field_type(type_name: str, field_name: str) -> TypeNode | None:
        found = subgraph.types.get(type_name)
        f = found.fields.get(field_name) if found is not None else None
        return f.type if f is not None else None

    for t in subgraph.types.values():
        for f in t.fields.values():
            coordinate = f"{t.name}.{f.name}"
            if f.cost is not None and t.kind == "interface":
                report(CompositionError(
                    "COST_APPLIED_TO_INTERFACE_FIELD",
                    f'[{subgraph.name}] @cost cannot be applied to interface "{coordinate}"',
                    (subgraph.location(f),),
                ))  # fmt: skip
            if f.list_size is None or f.type is None:
                continue
            arguments = {a.name: print_ast(a.type) for a in f.arguments.values() if a.type}
            listed = ListField(coordinate, f.type, arguments, f.list_size)
            for code, message in check_list_size(listed, kind, field_type):
                report(CompositionError(code, f"[{subgraph.name}] {message}",
                                        (subgraph.location(f),)))  # fmt: skip


def check_merged_defaults(supergraph: Supergraph, report: Report) -> None:
    """Defaults must still be values of the merged enums (an input enum keeps only the values
    every subgraph has)."""
    for t in supergraph.types.values():
        places: list[tuple[str, str, str | None, Access]] = [
            (f"{t.name}.{f.name}({a.name}:)", a.type, a.default, a)
            for f in t.fields.values() for a in f.arguments
        ]  # fmt: skip
        if t.kind == "input":
            places += [(f"{t.name}.{f.name}", f.type, f.default, f) for f in t.fields.values()]
        for where, type_string, default, element in places:
            enum = supergraph.types.get(type_string.strip("[]!"))
            if default is None or enum is None or enum.kind != "enum":
                continue
            for value in default.strip("[]").replace(",", " ").split():
                if value not in enum.values:
                    report(CompositionError(
                        "INVALID_GRAPHQL",
                        f'Invalid default value (got: "{value}") provided for argument {where} '
                        f"of type {enum.name}.", tuple(element.sources),
                    ))  # fmt: skip


def check_inaccessible_references(supergraph: Supergraph, report: Report) -> None:
    """An @inaccessible type may not be the type of a field that is in the API."""
    hidden = {t.name for t in supergraph.types.values() if t.inaccessible}
    for t in supergraph.types.values():
        if t.inaccessible:
            continue
        for f in t.fields.values():
            if f.inaccessible:
                continue
            base = f.type.strip("[]!")
            if base in hidden:
                report(CompositionError(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{base}" is @inaccessible but is referenced by "{t.name}.{f.name}", '
                    "which is in the API schema.", tuple(f.sources),
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
    *, external_required: bool, element: FieldDef | None = None,
) -> None:  # fmt: skip
    location = (subgraph.location(element or t),)
    try:
        selections = parse_field_set(text)
    except FieldSetError as error:
        report(CompositionError(f"{kind}_INVALID_FIELDS",
                                f"[{subgraph.name}] On type \"{t.name}\", for {described}: "
                                f"{error}", location))  # fmt: skip
        return
    problems = _walk(subgraph, t, selections, kind, external_required)
    for code, message in problems:
        report(
            CompositionError(
                code, f'[{subgraph.name}] On type "{t.name}", for {described}: {message}', location
            )
        )


def _walk(
    subgraph: Subgraph, t: TypeDef, selections: list[Selection], kind: str,
    external_required: bool, external_above: bool = False,
) -> list[tuple[str, str]]:  # fmt: skip
    """What is wrong with ``selections`` of ``t``. In @requires and @provides, a leaf must be
    external unless a field above it is (or is in some implementation of an interface)."""
    problems: list[tuple[str, str]] = []
    for selection in selections:
        if not selection.name:  # an inline fragment
            # A condition naming no type of the subgraph is dropped, as Apollo's field set
            # parser does, so its fields are looked for on the enclosing type.
            condition = subgraph.types.get(selection.type_condition or t.name, t)
            problems += _walk(subgraph, condition, selection.children, kind, external_required,
                              external_above)  # fmt: skip
            continue
        f = t.fields.get(selection.name)
        if f is None:
            problems.append((f"{kind}_INVALID_FIELDS",
                             f'Cannot query field "{selection.name}" on type "{t.name}" '
                             "(if the field is defined in another subgraph, you need to add it "
                             "to this subgraph with @external)."))  # fmt: skip
            continue
        if external_required and not selection.children and not external_above and not f.external:
            problems.append(_missing_external(t, f, kind))
        target = subgraph.types.get(named(f.type))
        if kind == "KEY" and target is not None and target.kind in ("union", "interface"):
            problems.append(("KEY_FIELDS_SELECT_INVALID_TYPE",
                             f'field "{t.name}.{f.name}" is a {target.kind} type which is not '
                             "allowed in @key"))  # fmt: skip
        if kind in ("KEY", "PROVIDES") and selection.has_arguments:
            problems.append((f"{kind}_FIELDS_HAS_ARGS", f'field "{t.name}.{f.name}" cannot be '
                             "included because it has arguments (fields with argument are not "
                             f"allowed in @{kind.lower()})"))  # fmt: skip
        if selection.children and target is not None:
            above = external_above or f.external or (t.kind == "interface" and any(
                i.fields[f.name].external for i in implementations(subgraph, t.name)
                if f.name in i.fields))  # fmt: skip
            problems += _walk(subgraph, target, selection.children, kind, external_required,
                              above)  # fmt: skip
    return problems


def _missing_external(t: TypeDef, f: FieldDef, kind: str) -> tuple[str, str]:
    directive = kind.lower()
    if f.marked_external:  # a key field of a type extension
        return (f"{kind}_FIELDS_MISSING_EXTERNAL",
                f'field "{t.name}.{f.name}" should not be part of a @{directive} since it is '
                'already "effectively" provided by this subgraph (while it is marked @external, '
                "it is a @key field of an extension type, which are not internally considered "
                "external for historical/backward compatibility reasons)")  # fmt: skip
    return (f"{kind}_FIELDS_MISSING_EXTERNAL",
            f'field "{t.name}.{f.name}" should not be part of a @{directive} since it is already '
            "provided by this subgraph (it is not marked @external)")  # fmt: skip


# -- across subgraphs ----------------------------------------------------------------------


def check_sharing(subgraphs: list[Subgraph], report: Report) -> None:
    """A field resolved by more than one subgraph must be shareable in each of them (see
    :mod:`schema.composition.metadata`); a field overridden away, or external and not provided,
    is not resolved there."""
    types: dict[str, list[tuple[Subgraph, TypeDef]]] = {}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            if t.kind == "object" and not t.interface_object:
                types.setdefault(t.name, []).append((subgraph, t))
    names = {s.name for s in subgraphs}
    for name, definitions in sorted(types.items()):
        fields = {f for _, t in definitions for f in t.fields}
        for field_name in sorted(fields):
            defs = [(s, t.fields[field_name]) for s, t in definitions if field_name in t.fields]
            overrides = resolve_overrides(f"{name}.{field_name}", defs, names)
            resolving = [(s, f) for s, f in defs if not overrides.overridden(s.name)
                         and (not f.external or f.provided)]  # fmt: skip
            unshared = [s for s, f in resolving if not f.shareable]
            if not unshared or len(resolving) < 2:
                continue
            described = " and ".join(f'"{s.name}"' for s, _ in resolving)
            report(CompositionError(
                "INVALID_FIELD_SHARING",
                f'Non-shareable field "{name}.{field_name}" is resolved from multiple '
                f"subgraphs: it is resolved from subgraphs {described} and defined as "
                "non-shareable in subgraph(s) " + ", ".join(f'"{s.name}"' for s in unshared),
                tuple(s.location(f) for s, f in resolving),
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
