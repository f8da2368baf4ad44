"""Choosing a GraphQL response's media type from the request's ``Accept`` header.

GraphQL over HTTP gives a client two: ``application/graphql-response+json``, whose status codes
say whether the request was executed, and the legacy ``application/json``, always 200 for a
well-formed request. A client that names neither (no header, ``*/*``, ``application/*``) is
taken to be a legacy one, as the spec asks; otherwise the q values decide, then the more
specific range, then the order the client listed them in.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# JSON first: where nothing else tells them apart, a client gets the legacy type.
_OFFERED = (JSON, GRAPHQL_RESPONSE)


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither (406)."""
    if accept is None or not accept.strip():
        return JSON
    ranges = _media_ranges(accept)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for offered in _OFFERED:
        rank = _rank(offered, ranges)
        if rank is not None and rank[0] > 0 and (best is None or rank > best):
            best, chosen = rank, offered
    return chosen


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """``(range, q)`` for each well-formed range of the header, in the client's order."""
    ranges = []
    for item in accept.split(","):
        name, _, parameters = item.partition(";")
        name = name.strip().lower()
        if name.count("/") != 1:
            continue
        q = _quality(parameters)
        if q is not None:
            ranges.append((name, q))
    return ranges


def _quality(parameters: str) -> float | None:
    """The range's q value (1 when absent), or None when it is malformed."""
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "q":
            continue
        try:
            q = float(value.strip())
        except ValueError:
            return None
        return q if 0 <= q <= 1 else None
    return 1.0


def _rank(offered: str, ranges: list[tuple[str, float]]) -> tuple[float, int, int] | None:
    """``(q, specificity, -position)`` of the most specific range matching ``offered``.

    RFC 9110: the most specific range decides a type's q, so ``application/json;q=0, */*``
    refuses JSON whatever the wildcard says.
    """
    kind = offered.split("/")[0]
    found: tuple[float, int, int] | None = None
    for position, (name, q) in enumerate(ranges):
        if name == offered:
            specificity = 2
        elif name == f"{kind}/*":
            specificity = 1
        elif name == "*/*":
            specificity = 0
        else:
            continue
        if found is None or specificity > found[1]:
            found = (q, specificity, -position)
    return found
