"""What every strawberry subgraph shares: its schema class and its ASGI app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from subgraphs.common.auth import Viewer
from subgraphs.common.errors import add_code
from subgraphs.common.http import viewer_of

S = TypeVar("S")
C = TypeVar("C")


class CodedSchema(Schema):
    """A Federation schema whose every error carries a code (see :func:`add_code`)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            add_code(error)
        super().process_errors(errors, execution_context)


class SubgraphGraphQL(GraphQL[C, None], Generic[S, C]):
    """Strawberry's ASGI app whose request context is built from the services the app's
    lifespan started (``services``) and the request's viewer (``context``)."""

    def __init__(self, schema: Schema, services: Callable[[], S],
                 context: Callable[[S, Viewer], C]) -> None:  # fmt: skip
        super().__init__(schema, graphql_ide=None)
        self.services = services
        self.make_context = context

    async def get_context(self, request: Request, response: Response | Any) -> C:  # type: ignore[override]
        return self.make_context(self.services(), viewer_of(request))
