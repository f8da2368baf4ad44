"""What every strawberry subgraph schema shares."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.federation import Schema

from subgraphs.common.errors import add_code


class CodedSchema(Schema):
    """A Federation schema whose every error carries a code (see :func:`add_code`)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            add_code(error)
        super().process_errors(errors, execution_context)
