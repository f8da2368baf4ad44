"""``@cacheControl``, Apollo's cache-control directive, for the strawberry subgraphs: how long a
response holding a type or field may be cached, and whether for its user only. Composed into
the supergraph (``@composeDirective``), where the router reads it for the ``Cache-Control``
header of each response and for its entity cache.

The hints (the search subgraph writes the same in its SDL):
- catalog data is public: categories for 5 minutes, products, their reviews and vendors for
  a minute, search results for 30 s; stock for 5 s (it changes with every order);
- a user's profile, orders and carts are private to them, and not kept;
- value types (``Money``, ``PageInfo``, connections…) take the age of the field holding them.
"""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.federation.schema_directive import schema_directive
from strawberry.schema_directive import Location

SPEC_URL = "https://shopgraph.dev/cacheControl/v0.1"


@strawberry.enum
class CacheControlScope(Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@schema_directive(
    locations=[Location.FIELD_DEFINITION, Location.OBJECT, Location.INTERFACE, Location.UNION],
    name="cacheControl",
    compose=True,
    import_url=SPEC_URL,
)
class CacheControl:
    max_age: int | None = strawberry.UNSET
    scope: CacheControlScope | None = strawberry.UNSET
    inherit_max_age: bool | None = strawberry.UNSET


INHERIT = CacheControl(inherit_max_age=True)
PRIVATE = CacheControl(scope=CacheControlScope.PRIVATE)
