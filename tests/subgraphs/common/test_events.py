"""Catalog events between versions: a snapshot from an older producer lacks the fields added
since, one from a newer producer carries fields this version does not know."""

from __future__ import annotations

import orjson

from subgraphs.common.events import ProductSnapshot

SNAPSHOT = ProductSnapshot(
    id="p-1", sku="SKU-1", name="Kettle", description="Boils", brand="Acme",
    category_ids=["c-kitchen"], vendor_id="v-01", price_amount=1000, currency="EUR",
    rating=4.5, created_at="2026-01-01T00:00:00+00:00", categories=["Kitchen"], rating_count=2,
)  # fmt: skip


def test_a_snapshot_round_trips() -> None:
    assert ProductSnapshot.from_json(SNAPSHOT.to_json()) == SNAPSHOT


def test_an_older_snapshot_has_no_rating_count() -> None:
    older = orjson.loads(SNAPSHOT.to_json())
    del older["rating_count"]
    assert ProductSnapshot.from_json(orjson.dumps(older).decode()).rating_count == 0


def test_a_newer_snapshot_s_unknown_fields_are_left_out() -> None:
    newer = {**orjson.loads(SNAPSHOT.to_json()), "colour": "red"}
    assert ProductSnapshot.from_json(orjson.dumps(newer).decode()) == SNAPSHOT
