"""The search subgraph: full-text product search on Elasticsearch (ariadne, schema-first)."""
