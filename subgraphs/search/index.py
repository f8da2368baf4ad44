"""The search port: what the search subgraph needs from its index, whatever the index is."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import orjson

from subgraphs.common.events import ProductSnapshot

PRICE_RANGES: tuple[tuple[int | None, int | None], ...] = (
    (None, 1000), (1000, 2500), (2500, 5000), (5000, 10000), (10000, None),
)  # fmt: skip
"""Facet buckets in minor units: [from, to)."""
FACET_SIZE = 20
PRIOR_REVIEWS = 5
"""How many imagined reviews at ``PRIOR_RATING`` every product's rating starts from."""
PRIOR_RATING = 3.8
"""About the mean review of a catalog (the demo catalog's is 3.8): a product with few reviews
is taken to be about as good as most, until more reviews say otherwise."""


WORD_START = re.compile(r"\b\w")


def fold(text: str) -> str:
    """Lower case without accents: how names are compared for suggestions."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_suffixes(name: str) -> list[str]:
    """The name from each of its words on: "Steel Kettle" → ["Steel Kettle", "Kettle"]."""
    return [name[m.start() :] for m in WORD_START.finditer(name)] or [name]


def weighted_rating(rating: float | None, count: int) -> float | None:
    """What the RATING sort ranks by: a Bayesian average, the product's reviews together with
    ``PRIOR_REVIEWS`` imagined ones at ``PRIOR_RATING``, so that one 5-star review does not
    outrank forty reviews averaging 4.6. None for a product without reviews (ranked last).

    Rounded to 4 decimals, so that every index keeps the same value and ranks ties alike.
    """
    if rating is None or count <= 0:
        return None
    return round((PRIOR_REVIEWS * PRIOR_RATING + rating * count) / (PRIOR_REVIEWS + count), 4)


class SortOrder(Enum):
    RELEVANCE = "RELEVANCE"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    NEWEST = "NEWEST"
    RATING = "RATING"


class CursorError(ValueError):
    """A cursor that this index did not hand out, or one for another sort order."""


def encode_cursor(kind: str, sort: SortOrder, position: list[Any]) -> str:
    """An opaque cursor: the index kind, the sort it belongs to and a position in it."""
    raw = orjson.dumps([kind, sort.value, position])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, sort: SortOrder) -> list[Any]:
    """The position in a cursor from :func:`encode_cursor`; :class:`CursorError` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = orjson.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise CursorError(f"malformed cursor {cursor!r}") from error
    if not (isinstance(decoded, list) and len(decoded) == 3 and decoded[0] == kind):
        raise CursorError(f"malformed cursor {cursor!r}")
    if decoded[1] != sort.value:
        raise CursorError(f"cursor {cursor!r} belongs to sort {decoded[1]!r}, not {sort.value}")
    if not isinstance(decoded[2], list):
        raise CursorError(f"malformed cursor {cursor!r}")
    return decoded[2]


@dataclass(frozen=True)
class SearchFilter:
    category_ids: Sequence[str] = ()
    brands: Sequence[str] = ()
    vendor_ids: Sequence[str] = ()
    min_price: int | None = None
    max_price: int | None = None


@dataclass(frozen=True)
class SearchQuery:
    text: str
    where: SearchFilter = field(default_factory=SearchFilter)
    sort: SortOrder = SortOrder.RELEVANCE
    first: int = 20
    after: str | None = None


@dataclass(frozen=True)
class Hit:
    product_id: str
    score: float
    highlights: dict[str, list[str]]


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class PriceBucket:
    start: int | None
    end: int | None
    count: int


@dataclass(frozen=True)
class Facets:
    categories: list[FacetValue]
    brands: list[FacetValue]
    vendors: list[FacetValue]
    prices: list[PriceBucket]


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    facets: Facets
    next_cursor: str | None


class SearchIndex(Protocol):
    async def ensure_index(self) -> None:
        """Create the index (behind its alias) if there is none; give an index made by an
        earlier version the fields added since (empty until the next ``rebuild``)."""
        ...

    async def index(self, documents: Sequence[ProductSnapshot]) -> dict[str, str]:
        """Add or replace documents; searchable at once when this returns.

        Returns the documents the index refused, by id, with the reason (the others are in);
        raises when the index can't be reached, with nothing acknowledged.
        """
        ...

    async def delete(self, product_ids: Sequence[str]) -> None: ...

    async def search(self, query: SearchQuery) -> SearchResult:
        """Raises :class:`CursorError` for a cursor it did not hand out."""
        ...

    async def suggest(self, prefix: str, size: int) -> list[str]:
        """Up to ``size`` product names with a word starting with ``prefix``.

        Case and accents are ignored. Names come in the order of their text from the first
        matching word on ("ket" gives "Steel Kettle" before "Kettle Descaler").
        """
        ...

    async def rebuild(self, documents: AsyncIterable[ProductSnapshot]) -> int:
        """Build a new index from ``documents`` and switch to it at once; return its size."""
        ...

    async def close(self) -> None: ...
