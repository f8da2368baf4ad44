"""Hiding "Did you mean …?" suggestions, which name schema elements, when introspection is off."""

from __future__ import annotations

import re

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)
