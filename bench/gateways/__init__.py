"""Gateway benchmark on the terms of the public GraphQL gateways benchmark: shopgraph's router,
Hive Gateway, Hive Router and Apollo Gateway over the same four Rust subgraphs.

    .venv/bin/python -m bench.gateways [--gateways ...] [--dedup on,off] [--warmup 10]
        [--duration 30] [--overhead]
"""
