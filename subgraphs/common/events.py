"""Catalog events on a Redis stream: every catalog write appends one ``CatalogChanged``.

An event carries a snapshot of the product's searchable fields, so that its consumers (the
search indexer) need nothing else to follow the catalog. The stream is the contract between
the products and the search subgraphs; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import orjson

from observability.tracing import inject

CATALOG_STREAM = "catalog:changes"
ENTITY_CHANGES_CHANNEL = "shopgraph:entity-changes"
"""Where subgraphs announce a changed entity (``{"typename": "Product", "id": "p-0042"}``), so
that routers drop what their entity caches hold of it (the router's
``entity_cache.invalidation_channel``)."""


async def announce_changes(redis: Any, typename: str, ids: Iterable[str]) -> None:
    """Tell every router that these entities changed. Best effort: a router that misses it
    serves its cached copy until the copy's max age."""
    for entity_id in ids:
        await redis.publish(ENTITY_CHANGES_CHANNEL, orjson.dumps({"typename": typename,
                                                                  "id": entity_id}))  # fmt: skip


@dataclass(frozen=True)
class ProductSnapshot:
    id: str
    sku: str
    name: str
    description: str
    brand: str
    category_ids: list[str]
    vendor_id: str
    price_amount: int
    currency: str
    rating: float | None
    created_at: str
    """ISO 8601."""
    categories: list[str] = field(default_factory=list)
    """Category names, for full-text matches on them."""
    rating_count: int = 0
    """How many reviews ``rating`` averages (0 in events written before it was sent)."""
    revision: int = 0
    """The product's revision (see :class:`subgraphs.products.model.Product`): of two
    snapshots of one product, the higher is the newer (0 in events written before it was
    sent)."""

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str) -> ProductSnapshot:
        """Fields this version does not know (sent by a newer producer) are left out."""
        data: dict[str, Any] = orjson.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


@dataclass(frozen=True)
class CatalogChanged:
    entry_id: str
    product_id: str
    change: str
    snapshot: ProductSnapshot | None


class CatalogEvents:
    """Appends ``CatalogChanged`` entries; the search indexer reads them in a consumer group."""

    def __init__(self, redis: Any, stream: str = CATALOG_STREAM, max_length: int = 100_000) -> None:
        self.redis = redis
        self.stream = stream
        self.max_length = max_length

    async def product_changed(self, snapshot: ProductSnapshot, change: str) -> str:
        entry_id = await self.redis.xadd(
            self.stream,
            inject(
                {
                    "type": "CatalogChanged",
                    "product_id": snapshot.id,
                    "change": change,
                    "at": datetime.now(UTC).isoformat(),
                    "snapshot": snapshot.to_json(),
                }
            ),
            maxlen=self.max_length,
            approximate=True,
        )
        await announce_changes(self.redis, "Product", [snapshot.id])
        return str(entry_id)


def parse_event(entry_id: str, fields: dict[str, str]) -> CatalogChanged:
    """Raises ``ValueError`` (or ``KeyError``/``TypeError``) for a malformed event."""
    if fields.get("type") != "CatalogChanged":
        raise ValueError(f"not a CatalogChanged event: {fields.get('type')!r}")
    raw = fields.get("snapshot")
    snapshot = ProductSnapshot.from_json(raw) if raw else None
    return CatalogChanged(entry_id, fields["product_id"], fields.get("change", ""), snapshot)


def newest_by_product(events: Iterable[CatalogChanged]) -> dict[str, CatalogChanged]:
    """Each product's newest event among ``events`` (in stream order): the highest revision,
    since a writer's events can reach the stream out of order; the later event on a tie or
    where either is a deletion."""
    newest: dict[str, CatalogChanged] = {}
    for event in events:
        earlier = newest.get(event.product_id)
        if (
            earlier is None or event.snapshot is None or earlier.snapshot is None
            or event.snapshot.revision >= earlier.snapshot.revision
        ):  # fmt: skip
            newest[event.product_id] = event
    return newest
