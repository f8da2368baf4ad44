"""Media service settings (``SHOPGRAPH_MEDIA_*`` environment variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MediaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_MEDIA_", extra="ignore")

    cache_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
    """The rendered images kept in memory, in bytes (0: none)."""
    cache_entries: int = Field(default=4096, ge=0)
    concurrent_renders: int = Field(default=2, ge=1)
    """Renders running at once in worker threads; more requests wait for one to finish."""
