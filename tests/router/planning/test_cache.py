"""Plans are cached per printed operation, operation name and active override labels."""

from graphql import parse

from router.planning import PlanCache
from tests.router.planning.plans import fixture


def test_the_same_operation_is_planned_once() -> None:
    cache = PlanCache(fixture("entities"), max_size=10)
    first = cache.plan(parse("{ products { id } }"))
    again = cache.plan(parse("{\n  products {\n    id\n  }\n}"))  # same document, other spacing
    assert again is first
    assert (cache.hits, cache.misses) == (1, 1)


def test_labels_and_operation_names_are_part_of_the_key() -> None:
    cache = PlanCache(fixture("override"), max_size=10)
    document = parse("{ products { stock } }")
    off = cache.plan(document)
    on = cache.plan(document, labels=frozenset({"new-stock"}))
    assert off is not on
    assert off.to_json() != on.to_json()
    two = parse("query A { products { id } } query B { products { name } }")
    assert cache.plan(two, "A") is not cache.plan(two, "B")


def test_the_least_recently_used_plan_goes_first() -> None:
    cache = PlanCache(fixture("entities"), max_size=2)
    a, b, c = (
        parse(q) for q in ("{ products { id } }", "{ me { name } }", "{ product(id: 1) { id } }")
    )
    plan_a = cache.plan(a)
    cache.plan(b)
    cache.plan(a)  # a is now the most recently used
    cache.plan(c)  # evicts b
    assert cache.plan(a) is plan_a
    misses = cache.misses
    cache.plan(b)
    assert cache.misses == misses + 1
