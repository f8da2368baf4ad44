"""``@defer`` in the API schema, when the router is configured to serve it."""

from __future__ import annotations

from graphql import (
    DirectiveLocation,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLDirective,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
)

DEFER_DIRECTIVE = GraphQLDirective(
    name="defer",
    locations=[DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
    args={
        "label": GraphQLArgument(GraphQLString),
        "if": GraphQLArgument(GraphQLNonNull(GraphQLBoolean), default_value=True),
    },
)
"""``directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT``"""


def with_defer(schema: GraphQLSchema) -> GraphQLSchema:
    """``schema`` with ``@defer`` declared (the same schema if it already declares one)."""
    if schema.get_directive("defer") is not None:
        return schema
    kwargs = schema.to_kwargs()
    kwargs["directives"] = (*schema.directives, DEFER_DIRECTIVE)
    return GraphQLSchema(**kwargs)
