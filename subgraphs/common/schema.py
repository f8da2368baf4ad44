"""What every strawberry subgraph shares: its schema class and its ASGI app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.federation import Schema
from strawberry.federation.schema_directives import ComposeDirective

from subgraphs.common.auth import Viewer
from subgraphs.common.entities import guard_entities
from subgraphs.common.errors import report
from subgraphs.common.http import viewer_of
from subgraphs.common.telemetry import schema_extensions

S = TypeVar("S")
C = TypeVar("C")


class CodedSchema(Schema):
    """A Federation schema whose every error carries a code and is logged once (see
    :func:`report`), and whose ``_entities`` representations are checked first (see
    :func:`guard_entities`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["extensions"] = [*kwargs.get("extensions", ()), *schema_extensions()]
        super().__init__(*args, **kwargs)
        guard_entities(self._schema, self.as_str())

    def _add_compose_directives(self) -> list[Any]:
        # strawberry adds a @composeDirective for each use of a composed directive (thirteen
        # @cacheControl types, thirteen of them); one per directive is what federation means.
        added = super()._add_compose_directives()
        seen: set[str] = set()
        kept = []
        for directive in self.schema_directives:
            if isinstance(directive, ComposeDirective):
                if directive.name in seen:
                    continue
                seen.add(directive.name)
            kept.append(directive)
        self.schema_directives = kept
        return [directive for directive in added if directive in kept]

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            report(error)


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
