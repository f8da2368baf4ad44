"""Contextual arguments at execution: each entity's values, and one request whatever they are.

An entity fetch with context rewrites reads, for each entity, each variable's value from the
response so far, relative to the entity (``..`` one field up, ``... on Shop`` only from a Shop).
Entities whose values agree share one ``_entities`` call. When they differ, the one request asks
one aliased ``_entities`` per set of values, each with its own representations and its own
copies of the variables, suffixed as Apollo Router suffixes them
(``_1: _entities(representations: $representations_1)`` with ``$contextualArgument_1_0_1``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from router.planning.plan import ContextRewrite, Fetch
from router.types import JSONObject

TypeMatches = Callable[[str, str | None], bool]
Target = tuple[JSONObject, list[str | int]]
_MISSING = object()


@dataclass
class EntityBatch:
    """Entities one ``_entities`` call resolves: the same contextual values for all of them."""

    values: JSONObject
    representations: list[JSONObject] = field(default_factory=list)
    targets: list[list[Target]] = field(default_factory=list)
    """For each representation, the objects of the response it answers for."""
    seen: dict[bytes, int] = field(default_factory=dict)

    def add(self, representation: JSONObject, target: Target) -> None:
        key = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
        if key not in self.seen:
            self.seen[key] = len(self.representations)
            self.representations.append(representation)
            self.targets.append([])
        self.targets[self.seen[key]].append(target)


def context_values(
    data: JSONObject,
    entity_path: Sequence[str | int],
    rewrites: Sequence[ContextRewrite],
    type_matches: TypeMatches,
) -> JSONObject:
    """Each variable's value for the entity at ``entity_path``: the first rewrite that finds
    one wins; a variable none finds is left out (the argument is then null)."""
    values: JSONObject = {}
    for rewrite in rewrites:
        if rewrite.variable in values:
            continue
        found = _lookup(data, entity_path, rewrite.path, type_matches)
        if found is not _MISSING:
            values[rewrite.variable] = found
    return values


def _lookup(
    data: JSONObject, entity_path: Sequence[str | int], path: Sequence[str],
    type_matches: TypeMatches,
) -> Any:  # fmt: skip
    base = list(entity_path)
    steps = list(path)
    while steps and steps[0] == "..":
        steps.pop(0)
        while base and isinstance(base[-1], int):
            base.pop()  # list items belong to the field above them
        if not base:
            return _MISSING
        base.pop()
    value: Any = data
    for step in base:  # a prefix of the entity's own path: there
        value = value[step]
    for step in steps:
        value = _step(value, step, type_matches)
    return value


def _step(value: Any, step: str, type_matches: TypeMatches) -> Any:
    if value is _MISSING or value is None:
        return _MISSING
    if isinstance(value, list):
        items = [_step(item, step, type_matches) for item in value]
        return [None if item is _MISSING else item for item in items]
    if not isinstance(value, dict):
        return _MISSING
    if step.startswith("... on "):
        typename = value.get("__typename")
        matches = isinstance(typename, str) and type_matches(typename, step[len("... on ") :])
        return value if matches else _MISSING
    return value.get(step, _MISSING)


def batch_request(
    fetch: Fetch, batches: list[EntityBatch], variables: JSONObject
) -> tuple[str, JSONObject]:
    """The operation and variables of one request answering every batch."""
    if len(batches) == 1:
        batch = batches[0]
        return fetch.operation, {**variables, **batch.values,
                                 "representations": batch.representations}  # fmt: skip
    names = tuple(dict.fromkeys(r.variable for r in fetch.context_rewrites))
    request = dict(variables)
    for i, batch in enumerate(batches):
        request[f"representations_{i}"] = batch.representations
        request.update({f"{name}_{i}": value for name, value in batch.values.items()})
    return aliased_operation(fetch.operation, names, len(batches)), request


def batch_results(data: Any, count: int) -> list[Any]:
    """Each batch's ``_entities`` answer (None where missing)."""
    if not isinstance(data, dict):
        return [None] * count
    if count == 1:
        return [data.get("_entities")]
    return [data.get(f"_{i}") for i in range(count)]


def batch_of_error(path: Any, count: int) -> tuple[int, int, list[Any]] | None:
    """``(batch, representation, rest)`` that a subgraph error's path points at, if any."""
    if not isinstance(path, list) or len(path) < 2 or not isinstance(path[1], int):
        return None
    keys = ["_entities"] if count == 1 else [f"_{i}" for i in range(count)]
    if path[0] not in keys:
        return None
    return keys.index(path[0]), path[1], path[2:]


@lru_cache(maxsize=512)
def aliased_operation(operation: str, variables: tuple[str, ...], count: int) -> str:
    """``operation`` (one ``_entities`` call) asked ``count`` times under aliases ``_0``,
    ``_1``…, each with its own representations and copies of ``variables``."""
    document = parse(operation)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    own = {"representations", *variables}
    definitions: list[VariableDefinitionNode] = []
    for variable in definition.variable_definitions or ():
        name = variable.variable.name.value
        if name not in own:
            definitions.append(variable)
            continue
        for i in range(count):
            renamed = VariableNode(name=NameNode(value=f"{name}_{i}"))
            definitions.append(VariableDefinitionNode(
                variable=renamed, type=variable.type, default_value=variable.default_value,
                directives=variable.directives,
            ))  # fmt: skip
    [entities] = definition.selection_set.selections
    assert isinstance(entities, FieldNode)
    fields = []
    for i in range(count):
        copy = visit(entities, _Suffix(own, i))
        assert isinstance(copy, FieldNode)
        fields.append(FieldNode(
            alias=NameNode(value=f"_{i}"), name=copy.name, arguments=copy.arguments,
            directives=copy.directives, selection_set=copy.selection_set,
        ))  # fmt: skip
    aliased = OperationDefinitionNode(
        operation=definition.operation, name=definition.name,
        variable_definitions=tuple(definitions), directives=definition.directives,
        selection_set=SelectionSetNode(selections=tuple(fields)),
    )  # fmt: skip
    return print_ast(aliased)


class _Suffix(Visitor):
    def __init__(self, names: set[str], index: int) -> None:
        super().__init__()
        self.names = names
        self.index = index

    def enter_variable(self, node: VariableNode, *_: object) -> VariableNode | None:
        if node.name.value in self.names:
            return VariableNode(name=NameNode(value=f"{node.name.value}_{self.index}"))
        return None
