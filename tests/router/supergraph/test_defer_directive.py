"""``@defer`` in the API schema: declared when the router serves it, and only then."""

from graphql import parse, print_schema, validate

from router.execution.client import HttpSubgraphClient
from router.execution.service import RouterService
from router.supergraph.incremental import with_defer
from tests.router.planning.plans import fixture

DEFER_SDL = (
    "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT"
)
DEFERRING = parse('{ products { id ... @defer(label: "more") { name } } }')


def test_the_directive_as_golden_sdl() -> None:
    schema = with_defer(fixture("entities").api_schema)
    assert DEFER_SDL in print_schema(schema).splitlines()
    assert not validate(schema, DEFERRING)
    assert with_defer(schema) is schema


def test_the_service_declares_it_only_when_on() -> None:
    supergraph = fixture("entities")
    client = HttpSubgraphClient()
    on = RouterService(supergraph, client, defer_support=True)
    off = RouterService(supergraph, client, defer_support=False)
    assert DEFER_SDL in print_schema(on.supergraph.api_schema)
    assert "@defer" not in print_schema(off.supergraph.api_schema)
    (error,) = validate(off.supergraph.api_schema, DEFERRING)
    assert error.message == "Unknown directive '@defer'."
    # The supergraph the service was given is left as it was.
    assert "@defer" not in print_schema(supergraph.api_schema)
