"""Orders subgraph settings (``SHOPGRAPH_*`` environment variables)."""

from __future__ import annotations

from subgraphs.common.settings import IdentitySettings


class OrdersSettings(IdentitySettings):
    orders_run_relay: bool = True
    """Run the outbox relay inside the subgraph process (off when ``shopgraph orders relay``
    runs as a workload of its own; relays of several processes take turns either way)."""
