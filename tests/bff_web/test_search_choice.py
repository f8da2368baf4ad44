"""What a search or category page asks the router for, from its query string."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from bff_web.pages import MAX_FILTER_VALUES, PAGE_SIZE, SearchChoice


def choice(query: str, category: dict[str, Any] | None = None) -> SearchChoice:
    return SearchChoice.of(QueryParams(query), category)


def test_the_query_string_becomes_the_search_variables() -> None:
    found = choice("q=lamp&brand=Lumen&brand=Iris&min=10&max=49.5&sort=price-asc&after=abc")
    assert found.variables() == {
        "query": "lamp", "sort": "PRICE_ASC", "first": PAGE_SIZE, "after": "abc",
        "filter": {"brands": ["Lumen", "Iris"], "minPrice": 1000, "maxPrice": 4950},
    }  # fmt: skip


def test_without_words_the_best_rated_come_first() -> None:
    assert choice("").variables()["sort"] == "RATING"
    assert choice("q=kettle").variables()["sort"] == "RELEVANCE"


def test_a_department_page_searches_its_subcategories_too() -> None:
    kitchen: dict[str, Any] = {"id": "c-kitchen", "name": "Kitchen", "slug": "kitchen",
               "children": [{"id": "c-cookware"}, {"id": "c-cutlery"}]}  # fmt: skip
    assert choice("", kitchen).variables()["filter"] == {
        "categoryIds": ["c-kitchen", "c-cookware", "c-cutlery"]
    }


def test_bad_values_are_dropped_and_lists_are_bounded() -> None:
    many = "&".join(f"brand=b{n}" for n in range(50))
    found = choice(f"{many}&sort=bogus&min=ten&max=-5&q={'x' * 500}")
    assert len(found.brands) == MAX_FILTER_VALUES
    assert found.sort == "relevance"
    assert found.min_price is None
    assert found.max_price is None
    assert len(found.query) == 200


def test_links_toggle_a_facet_and_keep_the_rest() -> None:
    found = choice("q=lamp&brand=Lumen&sort=rating")
    assert found.toggle("brands", "Iris") == "?q=lamp&brand=Lumen&brand=Iris&sort=rating"
    assert found.toggle("brands", "Lumen") == "?q=lamp&sort=rating"
    assert found.link(after="c1") == "?q=lamp&brand=Lumen&sort=rating&after=c1"
    assert found.chosen("brands", "Lumen")
    assert not found.chosen("brands", "Iris")
