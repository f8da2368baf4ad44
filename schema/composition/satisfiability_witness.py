"""How a satisfiability error reads: the supergraph query that cannot be planned (a
*witness*, printed as GraphQL with made-up argument values) and, per subgraph, why not."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    parse_type,
    print_ast,
)

from schema.composition.satisfiability_graph import FederatedGraph
from schema.composition.satisfiability_paths import DeadEnd, subgraph_names
from schema.composition.satisfiability_positions import CastStep, FieldStep, Step

ELLIPSIS = "__satisfiability_ellipsis__"
OPERATIONS = {"Query": OperationType.QUERY, "Mutation": OperationType.MUTATION,
              "Subscription": OperationType.SUBSCRIPTION}  # fmt: skip


def unsatisfiable_message(graph: FederatedGraph, root: str, steps: Sequence[Step],
                          dead_ends: Sequence[DeadEnd]) -> str:  # fmt: skip
    return ("The following supergraph API query:\n" + witness(graph, root, steps)
            + "\ncannot be satisfied by the subgraphs because:\n" + reasons(dead_ends))  # fmt: skip


def runtime_types_message(graph: FederatedGraph, root: str, steps: Sequence[Step],
                          by_types: dict[str, list[str]]) -> str:  # fmt: skip
    step = steps[-1]
    assert isinstance(step, FieldStep)
    merged = graph.supergraph.types[step.parent].fields[step.name]
    listed = ";\n".join(f" - in {subgraph_names(s)}, {types}" for types, s in by_types.items())
    return (f"For the following supergraph API query:\n{witness(graph, root, steps)}"
            f'\nShared field "{step.coordinate}" return type "{merged.type}" has a '
            "non-intersecting set of possible runtime types across subgraphs. Runtime types in "
            f"subgraphs are:\n{listed}.\nThis is not allowed as shared fields must resolve the "
            "same way in all subgraphs, and that implies at least some common runtime types "
            "between the subgraphs.")  # fmt: skip


def runtime_types_hint(graph: FederatedGraph, root: str, steps: Sequence[Step],
                       subgraphs: list[str], common: list[str],
                       per_subgraph: dict[str, list[str]]) -> str:  # fmt: skip
    step = steps[-1]
    assert isinstance(step, FieldStep)
    merged = graph.supergraph.types[step.parent].fields[step.name]
    lines = []
    for subgraph in subgraphs:
        others = [t for t in per_subgraph.get(subgraph, []) if t not in common]
        if others:
            lines.append(f' - subgraph "{subgraph}" should never resolve "{step.coordinate}" '
                         f"to an object of {_types(others)}")  # fmt: skip
    listed = ";\n".join(lines)
    return (f"For the following supergraph API query:\n{witness(graph, root, steps)}"
            f'\nShared field "{step.coordinate}" return type "{merged.type}" has different '
            "sets of possible runtime types across subgraphs.\nSince a shared field must be "
            f"resolved the same way in all subgraphs, make sure that {subgraph_names(subgraphs)} "
            f'only resolve "{step.coordinate}" to objects of {_types(common)}. In particular:'
            f"\n{listed}.\nOtherwise the @shareable contract will be broken.")  # fmt: skip


def _types(names: list[str]) -> str:
    quoted = [f'"{n}"' for n in names]
    return ("type " if len(quoted) == 1 else "types ") + join_strings(quoted)


def described_types(names: list[str]) -> str:
    if not names:
        return "no runtime type is defined"
    return ("types " if len(names) > 1 else "type ") + join_strings([f'"{n}"' for n in names])


def join_strings(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def reasons(dead_ends: Sequence[DeadEnd]) -> str:
    by_subgraph: dict[str, list[str]] = {}
    for dead_end in dead_ends:
        by_subgraph.setdefault(dead_end.source, []).append(dead_end.details)
    lines = []
    for subgraph, details in by_subgraph.items():
        if len(details) == 1:
            lines.append(f'- from subgraph "{subgraph}": {details[0]}.')
        else:
            listed = "".join(f"\n  - {d}." for d in dict.fromkeys(details))
            lines.append(f'- from subgraph "{subgraph}":{listed}')
    return "\n".join(lines)


def witness(graph: FederatedGraph, root: str, steps: Sequence[Step]) -> str:
    """The query down ``steps``; a selection still owed at the end is printed ``...``."""
    last = steps[-1].target if steps else root
    inner: SelectionSetNode | None = None
    if not graph.is_leaf(last):
        inner = SelectionSetNode(selections=(FieldNode(name=NameNode(value=ELLIPSIS)),))
    for step in reversed(steps):
        selection: SelectionNode
        if isinstance(step, CastStep):
            selection = InlineFragmentNode(
                type_condition=NamedTypeNode(name=NameNode(value=step.cast)),
                selection_set=inner or SelectionSetNode(selections=()),
            )
        else:
            arguments = _arguments(graph, step)
            selection = FieldNode(name=NameNode(value=step.name), arguments=arguments,
                                  selection_set=inner)  # fmt: skip
        inner = SelectionSetNode(selections=(selection,))
    operation = OperationDefinitionNode(operation=OPERATIONS[root], selection_set=inner)
    return print_ast(DocumentNode(definitions=(operation,))).replace(ELLIPSIS, "...")


def _arguments(graph: FederatedGraph, step: FieldStep) -> tuple[ArgumentNode, ...]:
    merged = graph.supergraph.types[step.parent].fields[step.name]
    return tuple(ArgumentNode(name=NameNode(value=a.name),
                              value=_value(graph, parse_type(a.type)))
                 for a in merged.arguments if not a.inaccessible)  # fmt: skip


def _value(graph: FederatedGraph, type_node: TypeNode) -> ValueNode:
    """A value of the type, as Apollo makes one up for a witness."""
    if isinstance(type_node, NonNullTypeNode):
        return _value(graph, type_node.type)
    if isinstance(type_node, ListTypeNode):
        return ListValueNode(values=())
    assert isinstance(type_node, NamedTypeNode)
    name = type_node.name.value
    scalars: dict[str, ValueNode] = {
        "Int": IntValueNode(value="0"), "Float": FloatValueNode(value="3.14"),
        "Boolean": BooleanValueNode(value=True), "String": StringValueNode(value="A string value"),
        "ID": StringValueNode(value="<any id>"),
    }  # fmt: skip
    if name in scalars:
        return scalars[name]
    t = graph.supergraph.types.get(name)
    if t is not None and t.kind == "enum":
        values = [v for v in t.values.values() if not v.inaccessible]
        return EnumValueNode(value=values[0].name if values else "")
    if t is not None and t.kind == "input":
        fields = [ObjectFieldNode(name=NameNode(value=f.name),
                                  value=_value(graph, parse_type(f.type)))
                  for f in t.fields.values()
                  if f.type.endswith("!") and f.default is None and not f.inaccessible]  # fmt: skip
        return ObjectValueNode(fields=tuple(fields))
    return StringValueNode(value="<some value>")
