"""Bounds on a request's variables: their encoded size, list lengths and nesting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from router.operation.errors import Violation


@dataclass(frozen=True)
class VariablesLimits:
    max_bytes: int = 256_000
    max_list_length: int = 1_000
    max_depth: int = 16


def check_variables(variables: dict[str, Any], limits: VariablesLimits) -> Violation | None:
    """The first bound the variables go past, if any (walked without recursion)."""
    if not variables:
        return None
    size = len(orjson.dumps(variables))
    if limits.max_bytes and size > limits.max_bytes:
        return Violation("VARIABLES_TOO_LARGE", limits.max_bytes, size)
    stack: list[tuple[Any, int]] = [(value, 1) for value in variables.values()]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            if limits.max_list_length and len(value) > limits.max_list_length:
                return Violation("VARIABLES_LIST_TOO_LONG", limits.max_list_length, len(value))
            children = value
        else:
            continue
        if limits.max_depth and depth > limits.max_depth:
            return Violation("VARIABLES_TOO_DEEP", limits.max_depth, depth)
        stack.extend((child, depth + 1) for child in children)
    return None
