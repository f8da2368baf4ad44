"""Per-request DataLoaders: one store round trip per entity type per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader

from subgraphs.common.telemetry import measured_batch
from subgraphs.products.model import Category, Product, Vendor
from subgraphs.products.store import CatalogStore, CategoryTree


@dataclass
class Loaders:
    product_by_id: Any
    product_by_sku: Any
    vendor_by_id: Any
    store: CatalogStore
    _tree: CategoryTree | None = None

    async def category_tree(self) -> CategoryTree:
        if self._tree is None:
            self._tree = CategoryTree(await self.store.categories())
        return self._tree

    async def category(self, category_id: str) -> Category | None:
        tree = await self.category_tree()
        return next((c for c in tree.categories if c.id == category_id), None)


def create_loaders(store: CatalogStore) -> Loaders:
    async def products_by_id(ids: Sequence[str]) -> list[Product | None]:
        return await store.products_by_ids(ids)

    async def products_by_sku(skus: Sequence[str]) -> list[Product | None]:
        return await store.products_by_skus(skus)

    async def vendors_by_id(ids: Sequence[str]) -> list[Vendor | None]:
        return await store.vendors_by_ids(ids)

    return Loaders(
        product_by_id=DataLoader(measured_batch("product_by_id", products_by_id)),
        product_by_sku=DataLoader(measured_batch("product_by_sku", products_by_sku)),
        vendor_by_id=DataLoader(measured_batch("vendor_by_id", vendors_by_id)),
        store=store,
    )
