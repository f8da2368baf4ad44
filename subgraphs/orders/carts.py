"""Carts in Redis: a hash of product id → quantity per cart, expiring after 30 idle days.

An anonymous cart has a random id the client keeps; a signed-in user's cart is
``user:<oid>``. Signing in merges the anonymous cart into the user's (quantities add up).

Every change to a cart bumps its version. Placing an order first claims the cart
(:meth:`Carts.claim`): one user and idempotency key at a time may order a cart, and once a
version of it is ordered, other keys are refused until the cart changes. A claim that ends
without an order is released, so a declined payment or a failed order leaves the cart
orderable; one whose request died expires after ``PLACING_SECONDS``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import WatchError

from subgraphs.orders.model import CartLine

CART_TTL_SECONDS = 30 * 24 * 3600
MAX_LINES = 50
MAX_QUANTITY = 99
ANONYMOUS_ID = re.compile(r"^c-[0-9a-f]{32}$")
PLACING_SECONDS = 120
"""How long a claim lasts when the request placing the order dies without releasing it."""
ORDERED_SECONDS = 24 * 3600
"""How long an ordered cart refuses other idempotency keys unless it changes (then it is empty
anyway, and an empty cart makes no order)."""
MAX_TRANSACTION_ATTEMPTS = 100

T = TypeVar("T")


def new_cart_id() -> str:
    return f"c-{secrets.token_hex(16)}"


def user_cart_id(user_id: str) -> str:
    return f"user:{user_id}"


class CartError(ValueError):
    pass


class ClaimOutcome(Enum):
    CLAIMED = "claimed"
    """This request may order the claimed lines (alone, or with retries of its own key)."""
    ORDERED = "ordered"
    """This user and idempotency key already ordered the cart as it is."""
    TAKEN = "taken"
    """Another idempotency key is ordering the cart, or ordered it as it is."""


@dataclass(frozen=True)
class CartClaim:
    outcome: ClaimOutcome
    lines: list[CartLine]
    version: int


class Carts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def _key(self, cart_id: str) -> str:
        return f"cart:{cart_id}"

    # The cart's own key in braces: a Redis Cluster keeps these in the cart's slot, so that one
    # transaction can cover all three.
    def _version_key(self, cart_id: str) -> str:
        return f"cart-version:{{cart:{cart_id}}}"

    def _claim_key(self, cart_id: str) -> str:
        return f"cart-order:{{cart:{cart_id}}}"

    async def lines(self, cart_id: str) -> list[CartLine]:
        return _lines(await self.redis.hgetall(self._key(cart_id)))

    async def version(self, cart_id: str) -> int:
        return int(await self.redis.get(self._version_key(cart_id)) or 0)

    async def set_quantity(self, cart_id: str, product_id: str, quantity: int) -> list[CartLine]:
        """Set a line (0 removes it)."""
        if not 0 <= quantity <= MAX_QUANTITY:
            raise CartError(f"quantity must be 0 to {MAX_QUANTITY}, not {quantity}")
        key = self._key(cart_id)
        if quantity > 0:
            present = await self.redis.hexists(key, product_id)
            if not present and await self.redis.hlen(key) >= MAX_LINES:
                raise CartError(f"a cart holds at most {MAX_LINES} products")
        async with self.redis.pipeline(transaction=True) as pipe:
            if quantity == 0:
                pipe.hdel(key, product_id)
            else:
                pipe.hset(key, product_id, quantity)
            self._changed(pipe, cart_id)
            await pipe.execute()
        return await self.lines(cart_id)

    async def add(self, cart_id: str, product_id: str, quantity: int) -> list[CartLine]:
        current = int(await self.redis.hget(self._key(cart_id), product_id) or 0)
        return await self.set_quantity(cart_id, product_id, min(current + quantity, MAX_QUANTITY))

    async def merge(self, anonymous_id: str, user_id: str) -> list[CartLine]:
        """Move an anonymous cart into the user's cart; the anonymous cart is gone after."""
        target = user_cart_id(user_id)
        for line in await self.lines(anonymous_id):
            await self.add(target, line.product_id, line.quantity)
        await self.clear(anonymous_id)
        return await self.lines(target)

    async def clear(self, cart_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(cart_id))
            self._changed(pipe, cart_id)
            await pipe.execute()

    def _changed(self, pipe: Any, cart_id: str) -> None:
        pipe.incr(self._version_key(cart_id))
        pipe.expire(self._key(cart_id), CART_TTL_SECONDS)
        pipe.expire(self._version_key(cart_id), CART_TTL_SECONDS)

    # -- ordering ------------------------------------------------------------------------

    async def claim(self, cart_id: str, user_id: str, idempotency_key: str) -> CartClaim:
        """Claim the cart to order its lines, read in the same transaction as the claim."""
        keys = [self._key(cart_id), self._version_key(cart_id), self._claim_key(cart_id)]

        async def attempt(pipe: Any) -> CartClaim:
            lines = _lines(await pipe.hgetall(keys[0]))
            version = int(await pipe.get(keys[1]) or 0)
            held: dict[str, str] = await pipe.hgetall(keys[2])
            mine = held.get("user") == user_id and held.get("key") == idempotency_key
            if held.get("state") == "ordered" and held.get("version") == str(version):
                return CartClaim(ClaimOutcome.ORDERED if mine else ClaimOutcome.TAKEN, lines,
                                 version)  # fmt: skip
            joining = held.get("state") == "placing"
            if joining and not mine:
                return CartClaim(ClaimOutcome.TAKEN, lines, version)
            pipe.multi()
            if joining:  # a retry of the same key while the first attempt is under way
                pipe.hincrby(keys[2], "attempts", 1)
            else:
                pipe.delete(keys[2])
                pipe.hset(keys[2], mapping={"state": "placing", "version": version,
                                            "user": user_id, "key": idempotency_key,
                                            "attempts": 1})  # fmt: skip
            pipe.expire(keys[2], PLACING_SECONDS)
            await pipe.execute()
            return CartClaim(ClaimOutcome.CLAIMED, lines, version)

        return await self._transaction(keys, attempt)

    async def release(self, cart_id: str, user_id: str, idempotency_key: str) -> None:
        """An attempt of :meth:`claim` ended without an order; the last one frees the cart."""
        key = self._claim_key(cart_id)

        async def attempt(pipe: Any) -> None:
            held: dict[str, str] = await pipe.hgetall(key)
            if held.get("state") != "placing" or (held.get("user"), held.get("key")) != (
                user_id, idempotency_key,
            ):  # fmt: skip
                return
            pipe.multi()
            if int(held.get("attempts", "1")) <= 1:
                pipe.delete(key)
            else:
                pipe.hincrby(key, "attempts", -1)
            await pipe.execute()

        await self._transaction([key], attempt)

    async def complete(self, cart_id: str, user_id: str, idempotency_key: str) -> None:
        """The order is placed: empty the cart and mark it ordered by this key."""
        keys = [self._version_key(cart_id), self._claim_key(cart_id)]

        async def attempt(pipe: Any) -> None:
            version = int(await pipe.get(keys[0]) or 0)
            pipe.multi()
            pipe.delete(self._key(cart_id), keys[1])
            pipe.hset(keys[1], mapping={"state": "ordered", "version": version,
                                        "user": user_id, "key": idempotency_key})  # fmt: skip
            pipe.expire(keys[1], ORDERED_SECONDS)
            pipe.expire(keys[0], CART_TTL_SECONDS)
            await pipe.execute()

        await self._transaction(keys, attempt)

    async def _transaction(self, keys: Sequence[str],
                           attempt: Callable[[Any], Awaitable[T]]) -> T:  # fmt: skip
        """Run ``attempt`` with ``keys`` watched, again while another client changes them."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(MAX_TRANSACTION_ATTEMPTS):
                try:
                    await pipe.watch(*keys)
                    return await attempt(pipe)
                except WatchError:
                    continue
        raise CartError("the cart is being changed by too many requests at once: try again")


def _lines(raw: Mapping[Any, Any]) -> list[CartLine]:
    return sorted((CartLine(str(p), int(q)) for p, q in raw.items()),
                  key=lambda line: line.product_id)  # fmt: skip
