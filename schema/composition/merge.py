"""Merging the subgraphs' types into supergraph types, by the Federation v2 rules.

- Object and interface fields: the union over subgraphs; an output field's type is the most
  general of its definitions (``String`` over ``String!``); arguments are the intersection.
- Input objects: the intersection of fields; input types take the most restrictive type.
- Enums: the union of values when only returned, the intersection when only taken as input,
  and the same values everywhere when both.
- Unions: the union of members.
- Applied directives: see :mod:`schema.composition.access_control` for the access
  requirements and :mod:`schema.composition.cost` for ``@cost`` and ``@listSize``.
Each supergraph element records which subgraphs define it in ``join__*`` directives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, print_ast

from schema.composition.access_control import Coordinate, inherited_sources, merge_access_control
from schema.composition.cost import merge_cost, merge_list_size
from schema.composition.errors import CompositionError, ErrorLocation
from schema.composition.subgraph import (
    ArgumentDef,
    Element,
    FieldDef,
    Subgraph,
    TypeDef,
)
from schema.composition.supergraph import (
    Access,
    JoinField,
    JoinType,
    SArgument,
    SEnumValue,
    SField,
    SType,
    Supergraph,
    graph_enum_name,
)

Report = Callable[[CompositionError], None]


@dataclass
class Definition:
    """One subgraph's definition of a type."""

    subgraph: Subgraph
    type: TypeDef

    @property
    def graph(self) -> str:
        return graph_enum_name(self.subgraph.name)


def merge_types(subgraphs: list[Subgraph], supergraph: Supergraph, report: Report) -> None:
    by_name: dict[str, list[Definition]] = {}
    for subgraph in subgraphs:
        for typedef in subgraph.types.values():
            by_name.setdefault(typedef.name, []).append(Definition(subgraph, typedef))
    usage = _enum_usage(subgraphs)
    inherited = inherited_sources(subgraphs)
    for name, definitions in sorted(by_name.items()):
        kind = _merged_kind(name, definitions, report)
        if kind is None:
            continue
        merged = SType(kind=kind, name=name)
        merged.joins = _join_types(definitions)
        _merge_access(merged, [d.type for d in definitions], inherited.get((name, None), []))
        if kind in ("object", "interface"):
            _merge_interfaces(merged, definitions)
            _merge_fields(merged, definitions, inherited, report)
        elif kind == "input":
            _merge_input(merged, definitions, report)
        elif kind == "union":
            for d in definitions:
                for member in d.type.members:
                    merged.union_members.append((d.graph, member))
                    if member not in merged.members:
                        merged.members.append(member)
        elif kind == "enum":
            _merge_enum(merged, definitions, usage.get(name, set()), report)
        supergraph.types[name] = merged
    _add_interface_object_fields(supergraph, by_name, inherited)


def _merged_kind(name: str, definitions: list[Definition], report: Report) -> str | None:
    kinds = {("interface" if d.type.interface_object else d.type.kind) for d in definitions}
    if len(kinds) == 1:
        return kinds.pop()
    described = "; ".join(f'"{d.type.kind}" in subgraph "{d.subgraph.name}"' for d in definitions)
    report(CompositionError(
        "TYPE_KIND_MISMATCH",
        f'Type "{name}" has mismatched kind: it is defined as {described}',
        tuple(d.subgraph.location(d.type) for d in definitions),
    ))  # fmt: skip
    return None


def _join_types(definitions: list[Definition]) -> list[JoinType]:
    joins: list[JoinType] = []
    for d in definitions:
        t = d.type
        if t.keys:
            joins += [JoinType(d.graph, key.fields, t.extension, key.resolvable,
                               t.interface_object) for key in t.keys]  # fmt: skip
        else:
            joins.append(JoinType(d.graph, None, t.extension, True, t.interface_object))
    return joins


def _merge_interfaces(merged: SType, definitions: list[Definition]) -> None:
    for d in definitions:
        for interface in d.type.interfaces:
            merged.implements.append((d.graph, interface))
            if interface not in merged.interfaces:
                merged.interfaces.append(interface)


def _merge_fields(
    merged: SType, definitions: list[Definition], inherited: Mapping[Coordinate, list[Element]],
    report: Report,
) -> None:  # fmt: skip
    names: list[str] = []
    for d in definitions:
        names += [n for n in d.type.fields if n not in names]
    graphs = {d.graph for d in definitions}
    for name in names:
        defs = [(d, d.type.fields[name]) for d in definitions if name in d.type.fields]
        field = _merge_field(merged, name, defs, graphs, report)
        if field is not None:
            _merge_access(field, [f for _, f in defs], inherited.get((merged.name, name), []))
            merged.fields[name] = field


def _merge_field(
    merged: SType, name: str, defs: list[tuple[Definition, FieldDef]], graphs: set[str],
    report: Report,
) -> SField | None:  # fmt: skip
    coordinate = f"{merged.name}.{name}"
    types = [print_ast(f.type) for _, f in defs if f.type is not None]
    chosen = _most_general(types)
    if chosen is None:
        described = " and ".join(f'type "{print_ast(f.type)}" in subgraph "{d.subgraph.name}"'
                                 for d, f in defs if f.type is not None)  # fmt: skip
        report(CompositionError(
            "FIELD_TYPE_MISMATCH",
            f'Type of field "{coordinate}" is incompatible across subgraphs: it has {described}',
            tuple(d.subgraph.location(f) for d, f in defs),
        ))  # fmt: skip
        return None
    result = SField(name=name, type=chosen)
    result.arguments = _merge_arguments(coordinate, defs, report)
    overridden = _overridden(defs)
    joins: list[JoinField] = []
    needs_joins = len(set(types)) > 1
    for d, f in defs:
        if d.subgraph.name in overridden and overridden[d.subgraph.name] is None:
            needs_joins = True  # a plain override moves the field; the source keeps nothing
            if not _used_in_subgraph(d, name):
                continue
            joins.append(JoinField(d.graph, used_overridden=True))
            continue
        join = JoinField(
            d.graph, requires=f.requires, provides=f.provides, external=f.external,
            type=print_ast(f.type) if len(set(types)) > 1 and f.type is not None else None,
            override=f.override_from, override_label=f.override_label,
        )  # fmt: skip
        if d.subgraph.name in overridden:  # progressive override: the source keeps the label
            join.override_label = overridden[d.subgraph.name]
        if f.requires or f.provides or f.external or f.override_from or join.override_label:
            needs_joins = True
        joins.append(join)
    if {d.graph for d, _ in defs} != graphs:
        needs_joins = True
    result.joins = joins if needs_joins else None
    return result


def _overridden(defs: list[tuple[Definition, FieldDef]]) -> dict[str, str | None]:
    """Subgraphs whose definition another subgraph overrides → the override's label."""
    found: dict[str, str | None] = {}
    present = {d.subgraph.name for d, _ in defs}
    for d, f in defs:
        if f.override_from and f.override_from in present and f.override_from != d.subgraph.name:
            found[f.override_from] = f.override_label
    return found


def _used_in_subgraph(definition: Definition, field_name: str) -> bool:
    """Whether a subgraph needs a field it no longer resolves: in a key, @requires or
    @provides of its own."""
    from schema.composition.fieldsets import top_level_fields

    t = definition.type
    if any(field_name in top_level_fields(k.fields) for k in t.keys):
        return True
    return any(field_name in top_level_fields(f.requires or "") for f in t.fields.values())


@dataclass(frozen=True)
class InputValues:
    """How one kind of input value (arguments, input object fields) is reported."""

    noun: str
    type_noun: str
    missing_code: str
    mismatch_code: str


ARGUMENTS = InputValues("Argument", "argument", "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        "FIELD_ARGUMENT_TYPE_MISMATCH")  # fmt: skip
INPUT_FIELDS = InputValues("Input object field", "field",
                           "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                           "FIELD_TYPE_MISMATCH")  # fmt: skip


@dataclass
class MergedInput:
    name: str
    type: str
    default: str | None
    present: list[tuple[Definition, ArgumentDef | FieldDef]]
    types: list[str]
    """Each present definition's type, printed (they may differ)."""


def _intersect_inputs(
    kind: InputValues, owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]],
    coordinate: Callable[[str], str], report: Report,
) -> list[MergedInput]:  # fmt: skip
    """Input values merge as the intersection over their owners: a value missing somewhere is
    left out (an error if it is required where it is defined), and the type is the most
    restrictive of the definitions'."""
    names: list[str] = []
    for _, values in owners:
        names += [n for n in values if n not in names]
    merged: list[MergedInput] = []
    for name in names:
        present = [(d, values[name]) for d, values in owners if name in values]
        if len(present) < len(owners):
            required = [(d, v) for d, v in present if _required(v.type, v.default)]
            if required:
                missing = [d.subgraph.name for d, values in owners if name not in values]
                report(CompositionError(
                    kind.missing_code,
                    f'{kind.noun} "{coordinate(name)}" is required in some subgraphs but does '
                    "not appear in all subgraphs: it is not defined in subgraph(s) "
                    + ", ".join(f'"{m}"' for m in missing),
                    tuple(d.subgraph.location(v) for d, v in required),
                ))  # fmt: skip
            continue
        types = [print_ast(v.type) for _, v in present if v.type is not None]
        chosen = _most_specific(types)
        if chosen is None:
            report(CompositionError(
                kind.mismatch_code,
                f'Type of {kind.type_noun} "{coordinate(name)}" is incompatible across subgraphs',
                tuple(d.subgraph.location(v) for d, v in present),
            ))  # fmt: skip
            continue
        default = next((v.default for _, v in present if v.default), None)
        merged.append(MergedInput(name, chosen, default, list(present), types))
    return merged


def _merge_arguments(
    coordinate: str, defs: list[tuple[Definition, FieldDef]], report: Report
) -> list[SArgument]:
    resolving = [(d, f) for d, f in defs if not f.external] or defs
    owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]] = [
        (d, f.arguments) for d, f in resolving
    ]
    arguments = []
    for value in _intersect_inputs(ARGUMENTS, owners, lambda n: f"{coordinate}({n}:)", report):
        argument = SArgument(name=value.name, type=value.type, default=value.default)
        _merge_access(argument, [v for _, v in value.present])
        arguments.append(argument)
    return arguments


def _merge_input(merged: SType, definitions: list[Definition], report: Report) -> None:
    owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]] = [
        (d, d.type.fields) for d in definitions
    ]
    for value in _intersect_inputs(INPUT_FIELDS, owners, lambda n: f"{merged.name}.{n}", report):
        result = SField(name=value.name, type=value.type, default=value.default)
        _merge_access(result, [v for _, v in value.present])
        if len(set(value.types)) > 1:
            result.joins = [JoinField(d.graph, type=print_ast(v.type)) for d, v in value.present
                            if v.type is not None]  # fmt: skip
        merged.fields[value.name] = result
    if not merged.fields:
        report(CompositionError(
            "EMPTY_MERGED_INPUT_TYPE",
            f'None of the fields of input object type "{merged.name}" are consistently defined '
            "in all the subgraphs defining that type. As only fields common to all subgraphs are "
            "merged, this would result in an empty type.",
            tuple(d.subgraph.location(d.type) for d in definitions),
        ))  # fmt: skip


def _merge_enum(merged: SType, definitions: list[Definition], usage: set[str],
                report: Report) -> None:  # fmt: skip
    names: list[str] = []
    for d in definitions:
        names += [n for n in d.type.values if n not in names]
    everywhere = [n for n in names if all(n in d.type.values for d in definitions)]
    if usage == {"input", "output"} and everywhere != names:
        for name in names:
            if name in everywhere:
                continue
            missing = [d.subgraph.name for d in definitions if name not in d.type.values]
            report(CompositionError(
                "ENUM_VALUE_MISMATCH",
                f'Enum type "{merged.name}" is used as both input type and output type, but '
                f'value "{name}" is not defined in all the subgraphs defining "{merged.name}": '
                f'"{name}" is not defined in subgraph(s) ' + ", ".join(f'"{m}"' for m in missing),
                tuple(d.subgraph.location(d.type.values[name]) for d in definitions
                      if name in d.type.values),
            ))  # fmt: skip
        _add_values(merged, definitions, names)  # keep going: later checks need the values
        return
    kept = everywhere if usage == {"input"} else names
    _add_values(merged, definitions, kept)
    if not merged.values:
        report(CompositionError(
            "EMPTY_MERGED_ENUM_TYPE",
            f'None of the values of enum type "{merged.name}" are defined consistently in all '
            "the subgraphs defining that type.",
            tuple(d.subgraph.location(d.type) for d in definitions),
        ))  # fmt: skip


def _add_values(merged: SType, definitions: list[Definition], kept: list[str]) -> None:
    for name in kept:
        present = [d for d in definitions if name in d.type.values]
        value = SEnumValue(name=name, graphs=[d.graph for d in present])
        _merge_access(value, [d.type.values[name] for d in present])
        merged.values[name] = value


def _add_interface_object_fields(
    supergraph: Supergraph, by_name: dict[str, list[Definition]],
    inherited: Mapping[Coordinate, list[Element]],
) -> None:  # fmt: skip
    """Fields an ``@interfaceObject`` adds to an interface reach every implementation too,
    with the interface field's directives and what the ``@interfaceObject`` requires of it."""
    for name, definitions in by_name.items():
        objects = [d for d in definitions if d.type.interface_object]
        interface = supergraph.types.get(name)
        if not objects or interface is None:
            continue
        added = {f for d in objects for f in d.type.fields}
        for implementation in supergraph.types.values():
            if name not in implementation.interfaces:
                continue
            for field_name in added:
                if field_name in implementation.fields or field_name not in interface.fields:
                    continue
                source = interface.fields[field_name]
                copied = SField(
                    name=field_name, type=source.type, arguments=source.arguments,
                    joins=[JoinField(None)], description=source.description,
                    inaccessible=source.inaccessible, tags=list(source.tags),
                    cost=source.cost, list_size=source.list_size, composed=list(source.composed),
                )  # fmt: skip
                merge_access_control(copied, inherited.get((implementation.name, field_name), []))
                implementation.fields[field_name] = copied


def _merge_access(target: Access, elements: list[Element],
                  inherited: Sequence[Element] = ()) -> None:  # fmt: skip
    """``elements``' directives on ``target``; ``inherited`` adds access requirements only."""
    merge_access_control(target, [*elements, *inherited])
    target.cost = merge_cost(e.cost for e in elements)
    target.list_size = merge_list_size(e.list_size for e in elements)
    for element in elements:
        target.description = target.description or element.description
        target.specified_by = target.specified_by or element.specified_by
        target.sources.append(ErrorLocation(element.subgraph, element.line, element.column))
        target.inaccessible = target.inaccessible or element.inaccessible
        target.tags += [t for t in element.tags if t not in target.tags]
        for directive in element.composed:
            printed = print_ast(directive)
            if printed not in target.composed:
                target.composed.append(printed)


def _enum_usage(subgraphs: list[Subgraph]) -> dict[str, set[str]]:
    usage: dict[str, set[str]] = {}
    for subgraph in subgraphs:
        enums = {t.name for t in subgraph.types.values() if t.kind == "enum"}
        for t in subgraph.types.values():
            for f in t.fields.values():
                named = _named(f.type)
                position = "input" if t.kind == "input" else "output"
                if named in enums:
                    usage.setdefault(named, set()).add(position)
                for a in f.arguments.values():
                    if _named(a.type) in enums:
                        usage.setdefault(_named(a.type), set()).add("input")
    return usage


def _named(node: TypeNode | None) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    return node.name.value if isinstance(node, NamedTypeNode) else ""


def _required(node: TypeNode | None, default: str | None) -> bool:
    return isinstance(node, NonNullTypeNode) and default is None


# Types as strings: "[String!]!" and friends.


def _strip(t: str) -> tuple[str, bool]:
    return (t[:-1], True) if t.endswith("!") else (t, False)


def _compatible(general: str, specific: str) -> bool:
    """Whether a value of type ``specific`` is a valid value of type ``general``."""
    g, g_non_null = _strip(general)
    s, s_non_null = _strip(specific)
    if g_non_null and not s_non_null:
        return False
    if g.startswith("[") and s.startswith("["):
        return _compatible(g[1:-1], s[1:-1])
    return g == s


def _most_general(types: list[str]) -> str | None:
    for candidate in types:
        if all(_compatible(candidate, t) for t in types):
            return candidate
    return None


def _most_specific(types: list[str]) -> str | None:
    for candidate in types:
        if all(_compatible(t, candidate) for t in types):
            return candidate
    return None
