"""Query plans: plain data, printable as JSON in the shape Apollo's and Hive's routers use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from router.planning.alias_conflicts import KeyRewrite
from router.planning.operation import Field, InlineFragment, Selection, print_selections


@dataclass(frozen=True)
class ContextRewrite:
    """Where an entity fetch finds a contextual argument's value, relative to each entity:
    ``..`` goes one field up, ``... on T`` holds only for objects of type T, any other step is
    a response key. Apollo's plans call it a ``KeyRenamer`` of ``contextRewrites``."""

    variable: str
    path: tuple[str, ...]


@dataclass
class Fetch:
    """One operation sent to one subgraph."""

    service_name: str
    graph: str
    operation: str
    operation_kind: str
    variable_usages: list[str]
    requires: list[Selection] | None = None
    """For entity fetches: the selection each representation is built from."""
    typename_for: dict[str, str] = field(default_factory=dict)
    """Representations matched by this type condition are sent as this (interface object) type."""
    id: int = 0
    rewrites: list[KeyRewrite] = field(default_factory=list)
    """Aliases the planner added to keep the subgraph operation valid, to undo on results."""
    context_rewrites: list[ContextRewrite] = field(default_factory=list)
    """For entity fetches with contextual arguments: where each variable's value is."""

    @property
    def is_entity_fetch(self) -> bool:
        return self.requires is not None


@dataclass
class Flatten:
    path: list[str]
    node: PlanNode


@dataclass
class Sequence:
    nodes: list[PlanNode]


@dataclass
class Parallel:
    nodes: list[PlanNode]


@dataclass
class Condition:
    condition: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None


@dataclass
class DeferredNode:
    """One deferred fragment: the fetches that complete it, run once the primary fetches it
    ``depends`` on have answered, and what of the response it delivers."""

    depends: list[int]
    """Ids of the primary fetches whose objects this part's entity fetches start from."""
    label: str | None
    query_path: list[str]
    """Where the fragment applies: response keys, ``@`` for each list level."""
    subselection: str
    node: PlanNode | None
    """None when the primary fetches already bring the fragment's fields (it is only sent
    later)."""
    key: str = ""
    """Which fragment of the operation this is (see :func:`router.planning.defer.defer_key`)."""
    type_name: str = ""
    """The type the fragment's fields are asked of."""


@dataclass
class Defer:
    """Apollo's ``Defer`` node: a primary part answered first, then each deferred part."""

    primary: PlanNode | None
    primary_subselection: str
    deferred: list[DeferredNode]


PlanNode = Fetch | Flatten | Sequence | Parallel | Condition | Defer


@dataclass
class QueryPlan:
    node: PlanNode | None
    executor_cache: Any = field(default=None, compare=False, repr=False)
    """Whatever the executor derives from this plan once and keeps with it (the compiled
    data path's programs): it lives and is evicted with the plan."""

    def to_json(self) -> dict[str, Any]:
        plan: dict[str, Any] = {"kind": "QueryPlan"}
        if self.node is not None:
            plan["node"] = node_to_json(self.node)
        return plan


def node_to_json(node: PlanNode) -> dict[str, Any]:
    if isinstance(node, Fetch):
        out: dict[str, Any] = {"kind": "Fetch", "serviceName": node.service_name}
        if node.requires is not None:
            out["requires"] = [_selection_to_json(s) for s in node.requires]
        out["variableUsages"] = node.variable_usages
        out["operation"] = node.operation
        out["operationKind"] = node.operation_kind
        if node.context_rewrites:
            out["contextRewrites"] = [
                {"kind": "KeyRenamer", "path": list(r.path), "renameKeyTo": r.variable}
                for r in node.context_rewrites
            ]
        return out
    if isinstance(node, Flatten):
        return {"kind": "Flatten", "path": node.path, "node": node_to_json(node.node)}
    if isinstance(node, Sequence | Parallel):
        kind = "Sequence" if isinstance(node, Sequence) else "Parallel"
        return {"kind": kind, "nodes": [node_to_json(n) for n in node.nodes]}
    if isinstance(node, Defer):
        return _defer_to_json(node)
    out = {"kind": "Condition", "condition": node.condition}
    if node.if_clause is not None:
        out["ifClause"] = node_to_json(node.if_clause)
    if node.else_clause is not None:
        out["elseClause"] = node_to_json(node.else_clause)
    return out


def _defer_to_json(node: Defer) -> dict[str, Any]:
    primary: dict[str, Any] = {"subselection": node.primary_subselection}
    if node.primary is not None:
        primary["node"] = node_to_json(node.primary)
    deferred = []
    for part in node.deferred:
        out: dict[str, Any] = {
            "depends": [{"id": str(i), "deferLabel": None} for i in part.depends],
            "label": part.label,
            "queryPath": part.query_path,
            "subselection": part.subselection,
        }
        if part.node is not None:
            out["node"] = node_to_json(part.node)
        deferred.append(out)
    return {"kind": "Defer", "primary": primary, "deferred": deferred}


def _selection_to_json(selection: Selection) -> dict[str, Any]:
    if isinstance(selection, Field):
        out: dict[str, Any] = {"kind": "Field", "name": selection.name}
        if selection.alias:
            out["alias"] = selection.alias
        if selection.selections:
            out["selections"] = [_selection_to_json(s) for s in selection.selections]
        return out
    assert isinstance(selection, InlineFragment)
    return {
        "kind": "InlineFragment",
        "typeCondition": selection.type_condition,
        "selections": [_selection_to_json(s) for s in selection.selections],
    }


def iter_fetches(node: PlanNode | None) -> list[Fetch]:
    """Every fetch in the plan, depth first."""
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [node]
    if isinstance(node, Flatten):
        return iter_fetches(node.node)
    if isinstance(node, Condition):
        return iter_fetches(node.if_clause) + iter_fetches(node.else_clause)
    if isinstance(node, Defer):
        parts = [part.node for part in node.deferred]
        return [fetch for child in (node.primary, *parts) for fetch in iter_fetches(child)]
    return [fetch for child in node.nodes for fetch in iter_fetches(child)]


def format_plan(plan: QueryPlan) -> str:
    """The plan as indented text, close to the way Apollo prints query plans."""
    if plan.node is None:
        return "QueryPlan {}"
    return "QueryPlan {\n" + _format(plan.node, 1) + "\n}"


def _format(node: PlanNode, depth: int) -> str:
    pad = "  " * depth
    if isinstance(node, Fetch):
        lines = [f'{pad}Fetch(service: "{node.service_name}") {{']
        if node.requires is not None:
            lines.append(f"{pad}  requires {print_selections(node.requires)}")
        for rewrite in node.context_rewrites:
            lines.append(f"{pad}  context ${rewrite.variable} = {'/'.join(rewrite.path)}")
        lines.append(f"{pad}  {node.operation}")
        lines.append(f"{pad}}}")
        return "\n".join(lines)
    if isinstance(node, Flatten):
        inner = _format(node.node, depth + 1)
        return f'{pad}Flatten(path: "{".".join(node.path)}") {{\n{inner}\n{pad}}}'
    if isinstance(node, Sequence | Parallel):
        inner = "\n".join(_format(child, depth + 1) for child in node.nodes)
        return f"{pad}{type(node).__name__} {{\n{inner}\n{pad}}}"
    if isinstance(node, Defer):
        return _format_defer(node, depth)
    parts = [f"{pad}Condition(if: ${node.condition}) {{"]
    if node.if_clause is not None:
        parts.append(_format(node.if_clause, depth + 1))
    if node.else_clause is not None:
        parts += [f"{pad}}} else {{", _format(node.else_clause, depth + 1)]
    parts.append(f"{pad}}}")
    return "\n".join(parts)


def _format_defer(node: Defer, depth: int) -> str:
    """``Defer { Primary { ... }, [ Deferred(depends: [0], path: "a") { ... }, ] }``, as
    Apollo prints it."""
    pad = "  " * depth
    lines = [f"{pad}Defer {{", f"{pad}  Primary {{", f"{pad}    {node.primary_subselection}:"]
    if node.primary is not None:
        lines.append(_format(node.primary, depth + 2))
    lines.append(f"{pad}  }}, [")
    for part in node.deferred:
        depends = ", ".join(str(i) for i in part.depends)
        label = f', label: "{part.label}"' if part.label is not None else ""
        path = "/".join(part.query_path)
        lines.append(f'{pad}    Deferred(depends: [{depends}], path: "{path}"{label}) {{')
        lines.append(f"{pad}      {part.subselection}:")
        if part.node is not None:
            lines.append(_format(part.node, depth + 3))
        lines.append(f"{pad}    }},")
    lines += [f"{pad}  ]", f"{pad}}}"]
    return "\n".join(lines)
