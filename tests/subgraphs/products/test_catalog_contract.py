"""The catalog port's contract, run against every adapter: they must behave the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from subgraphs.products.model import Category, Money, Product, Review, Variant, Vendor
from subgraphs.products.store import (
    CatalogStore,
    DuplicateReviewError,
    DuplicateSkuError,
    NotFoundError,
    ProductChanges,
    ProductFilter,
    Seek,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def product(n: int, **changes: object) -> Product:
    base = Product(
        id=f"p-{n:04d}",
        sku=f"SKU-{n:04d}",
        name=f"Product {n}",
        description=f"Description of product {n}",
        brand="Acme" if n % 2 else "Bolt",
        category_ids=["c-kitchen"] if n % 3 else ["c-garden", "c-kitchen"],
        price=Money(1000 * n, "EUR"),
        vendor_id=f"v-{n % 2}",
        created_at=NOW,
        updated_at=NOW,
        variants=[Variant(f"SKU-{n:04d}-L", "Large", {"size": "L"}, Money(1000 * n + 500, "EUR"))],
        attributes={"material": "steel"},
        image_keys=[f"products/{n}/main.jpg"],
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_products_by_id_and_sku_are_aligned_with_the_request(catalog: CatalogStore) -> None:
    for n in (1, 2, 3):
        await catalog.create_product(product(n))
    assert await catalog.products_by_ids(["p-0003", "p-9999", "p-0001"]) == [
        product(3), None, product(1),
    ]  # fmt: skip
    assert await catalog.products_by_skus(["SKU-0002", "nope"]) == [product(2), None]


async def test_a_duplicate_sku_is_refused(catalog: CatalogStore) -> None:
    await catalog.create_product(product(1))
    with pytest.raises(DuplicateSkuError):
        await catalog.create_product(product(2, sku="SKU-0001"))
    assert await catalog.products_by_ids(["p-0002"]) == [None]


async def test_update_changes_only_what_is_given(catalog: CatalogStore) -> None:
    await catalog.create_product(product(1))
    updated = await catalog.update_product(
        "p-0001",
        ProductChanges(name="Kettle", price=Money(2499, "EUR"), category_ids=["c-b", "c-a"]),
    )
    assert (updated.name, updated.price, updated.category_ids) == (
        "Kettle", Money(2499, "EUR"), ["c-a", "c-b"],
    )  # fmt: skip
    assert updated.description == product(1).description
    assert updated.variants == product(1).variants
    assert updated.updated_at > NOW
    assert await catalog.products_by_ids(["p-0001"]) == [updated]
    with pytest.raises(NotFoundError):
        await catalog.update_product("p-9999", ProductChanges(name="x"))


async def test_filters_and_keyset_pagination(catalog: CatalogStore) -> None:
    for n in range(1, 11):
        await catalog.create_product(product(n))
    page = await catalog.find_products(ProductFilter(vendor_id="v-1"), Seek(first=3))
    assert ([p.id for p in page.items], page.has_next, page.total) == (
        ["p-0001", "p-0003", "p-0005"], True, 5,
    )  # fmt: skip
    rest = await catalog.find_products(ProductFilter(vendor_id="v-1"), Seek(3, page.items[-1].id))
    assert ([p.id for p in rest.items], rest.has_next) == (["p-0007", "p-0009"], False)
    garden = await catalog.find_products(ProductFilter(category_ids=["c-garden"]), Seek(10))
    assert [p.id for p in garden.items] == ["p-0003", "p-0006", "p-0009"]
    priced = await catalog.find_products(ProductFilter(min_price=2000, max_price=4000), Seek(10))
    assert [p.id for p in priced.items] == ["p-0002", "p-0003", "p-0004"]


async def test_reviews_update_the_rating_and_are_one_per_user(catalog: CatalogStore) -> None:
    await catalog.create_product(product(1))
    for i, author in enumerate(("u-1", "u-2", "u-3")):
        await catalog.add_review(
            Review(f"r-{i}", "p-0001", author, 3 + i % 3, "Title", "Body", NOW + timedelta(i))
        )
    with pytest.raises(DuplicateReviewError):
        await catalog.add_review(Review("r-9", "p-0001", "u-2", 1, "Again", "Again", NOW))
    with pytest.raises(NotFoundError):
        await catalog.add_review(Review("r-8", "p-9999", "u-1", 1, "T", "B", NOW))
    [rated] = await catalog.products_by_ids(["p-0001"])
    assert rated is not None
    assert (rated.rating_count, rated.rating_total) == (3, 3 + 4 + 5)
    first = await catalog.reviews_for_product("p-0001", Seek(2))
    assert ([r.id for r in first.items], first.has_next, first.total) == (["r-0", "r-1"], True, 3)
    second = await catalog.reviews_for_product("p-0001", Seek(2, "r-1"))
    assert [r.author_id for r in second.items] == ["u-3"]


async def test_each_change_raises_the_revision_and_returns_the_product_as_written(
    catalog: CatalogStore,
) -> None:
    """The revision orders a product's snapshots for search; each write returns the state it
    left, so that the event made from it is never of an older state."""
    created = await catalog.create_product(product(1))
    assert created.revision == 1
    renamed = await catalog.update_product("p-0001", ProductChanges(name="Renamed"))
    assert (renamed.name, renamed.revision) == ("Renamed", 2)
    reviewed = await catalog.add_review(Review("r-1", "p-0001", "u-1", 4, "T", "B", NOW))
    assert (reviewed.name, reviewed.rating_count, reviewed.rating_total) == ("Renamed", 1, 4)
    assert reviewed.revision == 3
    [stored] = await catalog.products_by_ids(["p-0001"])
    assert stored is not None
    assert stored.revision == 3
    with pytest.raises(DuplicateReviewError):
        await catalog.add_review(Review("r-2", "p-0001", "u-1", 1, "T", "B", NOW))
    [unchanged] = await catalog.products_by_ids(["p-0001"])
    assert unchanged is not None
    assert unchanged.revision == 3, "a refused review changes nothing"


async def test_categories_and_vendors_can_be_saved_again(catalog: CatalogStore) -> None:
    tree = [
        Category("c-home", "Home", "home"),
        Category("c-kitchen", "Kitchen", "kitchen", "c-home"),
    ]
    await catalog.save_categories(tree)
    await catalog.save_categories(tree)
    assert await catalog.categories() == tree
    await catalog.save_vendors([Vendor("v-1", "Acme Ltd")])
    await catalog.save_vendors([Vendor("v-1", "Acme Limited")])
    assert await catalog.vendors_by_ids(["v-1", "v-2"]) == [Vendor("v-1", "Acme Limited"), None]


async def test_import_adds_only_absent_products_with_their_reviews(catalog: CatalogStore) -> None:
    await catalog.create_product(product(1, name="Kept as it is"))
    given = [product(1), product(2), product(3)]
    reviews = [
        Review("r-1", "p-0001", "u-1", 1, "t", "b", NOW),
        Review("r-2", "p-0002", "u-1", 5, "t", "b", NOW),
        Review("r-3", "p-0002", "u-2", 2, "t", "b", NOW),
    ]
    assert await catalog.import_products(given, reviews) == ["p-0002", "p-0003"]
    one, two, three = await catalog.products_by_ids(["p-0001", "p-0002", "p-0003"])
    assert one is not None
    assert (one.name, one.rating_count) == ("Kept as it is", 0)
    assert two == replace(product(2), rating_count=2, rating_total=7)
    assert three == product(3)
    page = await catalog.reviews_for_product("p-0002", Seek(10))
    assert [r.id for r in page.items] == ["r-2", "r-3"]
    assert (await catalog.reviews_for_product("p-0001", Seek(10))).total == 0
    assert await catalog.import_products(given, reviews) == [], "a second import adds nothing"
    with pytest.raises(DuplicateSkuError):
        await catalog.import_products([product(4, sku="SKU-0002")], [])
