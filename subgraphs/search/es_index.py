"""The search index on Elasticsearch: an alias over versioned indices, swapped on rebuild."""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Sequence
from dataclasses import asdict
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError
from elasticsearch.helpers import async_bulk

from subgraphs.common.events import ProductSnapshot
from subgraphs.search.index import (
    FACET_SIZE,
    PRICE_RANGES,
    CursorError,
    Facets,
    FacetValue,
    Hit,
    PriceBucket,
    SearchQuery,
    SearchResult,
    SortOrder,
    decode_cursor,
    encode_cursor,
    name_suffixes,
    weighted_rating,
)

SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "analysis": {
        "analyzer": {
            "product_text": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "porter_stem"],
            },
            "name_prefix": {
                "type": "custom",
                "tokenizer": "keyword",
                "filter": ["lowercase", "asciifolding"],
            },
        }
    },
}
MAPPINGS: dict[str, Any] = {
    "_meta": {"version": "revision"},
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "sku": {"type": "keyword"},
        "name": {"type": "text", "analyzer": "product_text",
                 "fields": {"sort": {"type": "keyword", "normalizer": "lowercase"}}},
        "description": {"type": "text", "analyzer": "product_text"},
        "brand": {"type": "keyword",
                  "fields": {"text": {"type": "text", "analyzer": "product_text"}}},
        "categories": {"type": "text", "analyzer": "product_text"},
        "category_ids": {"type": "keyword"},
        "vendor_id": {"type": "keyword"},
        "price_amount": {"type": "long"},
        "currency": {"type": "keyword"},
        "rating": {"type": "float"},
        "rating_count": {"type": "integer"},
        "rating_rank": {"type": "double"},
        "created_at": {"type": "date"},
        "suggest": {"type": "completion", "analyzer": "name_prefix"},
    },
}  # fmt: skip
VERSION_CONFLICT = "version_conflict_engine_exception"
"""The error of a write whose revision is below the one indexed: a newer snapshot is in."""
SORTS: dict[SortOrder, list[dict[str, Any]]] = {
    SortOrder.RELEVANCE: [{"_score": "desc"}, {"id": "asc"}],
    SortOrder.PRICE_ASC: [{"price_amount": "asc"}, {"id": "asc"}],
    SortOrder.PRICE_DESC: [{"price_amount": "desc"}, {"id": "asc"}],
    SortOrder.NEWEST: [{"created_at": "desc"}, {"id": "asc"}],
    SortOrder.RATING: [{"rating_rank": {"order": "desc", "missing": 0}}, {"id": "asc"}],
}


class RebuildError(Exception):
    """Elasticsearch refused documents of a rebuild; the alias was left as it was."""


class ElasticsearchSearchIndex:
    def __init__(self, client: AsyncElasticsearch, alias: str = "products", *,
                 replicas: int = 0) -> None:  # fmt: skip
        self.client = client
        self.alias = alias
        self.replicas = replicas
        """Replica shards of each index built (0 on one node; at least 1 on a cluster)."""
        self._versioned = False
        """Whether the alias' index takes each product's revision as its external version
        (every index this version builds); one built before keeps last-write-wins until the
        next rebuild."""

    async def ensure_index(self) -> None:
        if not await self.client.indices.exists_alias(name=self.alias):
            name = await self._create_index()
            await self.client.indices.put_alias(index=name, name=self.alias)
            return
        await self._add_new_fields()

    async def _add_new_fields(self) -> None:
        """Map the fields added to ``MAPPINGS`` since the alias' index was created.

        The mapping is strict, so without them every document the indexer writes would be
        refused. Adding fields is a change Elasticsearch makes in place; the documents
        already indexed get their values with the next rebuild (``shopgraph search
        reindex``, behind the alias), and sort as missing the field until then.
        """
        current = await self.client.indices.get_mapping(index=self.alias)
        for name, index in current.body.items():
            present = index.get("mappings", {}).get("properties", {})
            missing = {f: spec for f, spec in MAPPINGS["properties"].items() if f not in present}
            if missing:
                await self.client.indices.put_mapping(index=name, properties=missing)

    async def _create_index(self) -> str:
        name = f"{self.alias}-{time.time_ns()}"
        settings = {**SETTINGS, "number_of_replicas": self.replicas}
        await self.client.indices.create(index=name, settings=settings, mappings=MAPPINGS)
        return name

    async def index(self, documents: Sequence[ProductSnapshot]) -> dict[str, str]:
        """Index the snapshots; one older than the product's indexed revision is left out (two
        indexers, or two producers, can deliver a product's snapshots out of order)."""
        if not self._versioned:  # asked again until it is: a rebuild elsewhere versions it
            self._versioned = await self._alias_is_versioned()
        # refresh=True: searchable now, not at the next periodic refresh (up to a second later).
        return await self._bulk(self.alias, documents, refresh=True, versioned=self._versioned)

    async def _alias_is_versioned(self) -> bool:
        current = await self.client.indices.get_mapping(index=self.alias)
        return all(index.get("mappings", {}).get("_meta", {}) == MAPPINGS["_meta"]
                   for index in current.body.values())  # fmt: skip

    async def _bulk(
        self, index: str, documents: Sequence[ProductSnapshot], *, refresh: bool,
        versioned: bool = True,
    ) -> dict[str, str]:  # fmt: skip
        if not documents:
            return {}
        actions = [_action(index, d, versioned) for d in documents]
        _, errors = await async_bulk(
            self.client, actions, refresh=refresh, raise_on_error=False, stats_only=False
        )
        rejected: dict[str, str] = {}
        for error in errors if isinstance(errors, list) else []:
            item = error.get("index", {})
            reason = item.get("error", {})
            if isinstance(reason, dict) and reason.get("type") == VERSION_CONFLICT:
                continue  # superseded, not refused
            rejected[str(item.get("_id"))] = (
                f"{reason.get('type')}: {reason.get('reason')}" if isinstance(reason, dict)
                else str(reason)
            )  # fmt: skip
        return rejected

    async def delete(self, product_ids: Sequence[str]) -> None:
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": i} for i in product_ids]
        await async_bulk(self.client, actions, refresh="wait_for", raise_on_error=False)

    async def search(self, query: SearchQuery) -> SearchResult:
        after = None
        if query.after is not None:
            after = decode_cursor(query.after, "es", query.sort)
            if len(after) != len(SORTS[query.sort]):
                raise CursorError(f"malformed cursor {query.after!r}")
        try:
            response = await self.client.search(
                index=self.alias,
                query=_query(query),
                sort=SORTS[query.sort],
                track_scores=True,
                size=query.first + 1,
                track_total_hits=True,
                highlight={"fields": {"name": {"number_of_fragments": 0},
                                      "description": {"fragment_size": 120}}},
                aggs=_aggregations(),
                search_after=after,
                source=False,
            )  # fmt: skip
        except BadRequestError as error:
            if after is None:
                raise
            raise CursorError(f"malformed cursor {query.after!r}") from error
        raw = response["hits"]["hits"]
        hits = [
            Hit(h["_id"], float(h["_score"] or 0.0), dict(h.get("highlight") or {}))
            for h in raw[: query.first]
        ]
        more = len(raw) > query.first
        last = raw[query.first - 1]["sort"] if more else None
        next_cursor = encode_cursor("es", query.sort, last) if last is not None else None
        total = int(response["hits"]["total"]["value"])
        return SearchResult(hits, total, _facets(response["aggregations"]), next_cursor)

    async def suggest(self, prefix: str, size: int) -> list[str]:
        response = await self.client.search(
            index=self.alias,
            suggest={"names": {"prefix": prefix.lower(),
                               "completion": {"field": "suggest", "size": size,
                                              "skip_duplicates": True}}},
            source={"includes": ["name"]},
        )  # fmt: skip
        names: list[str] = []
        for option in response["suggest"]["names"][0]["options"]:  # in the documented order
            if option["_source"]["name"] not in names:
                names.append(option["_source"]["name"])
        return names[:size]

    async def rebuild(self, documents: AsyncIterable[ProductSnapshot]) -> int:
        name = await self._create_index()
        try:
            count = await self._fill(name, documents)
            await self.client.indices.refresh(index=name)
        except BaseException:
            # The alias still points at the old index: drop the half-built one, lose nothing.
            await self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        try:
            old = list((await self.client.indices.get_alias(name=self.alias)).keys())
        except NotFoundError:
            old = []
        actions: list[dict[str, Any]] = [
            {"remove": {"index": index, "alias": self.alias}} for index in old
        ]
        actions.append({"add": {"index": name, "alias": self.alias}})
        await self.client.indices.update_aliases(actions=actions)  # one atomic switch
        self._versioned = True
        for index in old:
            await self.client.indices.delete(index=index)
        return count

    async def _fill(self, index: str, documents: AsyncIterable[ProductSnapshot]) -> int:
        count, batch = 0, []
        async for document in documents:
            batch.append(document)
            if len(batch) == 500:
                count += await self._bulk_all(index, batch)
                batch = []
        return count + await self._bulk_all(index, batch)

    async def _bulk_all(self, index: str, documents: Sequence[ProductSnapshot]) -> int:
        rejected = await self._bulk(index, documents, refresh=False)
        if rejected:
            some_id, reason = next(iter(rejected.items()))
            raise RebuildError(f"{len(rejected)} documents refused, e.g. {some_id}: {reason}")
        return len(documents)

    async def close(self) -> None:
        await self.client.close()


def _action(index: str, document: ProductSnapshot, versioned: bool) -> dict[str, Any]:
    action: dict[str, Any] = {"_index": index, "_id": document.id, "_source": _source(document)}
    if versioned:
        # external_gte: the same revision again (a redelivered event, a rebuild) is written.
        action |= {"version": document.revision, "version_type": "external_gte"}
    return action


def _source(document: ProductSnapshot) -> dict[str, Any]:
    source = asdict(document)
    del source["revision"]  # the document's version, not a field
    source["rating_rank"] = weighted_rating(document.rating, document.rating_count)
    # The name from each word on, so that "head" suggests "Aurora Headphones".
    source["suggest"] = {"input": name_suffixes(document.name)}
    return source


def _query(query: SearchQuery) -> dict[str, Any]:
    filters: list[dict[str, Any]] = []
    where = query.where
    if where.category_ids:
        filters.append({"terms": {"category_ids": list(where.category_ids)}})
    if where.brands:
        filters.append({"terms": {"brand": list(where.brands)}})
    if where.vendor_ids:
        filters.append({"terms": {"vendor_id": list(where.vendor_ids)}})
    price: dict[str, int] = {}
    if where.min_price is not None:
        price["gte"] = where.min_price
    if where.max_price is not None:
        price["lte"] = where.max_price
    if price:
        filters.append({"range": {"price_amount": price}})
    text = query.text.strip()
    fields = ["name^3", "brand.text^2", "categories^2", "description", "sku^4"]
    must = {"multi_match": {"query": text, "fields": fields}} if text else {"match_all": {}}
    return {"bool": {"must": [must], "filter": filters}}


def _aggregations() -> dict[str, Any]:
    ranges = [{k: v for k, v in (("from", a), ("to", b)) if v is not None} for a, b in PRICE_RANGES]
    return {
        "categories": {"terms": {"field": "category_ids", "size": FACET_SIZE}},
        "brands": {"terms": {"field": "brand", "size": FACET_SIZE}},
        "vendors": {"terms": {"field": "vendor_id", "size": FACET_SIZE}},
        "prices": {"range": {"field": "price_amount", "ranges": ranges}},
    }


def _facets(aggregations: dict[str, Any]) -> Facets:
    def values(name: str) -> list[FacetValue]:
        buckets = aggregations[name]["buckets"]
        found = [FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets]
        return sorted(found, key=lambda f: (-f.count, f.value))

    buckets = aggregations["prices"]["buckets"]
    prices = [
        PriceBucket(start, end, int(bucket["doc_count"]))
        for (start, end), bucket in zip(PRICE_RANGES, buckets, strict=True)
    ]
    return Facets(values("categories"), values("brands"), values("vendors"), prices)
