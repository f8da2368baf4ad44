"""Profiles (preferences and addresses) on SQL, and recently viewed products in Redis."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.users.tables import user_addresses, user_profiles

MAX_ADDRESSES = 10
RECENTLY_VIEWED = 20


@dataclass(frozen=True)
class Preferences:
    language: str = "en"
    currency: str = "EUR"
    newsletter: bool = False


@dataclass(frozen=True)
class Address:
    id: str
    label: str
    recipient: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str
    is_default: bool


class ProfileError(Exception):
    code = "BAD_USER_INPUT"


class AddressNotFoundError(ProfileError):
    code = "NOT_FOUND"


class ProfileStore(Protocol):
    async def preferences(
        self, user_ids: list[str], *, stale_ok: bool = False
    ) -> list[Preferences]:
        """Defaults for a user who never saved any; aligned with ``user_ids``. With
        ``stale_ok``, from the read replica when there is one (it may lag behind)."""
        ...

    async def save_preferences(self, user_id: str, preferences: Preferences) -> Preferences: ...

    async def addresses(self, user_id: str) -> list[Address]:
        """The default address first, then oldest first."""
        ...

    async def add_address(self, user_id: str, fields: dict[str, str]) -> Address:
        """The first address becomes the default; at most :data:`MAX_ADDRESSES`."""
        ...

    async def update_address(self, user_id: str, address_id: str,
                             fields: dict[str, str]) -> Address: ...  # fmt: skip

    async def remove_address(self, user_id: str, address_id: str) -> None:
        """Removing the default makes the oldest remaining address the default."""
        ...

    async def set_default_address(self, user_id: str, address_id: str) -> Address: ...

    async def close(self) -> None: ...


class SqlProfileStore:
    """Profiles on SQL; only :meth:`preferences` with ``stale_ok`` reads from the replica (see
    :mod:`subgraphs.common.consistency`)."""

    def __init__(self, engine: AsyncEngine, replica: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.replica = replica

    async def preferences(
        self, user_ids: list[str], *, stale_ok: bool = False
    ) -> list[Preferences]:
        reader = self.replica if stale_ok and self.replica is not None else self.engine
        async with reader.connect() as conn:
            rows = (
                await conn.execute(
                    select(user_profiles).where(user_profiles.c.user_id.in_(user_ids))
                )
            ).all()
        found = {r.user_id: Preferences(r.language, r.currency, r.newsletter) for r in rows}
        return [found.get(u, Preferences()) for u in user_ids]

    async def save_preferences(self, user_id: str, preferences: Preferences) -> Preferences:
        values = {
            "language": preferences.language, "currency": preferences.currency,
            "newsletter": preferences.newsletter, "updated_at": datetime.now(UTC),
        }  # fmt: skip
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(user_profiles).where(user_profiles.c.user_id == user_id).values(values)
            )
            if changed.rowcount == 0:
                await conn.execute(user_profiles.insert().values(user_id=user_id, **values))
        return preferences

    async def addresses(self, user_id: str) -> list[Address]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(user_addresses).where(user_addresses.c.user_id == user_id)
                    .order_by(user_addresses.c.is_default.desc(), user_addresses.c.created_at,
                              user_addresses.c.id)
                )
            ).all()  # fmt: skip
        return [_address(r) for r in rows]

    async def add_address(self, user_id: str, fields: dict[str, str]) -> Address:
        async with self.engine.begin() as conn:
            count = len(
                (
                    await conn.execute(
                        select(user_addresses.c.id).where(user_addresses.c.user_id == user_id)
                    )
                ).all()
            )
            if count >= MAX_ADDRESSES:
                raise ProfileError(f"at most {MAX_ADDRESSES} addresses")
            address_id = f"a-{secrets.token_hex(8)}"
            await conn.execute(user_addresses.insert().values(
                id=address_id, user_id=user_id, is_default=count == 0,
                created_at=datetime.now(UTC), **fields,
            ))  # fmt: skip
        return await self._one(user_id, address_id)

    async def update_address(self, user_id: str, address_id: str,
                             fields: dict[str, str]) -> Address:  # fmt: skip
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(user_addresses)
                .where(user_addresses.c.id == address_id, user_addresses.c.user_id == user_id)
                .values(**fields)
            )
            if changed.rowcount == 0:
                raise AddressNotFoundError(f"no address {address_id!r}")
        return await self._one(user_id, address_id)

    async def remove_address(self, user_id: str, address_id: str) -> None:
        mine = (user_addresses.c.id == address_id, user_addresses.c.user_id == user_id)
        async with self.engine.begin() as conn:
            was_default = (
                await conn.execute(select(user_addresses.c.is_default).where(*mine))
            ).scalar()
            if was_default is None:
                raise AddressNotFoundError(f"no address {address_id!r}")
            await conn.execute(delete(user_addresses).where(*mine))
            if was_default:
                oldest = (
                    await conn.execute(
                        select(user_addresses.c.id).where(user_addresses.c.user_id == user_id)
                        .order_by(user_addresses.c.created_at, user_addresses.c.id).limit(1)
                    )
                ).scalar()  # fmt: skip
                if oldest is not None:
                    await conn.execute(update(user_addresses)
                                       .where(user_addresses.c.id == oldest)
                                       .values(is_default=True))  # fmt: skip

    async def set_default_address(self, user_id: str, address_id: str) -> Address:
        async with self.engine.begin() as conn:
            exists = (
                await conn.execute(
                    select(user_addresses.c.id).where(user_addresses.c.id == address_id,
                                                      user_addresses.c.user_id == user_id)
                )
            ).scalar()  # fmt: skip
            if exists is None:
                raise AddressNotFoundError(f"no address {address_id!r}")
            await conn.execute(update(user_addresses).where(user_addresses.c.user_id == user_id)
                               .values(is_default=user_addresses.c.id == address_id))  # fmt: skip
        return await self._one(user_id, address_id)

    async def _one(self, user_id: str, address_id: str) -> Address:
        return next(a for a in await self.addresses(user_id) if a.id == address_id)

    async def close(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()


def _address(row: Any) -> Address:
    return Address(row.id, row.label, row.recipient, row.line1, row.line2, row.city,
                   row.postal_code, row.country, bool(row.is_default))  # fmt: skip


class RecentlyViewed:
    """The last :data:`RECENTLY_VIEWED` products a user looked at, newest first, no repeats."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def record(self, user_id: str, product_id: str) -> None:
        key = f"viewed:{user_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrem(key, 0, product_id)
            pipe.lpush(key, product_id)
            pipe.ltrim(key, 0, RECENTLY_VIEWED - 1)
            pipe.expire(key, 90 * 24 * 3600)
            await pipe.execute()

    async def list(self, user_id: str, first: int) -> list[str]:
        values = await self.redis.lrange(f"viewed:{user_id}", 0, first - 1)
        return [str(v) for v in values]
