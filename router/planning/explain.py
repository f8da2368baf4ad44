"""Every planning stage of one operation, printed (``shopgraph router plan``)."""

from __future__ import annotations

import json

from graphql import DocumentNode

from router.planning.build_plan import build_plan
from router.planning.defer import defer_variables, has_defer, split_operation
from router.planning.fetch_graph import FetchGraphBuilder
from router.planning.normalize import normalize_operation
from router.planning.operation import Operation, print_selections
from router.planning.planner import plan_normalized
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph


def explain_plan(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None = None,
    labels: frozenset[str] = frozenset(),
) -> str:
    operation = normalize_operation(document, operation_name)
    lines = [
        "# 1. normalized operation",
        f"{operation.kind} {print_selections(operation.selections)}",
    ]
    index = SchemaIndex(supergraph, labels)
    if operation.kind == "query" and has_defer(operation.selections):
        return "\n".join(lines + _explain_defer(supergraph, index, operation))
    drafts = FetchGraphBuilder(index, operation).build()
    lines.append("\n# 2. fetch graph")
    for draft in drafts:
        graph = supergraph.graphs[draft.graph].name
        where = ".".join(draft.path) or "(root)"
        after = f" after {sorted(draft.depends_on)}" if draft.depends_on else ""
        lines.append(f"[{draft.id}] {graph} {draft.kind} at {where}{after}")
        if draft.requires:
            lines.append(f"    requires {print_selections(draft.requires)}")
        lines.append(f"    selects  {print_selections(draft.selections)}")
    plan = build_plan(supergraph, operation, drafts)
    lines += ["\n# 3. query plan", json.dumps(plan.to_json(), indent=2)]
    return "\n".join(lines)


def _explain_defer(supergraph: Supergraph, index: SchemaIndex, operation: Operation) -> list[str]:
    """The split of a query with ``@defer`` (every fragment deferred: ``if`` taken as true),
    then its plan."""
    split = split_operation(index, operation, dict.fromkeys(defer_variables(operation.selections),
                                                            True))  # fmt: skip
    lines = ["\n# 2. defer split", f"primary {print_selections(split.primary)}"]
    for fragment in split.fragments:
        where = ".".join(fragment.path) or "(root)"
        how = "entity fetches" if fragment.entity else ("a query" if not fragment.path else
                                                        "with the primary")  # fmt: skip
        label = f" label {fragment.label!r}" if fragment.label is not None else ""
        lines.append(f"[{fragment.key or '#'}] at {where} on {fragment.type_name}{label}, {how}")
        lines.append(f"    selects  {print_selections(fragment.fragment.selections)}")
    plan = plan_normalized(supergraph, operation, index.labels)
    return [*lines, "\n# 3. query plan", json.dumps(plan.to_json(), indent=2)]
