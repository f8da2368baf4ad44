"""One Apollo Federation v2 subgraph per domain: products, orders, search and users."""
