"""The profile store's contract, on PostgreSQL and on embedded SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from subgraphs.users.store import (
    MAX_ADDRESSES,
    AddressNotFoundError,
    Preferences,
    ProfileError,
    SqlProfileStore,
)
from tests.support.sql import database_for


@pytest.fixture(params=["postgres", "sqlite"])
async def profiles(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SqlProfileStore]:
    async with database_for(request, tmp_path) as engine:
        yield SqlProfileStore(engine)


def home(label: str = "Home") -> dict[str, str]:
    return {"label": label, "recipient": "Alice", "line1": "1 Main St", "line2": "",
            "city": "Oslo", "postal_code": "0150", "country": "NO"}  # fmt: skip


async def test_preferences_default_then_saved(profiles: SqlProfileStore) -> None:
    assert await profiles.preferences(["u-1", "u-2"]) == [Preferences(), Preferences()]
    await profiles.save_preferences("u-1", Preferences("nb-NO", "NOK", True))
    await profiles.save_preferences("u-1", Preferences("nb-NO", "EUR", True))
    assert await profiles.preferences(["u-2", "u-1"]) == [
        Preferences(), Preferences("nb-NO", "EUR", True),
    ]  # fmt: skip


async def test_addresses_default_and_ownership(profiles: SqlProfileStore) -> None:
    first = await profiles.add_address("u-1", home("Home"))
    second = await profiles.add_address("u-1", home("Work"))
    assert (first.is_default, second.is_default) == (True, False)
    await profiles.set_default_address("u-1", second.id)
    assert [a.label for a in await profiles.addresses("u-1")] == ["Work", "Home"]
    with pytest.raises(AddressNotFoundError):
        await profiles.set_default_address("u-2", first.id)  # not theirs
    with pytest.raises(AddressNotFoundError):
        await profiles.update_address("u-2", first.id, home("Stolen"))
    updated = await profiles.update_address("u-1", first.id, home("Cabin"))
    assert updated.label == "Cabin"
    await profiles.remove_address("u-1", second.id)
    [left] = await profiles.addresses("u-1")
    assert (left.label, left.is_default) == ("Cabin", True), "the default moves on removal"
    with pytest.raises(AddressNotFoundError):
        await profiles.remove_address("u-1", second.id)


async def test_at_most_ten_addresses(profiles: SqlProfileStore) -> None:
    for n in range(MAX_ADDRESSES):
        await profiles.add_address("u-1", home(f"A{n}"))
    with pytest.raises(ProfileError, match="at most 10"):
        await profiles.add_address("u-1", home("one too many"))
