"""The bottom layer of the router: JSON shapes and the base error every stage raises."""

from __future__ import annotations

from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A value decoded from, or encodable as, JSON."""

JSONObject: TypeAlias = dict[str, Any]
Path: TypeAlias = list[str | int]


class RouterError(Exception):
    """Base of every error the router's stages raise; ``code`` goes to ``extensions.code``."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
