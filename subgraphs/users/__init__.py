"""The users subgraph: the signed-in user, profiles, addresses, recently viewed products."""
