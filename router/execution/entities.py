"""Finding the objects a ``Flatten`` path points at, building representations, merging results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from router.planning.alias_conflicts import KeyRewrite
from router.planning.operation import Field, InlineFragment, Selection
from router.types import JSONObject

TypeMatches = Callable[[str, str | None], bool]


def objects_at(data: Any, path: list[str]) -> Iterator[tuple[JSONObject, list[str | int]]]:
    """Every object at ``path`` (``@`` steps into list items), with its response path."""
    current: list[tuple[Any, list[str | int]]] = [(data, [])]
    for step in path:
        following: list[tuple[Any, list[str | int]]] = []
        for value, value_path in current:
            if step == "@":
                if isinstance(value, list):
                    following.extend((item, [*value_path, i]) for i, item in enumerate(value))
            elif isinstance(value, dict) and value.get(step) is not None:
                following.append((value[step], [*value_path, step]))
        current = following
    for value, value_path in current:
        yield from _objects(value, value_path)


def _objects(value: Any, path: list[str | int]) -> Iterator[tuple[JSONObject, list[str | int]]]:
    if isinstance(value, dict):
        yield value, path
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _objects(item, [*path, i])


def representation_fragment(
    requires: list[Selection], typename: Any, type_matches: TypeMatches
) -> InlineFragment | None:
    if not isinstance(typename, str):
        return None
    for selection in requires:
        if isinstance(selection, InlineFragment) and type_matches(
            typename, selection.type_condition
        ):
            return selection
    return None


def build_representation(
    obj: JSONObject, selections: list[Selection], type_matches: TypeMatches
) -> JSONObject | None:
    """The object reduced to ``selections``, keyed by field name; None if a key is missing."""
    out: JSONObject = {}
    typename = obj.get("__typename")
    for selection in selections:
        if isinstance(selection, InlineFragment):
            if isinstance(typename, str) and type_matches(typename, selection.type_condition):
                inner = build_representation(obj, selection.selections, type_matches)
                if inner is None:
                    return None
                out.update(inner)
            continue
        assert isinstance(selection, Field)
        if selection.key not in obj:
            return None
        out[selection.name] = _reduce(obj[selection.key], selection, type_matches)
    return out


def _reduce(value: Any, selection: Field, type_matches: TypeMatches) -> Any:
    if not selection.selections or value is None:
        return value
    if isinstance(value, list):
        return [_reduce(item, selection, type_matches) for item in value]
    if isinstance(value, dict):
        return build_representation(value, selection.selections, type_matches)
    return value


def deep_merge(target: JSONObject, source: JSONObject, is_abstract: Callable[[str], bool]) -> None:
    """Merge a subgraph's answer into the response tree, object into object, item into item."""
    for key, value in source.items():
        existing = target.get(key)
        if key == "__typename" and isinstance(existing, str) and existing != value:
            # An interface object answers with the interface's name; the concrete type wins.
            if isinstance(value, str) and is_abstract(value):
                continue
            target[key] = value
        elif isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value, is_abstract)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            _merge_lists(existing, value, is_abstract)
        else:
            target[key] = value


def _merge_lists(target: list[Any], source: list[Any], is_abstract: Callable[[str], bool]) -> None:
    for i, item in enumerate(source):
        if isinstance(target[i], dict) and isinstance(item, dict):
            deep_merge(target[i], item, is_abstract)
        elif isinstance(target[i], list) and isinstance(item, list) and len(target[i]) == len(item):
            _merge_lists(target[i], item, is_abstract)
        else:
            target[i] = item


def undo_aliases(data: JSONObject, rewrites: list[KeyRewrite], type_matches: TypeMatches) -> None:
    """Put values the planner fetched under an alias back under the client's key."""
    for rewrite in rewrites:
        for obj in _descend(data, rewrite.path):
            typename = obj.get("__typename")
            if rewrite.alias in obj and (
                not isinstance(typename, str) or type_matches(typename, rewrite.type_condition)
            ):
                obj[rewrite.key] = obj.pop(rewrite.alias)


def _descend(value: Any, path: tuple[str, ...]) -> Iterator[JSONObject]:
    if isinstance(value, list):
        for item in value:
            yield from _descend(item, path)
    elif isinstance(value, dict):
        if not path:
            yield value
        else:
            yield from _descend(value.get(path[0]), path[1:])
