"""GraphQL value types more than one strawberry subgraph returns, @shareable and defined once,
so that their definitions never drift apart between subgraphs."""

from __future__ import annotations

import strawberry

from subgraphs.common.cache_control import INHERIT


@strawberry.federation.type(shareable=True, directives=[INHERIT])
class Money:
    amount: int = strawberry.field(description="In minor units (cents).")
    currency: str = strawberry.field(description="ISO 4217 code.")


@strawberry.federation.type(shareable=True, directives=[INHERIT])
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
