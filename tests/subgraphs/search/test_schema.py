"""The search schema's demand-control directives: what it serves, and list sizes that are the
index's own bounds."""

from graphql import (
    FieldDefinitionNode,
    IntValueNode,
    ObjectTypeDefinitionNode,
    graphql_sync,
    parse,
)

from subgraphs.common.pagination import MAX_PAGE
from subgraphs.search.index import FACET_SIZE, PRICE_RANGES
from subgraphs.search.schema import SDL, schema


def assumed_sizes() -> dict[str, int]:
    """``Type.field`` → its ``@listSize(assumedSize:)``."""
    found: dict[str, int] = {}
    for definition in parse(SDL).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            continue
        for field in definition.fields or ():
            assert isinstance(field, FieldDefinitionNode)
            for directive in field.directives or ():
                for argument in directive.arguments or ():
                    if directive.name.value == "listSize" and argument.name.value == "assumedSize":
                        assert isinstance(argument.value, IntValueNode)
                        found[f"{definition.name.value}.{field.name.value}"] = int(
                            argument.value.value
                        )
    return found


def test_the_subgraph_serves_its_sdl_as_written_with_cost_and_list_sizes() -> None:
    result = graphql_sync(schema, "{ _service { sdl } }")
    assert result.errors is None
    assert result.data is not None
    served = result.data["_service"]["sdl"]
    assert served == SDL
    assert '@cost(weight: 10) @listSize(slicingArguments: ["first"], sizedFields: ["hits"])' in (
        served
    )


def test_assumed_list_sizes_are_the_index_bounds() -> None:
    assert assumed_sizes() == {
        "SearchResult.hits": MAX_PAGE,
        "SearchHit.highlights": 2,  # name and description
        "Highlight.fragments": 5,  # Elasticsearch's number_of_fragments
        "SearchFacets.categories": FACET_SIZE,
        "SearchFacets.brands": FACET_SIZE,
        "SearchFacets.vendors": FACET_SIZE,
        "SearchFacets.prices": len(PRICE_RANGES),
    }
