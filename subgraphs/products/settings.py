"""Products subgraph settings (``SHOPGRAPH_*`` environment variables)."""

from __future__ import annotations

from subgraphs.common.settings import IdentitySettings


class ProductsSettings(IdentitySettings):
    cdn_base_url: str = "https://cdn.shopgraph.local/images"
