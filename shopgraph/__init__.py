"""The ``shopgraph`` command line: runs the services, the router, composition and seeding."""
