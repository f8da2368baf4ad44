"""The shopgraph federation router: supergraph, planning, execution and the HTTP pipeline."""
