"""How two answers to one operation are compared: ``data`` as JSON values, ``errors`` by
presence. Key order is not compared; list order is."""

from __future__ import annotations

from typing import Any

Path = tuple[str | int, ...]


def mismatch(ours: Any, apollo: Any) -> str | None:
    """``"data"``, ``"errors"`` (the data agree, one answer has errors and the other none), or
    None when the answers agree."""
    if _data(ours) != _data(apollo):
        return "data"
    if bool(_errors(ours)) != bool(_errors(apollo)):
        return "errors"
    return None


def differing_paths(ours: Any, apollo: Any, limit: int = 20) -> list[Path]:
    """The response paths where the two ``data`` differ, outermost first."""
    found: list[Path] = []
    _walk(_data(ours), _data(apollo), (), found, limit)
    return found


def _walk(left: Any, right: Any, path: Path, found: list[Path], limit: int) -> None:
    if len(found) >= limit or left == right:
        return
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                found.append((*path, key))
            else:
                _walk(left[key], right[key], (*path, key), found, limit)
        return
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            _walk(a, b, (*path, index), found, limit)
        return
    found.append(path)


def value_at(answer: Any, path: Path) -> Any:
    value = _data(answer)
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


def _data(answer: Any) -> Any:
    return answer.get("data") if isinstance(answer, dict) else None


def _errors(answer: Any) -> list[Any]:
    errors = answer.get("errors") if isinstance(answer, dict) else None
    return errors if isinstance(errors, list) else []
