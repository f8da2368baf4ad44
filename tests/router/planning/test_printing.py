"""Subgraph operations print valid whatever the planner left empty."""

from graphql import DirectiveNode, FieldNode, OperationDefinitionNode, parse

from router.planning.operation import (
    Field,
    InlineFragment,
    Selection,
    field_name_of,
    internal_alias,
    print_selections,
    variables_used,
)


def _skip_if_v() -> tuple[DirectiveNode, ...]:
    operation = parse("query ($v: Boolean!) { a @skip(if: $v) }").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    field = operation.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    return tuple(field.directives or ())


def test_fragments_with_nothing_inside_are_left_out_with_their_variables() -> None:
    empty = InlineFragment(None, [InlineFragment("Book", [])], _skip_if_v())
    selections: list[Selection] = [Field("id"), empty]
    assert print_selections(selections) == "{id}"
    assert variables_used(selections) == set()


def test_a_composite_field_whose_selections_print_to_nothing_gets_typename() -> None:
    field = Field("author", selections=[InlineFragment("Person", [])])
    assert print_selections([field]) == "{author {__typename}}"


def test_internal_aliases_name_their_field_back() -> None:
    alias = internal_alias(Field("price"))
    assert alias.startswith("_sg_price_")
    assert field_name_of(alias) == "price"
    assert field_name_of("price") == "price"
    assert field_name_of("_sg_price") == "_sg_price"
