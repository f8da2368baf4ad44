"""Carts in Redis: a hash of product id → quantity per cart, expiring after 30 idle days.

An anonymous cart has a random id the client keeps; a signed-in user's cart is
``user:<oid>``. Signing in merges the anonymous cart into the user's (quantities add up).
"""

from __future__ import annotations

import re
import secrets

from redis.asyncio import Redis

from subgraphs.orders.model import CartLine

CART_TTL_SECONDS = 30 * 24 * 3600
MAX_LINES = 50
MAX_QUANTITY = 99
ANONYMOUS_ID = re.compile(r"^c-[0-9a-f]{32}$")


def new_cart_id() -> str:
    return f"c-{secrets.token_hex(16)}"


def user_cart_id(user_id: str) -> str:
    return f"user:{user_id}"


class CartError(ValueError):
    pass


class Carts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def _key(self, cart_id: str) -> str:
        return f"cart:{cart_id}"

    async def lines(self, cart_id: str) -> list[CartLine]:
        raw = await self.redis.hgetall(self._key(cart_id))
        return sorted((CartLine(str(p), int(q)) for p, q in raw.items()),
                      key=lambda line: line.product_id)  # fmt: skip

    async def set_quantity(self, cart_id: str, product_id: str, quantity: int) -> list[CartLine]:
        """Set a line (0 removes it)."""
        if not 0 <= quantity <= MAX_QUANTITY:
            raise CartError(f"quantity must be 0 to {MAX_QUANTITY}, not {quantity}")
        key = self._key(cart_id)
        if quantity == 0:
            await self.redis.hdel(key, product_id)
        else:
            present = await self.redis.hexists(key, product_id)
            if not present and await self.redis.hlen(key) >= MAX_LINES:
                raise CartError(f"a cart holds at most {MAX_LINES} products")
            await self.redis.hset(key, product_id, quantity)
        await self.redis.expire(key, CART_TTL_SECONDS)
        return await self.lines(cart_id)

    async def add(self, cart_id: str, product_id: str, quantity: int) -> list[CartLine]:
        current = int(await self.redis.hget(self._key(cart_id), product_id) or 0)
        return await self.set_quantity(cart_id, product_id, min(current + quantity, MAX_QUANTITY))

    async def merge(self, anonymous_id: str, user_id: str) -> list[CartLine]:
        """Move an anonymous cart into the user's cart; the anonymous cart is gone after."""
        target = user_cart_id(user_id)
        for line in await self.lines(anonymous_id):
            await self.add(target, line.product_id, line.quantity)
        await self.redis.delete(self._key(anonymous_id))
        return await self.lines(target)

    async def clear(self, cart_id: str) -> None:
        await self.redis.delete(self._key(cart_id))
