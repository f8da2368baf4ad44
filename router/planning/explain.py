"""Every planning stage of one operation, printed (``shopgraph router plan``)."""

from __future__ import annotations

import json

from graphql import DocumentNode

from router.planning.build_plan import build_plan
from router.planning.fetch_graph import FetchGraphBuilder
from router.planning.normalize import normalize_operation
from router.planning.operation import print_selections
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
    drafts = FetchGraphBuilder(SchemaIndex(supergraph, labels), operation).build()
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
