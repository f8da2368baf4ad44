"""The products subgraph: catalog of products, categories, vendors and reviews (MongoDB)."""
