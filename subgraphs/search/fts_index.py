"""The search index on SQLite FTS5, for ``shopgraph dev`` (no Elasticsearch needed).

Documents live in a plain table; an FTS5 table over name, brand, categories, description and
sku ranks matches with bm25. Facets are GROUP BYs over the matching rows. A rebuild fills
fresh tables and renames them into place in one transaction, so a search sees either the old
index or the new one.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from datastores.embedded import add_missing_columns
from subgraphs.common.events import ProductSnapshot
from subgraphs.search.index import (
    FACET_SIZE,
    PRICE_RANGES,
    CursorError,
    Facets,
    FacetValue,
    Hit,
    PriceBucket,
    SearchQuery,
    SearchResult,
    SortOrder,
    decode_cursor,
    encode_cursor,
    fold,
    name_suffixes,
    weighted_rating,
)

TABLES = ("search_docs", "search_categories", "search_fts")
ADDED_COLUMNS = {"rating_rank": "REAL", "revision": "INTEGER NOT NULL DEFAULT 0"}
"""Columns of ``search_docs`` added since it was first created, and their types."""
WORD = re.compile(r"\w+", re.UNICODE)
ORDER = {
    SortOrder.RELEVANCE: "score DESC, id ASC",
    SortOrder.PRICE_ASC: "price_amount ASC, id ASC",
    SortOrder.PRICE_DESC: "price_amount DESC, id ASC",
    SortOrder.NEWEST: "created_at DESC, id ASC",
    SortOrder.RATING: "coalesce(rating_rank, 0) DESC, id ASC",
}
# bm25 weights, in column order: id (not indexed), name, brand, categories, description, sku.
SCORE = "-bm25(search_fts, 0.0, 10.0, 5.0, 5.0, 1.0, 10.0)"
HIGHLIGHT_NAME = "highlight(search_fts, 1, '<em>', '</em>')"
SNIPPET_DESCRIPTION = "snippet(search_fts, 4, '<em>', '</em>', '...', 16)"


def _ddl(suffix: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS search_docs{suffix} (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, name_folded TEXT NOT NULL,
              brand TEXT NOT NULL,
              vendor_id TEXT NOT NULL, price_amount INTEGER NOT NULL, rating REAL,
              created_at TEXT NOT NULL, rating_rank REAL,
              revision INTEGER NOT NULL DEFAULT 0)""",
        f"""CREATE TABLE IF NOT EXISTS search_categories{suffix} (
              id TEXT NOT NULL, category_id TEXT NOT NULL, PRIMARY KEY (id, category_id))""",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts{suffix} USING fts5(
              id UNINDEXED, name, brand, categories, description, sku,
              tokenize = 'porter unicode61 remove_diacritics 2')""",
    ]


class SqliteSearchIndex:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def ensure_index(self) -> None:
        async with self.engine.begin() as conn:
            for statement in _ddl(""):
                await conn.execute(text(statement))
            # A table made by an earlier version gets the columns added since, empty until
            # the next rebuild (which ``shopgraph dev`` does on each start).
            await add_missing_columns(conn, "search_docs", ADDED_COLUMNS)

    async def index(self, documents: Sequence[ProductSnapshot]) -> dict[str, str]:
        """Index the snapshots; one older than the product's indexed revision is left out."""
        async with self.engine.begin() as conn:
            indexed = await _revisions(conn, [d.id for d in documents])
            newer = [d for d in documents if d.revision >= indexed.get(d.id, 0)]
            await _write(conn, newer, "")
        return {}

    async def delete(self, product_ids: Sequence[str]) -> None:
        if product_ids:
            async with self.engine.begin() as conn:
                await _remove(conn, product_ids, "")

    async def search(self, query: SearchQuery) -> SearchResult:
        offset = 0
        if query.after is not None:
            [offset] = decode_cursor(query.after, "fts", query.sort)
            if not isinstance(offset, int) or offset < 0:
                raise CursorError(f"malformed cursor {query.after!r}")
        match = _match_expression(query.text)
        where, params = _where(query, match)
        if match:
            base = "FROM search_docs d JOIN search_fts ON search_fts.id = d.id"
            score = SCORE
        else:
            base = "FROM search_docs d"
            score = "0.0"
        # One statement gives the page and the total (a window count over the matches), so
        # both come from the same snapshot while the indexer writes. MATERIALIZED keeps bm25
        # inside the full-text query, where SQLite allows it.
        page = f"""WITH matches AS MATERIALIZED (
                       SELECT d.id AS id, {score} AS score, d.price_amount AS price_amount,
                              d.created_at AS created_at, d.rating_rank AS rating_rank
                       {base} WHERE {where})
                   SELECT id, score, count(*) OVER () AS total FROM matches
                   ORDER BY {ORDER[query.sort]} LIMIT :limit OFFSET :offset"""  # noqa: S608
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(page), {**params, "limit": query.first + 1, "offset": offset}
                )
            ).all()
            if rows:
                total = rows[0].total
            elif offset == 0:  # nothing matched in this snapshot (a count would take another)
                total = 0
            else:  # past the end: count on its own
                count = f"SELECT count(*) {base} WHERE {where}"
                total = (await conn.execute(text(count), params)).scalar_one()
            facets = await _facets(conn, base, where, params)
            marked = await _marked(conn, match, [r.id for r in rows[: query.first]])
        hits = [Hit(r.id, float(r.score), marked.get(r.id, {})) for r in rows[: query.first]]
        more = len(rows) > query.first
        next_cursor = encode_cursor("fts", query.sort, [offset + query.first]) if more else None
        return SearchResult(hits, int(total), facets, next_cursor)

    async def suggest(self, prefix: str, size: int) -> list[str]:
        wanted = fold(prefix)
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("""SELECT DISTINCT name FROM search_docs
                            WHERE name_folded LIKE :anywhere ESCAPE '\\' LIMIT 5000"""),
                    {"anywhere": f"%{escaped}%"},
                )
            ).all()
        ranked: list[tuple[str, str]] = []
        for (name,) in rows:
            keys = [fold(s) for s in name_suffixes(name) if fold(s).startswith(wanted)]
            if keys:
                ranked.append((min(keys), name))
        return [name for _, name in sorted(ranked)[:size]]

    async def rebuild(self, documents: AsyncIterable[ProductSnapshot]) -> int:
        count = 0
        async with self.engine.begin() as conn:
            for table in TABLES:
                await conn.execute(text(f"DROP TABLE IF EXISTS {table}_next"))
            for statement in _ddl("_next"):
                await conn.execute(text(statement))
        batch: list[ProductSnapshot] = []
        async for document in documents:
            batch.append(document)
            if len(batch) == 500:
                count += await self._write_batch(batch, "_next")
                batch = []
        count += await self._write_batch(batch, "_next")
        async with self.engine.begin() as conn:
            for table in TABLES:
                await conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
                await conn.execute(text(f"ALTER TABLE {table}_next RENAME TO {table}"))
        return count

    async def _write_batch(self, documents: Sequence[ProductSnapshot], suffix: str) -> int:
        async with self.engine.begin() as conn:
            await _write(conn, documents, suffix)
        return len(documents)

    async def close(self) -> None:
        await self.engine.dispose()


async def _write(conn: AsyncConnection, documents: Sequence[ProductSnapshot], suffix: str) -> None:
    """Replace ``documents`` in the tables ending in ``suffix``, a statement per table."""
    if not documents:
        return
    await _remove(conn, [d.id for d in documents], suffix)
    await conn.execute(
        text(f"""INSERT INTO search_docs{suffix} (id, name, name_folded, brand, vendor_id,
                   price_amount, rating, created_at, rating_rank, revision) VALUES (:id,
                   :name, :name_folded, :brand, :vendor_id, :price_amount, :rating,
                   :created_at, :rating_rank, :revision)"""),  # noqa: S608
        [{"id": d.id, "name": d.name, "name_folded": fold(d.name), "brand": d.brand,
          "vendor_id": d.vendor_id, "price_amount": d.price_amount, "rating": d.rating,
          "created_at": d.created_at, "rating_rank": weighted_rating(d.rating, d.rating_count),
          "revision": d.revision}
         for d in documents],
    )  # fmt: skip
    memberships = [{"id": d.id, "category_id": c} for d in documents for c in d.category_ids]
    if memberships:
        await conn.execute(
            text(f"INSERT INTO search_categories{suffix} VALUES (:id, :category_id)"),  # noqa: S608
            memberships,
        )
    await conn.execute(
        text(f"""INSERT INTO search_fts{suffix} (id, name, brand, categories, description, sku)
                 VALUES (:id, :name, :brand, :categories, :description, :sku)"""),  # noqa: S608
        [{"id": d.id, "name": d.name, "brand": d.brand, "categories": " ".join(d.categories),
          "description": d.description, "sku": d.sku} for d in documents],
    )  # fmt: skip


async def _revisions(conn: AsyncConnection, product_ids: Sequence[str]) -> dict[str, int]:
    """The indexed revision of each of ``product_ids`` that is indexed."""
    found: dict[str, int] = {}
    for start in range(0, len(product_ids), 500):  # well under SQLite's cap on bound variables
        chunk = list(product_ids[start : start + 500])
        rows = await conn.execute(
            text("SELECT id, revision FROM search_docs WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": chunk},
        )
        found |= {row.id: row.revision for row in rows}
    return found


async def _remove(conn: AsyncConnection, product_ids: Sequence[str], suffix: str) -> None:
    for table in TABLES:
        delete = f"DELETE FROM {table}{suffix} WHERE id = :id"  # noqa: S608
        await conn.execute(text(delete), [{"id": i} for i in product_ids])


def _match_expression(query: str) -> str | None:
    """Words of the query, each as an FTS5 string, any of them matching (like ES's ``match``)."""
    words = WORD.findall(query.lower())
    return " OR ".join(f'"{w}"' for w in words) if words else None


def _where(query: SearchQuery, match: str | None) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if match:
        clauses.append("search_fts MATCH :match")
        params["match"] = match
    w = query.where

    def one_of(name: str, values: Sequence[str]) -> str:
        keys = [f"{name}{i}" for i in range(len(values))]
        params.update(zip(keys, values, strict=True))
        return f"({', '.join(':' + k for k in keys)})"

    if w.brands:
        clauses.append(f"d.brand IN {one_of('brand', w.brands)}")
    if w.vendor_ids:
        clauses.append(f"d.vendor_id IN {one_of('vendor', w.vendor_ids)}")
    if w.category_ids:
        categories = one_of("category", w.category_ids)
        in_categories = f"SELECT id FROM search_categories WHERE category_id IN {categories}"  # noqa: S608
        clauses.append(f"d.id IN ({in_categories})")
    if w.min_price is not None:
        clauses.append("d.price_amount >= :min_price")
        params["min_price"] = w.min_price
    if w.max_price is not None:
        clauses.append("d.price_amount <= :max_price")
        params["max_price"] = w.max_price
    return " AND ".join(clauses), params


async def _facets(conn: AsyncConnection, base: str, where: str, params: dict[str, Any]) -> Facets:
    async def values(column: str, source: str) -> list[FacetValue]:
        statement = f"""SELECT {column} AS value, count(*) AS n {source} WHERE {where}
                        GROUP BY {column} ORDER BY n DESC, value ASC LIMIT {FACET_SIZE}"""
        rows = (await conn.execute(text(statement), params)).all()
        return [FacetValue(str(r.value), int(r.n)) for r in rows]

    categories = await values("c.category_id", f"{base} JOIN search_categories c ON c.id = d.id")
    brands = await values("d.brand", base)
    vendors = await values("d.vendor_id", base)
    prices = []
    for start, end in PRICE_RANGES:
        bounds = [f"d.price_amount >= {start}" if start is not None else "1 = 1",
                  f"d.price_amount < {end}" if end is not None else "1 = 1"]  # fmt: skip
        statement = f"SELECT count(*) {base} WHERE {where} AND {' AND '.join(bounds)}"
        count = (await conn.execute(text(statement), params)).scalar_one()
        prices.append(PriceBucket(start, end, int(count)))
    return Facets(categories, brands, vendors, prices)


async def _marked(
    conn: AsyncConnection, match: str | None, ids: list[str]
) -> dict[str, dict[str, list[str]]]:
    """Highlights of the page's documents: matched words in <em>, by field."""
    if not match or not ids:
        return {}
    keys = {f"id{i}": value for i, value in enumerate(ids)}
    statement = f"""SELECT id, {HIGHLIGHT_NAME} AS name, {SNIPPET_DESCRIPTION} AS text
                    FROM search_fts WHERE search_fts MATCH :match
                    AND id IN ({", ".join(":" + k for k in keys)})"""  # noqa: S608
    rows = (await conn.execute(text(statement), {"match": match, **keys})).all()
    return {r.id: _highlights(r.name, r.text) for r in rows}


def _highlights(name: str | None, description: str | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if name and "<em>" in name:
        found["name"] = [name]
    if description and "<em>" in description:
        found["description"] = [description]
    return found
