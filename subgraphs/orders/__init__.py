"""The orders subgraph: orders, inventory and carts (PostgreSQL and Redis)."""
