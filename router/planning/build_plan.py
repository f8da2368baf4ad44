"""Turn a fetch graph into a query plan: subgraph operations as text, ordered by dependency."""

from __future__ import annotations

from graphql import VariableDefinitionNode, print_ast

from router.planning.alias_conflicts import KeyRewrite, alias_conflicting_fields
from router.planning.fetch_graph import FetchDraft
from router.planning.operation import InlineFragment, Operation, print_selections, variables_used
from router.planning.plan import (
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Sequence,
)
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph


def build_plan(supergraph: Supergraph, operation: Operation, drafts: list[FetchDraft]) -> QueryPlan:
    definitions = {d.variable.name.value: d for d in operation.variable_definitions}
    nodes = {
        d.id: _wrap(d, _fetch(supergraph, operation, d, definitions, index))
        for index, d in enumerate(drafts)
        if d.selections
    }
    levels: dict[int, int] = {}

    def level(draft_id: int) -> int:
        if draft_id not in levels:
            deps = [d for d in drafts[draft_id].depends_on if d in nodes]
            levels[draft_id] = 1 + max((level(d) for d in deps), default=-1)
        return levels[draft_id]

    stages: dict[int, list[PlanNode]] = {}
    for draft_id, node in nodes.items():
        stages.setdefault(level(draft_id), []).append(node)
    ordered = [_parallel(stages[k]) for k in sorted(stages)]
    if not ordered:
        return QueryPlan(None)
    return QueryPlan(ordered[0] if len(ordered) == 1 else Sequence(ordered))


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    return nodes[0] if len(nodes) == 1 else Parallel(nodes)


def _wrap(draft: FetchDraft, fetch: Fetch) -> PlanNode:
    node: PlanNode = fetch
    if draft.kind == "entity":
        node = Flatten(list(draft.path), fetch)
    for directive in reversed(draft.conditions):
        variable = print_ast(directive.arguments[0].value).lstrip("$")
        if directive.name.value == "include":
            node = Condition(variable, node, None)
        else:
            node = Condition(variable, None, node)
    return node


def _fetch(
    supergraph: Supergraph,
    operation: Operation,
    draft: FetchDraft,
    definitions: dict[str, VariableDefinitionNode],
    index: int,
) -> Fetch:
    rewrites = _alias_conflicts(supergraph, operation, draft)
    used = sorted(set(variables_used(draft.selections)) - set(draft.context_variables))
    declared = [print_ast(definitions[name]) for name in used if name in definitions]
    # Contextual arguments travel in variables of their own, after the operation's.
    used += list(draft.context_variables)
    declared += [f"${name}: {type_}" for name, type_ in draft.context_variables.items()]
    graph = supergraph.graphs[draft.graph]
    if draft.kind == "entity":
        variables = ", ".join(["$representations: [_Any!]!", *declared])
        selection = print_selections(draft.selections)
        text = f"query({variables}) {{ _entities(representations: $representations) {selection} }}"
        kind = "query"
    else:
        kind = draft.kind
        name = f"{operation.name}__{graph.name}__{index}" if operation.name else ""
        head = f"{kind} {name}".strip()
        if declared:
            head += "(" + ", ".join(declared) + ")"
        text = f"{head} {print_selections(draft.selections)}"
    return Fetch(
        service_name=graph.name,
        graph=draft.graph,
        operation=text,
        operation_kind=kind,
        variable_usages=used,
        requires=draft.requires if draft.kind == "entity" else None,
        typename_for=dict(draft.typename_for),
        id=draft.id,
        rewrites=rewrites,
        context_rewrites=list(draft.context_rewrites),
    )


def _alias_conflicts(
    supergraph: Supergraph, operation: Operation, draft: FetchDraft
) -> list[KeyRewrite]:
    index = SchemaIndex(supergraph)
    if draft.kind != "entity":
        root = {"query": "Query", "mutation": "Mutation"}.get(draft.kind, "Subscription")
        return alias_conflicting_fields(index, draft.graph, root, draft.selections)
    rewrites: list[KeyRewrite] = []
    for fragment in draft.selections:
        if isinstance(fragment, InlineFragment) and fragment.type_condition:
            rewrites += alias_conflicting_fields(
                index, draft.graph, fragment.type_condition, fragment.selections
            )
    return rewrites
