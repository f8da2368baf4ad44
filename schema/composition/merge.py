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
from schema.composition.context import (
    ArgumentSource,
    context_arguments,
    contextual_argument_names,
    supergraph_contexts,
)
from schema.composition.cost import merge_cost, merge_list_size
from schema.composition.errors import CompositionError, CompositionHint, ErrorLocation
from schema.composition.field_types import Direct, MergedType, merge_type_references
from schema.composition.override import resolve_overrides
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
Hint = Callable[[CompositionHint], None]


@dataclass
class Definition:
    """One subgraph's definition of a type."""

    subgraph: Subgraph
    type: TypeDef

    @property
    def graph(self) -> str:
        return graph_enum_name(self.subgraph.name)


@dataclass(frozen=True)
class Merging:
    """What every step of the merge shares: where hints go, how types relate."""

    hint: Hint
    direct: Direct
    """Whether a type is a member or implementation of an abstract type in some subgraph."""
    subgraph_names: set[str]


def merge_types(subgraphs: list[Subgraph], supergraph: Supergraph, report: Report,
                hint: Hint) -> None:  # fmt: skip
    by_name: dict[str, list[Definition]] = {}
    for subgraph in subgraphs:
        for typedef in subgraph.types.values():
            by_name.setdefault(typedef.name, []).append(Definition(subgraph, typedef))
    merging = Merging(hint, _direct_subtypes(subgraphs), {s.name for s in subgraphs})
    usage = _enum_usage(subgraphs)
    inherited = inherited_sources(subgraphs)
    for name, definitions in sorted(by_name.items()):
        kind = _merged_kind(name, definitions, report)
        if kind is None:
            continue
        merged = SType(kind=kind, name=name)
        merged.joins = _join_types(definitions)
        merged.contexts = [c for d in definitions for c in supergraph_contexts(d.subgraph, d.type)]
        _merge_access(merged, [d.type for d in definitions], inherited.get((name, None), []))
        if kind in ("object", "interface"):
            _merge_interfaces(merged, definitions)
            _merge_fields(merged, definitions, inherited, report, merging)
        elif kind == "input":
            _merge_input(merged, definitions, report, merging)
        elif kind == "union":
            _merge_union(merged, definitions, hint)
        elif kind == "enum":
            _merge_enum(merged, definitions, usage.get(name, set()), report, hint)
        supergraph.types[name] = merged
    _add_interface_object_fields(supergraph, by_name, inherited)


def _direct_subtypes(subgraphs: list[Subgraph]) -> Direct:
    members: dict[str, set[str]] = {}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            for member in t.members:
                members.setdefault(t.name, set()).add(member)
            for interface in t.interfaces:
                members.setdefault(interface, set()).add(t.name)
    return lambda abstract, member: member in members.get(abstract, ())


def _merge_union(merged: SType, definitions: list[Definition], hint: Hint) -> None:
    for d in definitions:
        for member in d.type.members:
            merged.union_members.append((d.graph, member))
            if member not in merged.members:
                merged.members.append(member)
    for member in merged.members:
        having = [d.subgraph.name for d in definitions if member in d.type.members]
        if len(having) < len(definitions):
            hint(CompositionHint(
                "INCONSISTENT_UNION_MEMBER",
                f'Union type "{merged.name}" includes member type "{member}" in some but not all '
                f"defining subgraphs: {_split(definitions, having)}.",
            ))  # fmt: skip


def _split(definitions: list[Definition], having: list[str]) -> str:
    missing = [d.subgraph.name for d in definitions if d.subgraph.name not in having]
    return f"it is defined in {_names(having)} but not in {_names(missing)}"


def _names(subgraphs: list[str]) -> str:
    noun = "subgraph" if len(subgraphs) == 1 else "subgraphs"
    return f"{noun} " + ", ".join(f'"{s}"' for s in subgraphs)


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
        # `extension: true` marks a key declared on a type extension (or on an `@extends`
        # type); a type without keys has nothing to mark.
        if t.keys:
            joins += [JoinType(d.graph, key.fields, key.extension or t.extends, key.resolvable,
                               t.interface_object) for key in t.keys]  # fmt: skip
        else:
            joins.append(JoinType(d.graph, None, False, True, t.interface_object))
    return joins


def _merge_interfaces(merged: SType, definitions: list[Definition]) -> None:
    for d in definitions:
        for interface in d.type.interfaces:
            merged.implements.append((d.graph, interface))
            if interface not in merged.interfaces:
                merged.interfaces.append(interface)


def _merge_fields(
    merged: SType, definitions: list[Definition], inherited: Mapping[Coordinate, list[Element]],
    report: Report, merging: Merging,
) -> None:  # fmt: skip
    names: list[str] = []
    for d in definitions:
        names += [n for n in d.type.fields if n not in names]
    graphs = {d.graph for d in definitions}
    for name in names:
        defs = [(d, d.type.fields[name]) for d in definitions if name in d.type.fields]
        field = _merge_field(merged, name, defs, graphs, report, merging)
        if field is not None:
            _merge_access(field, [f for _, f in defs], inherited.get((merged.name, name), []))
            merged.fields[name] = field


def _merge_field(
    merged: SType, name: str, defs: list[tuple[Definition, FieldDef]], graphs: set[str],
    report: Report, merging: Merging,
) -> SField | None:  # fmt: skip
    coordinate = f"{merged.name}.{name}"
    # The type comes from the subgraphs resolving the field; external ones only say what they
    # need (all external: an @interfaceObject elsewhere resolves it).
    resolving = [(d, f) for d, f in defs if not f.external] or defs
    merged_type = _merge_type(coordinate, "field", resolving, report, merging, input_position=False)
    if merged_type is None:
        return None
    result = SField(name=name, type=merged_type.type)
    result.arguments = _merge_arguments(coordinate, defs, report, merging)
    overrides = resolve_overrides(coordinate, [(d.subgraph, f) for d, f in defs],
                                  merging.subgraph_names)  # fmt: skip
    for error in overrides.errors:
        report(error)
    for found in overrides.hints:
        merging.hint(found)
    joins: list[JoinField] = []
    needs_joins = not merged_type.all_equal or bool(overrides.used or overrides.labels)
    for d, f in defs:
        label = overrides.labels.get(d.subgraph.name)
        if d.subgraph.name in overrides.unused and label is None:
            needs_joins = True  # the field moved; the source keeps nothing of it
            continue
        join = JoinField(
            d.graph, requires=f.requires, provides=f.provides, external=f.external,
            type=None if merged_type.all_equal or f.type is None else print_ast(f.type),
            override=f.override_from, override_label=label,
            used_overridden=d.subgraph.name in overrides.used,
        )  # fmt: skip
        join.context_arguments = context_arguments(d.subgraph, f)
        if f.requires or f.provides or f.external:
            needs_joins = True
        if join.context_arguments:
            needs_joins = True
        joins.append(join)
    if {d.graph for d, _ in defs} != graphs:
        needs_joins = True
    result.joins = joins if needs_joins else None
    return result


def _merge_type(
    coordinate: str, noun: str, defs: Sequence[tuple[Definition, Element]], report: Report,
    merging: Merging, *, input_position: bool,
) -> MergedType | None:  # fmt: skip
    """The merged type of a field, argument or input field, hinting when the definitions'
    types differ; None (and an error) when they are incompatible."""
    typed = [(d, e, print_ast(t)) for d, e in defs
             if (t := getattr(e, "type", None)) is not None]  # fmt: skip
    merged_type = merge_type_references([t for _, _, t in typed], merging.direct,
                                        input_position=input_position)  # fmt: skip
    if not merged_type.compatible:
        described = " and ".join(f'type "{t}" in subgraph "{d.subgraph.name}"' for d, _, t in typed)
        report(CompositionError(
            "FIELD_TYPE_MISMATCH" if noun != "argument" else "FIELD_ARGUMENT_TYPE_MISMATCH",
            f'Type of {noun} "{coordinate}" is incompatible across subgraphs: it has {described}',
            tuple(d.subgraph.location(e) for d, e, _ in typed),
        ))  # fmt: skip
        return None
    if not merged_type.all_equal:
        others = [(d.subgraph.name, t) for d, _, t in typed if t != merged_type.type]
        chosen = [d.subgraph.name for d, _, t in typed if t == merged_type.type]
        relation = "supertype" if input_position else "subtype"
        hint_code = ("INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE" if noun == "argument"
                     else "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE")  # fmt: skip
        merging.hint(CompositionHint(
            hint_code,
            f'Type of {noun} "{coordinate}" is inconsistent but compatible across subgraphs: will '
            f'use type "{merged_type.type}" (from {_names(chosen)}) in supergraph but '
            f'"{coordinate}" has ' + " and ".join(f'{relation} "{t}" in subgraph "{s}"'
                                                 for s, t in others) + ".",
        ))  # fmt: skip
    return merged_type


@dataclass(frozen=True)
class InputValues:
    """How one kind of input value (arguments, input object fields) is reported."""

    noun: str
    type_noun: str
    missing_code: str
    left_out_hint: str
    """The hint for an optional value some subgraphs lack (and the supergraph leaves out)."""


ARGUMENTS = InputValues("Argument", "argument", "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        "INCONSISTENT_ARGUMENT_PRESENCE")  # fmt: skip
INPUT_FIELDS = InputValues("Input object field", "field",
                           "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                           "INCONSISTENT_INPUT_OBJECT_FIELD")  # fmt: skip


@dataclass
class MergedInput:
    name: str
    type: str
    default: str | None
    present: list[tuple[Definition, ArgumentDef | FieldDef]]
    all_equal: bool
    """Whether every present definition has the merged type."""
    everywhere: bool
    """Whether every owner defines the value (an @inaccessible input field need not)."""


def _intersect_inputs(
    kind: InputValues, owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]],
    coordinate: Callable[[str], str], report: Report, merging: Merging,
) -> list[MergedInput]:  # fmt: skip
    """Input values merge as the intersection over their owners: a value missing somewhere is
    left out (an error if it is required where it is defined; kept if it is an @inaccessible
    input field), and the type is the most restrictive of the definitions'."""
    names: list[str] = []
    for _, values in owners:
        names += [n for n in values if n not in names]
    merged: list[MergedInput] = []
    for name in names:
        present = [(d, values[name]) for d, values in owners if name in values]
        hidden = kind is INPUT_FIELDS and any(v.inaccessible for _, v in present)
        if len(present) < len(owners) and not hidden:
            _report_missing(kind, coordinate(name), owners, present, report, merging)
            continue
        merged_type = _merge_type(coordinate(name), kind.type_noun, present, report, merging,
                                  input_position=True)  # fmt: skip
        if merged_type is None:
            continue
        default = next((v.default for _, v in present if v.default), None)
        merged.append(MergedInput(name, merged_type.type, default, list(present),
                                  merged_type.all_equal, len(present) == len(owners)))  # fmt: skip
    return merged


def _report_missing(
    kind: InputValues, coordinate: str,
    owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]],
    present: list[tuple[Definition, ArgumentDef | FieldDef]], report: Report, merging: Merging,
) -> None:  # fmt: skip
    having = [d.subgraph.name for d, _ in present]
    missing = [d.subgraph.name for d, _ in owners if d.subgraph.name not in having]
    required = [(d, v) for d, v in present if _required(v.type, v.default)]
    if required:
        report(CompositionError(
            kind.missing_code,
            f'{kind.noun} "{coordinate}" is required in some subgraphs but does not appear in all '
            f"subgraphs: it is required in {_names([d.subgraph.name for d, _ in required])} but "
            f"does not appear in {_names(missing)}",
            tuple(d.subgraph.location(v) for d, v in required),
        ))  # fmt: skip
        return
    if kind is ARGUMENTS:
        message = (f'Optional argument "{coordinate}" will not be included in the supergraph as '
                   "it does not appear in all subgraphs: ")  # fmt: skip
    else:
        field_name = coordinate.rsplit(".", 1)
        message = (f'Input object field "{field_name[-1]}" will not be added to "{field_name[0]}" '
                   "in the supergraph as it does not appear in all subgraphs: ")  # fmt: skip
    merging.hint(CompositionHint(
        kind.left_out_hint,
        message + f"it is defined in {_names(having)} but not in {_names(missing)}.",
    ))  # fmt: skip


def _merge_arguments(
    coordinate: str, defs: list[tuple[Definition, FieldDef]], report: Report, merging: Merging
) -> list[SArgument]:
    resolving = [(d, f) for d, f in defs if not f.external] or defs
    sources = [ArgumentSource(d.subgraph, f) for d, f in defs]
    contextual = contextual_argument_names(coordinate, sources, report, merging.hint)
    owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]] = [
        # Contextual arguments are the router's to fill: clients never see them.
        (d, {n: a for n, a in f.arguments.items() if n not in contextual})
        for d, f in resolving
    ]
    arguments = []
    where = lambda n: f"{coordinate}({n}:)"  # noqa: E731
    for value in _intersect_inputs(ARGUMENTS, owners, where, report, merging):
        argument = SArgument(name=value.name, type=value.type, default=value.default)
        _merge_access(argument, [v for _, v in value.present])
        arguments.append(argument)
    return arguments


def _merge_input(merged: SType, definitions: list[Definition], report: Report,
                 merging: Merging) -> None:  # fmt: skip
    owners: list[tuple[Definition, Mapping[str, ArgumentDef | FieldDef]]] = [
        (d, d.type.fields) for d in definitions
    ]
    where = lambda n: f"{merged.name}.{n}"  # noqa: E731
    for value in _intersect_inputs(INPUT_FIELDS, owners, where, report, merging):
        result = SField(name=value.name, type=value.type, default=value.default)
        _merge_access(result, [v for _, v in value.present])
        if not value.all_equal or not value.everywhere:
            result.joins = [JoinField(d.graph, type=None if value.all_equal else print_ast(v.type))
                            for d, v in value.present if v.type is not None]  # fmt: skip
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
                report: Report, hint: Hint) -> None:  # fmt: skip
    """An output enum has every value of any subgraph; an input enum only those of every
    subgraph; one both input and output must have the same values everywhere. A value
    @inaccessible somewhere is exempt: the API never shows it."""
    names: list[str] = []
    for d in definitions:
        names += [n for n in d.type.values if n not in names]
    kept = []
    for name in names:
        present = [d for d in definitions if name in d.type.values]
        hidden = any(d.type.values[name].inaccessible for d in present)
        if len(present) == len(definitions) or hidden:
            kept.append(name)
        elif usage == {"input", "output"}:
            report(CompositionError(
                "ENUM_VALUE_MISMATCH",
                f'Enum type "{merged.name}" is used as both input type and output type, but '
                f'value "{name}" is not defined in all the subgraphs defining "{merged.name}": '
                f'"{name}" is {_split(definitions, [d.subgraph.name for d in present])}',
                tuple(d.subgraph.location(d.type.values[name]) for d in present),
            ))  # fmt: skip
            kept.append(name)  # keep going: later checks need the values
        elif usage == {"input"}:
            hint(CompositionHint(
                "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                f'Value "{name}" of enum type "{merged.name}" will not be part of the supergraph '
                f'as it is not defined in all the subgraphs defining "{merged.name}": "{name}" is '
                f"{_split(definitions, [d.subgraph.name for d in present])}.",
            ))  # fmt: skip
        else:
            hint(CompositionHint(
                "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM",
                f'Value "{name}" of enum type "{merged.name}" has been added to the supergraph '
                f'but is only defined in a subset of the subgraphs defining "{merged.name}": '
                f'"{name}" is {_split(definitions, [d.subgraph.name for d in present])}.',
            ))  # fmt: skip
            kept.append(name)
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
