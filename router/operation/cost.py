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
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    ValueNode,
    get_named_type,
    is_composite_type,
    value_from_ast_untyped,
)

from router.supergraph.metadata import CostDirectives, ListSize
from router.types import RouterError

MUTATION_COST = 10
COST_CAP = _CAP = 10**18
_MAX_SPREADS = 64  # spreads followed in a row within one object (cycles are invalid anyway)


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


class CostError(RouterError):
    """The operation cannot be costed (a field needs exactly one slicing argument)."""

    code = "COST_QUERY_PARSE_FAILURE"


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
        """``sized``: the fields of this set (dotted paths below it) that hold ``size`` items."""
        cost = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                definition = getattr(parent, "fields", {}).get(node.name.value)
                if definition is not None and not _skipped(node):
                    cost += self.field(parent, node, definition, sized, size)
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
        sized: frozenset[str],
        size: int,
    ) -> int:
        """``count * (weight + selections) + arguments``, as Apollo Router scores a field."""
        name = node.name.value
        list_size = self.model.list_size(parent.name, name)
        expected = self.expected_size(list_size, definition, node)
        if not _is_list(definition.type):
            count = 1
        elif name in sized:
            count = size  # a sized field of the parent's @listSize
        elif expected is not None:
            count = expected
        else:
            count = self.model.default_list_size
        inner_sized = frozenset(
            rest for path in sized if (rest := path.removeprefix(name + ".")) != path
        )
        inner_size = size
        if list_size is not None and list_size.sized_fields and expected is not None:
            inner_sized, inner_size = frozenset(list_size.sized_fields), expected
        weight = self.model.field_weight(parent.name, name, definition)
        named = get_named_type(definition.type)
        inner = self.selection_set(named, node.selection_set, inner_sized, inner_size)
        arguments = sum(
            self.argument(
                f"{parent.name}.{name}({argument.name.value}:)",
                definition.args[argument.name.value].type,
                argument.value,
                from_variable=False,
            )
            for argument in node.arguments or ()
            if argument.name.value in definition.args
        )
        return min(count * (weight + inner) + arguments, _CAP)

    def expected_size(
        self, list_size: ListSize | None, definition: GraphQLField, node: FieldNode
    ) -> int | None:
        """The slicing arguments' largest value (defaults count), else ``assumedSize``."""
        if list_size is None:
            return None
        if not list_size.slicing_arguments:
            return list_size.assumed_size
        given: dict[str, Any] = {
            name: argument.default_value
            for name, argument in definition.args.items()
            if argument.default_value is not Undefined and argument.default_value is not None
        }
        for argument in node.arguments or ():
            given[argument.name.value] = _ast_value(argument.value, self.variables)
        sizes = [
            found
            for path in list_size.slicing_arguments
            if (found := _size_of(_at_path(given, path))) is not None
        ]
        if list_size.require_one_slicing_argument and len(sizes) != 1:
            raise CostError(
                f"Exactly one slicing argument is required, but found {len(sizes)} "
                f"(field {node.name.value})"
            )
        return min(max(sizes), _CAP) if sizes else list_size.assumed_size

    def argument(
        self, coordinate: str, type_: GraphQLInputType, value: Any, *, from_variable: bool
    ) -> int:
        """An argument's cost: its ``@cost`` (else its type's; input objects 1), plus its
        input fields' and list items' costs."""
        if not from_variable:
            value = _ast_value(value, self.variables)
        if value is None:
            return 0
        named = get_named_type(type_)
        weights = self.model.weights
        own = weights.get(coordinate, weights.get(named.name))
        inner_type = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(value, list) and isinstance(inner_type, GraphQLList):
            items = sum(
                self.argument(coordinate, inner_type.of_type, item, from_variable=True)
                for item in value
            )
            return min((own or 0) + items, _CAP)
        if isinstance(value, dict) and isinstance(named, GraphQLInputObjectType):
            cost = 1 if own is None else own
            for key, inner in value.items():
                input_field = named.fields.get(key)
                if input_field is not None:
                    cost += self.argument(
                        f"{named.name}.{key}", input_field.type, inner, from_variable=True
                    )
            return min(cost, _CAP)
        return own or 0


def _skipped(node: FieldNode) -> bool:
    """``@skip(if: true)`` or ``@include(if: false)`` written as literals."""
    for directive in node.directives or ():
        name = directive.name.value
        if name in ("skip", "include") and directive.arguments:
            value = directive.arguments[0].value
            if isinstance(value, BooleanValueNode) and value.value == (name == "skip"):
                return True
    return False


def _ast_value(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    """A literal's value, variables substituted (types are not needed to cost it)."""
    return value_from_ast_untyped(node, dict(variables))


def _at_path(values: Mapping[str, Any], path: str) -> Any:
    current: Any = values
    for step in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(step)
    return current


def _size_of(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    return None


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
