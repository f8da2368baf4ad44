"""Authorize an operation before it is planned: the fields a viewer may not see are left out.

As in Apollo Router, an unauthorized field is never fetched; the response gives it ``null``
with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error at its path (response shaping does that from the
fields this pass denies). One pass over the normalized operation, no subgraph involved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from graphql import GraphQLSchema, OperationType, get_named_type

from router.auth.directives import AuthorizationRules, Viewer
from router.planning.operation import InlineFragment, Operation, Selection

ROOT_TYPES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


@dataclass(frozen=True)
class Authorized:
    operation: Operation
    """The operation the planner plans: denied fields left out."""
    denied: frozenset[int] = frozenset()
    """``id()`` of each denied field of the original operation, for response shaping."""
    signature: str = ""
    """The same for equal denials of the same operation: part of the plan cache key."""


@dataclass
class _Walk:
    schema: GraphQLSchema
    rules: AuthorizationRules
    viewer: Viewer
    denied: set[int] = field(default_factory=set)
    paths: list[str] = field(default_factory=list)

    def find_denied(self, parent: str, items: list[Selection], path: str) -> None:
        """Record every field of ``items`` (and below) the viewer may not see."""
        for item in items:
            if isinstance(item, InlineFragment):
                condition = item.type_condition or parent
                self.find_denied(condition, item.selections, f"{path}|{condition}")
                continue
            returns = self._returns(parent, item.name)
            if returns is None:  # __typename, or a field validation already refused
                continue
            here = f"{path}.{item.key}"
            if not self.rules.for_field(parent, item.name, returns).allows(self.viewer):
                self.denied.add(id(item))
                self.paths.append(here)
            else:
                self.find_denied(returns, item.selections, here)

    def without_denied(self, items: list[Selection]) -> list[Selection]:
        kept: list[Selection] = []
        for item in items:
            if isinstance(item, InlineFragment):
                inner = self.without_denied(item.selections)
                kept.append(InlineFragment(item.type_condition, inner, item.directives))
            elif id(item) not in self.denied:
                copy = item.shallow_copy()
                copy.selections = self.without_denied(item.selections)
                kept.append(copy)
        return kept

    def _returns(self, parent: str, name: str) -> str | None:
        parent_type = self.schema.type_map.get(parent)
        definition = getattr(parent_type, "fields", {}).get(name)
        return None if definition is None else get_named_type(definition.type).name


def authorize_operation(
    schema: GraphQLSchema, rules: AuthorizationRules, operation: Operation, viewer: Viewer
) -> Authorized:
    """The operation as ``viewer`` may run it."""
    if not rules:
        return Authorized(operation)
    root = schema.get_root_type(OperationType(operation.kind))
    walk = _Walk(schema, rules, viewer)
    walk.find_denied(root.name if root else ROOT_TYPES[operation.kind], operation.selections, "")
    if not walk.denied:
        return Authorized(operation)  # the common case: nothing copied
    selections = walk.without_denied(operation.selections)
    filtered = Operation(operation.kind, operation.name, operation.variable_definitions, selections)
    signature = hashlib.sha256("\n".join(sorted(walk.paths)).encode()).hexdigest()[:32]
    return Authorized(filtered, frozenset(walk.denied), signature)
