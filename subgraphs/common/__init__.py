"""What every subgraph shares: cursors, the error code registry, catalog events."""
