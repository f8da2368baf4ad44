"""The search subgraph's schema: ``schema.graphql`` with ariadne resolvers bound to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ariadne import EnumType, ObjectType, QueryType
from ariadne.contrib.federation import make_federated_schema
from graphql import GraphQLResolveInfo

from subgraphs.common.auth import Viewer
from subgraphs.common.entities import guard_entities
from subgraphs.common.errors import client_error
from subgraphs.common.pagination import page_size
from subgraphs.search.index import (
    CursorError,
    Hit,
    PriceBucket,
    SearchFilter,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SortOrder,
)

SDL = (Path(__file__).parent / "schema.graphql").read_text()
# Federation 2.9's demand-control directives, which ariadne's federation definitions predate.
DEMAND_CONTROL_DEFINITIONS = """
directive @cost(weight: Int!) on
  ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(
  assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],
  requireOneSlicingArgument: Boolean = true
) on FIELD_DEFINITION
"""
MAX_QUERY_LENGTH = 200
MAX_PREFIX_LENGTH = 100
MAX_SUGGESTIONS = 20
MAX_FILTER_VALUES = 50


@dataclass
class Context:
    viewer: Viewer
    index: SearchIndex


query = QueryType()
sort_enum = EnumType("SearchSort", SortOrder)
search_result = ObjectType("SearchResult")
search_hit = ObjectType("SearchHit")
price_range = ObjectType("PriceRangeFacet")


@query.field("search")
async def resolve_search(
    _: None,
    info: GraphQLResolveInfo,
    *,
    query: str,
    sort: SortOrder,
    first: int,
    filter: dict[str, Any] | None = None,
    after: str | None = None,
) -> SearchResult:
    if len(query) > MAX_QUERY_LENGTH:
        raise client_error(
            f"query is {len(query)} characters; at most {MAX_QUERY_LENGTH} are allowed",
            "BAD_USER_INPUT",
        )
    request = SearchQuery(query, _filter(filter or {}), sort, page_size(first), after)
    context: Context = info.context
    try:
        return await context.index.search(request)
    except CursorError as error:
        raise client_error(str(error), "BAD_USER_INPUT") from error


@query.field("suggest")
async def resolve_suggest(
    _: None, info: GraphQLResolveInfo, *, prefix: str, first: int
) -> list[str]:
    if not 1 <= first <= MAX_SUGGESTIONS:
        raise client_error(f"first must be between 1 and {MAX_SUGGESTIONS}, not {first}",
                           "BAD_USER_INPUT")  # fmt: skip
    prefix = prefix.strip()
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise client_error(f"prefix is longer than {MAX_PREFIX_LENGTH} characters",
                           "BAD_USER_INPUT")  # fmt: skip
    if not prefix:
        return []
    context: Context = info.context
    return await context.index.suggest(prefix, first)


def _filter(given: dict[str, Any]) -> SearchFilter:
    where = SearchFilter(
        category_ids=given.get("categoryIds") or (),
        brands=given.get("brands") or (),
        vendor_ids=given.get("vendorIds") or (),
        min_price=given.get("minPrice"),
        max_price=given.get("maxPrice"),
    )
    for name, values in (("categoryIds", where.category_ids), ("brands", where.brands),
                         ("vendorIds", where.vendor_ids)):  # fmt: skip
        if len(values) > MAX_FILTER_VALUES:
            raise client_error(f"filter.{name} has more than {MAX_FILTER_VALUES} values",
                               "BAD_USER_INPUT")  # fmt: skip
    for name, price in (("minPrice", where.min_price), ("maxPrice", where.max_price)):
        if price is not None and price < 0:
            raise client_error(f"filter.{name} must not be negative", "BAD_USER_INPUT")
    low, high = where.min_price, where.max_price
    if low is not None and high is not None and low > high:
        raise client_error("filter.minPrice is above filter.maxPrice", "BAD_USER_INPUT")
    return where


@search_result.field("pageInfo")
def resolve_page_info(result: SearchResult, _: GraphQLResolveInfo) -> dict[str, Any]:
    return {"hasNextPage": result.next_cursor is not None, "endCursor": result.next_cursor}


@search_result.field("facets")
def resolve_facets(result: SearchResult, _: GraphQLResolveInfo) -> dict[str, Any]:
    facets = result.facets
    return {
        "categories": [{"category": {"id": f.value}, "count": f.count} for f in facets.categories],
        "brands": [{"brand": f.value, "count": f.count} for f in facets.brands],
        "vendors": [{"vendor": {"id": f.value}, "count": f.count} for f in facets.vendors],
        "prices": facets.prices,
    }


@search_hit.field("product")
def resolve_product(hit: Hit, _: GraphQLResolveInfo) -> dict[str, str]:
    return {"id": hit.product_id}


@search_hit.field("highlights")
def resolve_highlights(hit: Hit, _: GraphQLResolveInfo) -> list[dict[str, Any]]:
    return [{"field": name, "fragments": fragments} for name, fragments in hit.highlights.items()]


@price_range.field("min")
def resolve_min(bucket: PriceBucket, _: GraphQLResolveInfo) -> int | None:
    return bucket.start


@price_range.field("max")
def resolve_max(bucket: PriceBucket, _: GraphQLResolveInfo) -> int | None:
    return bucket.end


def resolve_service(*_: Any) -> dict[str, str]:
    """The SDL as written: ariadne would serve it without the directives it does not know."""
    return {"sdl": SDL}


schema = make_federated_schema([SDL, DEMAND_CONTROL_DEFINITIONS], query, sort_enum, search_result,
                               search_hit, price_range)  # fmt: skip
if schema.query_type is None:  # the SDL defines Query
    raise RuntimeError("the search schema has no Query type")
schema.query_type.fields["_service"].resolve = resolve_service

guard_entities(schema, SDL)
