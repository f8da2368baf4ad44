"""The checked-in supergraph loads in our router and in Apollo's gateway."""

from pathlib import Path

from router.supergraph import load_supergraph
from tests.schema.corpus import REPO
from tests.schema.reference import gateway_loads

SUPERGRAPH = REPO / "schema" / "supergraph.graphql"


def supergraph_text(path: Path = SUPERGRAPH) -> str:
    assert path.is_file(), f"{path} is missing: `shopgraph compose` writes it"
    return path.read_text()


def test_the_supergraph_is_checked_in() -> None:
    assert supergraph_text().strip()


def test_the_router_loads_the_supergraph() -> None:
    supergraph = load_supergraph(supergraph_text())
    assert {graph.name for graph in supergraph.graphs.values()} == {
        "orders",
        "products",
        "search",
        "users",
    }


def test_apollo_gateway_loads_the_supergraph() -> None:
    assert gateway_loads(supergraph_text()) is None
