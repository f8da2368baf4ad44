"""``shopgraph orders relay``: the orders outbox relay as a process of its own.

The orders subgraph runs a relay beside every instance; this one lets a deployment run the
relay as its own workload, sized and restarted apart from the pods that serve queries.
Relays side by side share the outbox: each claims its rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import signal

from datastores.embedded import redis_client
from datastores.settings import StoreSettings
from subgraphs.orders.app import open_store
from subgraphs.orders.relay import OutboxRelay


async def relay_outbox(stores: StoreSettings, stop: asyncio.Event | None = None) -> None:
    """Publish the outbox until ``stop`` is set, or SIGTERM or SIGINT arrives; the batch in
    hand is finished first, so no event is left published but unmarked."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    store = await open_store(stores)
    redis = redis_client(stores)
    try:
        await OutboxRelay(store, redis).run(stop)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await store.close()
        await redis.aclose()
