"""The catalog port: what the products subgraph needs from its store, whatever the store is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from subgraphs.products.model import Category, Money, Product, Review, Vendor


class CatalogError(Exception):
    """A catalog rule was broken; ``code`` is the GraphQL error code clients see."""

    code = "BAD_USER_INPUT"


class DuplicateSkuError(CatalogError):
    code = "DUPLICATE_SKU"


class DuplicateReviewError(CatalogError):
    code = "DUPLICATE_REVIEW"


class NotFoundError(CatalogError):
    code = "NOT_FOUND"


@dataclass(frozen=True)
class ProductFilter:
    category_ids: Sequence[str] = ()
    """Products in any of these categories (the caller expands a category to its subtree)."""
    vendor_id: str | None = None
    min_price: int | None = None
    max_price: int | None = None


@dataclass(frozen=True)
class ProductChanges:
    name: str | None = None
    description: str | None = None
    brand: str | None = None
    category_ids: Sequence[str] | None = None
    price: Money | None = None
    attributes: dict[str, str] | None = None
    image_keys: Sequence[str] | None = None


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    total: int


@dataclass(frozen=True)
class Seek:
    """Keyset pagination: items after ``after`` (an id), at most ``first`` of them."""

    first: int
    after: str | None = None


class CatalogStore(Protocol):
    async def products_by_ids(self, ids: Sequence[str]) -> list[Product | None]:
        """One store round trip; the result is aligned with ``ids``."""
        ...

    async def products_by_skus(self, skus: Sequence[str]) -> list[Product | None]: ...

    async def find_products(self, where: ProductFilter, seek: Seek) -> Page[Product]: ...

    async def create_product(self, product: Product) -> Product:
        """Raises :class:`DuplicateSkuError` when the SKU is taken."""
        ...

    async def update_product(self, product_id: str, changes: ProductChanges) -> Product:
        """Raises :class:`NotFoundError` for an unknown product."""
        ...

    async def import_products(
        self, products: Sequence[Product], reviews: Sequence[Review]
    ) -> list[str]:
        """Bulk load: add the products whose id is absent, with their reviews; return their ids.

        Products already present are left as they are, and so are their reviews. Each added
        product's rating summary is computed from its given reviews.
        """
        ...

    async def categories(self) -> list[Category]: ...

    async def vendors_by_ids(self, ids: Sequence[str]) -> list[Vendor | None]: ...

    async def add_review(self, review: Review) -> Product:
        """Add the review and count it in the product's rating; the product as it is now.

        Raises :class:`DuplicateReviewError` for a second review of one product by one user.
        """
        ...

    async def reviews_for_product(self, product_id: str, seek: Seek) -> Page[Review]: ...

    async def save_categories(self, categories: Sequence[Category]) -> None: ...

    async def save_vendors(self, vendors: Sequence[Vendor]) -> None: ...

    async def close(self) -> None: ...


@dataclass
class CategoryTree:
    """Categories by id with their children, for filters that include subcategories."""

    categories: list[Category]
    children: dict[str | None, list[Category]] = field(init=False)

    def __post_init__(self) -> None:
        self.children = {}
        for category in self.categories:
            self.children.setdefault(category.parent_id, []).append(category)

    def subtree_ids(self, category_id: str) -> list[str]:
        ids, todo = [], [category_id]
        while todo:
            current = todo.pop()
            ids.append(current)
            todo.extend(c.id for c in self.children.get(current, []))
        return ids
