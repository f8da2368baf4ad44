"""Demand control: what an operation costs, from the supergraph's ``@cost`` and ``@listSize``.

The static estimate follows the Federation demand-control directives as Apollo Router reads
them: a field costs its ``@cost`` weight (else its type's, else 1 for objects, interfaces and
unions and 0 for leaves), plus the weights of the arguments it is given, times the number of
items it returns: the value of its slicing argument, its ``assumedSize``, or the configured
default list size; ``sizedFields`` move that multiplier onto the connection's list fields.
A mutation adds 10. Fragments are costed once per context, never expanded. The actual cost
is the same sum over the response, with the lists' real lengths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    value_from_ast,
)

from router.supergraph.metadata import CostDirectives, ListSize

MUTATION_COST = 10
_CAP = 10**18
_MAX_SPREADS = 64  # spreads followed in a row within one object (cycles are invalid anyway)


@dataclass(frozen=True)
class DemandControlLimits:
    max_cost: int = 10_000
    """0: no limit (the cost is still measured)."""
    default_list_size: int = 10
    """Items assumed for a list field without ``@listSize``."""


class CostModel:
    def __init__(
        self, schema: GraphQLSchema, directives: CostDirectives, *, default_list_size: int = 10
    ) -> None:
        self.schema = schema
        self.weights = directives.weights
        self.list_sizes = directives.list_sizes
        self.default_list_size = default_list_size

    # -- the static estimate -------------------------------------------------------------------
    def estimate(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        walk = _Estimate(self, fragments, variables)
        cost = walk.selection_set(root, operation.selection_set, frozenset(), 1)
        if operation.operation == OperationType.MUTATION:
            cost += MUTATION_COST
        return min(cost, _CAP)

    def field_weight(self, parent: str, name: str, definition: GraphQLField) -> int:
        coordinate = f"{parent}.{name}"
        if coordinate in self.weights:
            return self.weights[coordinate]
        named = get_named_type(definition.type)
        if named.name in self.weights:
            return self.weights[named.name]
        return 1 if is_composite_type(named) else 0

    def list_size(self, parent: str, name: str) -> ListSize | None:
        return self.list_sizes.get(f"{parent}.{name}")

    # -- the actual cost -----------------------------------------------------------------------
    def actual(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        data: Any,
    ) -> int:
        """The cost of what was returned: the same weights, with the lists' real lengths."""
        root = self.schema.get_root_type(operation.operation)
        if root is None or not isinstance(data, dict):
            return 0
        cost = self._actual_set(root, operation.selection_set, fragments, data, 0)
        if operation.operation == OperationType.MUTATION:
            cost += MUTATION_COST
        return min(cost, _CAP)

    def _actual_set(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        fragments: Mapping[str, FragmentDefinitionNode],
        obj: Any,
        spreads: int,
    ) -> int:
        if not isinstance(obj, dict) or selection_set is None:
            return 0
        cost = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                definition = getattr(parent, "fields", {}).get(node.name.value)
                key = (node.alias or node.name).value
                if definition is None or key not in obj:
                    continue
                weight = self.field_weight(parent.name, node.name.value, definition)
                named = get_named_type(definition.type)
                for item in _flatten([obj[key]]):
                    if item is not None:
                        inner = self._actual_set(named, node.selection_set, fragments, item, 0)
                        cost += weight + inner
                continue
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner_type = self.schema.get_type(condition.name.value) if condition else parent
                inner_set = node.selection_set
            elif isinstance(node, FragmentSpreadNode) and spreads < _MAX_SPREADS:
                fragment = fragments.get(node.name.value)
                if fragment is None:
                    continue
                inner_type = self.schema.get_type(fragment.type_condition.name.value)
                inner_set = fragment.selection_set
            else:
                continue
            if inner_type is not None:
                cost += self._actual_set(inner_type, inner_set, fragments, obj, spreads + 1)
        return min(cost, _CAP)


def _flatten(items: list[Any]) -> list[Any]:
    flat: list[Any] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            flat.append(item)
    return flat


class _Estimate:
    def __init__(
        self,
        model: CostModel,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.model = model
        self.fragments = fragments
        self.variables = dict(variables)
        self.memo: dict[tuple[str, frozenset[str], int], int] = {}
        self.in_progress: set[str] = set()

    def selection_set(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        sized: frozenset[str],
        size: int,
    ) -> int:
        cost = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                definition = getattr(parent, "fields", {}).get(node.name.value)
                if definition is not None:
                    multiplier = size if node.name.value in sized else None
                    cost += self.field(parent, node, definition, multiplier)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = self.model.schema.get_type(condition.name.value) if condition else parent
                if inner is not None:
                    cost += self.selection_set(inner, node.selection_set, sized, size)
            elif isinstance(node, FragmentSpreadNode):
                cost += self.spread(node.name.value, sized, size)
            cost = min(cost, _CAP)
        return cost

    def spread(self, name: str, sized: frozenset[str], size: int) -> int:
        key = (name, sized, size)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.in_progress:
            return 0
        parent = self.model.schema.get_type(fragment.type_condition.name.value)
        if parent is None:
            return 0
        self.in_progress.add(name)
        try:
            cost = self.selection_set(parent, fragment.selection_set, sized, size)
        finally:
            self.in_progress.discard(name)
        self.memo[key] = cost
        return cost

    def field(
        self,
        parent: GraphQLNamedType,
        node: FieldNode,
        definition: GraphQLField,
        multiplier: int | None,
    ) -> int:
        name = node.name.value
        weight = self.model.field_weight(parent.name, name, definition)
        arguments = sum(
            self.model.weights.get(f"{parent.name}.{name}({argument.name.value}:)", 0)
            for argument in node.arguments or ()
        )
        list_size = self.model.list_size(parent.name, name)
        count = 1
        sized: frozenset[str] = frozenset()
        size = 1
        if list_size is not None and list_size.sized_fields:
            sized, size = frozenset(list_size.sized_fields), self.count(list_size, definition, node)
        elif multiplier is not None:
            count = multiplier
        elif _is_list(definition.type):
            count = self.count(list_size, definition, node)
        named = get_named_type(definition.type)
        inner = self.selection_set(named, node.selection_set, sized, size)
        return min(arguments + count * (weight + inner), _CAP)

    def count(self, list_size: ListSize | None, definition: GraphQLField, node: FieldNode) -> int:
        if list_size is not None and list_size.slicing_arguments:
            given = {a.name.value: a.value for a in node.arguments or ()}
            values = []
            for name in list_size.slicing_arguments:
                argument = definition.args.get(name)
                if argument is None:
                    continue
                value = (
                    value_from_ast(given[name], argument.type, self.variables)
                    if name in given
                    else argument.default_value
                )
                if isinstance(value, int) and not isinstance(value, bool):
                    values.append(max(value, 0))
            if values:
                return min(max(values), _CAP)
        if list_size is not None and list_size.assumed_size is not None:
            return list_size.assumed_size
        return self.model.default_list_size


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
