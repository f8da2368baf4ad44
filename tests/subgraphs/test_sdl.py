"""The checked-in SDL of each subgraph is what its code prints."""

import pytest
from graphql import (
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    parse,
)

from subgraphs.sdl import SCHEMAS, SDL_DIR, subgraph_sdl


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_sdl_matches_the_code(name: str) -> None:
    path = SDL_DIR / f"{name}.graphql"
    assert path.exists(), f"{path} is missing: run `python -m subgraphs.sdl`"
    assert path.read_text() == subgraph_sdl(name), (
        f"{path} differs from the {name} subgraph's code: run `python -m subgraphs.sdl`"
    )


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_list_field_says_how_long_it_is(name: str) -> None:
    """Demand control sizes each list by its ``@listSize``, never by a default guess."""
    unsized = []
    for definition in parse(subgraph_sdl(name)).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            continue
        for field in definition.fields or ():
            returns = field.type.type if isinstance(field.type, NonNullTypeNode) else field.type
            directives = {d.name.value for d in field.directives or ()}
            if (isinstance(returns, ListTypeNode) and "listSize" not in directives
                    and not field.name.value.startswith("_")):  # fmt: skip
                unsized.append(f"{definition.name.value}.{field.name.value}")
    assert unsized == []
