"""How long a response may be cached, and by whom: the ``@cacheControl`` hints of the fields
an operation selects, combined as Apollo Server combines them.

Each field restricts the response's max age: to its own ``maxAge``, else to its return type's;
without either, a root field or a field returning an object, interface or union restricts it
to 0 (not cacheable), unless it says ``inheritMaxAge``, while a leaf field adds nothing. The
response's max age is the lowest of them; any ``PRIVATE`` hint makes it private. The policy
depends on the operation and the schema only, so it is computed once per prepared operation
(conditional fields counted as selected: the header is never longer-lived than the data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    parse,
)

from router.planning.operation import Field, InlineFragment, Operation, Selection
from router.supergraph.metadata import CacheHint

NO_STORE = "no-store"


@dataclass(frozen=True)
class CachePolicy:
    max_age: int
    """Seconds; 0 for a response no cache may keep."""
    private: bool = False

    def header(self, *, authenticated: bool) -> str:
        """The ``Cache-Control`` value: private for a user's own data or any signed-in
        request, since what a subgraph answers may depend on who asks."""
        if self.max_age <= 0:
            return f"private, {NO_STORE}" if self.private or authenticated else NO_STORE
        return f"max-age={self.max_age}, {'private' if self.private or authenticated else 'public'}"


UNCACHEABLE = CachePolicy(0)


def operation_cache_policy(
    operation: Operation, schema: GraphQLSchema, hints: Mapping[str, CacheHint]
) -> CachePolicy:
    """The policy of a query's response; mutations and subscriptions are never cached."""
    if operation.kind != "query" or not hints:
        return UNCACHEABLE
    root = schema.query_type
    if root is None:
        return UNCACHEABLE
    walk = _Walk(schema, hints)
    walk.selections(operation.selections, root, is_root=True)
    if walk.max_age is None:
        return UNCACHEABLE  # nothing but __typename: nothing says it may be kept
    return CachePolicy(walk.max_age, walk.private)


def fetch_cache_policy(
    query: str, schema: GraphQLSchema, hints: Mapping[str, CacheHint]
) -> CachePolicy:
    """The policy of a subgraph fetch's answer, from the query the router sends: for an
    ``_entities`` fetch, each entity's type counts as a root field returning it."""
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return UNCACHEABLE
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query" or not hints:
        return UNCACHEABLE
    root = schema.query_type
    if root is None:
        return UNCACHEABLE
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}  # fmt: skip
    walk = _Walk(schema, hints)
    for selection in _ast_selections(operations[0].selection_set, fragments, root, schema):
        node, parent = selection
        if node.name.value != "_entities":
            walk.field(_as_field(node, fragments), parent, is_root=True)
            continue
        for fragment in node.selection_set.selections if node.selection_set else ():
            entity = schema.get_type(fragment.type_condition.name.value) if isinstance(
                fragment, InlineFragmentNode) and fragment.type_condition else None  # fmt: skip
            if entity is None or not isinstance(fragment, InlineFragmentNode):
                return UNCACHEABLE
            walk.entity(entity, _as_selections(fragment.selection_set, fragments))
    if walk.max_age is None:
        return UNCACHEABLE
    return CachePolicy(walk.max_age, walk.private)


def _ast_selections(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    parent: GraphQLNamedType,
    schema: GraphQLSchema,
) -> list[tuple[FieldNode, GraphQLNamedType]]:
    found: list[tuple[FieldNode, GraphQLNamedType]] = []
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            found.append((node, parent))
            continue
        inner: FragmentDefinitionNode | InlineFragmentNode | None = (
            fragments.get(node.name.value) if isinstance(node, FragmentSpreadNode)
            else node if isinstance(node, InlineFragmentNode) else None
        )  # fmt: skip
        if inner is None:
            continue
        condition = inner.type_condition
        narrowed = schema.get_type(condition.name.value) if condition else parent
        found += _ast_selections(inner.selection_set, fragments, narrowed or parent, schema)
    return found


def _as_field(node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode]) -> Field:
    return Field(node.name.value, selections=_as_selections(node.selection_set, fragments))


def _as_selections(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[Selection]:
    selections: list[Selection] = []
    for node in selection_set.selections if selection_set else ():
        if isinstance(node, FieldNode):
            selections.append(_as_field(node, fragments))
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            selections.append(
                InlineFragment(condition, _as_selections(node.selection_set, fragments))
            )
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            fragment = fragments[node.name.value]
            inner = _as_selections(fragment.selection_set, fragments)
            selections.append(InlineFragment(fragment.type_condition.name.value, inner))
    return selections


class _Walk:
    def __init__(self, schema: GraphQLSchema, hints: Mapping[str, CacheHint]) -> None:
        self.schema = schema
        self.hints = hints
        self.max_age: int | None = None
        self.private = False

    def entity(self, entity: GraphQLNamedType, selections: list[Selection]) -> None:
        """An ``_entities`` answer of type ``entity``: the type's hint, as a root field's."""
        hint = self.hints.get(entity.name)
        if hint is not None and hint.scope == "PRIVATE":
            self.private = True
        if hint is not None and hint.max_age is not None:
            self.restrict(hint.max_age)
        elif hint is None or not hint.inherit_max_age:
            self.restrict(0)
        self.selections(selections, entity)

    def restrict(self, max_age: int) -> None:
        self.max_age = max_age if self.max_age is None else min(self.max_age, max_age)

    def selections(
        self, selections: list[Selection], parent: GraphQLNamedType, *, is_root: bool = False
    ) -> None:
        for selection in selections:
            if isinstance(selection, Field):
                self.field(selection, parent, is_root)
                continue
            condition = self.schema.get_type(selection.type_condition or parent.name)
            self.selections(selection.selections, condition or parent, is_root=is_root)

    def field(self, field: Field, parent: GraphQLNamedType, is_root: bool) -> None:
        if field.name == "__typename":
            return
        if field.name in ("__schema", "__type") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            self.restrict(0)
            return
        definition = parent.fields.get(field.name)
        if definition is None:
            self.restrict(0)
            return
        returns = get_named_type(definition.type)
        composite = is_composite_type(returns)
        own = self.hints.get(f"{parent.name}.{field.name}")
        of_type = self.hints.get(returns.name) if composite else None
        max_age = own.max_age if own is not None else None
        inherit = own is not None and own.inherit_max_age
        if max_age is None and not inherit and of_type is not None:
            max_age, inherit = of_type.max_age, of_type.inherit_max_age
        scope = own.scope if own is not None and own.scope else (of_type.scope if of_type else None)
        if scope == "PRIVATE":
            self.private = True
        if max_age is not None:
            self.restrict(max_age)
        elif (is_root or composite) and not inherit:
            self.restrict(0)
        if composite and field.selections:
            self.selections(field.selections, returns)


def root_entity_ids(query: str, schema: GraphQLSchema) -> tuple[tuple[str, str, bool], ...]:
    """The root fields of ``query`` that take an ``id`` and return an object type: (the type,
    the argument's literal value or variable name, whether it is a variable)."""
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return ()
    root = schema.query_type
    found = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or root is None:
            continue
        for node in definition.selection_set.selections:
            if not isinstance(node, FieldNode) or node.name.value not in root.fields:
                continue
            returns = get_named_type(root.fields[node.name.value].type)
            for argument in node.arguments or ():
                if argument.name.value != "id" or not isinstance(returns, GraphQLObjectType):
                    continue
                if isinstance(argument.value, VariableNode):
                    found.append((returns.name, argument.value.name.value, True))
                elif isinstance(argument.value, StringValueNode | IntValueNode):
                    found.append((returns.name, str(argument.value.value), False))
    return tuple(found)
