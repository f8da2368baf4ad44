"""The catalog's MongoDB collections: indexes and the products validator (a migration step).

Run by ``shopgraph seed`` and at products subgraph start-up; safe to run again. A server
that lacks a feature (FerretDB has no ``$jsonSchema`` validators or text indexes) gets the
rest, and the result says what was skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, TEXT, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, OperationFailure

PRODUCT_SCHEMA: dict[str, Any] = {
    "bsonType": "object",
    "required": ["sku", "name", "price", "vendor_id", "category_ids", "created_at"],
    "properties": {
        "sku": {"bsonType": "string", "minLength": 1, "maxLength": 64},
        "name": {"bsonType": "string", "minLength": 1, "maxLength": 200},
        "price": {
            "bsonType": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"bsonType": ["int", "long"], "minimum": 0},
                "currency": {"bsonType": "string", "pattern": "^[A-Z]{3}$"},
            },
        },
        "vendor_id": {"bsonType": "string"},
        "category_ids": {"bsonType": "array", "items": {"bsonType": "string"}},
    },
}

INDEXES: dict[str, list[IndexModel]] = {
    "products": [
        IndexModel([("sku", ASCENDING)], unique=True, name="sku_unique"),
        IndexModel([("category_ids", ASCENDING)], name="category"),
        IndexModel([("vendor_id", ASCENDING)], name="vendor"),
    ],
    "reviews": [
        IndexModel(
            [("product_id", ASCENDING), ("author_id", ASCENDING)],
            unique=True,
            name="one_review_per_user",
        ),
    ],
}
TEXT_INDEX = IndexModel([("name", TEXT), ("description", TEXT)], name="text")
NOT_SUPPORTED = {27, 115, 238}  # IndexNotFound (text), CommandNotSupported, NotImplemented


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


async def migrate_catalog(db: AsyncDatabase[dict[str, Any]]) -> MigrationReport:
    report = MigrationReport()
    build = await db.client.admin.command("buildInfo")
    if "ferretdbVersion" in build:
        # FerretDB answers validator commands with NotImplemented, and `collMod` can drop the
        # connection; leave validators to MongoDB.
        report.skipped.append(f"products validator (FerretDB {build['ferretdbVersion']})")
    else:
        await _create_products(db, report)
    for collection, indexes in INDEXES.items():
        # Only the missing ones: FerretDB drops the connection on re-creating an index.
        present = {index["name"] async for index in await db[collection].list_indexes()}
        missing = [i for i in indexes if i.document["name"] not in present]
        if missing:
            await db[collection].create_indexes(missing)
            report.applied.append(f"{collection} indexes")
    if "text" in {index["name"] async for index in await db.products.list_indexes()}:
        return report
    try:
        await db.products.create_indexes([TEXT_INDEX])
        report.applied.append("products text index")
    except OperationFailure as error:
        if error.code not in NOT_SUPPORTED:
            raise
        report.skipped.append("products text index (not supported by this server)")
    return report


async def _create_products(db: AsyncDatabase[dict[str, Any]], report: MigrationReport) -> None:
    try:
        await db.create_collection("products", validator={"$jsonSchema": PRODUCT_SCHEMA})
        report.applied.append("products validator")
    except CollectionInvalid:
        await _set_validator(db, report)
    except OperationFailure as error:
        if error.code not in NOT_SUPPORTED:
            raise
        report.skipped.append(
            f"products validator ({error.details and error.details.get('errmsg')})"
        )


async def _set_validator(db: AsyncDatabase[dict[str, Any]], report: MigrationReport) -> None:
    try:
        await db.command("collMod", "products", validator={"$jsonSchema": PRODUCT_SCHEMA})
        report.applied.append("products validator")
    except OperationFailure as error:
        if error.code not in NOT_SUPPORTED:
            raise
        report.skipped.append("products validator (not supported by this server)")
