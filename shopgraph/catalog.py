"""Catalog jobs that span the products and the search subgraphs: seeding and reindexing.

The subgraphs never import each other; these jobs are where their ports meet: the catalog
store, the search index and the catalog event stream.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from datastores.embedded import redis_client
from datastores.seed import (
    DEMO_ORDERS,
    SeedCatalog,
    SeedOrder,
    SeedProduct,
    SeedReview,
    build_catalog,
)
from datastores.settings import StoreSettings
from shopgraph.progress import Advance, Stages, no_progress, no_stages
from subgraphs.common.events import CATALOG_STREAM, ProductSnapshot, parse_event
from subgraphs.orders.model import CartLine, OrderStatus, StockLevel
from subgraphs.orders.store import (
    DuplicateOrderError,
    OrderStore,
    OutOfStockError,
    UnknownProductError,
    new_order_id,
)
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
    orders_added: int = 0
    """Demo orders this seeding placed."""
    orders_present: int = 0
    """Demo orders that were there already."""

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

    def orders_summary(self) -> str:
        """The demo orders, as ``make dev`` says it on start."""
        added, present = self.orders_added, self.orders_present
        if present == 0:
            return f"placed {added} demo orders"
        return f"{added + present} demo orders ({present} already present, {added} placed now)"


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


async def seed_orders(
    orders: OrderStore,
    catalog: SeedCatalog,
    now: datetime,
    demo: Sequence[SeedOrder] = DEMO_ORDERS,
    progress: Advance = no_progress,
) -> tuple[int, int]:
    """Place the demo customers' orders and take them through their status changes, dated
    back from ``now``; (placed now, present already).

    Idempotent: an order is found by its idempotency key (its id comes from the key too),
    and a change already in its history is not made again. Stock is reserved as for any
    order (seed the stock first), so seeding never oversells: an order whose products are
    out of stock, or not in ``catalog``, is left out.
    """
    known = {p.id for p in catalog.products}
    added = present = 0
    for item in demo:
        progress(1)
        if not all(product in known for product, _ in item.lines):
            continue
        order = await orders.order_for_key(item.user_id, item.key)
        if order is None:
            placed_at = now - item.placed_ago
            tail = hashlib.sha256(item.key.encode()).hexdigest()[:10]
            try:
                order = await orders.place_order(
                    user_id=item.user_id, idempotency_key=item.key,
                    lines=[CartLine(product, quantity) for product, quantity in item.lines],
                    shipping=dict(item.shipping), payment_reference=f"demo_{item.key}",
                    now=placed_at, order_id=new_order_id(placed_at, tail),
                )  # fmt: skip
            except (OutOfStockError, UnknownProductError):
                continue
            except DuplicateOrderError:  # seeded at the same time by another process
                present += 1
                continue
            added += 1
        else:
            present += 1
        done = {change.status.value for change in order.history}
        for status, age, note in item.changes:
            if status not in done:
                await orders.change_status(order.id, OrderStatus(status), note, now - age)
    return added, present


async def seed(
    store: CatalogStore,
    index: SearchIndex | None,
    *,
    product_count: int | None = None,
    progress: Stages = no_stages,
    catalog: SeedCatalog | None = None,
    orders: OrderStore | None = None,
    now: datetime | None = None,
) -> SeedReport:
    """Load the demo catalog (what is missing of it) and rebuild the search index from it;
    with ``orders``, stock the demo products and place the demo orders (dated back from
    ``now``, the current time by default).

    Idempotent: products already present (by id) are left as they are, with their reviews;
    categories and vendors are written again; demo orders are placed once.
    ``progress`` starts a stage for the demo products, then the products indexed, then the
    demo products stocked, then the demo orders.
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
    indexed = stocked = orders_added = orders_present = 0
    if index is not None:
        indexed = await reindex(store, index, None, progress=progress("products indexed", total))
    if orders is not None:
        stocking = progress("demo products stocked", len(data.products))
        stocked = await seed_inventory(orders, data, stocking)
        ordering = progress("demo orders", len(DEMO_ORDERS))
        orders_added, orders_present = await seed_orders(
            orders, data, now or datetime.now(UTC), progress=ordering
        )
    return SeedReport(added, len(data.products) - added, reviews, indexed, stocked, total,
                      orders_added, orders_present)  # fmt: skip


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
