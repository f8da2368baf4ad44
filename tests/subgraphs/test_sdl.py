"""The checked-in SDL of each subgraph is what its code prints."""

import pytest

from subgraphs.sdl import SCHEMAS, SDL_DIR, subgraph_sdl


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_sdl_matches_the_code(name: str) -> None:
    path = SDL_DIR / f"{name}.graphql"
    assert path.exists(), f"{path} is missing: run `python -m subgraphs.sdl`"
    assert path.read_text() == subgraph_sdl(name), (
        f"{path} differs from the {name} subgraph's code: run `python -m subgraphs.sdl`"
    )
