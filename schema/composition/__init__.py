"""Federation v2 composition: subgraph SDLs in, a supergraph SDL (or errors) out."""

from schema.composition.errors import (
    CODES,
    HINT_CODES,
    CompositionError,
    CompositionHint,
    CompositionResult,
    ErrorLocation,
    SubgraphInput,
)

__all__ = [
    "CODES",
    "HINT_CODES",
    "CompositionError",
    "CompositionHint",
    "CompositionResult",
    "ErrorLocation",
    "SubgraphInput",
    "compose",
]


def compose(subgraphs: list[SubgraphInput]) -> CompositionResult:
    """Compose ``subgraphs`` into a supergraph; never raises for bad input."""
    from schema.composition.compose import compose_subgraphs

    return compose_subgraphs(subgraphs)
