"""Catalog events on a Redis stream: every catalog write appends one ``CatalogChanged``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

CATALOG_STREAM = "catalog:changes"


class CatalogEvents:
    """Appends ``CatalogChanged`` entries; the search indexer reads them in a consumer group."""

    def __init__(self, redis: Any, stream: str = CATALOG_STREAM, max_length: int = 100_000) -> None:
        self.redis = redis
        self.stream = stream
        self.max_length = max_length

    async def product_changed(self, product_id: str, change: str) -> str:
        entry_id = await self.redis.xadd(
            self.stream,
            {
                "type": "CatalogChanged",
                "product_id": product_id,
                "change": change,
                "at": datetime.now(UTC).isoformat(),
            },
            maxlen=self.max_length,
            approximate=True,
        )
        return str(entry_id)
