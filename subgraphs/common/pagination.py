"""Opaque cursors for keyset pagination, and the bounds every ``first`` argument obeys."""

from __future__ import annotations

import base64
import binascii

from subgraphs.common.errors import client_error

MAX_PAGE = 100


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise client_error(f"malformed cursor {cursor!r}", "BAD_USER_INPUT") from error
    if not raw.startswith("k:"):
        raise client_error(f"malformed cursor {cursor!r}", "BAD_USER_INPUT")
    return raw[2:]


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise client_error(f"first must be between 1 and {MAX_PAGE}, not {first}", "BAD_USER_INPUT")
    return first
