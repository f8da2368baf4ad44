"""HTTP caching of query answers: weak ETags, conditional requests, cache lifetimes."""

from __future__ import annotations

import hashlib


def entity_tag(body: bytes) -> str:
    """A weak ETag of the JSON answer: the same answer, the same tag, whether it travels gzipped
    or not (a strong tag would have to differ between the two encodings)."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """True when ``If-None-Match`` names ``tag`` (compared weakly, as RFC 9110 says) or is *."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return wanted in candidates


def cache_control(*, private: bool, max_age: int) -> str:
    """A signed-in or personal answer is revalidated every time and kept by the device only;
    an anonymous catalog read may be shared for ``max_age`` seconds."""
    return "private, no-cache" if private else f"public, max-age={max_age}"
