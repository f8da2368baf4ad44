"""The router's persisted documents from its configuration: the APQ store (in-process, and
Redis when configured) and the trusted documents of its manifests."""

from __future__ import annotations

from router.cache import BoundedCache
from router.cache.documents import DocumentStore
from router.http.config import ConfigError, RouterConfig
from router.operation.persisted import ManifestError, PersistedDocuments, load_manifest
from router.telemetry.metrics import watch_cache


def persisted_documents(config: RouterConfig) -> PersistedDocuments:
    """Raises :class:`ConfigError` for a manifest that cannot be read."""
    apq, trusted = config.apq, config.trusted_documents
    store = None
    if apq.enabled:
        local = BoundedCache[str, str](
            max_entries=apq.cache.max_entries, max_bytes=apq.cache.max_bytes
        )
        watch_cache("apq", local)
        store = (
            DocumentStore.from_url(
                local,
                apq.redis_url,
                key_prefix=apq.key_prefix,
                ttl_seconds=apq.ttl_seconds,
                timeout_seconds=apq.redis_timeout_seconds,
            )
            if apq.redis_url
            else DocumentStore(local)
        )
    try:
        return PersistedDocuments(
            store=store,
            manifests=[load_manifest(path) for path in trusted.manifests],
            mode=trusted.mode,
            require_id=trusted.require_id,
            log_unknown=trusted.log_unknown,
        )
    except ManifestError as error:
        raise ConfigError(f"trusted_documents: {error}") from None
