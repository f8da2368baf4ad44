"""Catalog jobs that span the products and the search subgraphs: seeding and reindexing.

The subgraphs never import each other; these jobs are where their ports meet: the catalog
store, the search index and the catalog event stream.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from redis.asyncio import Redis

from datastores.embedded import redis_client
from datastores.seed import SeedCatalog, SeedProduct, SeedReview, build_catalog
from datastores.settings import StoreSettings
from shopgraph.progress import Advance, Stages, no_progress, no_stages
from subgraphs.common.events import CATALOG_STREAM, ProductSnapshot, parse_event
from subgraphs.orders.model import StockLevel
from subgraphs.orders.store import OrderStore
from subgraphs.products.app import open_store
from subgraphs.products.model import Category, Money, Product, Review, Variant, Vendor
from subgraphs.products.service import snapshot
from subgraphs.products.store import CatalogStore, ProductFilter, Seek
from subgraphs.search.app import open_index
from subgraphs.search.index import SearchIndex
from subgraphs.search.settings import SearchSettings

PAGE = 500


@contextlib.asynccontextmanager
async def open_catalog_stores(
    stores: StoreSettings | None = None,
) -> AsyncIterator[tuple[CatalogStore, SearchIndex, Redis]]:
    """The configured catalog store, search index and Redis (embedded when unset), closed
    afterwards."""
    stores = stores or StoreSettings()
    store = await open_store(stores)
    index = await open_index(stores, SearchSettings())
    redis = redis_client(stores)
    try:
        yield store, index, redis
    finally:
        await store.close()
        await index.close()
        await redis.aclose()


@contextlib.asynccontextmanager
async def open_order_store(stores: StoreSettings | None = None) -> AsyncIterator[OrderStore]:
    """The configured orders store (migrated; embedded when unset), for stocking the catalog."""
    from subgraphs.orders.app import open_store as open_orders

    orders = await open_orders(stores or StoreSettings())
    try:
        yield orders
    finally:
        await orders.close()


async def count_products(store: CatalogStore) -> int:
    """How many products the catalog holds."""
    return (await store.find_products(ProductFilter(), Seek(1))).total


async def catalog_snapshots(store: CatalogStore) -> AsyncIterator[ProductSnapshot]:
    """Every product of the catalog as search indexes it, in id order."""
    names = {c.id: c.name for c in await store.categories()}
    after = None
    while True:
        page = await store.find_products(ProductFilter(), Seek(PAGE, after))
        for product in page.items:
            yield snapshot(product, names)
        if not page.has_next or not page.items:
            return
        after = page.items[-1].id


async def reindex(
    store: CatalogStore,
    index: SearchIndex,
    redis: Redis | None,
    *,
    stream: str = CATALOG_STREAM,
    progress: Advance = no_progress,
) -> int:
    """Rebuild the search index from the catalog and swap it in; return the product count.

    Searches keep answering from the old index until the swap. A catalog change made while
    the rebuild reads the catalog may be missed by the read and, being indexed by the
    indexer into the old index, lost with it; so the changes of the catalog stream since the
    rebuild started are applied again once the new index is in place.
    """
    mark = await _last_entry_id(redis, stream) if redis is not None else None

    async def counted() -> AsyncIterator[ProductSnapshot]:
        async for document in catalog_snapshots(store):
            yield document
            progress(1)

    count = await index.rebuild(counted())
    if redis is not None:
        await _replay(redis, stream, mark or "0-0", index)
    return count


async def _last_entry_id(redis: Redis, stream: str) -> str:
    entries = await redis.xrevrange(stream, count=1)
    return str(entries[0][0]) if entries else "0-0"


async def _replay(redis: Redis, stream: str, after: str, index: SearchIndex) -> None:
    latest: dict[str, ProductSnapshot] = {}
    for entry_id, fields in await redis.xrange(stream, min=f"({after}") or []:
        try:
            event = parse_event(str(entry_id), {str(k): str(v) for k, v in (fields or {}).items()})
        except (ValueError, KeyError, TypeError):
            continue  # the indexer dead-letters these
        if event.snapshot is not None:
            latest[event.product_id] = event.snapshot
    if latest:
        await index.index(list(latest.values()))


@dataclass
class SeedReport:
    products_added: int
    """Demo products this seeding wrote."""
    products_present: int
    """Demo products that were there already (kept as they were)."""
    reviews_added: int
    indexed: int
    stocked: int = 0
    products_total: int = 0
    """Every product in the store afterwards, the ones added since an earlier seeding too."""

    def summary(self) -> str:
        """What the store holds, as ``make dev`` says it on start."""
        added, present, total = self.products_added, self.products_present, self.products_total
        since = max(0, total - added - present)
        if present == 0 and since == 0:
            return f"seeded {added} demo products"
        parts = [f"{present} demo products already present"]
        if added:
            parts.append(f"{added} seeded now")
        parts.append(f"{since} added since")
        return f"{total} products ({', '.join(parts)})"


async def seed_inventory(
    orders: OrderStore, catalog: SeedCatalog, progress: Advance = no_progress
) -> int:
    """Stock rows for the demo products (price and vendor from the catalog, 0 to 40 units,
    deterministic); existing rows are left alone. Returns how many products are stocked."""
    levels = [
        StockLevel(p.id, p.vendor_id, p.price, "EUR", (int(p.id[2:]) * 7919) % 41)
        for p in catalog.products
    ]
    for start in range(0, len(levels), PAGE):
        batch = levels[start : start + PAGE]
        await orders.save_stock(batch, replace=False)
        progress(len(batch))
    return len(levels)


async def seed(
    store: CatalogStore,
    index: SearchIndex | None,
    *,
    product_count: int | None = None,
    progress: Stages = no_stages,
    catalog: SeedCatalog | None = None,
    orders: OrderStore | None = None,
) -> SeedReport:
    """Load the demo catalog (what is missing of it) and rebuild the search index from it.

    Idempotent: products already present (by id) are left as they are, with their reviews;
    categories and vendors are written again.
    ``progress`` starts a stage for the demo products, then the products indexed, then the
    demo products stocked.
    """
    data = catalog or (build_catalog(product_count) if product_count else build_catalog())
    await store.save_categories(
        [Category(c.id, c.name, c.slug, c.parent_id) for c in data.categories]
    )
    await store.save_vendors([Vendor(v.id, v.name) for v in data.vendors])
    added = reviews = 0
    written = progress("demo products", len(data.products))
    for start in range(0, len(data.products), PAGE):
        batch = data.products[start : start + PAGE]
        given = [_review(item, r) for item in batch for r in item.reviews]
        new = set(await store.import_products([_product(item) for item in batch], given))
        added += len(new)
        reviews += sum(1 for r in given if r.product_id in new)
        written(len(batch))
    total = await count_products(store)
    indexed = stocked = 0
    if index is not None:
        indexed = await reindex(store, index, None, progress=progress("products indexed", total))
    if orders is not None:
        stocking = progress("demo products stocked", len(data.products))
        stocked = await seed_inventory(orders, data, stocking)
    return SeedReport(added, len(data.products) - added, reviews, indexed, stocked, total)


def _product(item: SeedProduct) -> Product:
    return Product(
        id=item.id, sku=item.sku, name=item.name, description=item.description,
        brand=item.brand, category_ids=[item.category_id], price=Money(item.price, "EUR"),
        vendor_id=item.vendor_id, created_at=item.created_at, updated_at=item.created_at,
        variants=[Variant(sku, name, attributes) for sku, name, attributes in item.variants],
        image_keys=list(item.image_keys),
    )  # fmt: skip


def _review(item: SeedProduct, r: SeedReview) -> Review:
    return Review(r.id, item.id, r.author_id, r.rating, r.title, r.body, r.created_at)
