"""Connections, migrations, indexes, seed data and throwaway test servers for shopgraph's stores."""
