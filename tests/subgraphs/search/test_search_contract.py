"""The search port's contract, run against every adapter: they must answer the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from subgraphs.common.events import ProductSnapshot
from subgraphs.search.index import (
    CursorError,
    FacetValue,
    PriceBucket,
    SearchFilter,
    SearchIndex,
    SearchQuery,
    SortOrder,
)


def doc(n: int, name: str, **changes: object) -> ProductSnapshot:
    base = ProductSnapshot(
        id=f"p-{n:04d}",
        sku=f"SKU-{n:04d}",
        name=name,
        description="A sturdy thing for every day",
        brand="Acme" if n % 2 else "Bolt",
        category_ids=["c-kitchen"],
        vendor_id=f"v-{n % 3}",
        price_amount=1000 * n,
        currency="EUR",
        rating=None,
        created_at=f"2026-01-{n:02d}T00:00:00+00:00",
        categories=["Kitchen"],
    )
    return replace(base, **changes)  # type: ignore[arg-type]


CATALOG = [
    doc(1, "Steel Kettle", description="Boils water fast", rating=4.5, rating_count=2),
    doc(
        2,
        "Glass Teapot",
        description="For loose leaf tea; pairs with a kettle",
        rating=3.0,
        rating_count=1,
    ),
    doc(3, "Café Grinder", description="Burr grinder for coffee beans", rating=5.0, rating_count=4),
    doc(
        4,
        "Chef Knife",
        description="Forged steel blade",
        category_ids=["c-knives"],
        categories=["Knives"],
    ),
    doc(
        5,
        "Garden Hose",
        description="Thirty metres",
        category_ids=["c-garden"],
        categories=["Garden"],
        rating=4.0,
        rating_count=10,
    ),
    doc(6, "Kettle Descaler", description="Removes limescale", rating=2.0, rating_count=3),
    doc(12, "Electric Kettle Pro", description="Temperature control", brand="Volt"),
]


def ids(hits: object) -> list[str]:
    return [h.product_id for h in hits]  # type: ignore[attr-defined]


async def indexed(index: SearchIndex) -> SearchIndex:
    await index.index(CATALOG)
    return index


async def test_text_search_ranks_name_matches_above_description_matches(
    search_index: SearchIndex,
) -> None:
    await indexed(search_index)
    result = await search_index.search(SearchQuery("kettle"))
    assert result.total == 4
    assert set(ids(result.hits)) == {"p-0001", "p-0002", "p-0006", "p-0012"}
    assert ids(result.hits)[-1] == "p-0002", "a match in the description only ranks last"
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] > 0


async def test_stemming_diacritics_brand_category_and_sku(search_index: SearchIndex) -> None:
    await indexed(search_index)
    assert ids((await search_index.search(SearchQuery("kettles"))).hits)[0] in {
        "p-0001", "p-0006", "p-0012",
    }  # fmt: skip
    assert ids((await search_index.search(SearchQuery("cafe"))).hits) == ["p-0003"]
    assert ids((await search_index.search(SearchQuery("volt"))).hits) == ["p-0012"]
    assert ids((await search_index.search(SearchQuery("knives"))).hits) == ["p-0004"]
    assert ids((await search_index.search(SearchQuery("SKU-0005"))).hits)[0] == "p-0005"
    assert (await search_index.search(SearchQuery("submarine"))).total == 0


async def test_highlights_mark_the_matching_words(search_index: SearchIndex) -> None:
    await indexed(search_index)
    [hit] = (await search_index.search(SearchQuery("grinder"))).hits
    assert hit.highlights["name"] == ["Café <em>Grinder</em>"]
    assert "<em>grinder</em>" in hit.highlights["description"][0]


async def test_filters_narrow_the_hits_and_the_total(search_index: SearchIndex) -> None:
    await indexed(search_index)

    async def found(where: SearchFilter, text: str = "") -> list[str]:
        result = await search_index.search(SearchQuery(text, where, SortOrder.PRICE_ASC))
        assert result.total == len(result.hits)
        return ids(result.hits)

    assert await found(SearchFilter(category_ids=["c-garden", "c-knives"])) == ["p-0004", "p-0005"]
    assert await found(SearchFilter(brands=["Volt"])) == ["p-0012"]
    assert await found(SearchFilter(vendor_ids=["v-0"])) == ["p-0003", "p-0006", "p-0012"]
    assert await found(SearchFilter(min_price=2000, max_price=4000)) == [
        "p-0002", "p-0003", "p-0004",
    ]  # fmt: skip
    assert await found(SearchFilter(brands=["Acme"]), text="kettle") == ["p-0001"]


async def test_facets_count_the_matching_documents(search_index: SearchIndex) -> None:
    await indexed(search_index)
    facets = (await search_index.search(SearchQuery("kettle"))).facets
    assert facets.categories == [FacetValue("c-kitchen", 4)]
    # Largest bucket first, then by value.
    assert facets.brands == [FacetValue("Bolt", 2), FacetValue("Acme", 1), FacetValue("Volt", 1)]
    assert facets.vendors == [FacetValue("v-0", 2), FacetValue("v-1", 1), FacetValue("v-2", 1)]
    assert facets.prices == [
        PriceBucket(None, 1000, 0),
        PriceBucket(1000, 2500, 2),
        PriceBucket(2500, 5000, 0),
        PriceBucket(5000, 10000, 1),
        PriceBucket(10000, None, 1),
    ]


async def test_the_rating_sort_weighs_the_number_of_reviews(search_index: SearchIndex) -> None:
    await search_index.index([
        doc(21, "One Review Wonder", rating=5.0, rating_count=1),
        doc(22, "Crowd Favourite", rating=4.6, rating_count=40),
        doc(23, "Pretty Good", rating=4.4, rating_count=12),
        doc(24, "Loved By Three", rating=5.0, rating_count=3),
        doc(25, "Unreviewed"),
        doc(26, "Widely Disliked", rating=2.1, rating_count=30),
    ])  # fmt: skip
    page = await search_index.search(SearchQuery("", sort=SortOrder.RATING, first=10))
    assert ids(page.hits) == ["p-0022", "p-0024", "p-0023", "p-0021", "p-0026", "p-0025"]


ASCENDING = ["p-0001", "p-0002", "p-0003", "p-0004", "p-0005", "p-0006", "p-0012"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (SortOrder.PRICE_ASC, ASCENDING),
        (SortOrder.PRICE_DESC, ASCENDING[::-1]),
        (SortOrder.NEWEST, ASCENDING[::-1]),
        (SortOrder.RATING, ["p-0003", "p-0001", "p-0005", "p-0002", "p-0006", "p-0004", "p-0012"]),
    ],
)
async def test_sort_orders_with_pagination_visit_every_document_once(
    search_index: SearchIndex, sort: SortOrder, expected: list[str]
) -> None:
    await indexed(search_index)
    seen: list[str] = []
    after = None
    for _ in range(10):
        page = await search_index.search(SearchQuery("", sort=sort, first=3, after=after))
        assert page.total == 7
        seen += ids(page.hits)
        after = page.next_cursor
        if after is None:
            break
    assert seen == expected


async def test_relevance_pagination_continues_where_the_page_ended(
    search_index: SearchIndex,
) -> None:
    await indexed(search_index)
    everything = ids((await search_index.search(SearchQuery("kettle steel"))).hits)
    first = await search_index.search(SearchQuery("kettle steel", first=2))
    assert first.next_cursor is not None
    rest = await search_index.search(SearchQuery("kettle steel", first=10, after=first.next_cursor))
    assert ids(first.hits) + ids(rest.hits) == everything
    assert rest.next_cursor is None


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "bm90IGpzb24", "WzEsMiwzXQ", "WyJlcyIsIlJFTEVWQU5DRSJd"]
)
async def test_a_cursor_it_did_not_hand_out_is_refused(
    search_index: SearchIndex, cursor: str
) -> None:
    await indexed(search_index)
    with pytest.raises(CursorError):
        await search_index.search(SearchQuery("kettle", after=cursor))


async def test_a_cursor_of_another_sort_order_is_refused(search_index: SearchIndex) -> None:
    await indexed(search_index)
    page = await search_index.search(SearchQuery("", sort=SortOrder.PRICE_ASC, first=2))
    assert page.next_cursor is not None
    with pytest.raises(CursorError, match="PRICE_ASC"):
        await search_index.search(SearchQuery("", sort=SortOrder.NEWEST, after=page.next_cursor))


async def test_indexing_again_replaces_and_delete_removes(search_index: SearchIndex) -> None:
    await indexed(search_index)
    await search_index.index([replace(CATALOG[0], name="Copper Pot")])
    assert ids((await search_index.search(SearchQuery("copper"))).hits) == ["p-0001"]
    assert "p-0001" not in ids((await search_index.search(SearchQuery("kettle"))).hits)
    await search_index.delete(["p-0001", "p-9999"])
    assert (await search_index.search(SearchQuery("copper"))).total == 0
    assert (await search_index.search(SearchQuery(""))).total == 6


async def test_an_older_revision_never_replaces_a_newer_one(search_index: SearchIndex) -> None:
    """Two indexers (or two producers) can deliver a product's snapshots out of order."""
    await search_index.index([replace(CATALOG[0], name="Copper Pot", revision=3)])
    refused = await search_index.index([replace(CATALOG[0], name="Brass Pot", revision=2)])
    assert refused == {}, "a superseded snapshot is not an error"
    assert ids((await search_index.search(SearchQuery("copper"))).hits) == ["p-0001"]
    assert (await search_index.search(SearchQuery("brass"))).total == 0
    await search_index.index([replace(CATALOG[0], name="Iron Pot", revision=3)])
    assert ids((await search_index.search(SearchQuery("iron"))).hits) == ["p-0001"], (
        "the same revision again is written (a redelivered event, a rebuild)"
    )
    await search_index.index([replace(CATALOG[0], name="Clay Pot", revision=4)])
    assert ids((await search_index.search(SearchQuery("clay"))).hits) == ["p-0001"]
    assert (await search_index.search(SearchQuery("iron"))).total == 0


async def test_suggest_completes_any_word_of_a_name(search_index: SearchIndex) -> None:
    await indexed(search_index)
    # Ordered by the name from the matching word on: "kettle" < "kettle descaler" < "kettle pro".
    assert await search_index.suggest("ket", 10) == [
        "Steel Kettle", "Kettle Descaler", "Electric Kettle Pro",
    ]  # fmt: skip
    assert await search_index.suggest("ket", 2) == ["Steel Kettle", "Kettle Descaler"]
    assert await search_index.suggest("KETTLE D", 10) == ["Kettle Descaler"]
    assert await search_index.suggest("cafe", 10) == ["Café Grinder"]
    assert await search_index.suggest("zzz", 10) == []
    assert await search_index.suggest("100%_", 10) == []


async def test_rebuild_swaps_in_a_new_index_while_searches_keep_answering(
    search_index: SearchIndex,
) -> None:
    await indexed(search_index)
    rebuilt = [replace(d, name=f"Renamed {d.name}") for d in CATALOG[:5]]
    answers: list[int] = []

    async def slowly() -> AsyncIterator[ProductSnapshot]:
        for document in rebuilt:
            answers.append((await search_index.search(SearchQuery(""))).total)
            await asyncio.sleep(0.01)
            yield document

    assert await search_index.rebuild(slowly()) == 5
    assert answers == [7] * 5, "the old index answers in full until the swap"
    result = await search_index.search(SearchQuery("renamed"))
    assert result.total == 5
    assert (await search_index.search(SearchQuery(""))).total == 5
    await search_index.index([CATALOG[6]])
    assert (await search_index.search(SearchQuery(""))).total == 6, "writes go to the new index"
