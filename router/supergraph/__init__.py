"""Stage 1: read a Federation supergraph into subgraph metadata and the API schema."""

from router.supergraph.load import Supergraph, SupergraphError, load_supergraph
from router.supergraph.metadata import FieldInGraph, Graph, Key, TypeInGraph, TypeMeta

__all__ = [
    "FieldInGraph",
    "Graph",
    "Key",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "TypeMeta",
    "load_supergraph",
]
