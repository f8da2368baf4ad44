"""The mobile schema: ``schema.graphql`` with the resolvers bound to it."""

from __future__ import annotations

from pathlib import Path

from ariadne import make_executable_schema
from graphql import GraphQLSchema

from bff_mobile.resolvers import mutation, query

SCHEMA_PATH = Path(__file__).parent / "schema.graphql"


def build_schema() -> GraphQLSchema:
    # Resolvers and shaped answers use snake case; the schema keeps GraphQL's camel case.
    return make_executable_schema(SCHEMA_PATH.read_text(), query, mutation, convert_names_case=True)
