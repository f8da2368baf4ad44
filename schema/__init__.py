"""Schema tooling: Federation v2 composition and schema checks (``shopgraph compose``,
``shopgraph schema check``). The SDL files next to this package are its inputs and output."""
