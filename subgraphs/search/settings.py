"""Search subgraph settings (``SHOPGRAPH_*`` environment variables)."""

from __future__ import annotations

import socket

from pydantic import Field

from subgraphs.common.settings import IdentitySettings


class SearchSettings(IdentitySettings):
    search_alias: str = "products"
    """The Elasticsearch alias queries go to (it points at the current versioned index)."""
    search_index_replicas: int = Field(0, ge=0, le=10)
    """Replica shards of each search index built (``reindex`` included): 0 on one node, at
    least 1 on a cluster, so that losing a node loses no part of the index."""
    search_run_indexer: bool = True
    """Run the catalog indexer inside the subgraph process (off when it runs on its own)."""
    search_indexer_consumer: str = socket.gethostname()
    """This indexer's name in the consumer group; keep it across restarts to resume at once."""
    search_indexer_claim_idle_seconds: float = Field(60.0, gt=0)
    """How long an event another indexer read may stay unacknowledged before this one takes
    it over (that indexer crashed, or was killed mid-batch)."""
