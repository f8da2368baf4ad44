"""Response shaping: the client's operation read out of the merged subgraph data.

Only what the client asked for survives (key fields and ``@requires`` inputs go), ``__typename``
is answered from the API schema, ``@skip``/``@include`` are applied with the request's
variables, and nulls propagate per the GraphQL spec: a null in a non-null position nulls the
nearest nullable parent and adds an error, unless a subgraph error already covers that path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLBoolean as Boolean
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationType,
    value_from_ast,
)

from router.planning.operation import Field, InlineFragment, Operation, Selection
from router.types import JSONObject

ResponsePath = list[str | int]


class _NullInNonNullError(Exception):
    """A non-null position got null; the nearest nullable parent becomes null."""


def shape_response(
    schema: GraphQLSchema,
    operation: Operation,
    data: JSONObject | None,
    variables: Mapping[str, Any],
    errors: list[JSONObject],
    denied: frozenset[int] = frozenset(),
    deferred: frozenset[int] = frozenset(),
) -> JSONObject | None:
    """The client's ``data``; appends to ``errors`` for every null it had to propagate.

    ``denied`` holds the ``id()`` of fields authorization left out: each is answered ``null``
    with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error at its path. ``deferred`` holds the ``id()``
    of fragments sent later (``@defer``): they are left out.
    """
    root = schema.get_root_type(OperationType(operation.kind))
    if root is None:
        return None
    shaper = _Shaper(schema, variables, errors, denied, deferred)
    try:
        return shaper.object(root, operation.selections, data or {}, [])
    except _NullInNonNullError:
        return None


def shape_fragment(
    schema: GraphQLSchema,
    type_name: str,
    fragment: InlineFragment,
    raw: JSONObject,
    path: ResponsePath,
    variables: Mapping[str, Any],
    errors: list[JSONObject],
    denied: frozenset[int] = frozenset(),
) -> JSONObject | None:
    """A deferred fragment's ``data`` for the object of ``type_name`` at ``path``: null when
    a null in a non-null position reached the fragment itself."""
    type_ = schema.get_type(type_name)
    if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        return None
    try:
        return _Shaper(schema, variables, errors, denied).object(type_, [fragment], raw, path)
    except _NullInNonNullError:
        return None


class _Shaper:
    def __init__(
        self,
        schema: GraphQLSchema,
        variables: Mapping[str, Any],
        errors: list[JSONObject],
        denied: frozenset[int] = frozenset(),
        deferred: frozenset[int] = frozenset(),
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.errors = errors
        self.denied = denied
        self.deferred = deferred

    def object(
        self,
        type_: GraphQLObjectType | GraphQLInterfaceType,
        selections: list[Selection],
        raw: JSONObject,
        path: ResponsePath,
    ) -> JSONObject:
        fields: dict[str, list[Field]] = {}
        collect_fields(self.schema, self.variables, type_, selections, fields, self.deferred)
        result: JSONObject = {}
        for key, same_key in fields.items():
            first = same_key[0]
            if first.name == "__typename":
                result[key] = type_.name
                continue
            definition = type_.fields.get(first.name)
            if definition is None:
                continue
            if self.denied and any(id(f) in self.denied for f in same_key):
                self._unauthorized(definition.type, [*path, key])
                result[key] = None
                continue
            sub = [s for f in same_key for s in f.selections]
            coordinate = f"{type_.name}.{first.name}"
            result[key] = self.value(definition.type, sub, raw.get(key), [*path, key], coordinate)
        return result

    def value(
        self,
        type_: GraphQLOutputType,
        selections: list[Selection],
        raw: Any,
        path: ResponsePath,
        coordinate: str = "",
    ) -> Any:
        """``raw`` completed as ``type_``; ``coordinate`` (``Type.field``) names the field."""
        if isinstance(type_, GraphQLNonNull):
            completed = self.value(type_.of_type, selections, raw, path, coordinate)
            if completed is None:
                self._null_error(path, coordinate)
                raise _NullInNonNullError
            return completed
        if raw is None:
            return None
        try:
            return self._non_null_value(type_, selections, raw, path, coordinate)
        except _NullInNonNullError:
            return None

    def _non_null_value(
        self,
        type_: GraphQLOutputType,
        selections: list[Selection],
        raw: Any,
        path: ResponsePath,
        coordinate: str,
    ) -> Any:
        if isinstance(type_, GraphQLList):
            if not isinstance(raw, list):
                return None
            return [
                self.value(type_.of_type, selections, item, [*path, i], coordinate)
                for i, item in enumerate(raw)
            ]
        if isinstance(type_, GraphQLEnumType):
            if raw not in type_.values:
                self.errors.append(
                    {"message": f"Enum '{type_.name}' cannot represent value: {raw!r}",
                     "path": path, "extensions": {"code": "INVALID_ENUM_VALUE"}}
                )  # fmt: skip
                return None
            return raw
        if isinstance(type_, GraphQLObjectType):
            return self.object(type_, selections, raw, path) if isinstance(raw, dict) else None
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            return self._abstract(type_, selections, raw, path)
        return raw

    def _abstract(
        self,
        type_: GraphQLInterfaceType | GraphQLUnionType,
        selections: list[Selection],
        raw: Any,
        path: ResponsePath,
    ) -> Any:
        if not isinstance(raw, dict):
            return None
        typename = raw.get("__typename")
        runtime = self.schema.get_type(typename) if isinstance(typename, str) else None
        if isinstance(runtime, GraphQLObjectType) and self.schema.is_sub_type(type_, runtime):
            return self.object(runtime, selections, raw, path)
        if isinstance(type_, GraphQLInterfaceType) and (typename is None or runtime is type_):
            # An interface object's value: its concrete type was never asked for.
            return self.object(type_, selections, raw, path)
        return None

    def _unauthorized(self, type_: GraphQLOutputType, path: ResponsePath) -> None:
        self.errors.append(
            {"message": "Unauthorized field or type", "path": path,
             "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}
        )  # fmt: skip
        if isinstance(type_, GraphQLNonNull):
            raise _NullInNonNullError

    def _null_error(self, path: ResponsePath, coordinate: str = "") -> None:
        for error in self.errors:
            error_path = error.get("path")
            if error_path is None:
                return  # a request-level error (a subgraph down) already explains the null
            if error_path[: len(path)] == path or path[: len(error_path)] == error_path:
                return
        field_name = coordinate or next((p for p in reversed(path) if isinstance(p, str)), "")
        self.errors.append(
            {"message": null_error_message(field_name),
             "path": path, "extensions": {"code": "INVALID_GRAPHQL"}}
        )  # fmt: skip


def collect_fields(
    schema: GraphQLSchema,
    variables: Mapping[str, Any],
    type_: GraphQLObjectType | GraphQLInterfaceType,
    selections: list[Selection],
    into: dict[str, list[Field]],
    deferred: frozenset[int] = frozenset(),
) -> None:
    """The fields ``selections`` ask of an object of ``type_``, by response key: fragments
    that apply to it are flattened (those in ``deferred`` left out), ``@skip``/``@include``
    applied with ``variables``."""
    for selection in selections:
        if not included(selection, variables):
            continue
        if isinstance(selection, Field):
            into.setdefault(selection.key, []).append(selection)
        elif id(selection) not in deferred and _applies(schema, type_, selection):
            collect_fields(schema, variables, type_, selection.selections, into, deferred)


def _applies(
    schema: GraphQLSchema, type_: GraphQLObjectType | GraphQLInterfaceType, fragment: InlineFragment
) -> bool:
    condition = fragment.type_condition
    if condition is None or condition == type_.name:
        return True
    named = schema.get_type(condition)
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType) and isinstance(
        type_, GraphQLObjectType
    ):
        return schema.is_sub_type(named, type_)
    return False


def null_error_message(field_name: str) -> str:
    return f"Cannot return null for non-nullable field {field_name}."


def included(selection: Selection, variables: Mapping[str, Any]) -> bool:
    """Whether ``@skip``/``@include`` keep ``selection`` with these variables."""
    for directive in selection.directives:
        name = directive.name.value
        if name not in ("skip", "include") or not directive.arguments:
            continue
        value = value_from_ast(directive.arguments[0].value, Boolean, dict(variables))
        if (name == "skip" and value is True) or (name == "include" and value is not True):
            return False
    return True
