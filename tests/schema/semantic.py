"""Supergraphs compared by meaning: :func:`normalize` forgets what a printer may choose.

Two supergraphs are the same when they define the same types, fields, arguments, values and
directives, with the same applied directives. The order of anything, descriptions and
whitespace inside field sets do not count, nor does spelling out a directive argument's default.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueNode,
    FieldDefinitionNode,
    FloatValueNode,
    GraphQLSyntaxError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    Source,
    StringValueNode,
    TokenKind,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
    VariableNode,
    parse,
    print_ast,
)
from graphql.language import Lexer

Normalized = dict[str, Any]

_KINDS: dict[type, str] = {
    ObjectTypeDefinitionNode: "OBJECT",
    ObjectTypeExtensionNode: "OBJECT",
    InterfaceTypeDefinitionNode: "INTERFACE",
    InterfaceTypeExtensionNode: "INTERFACE",
    UnionTypeDefinitionNode: "UNION",
    UnionTypeExtensionNode: "UNION",
    EnumTypeDefinitionNode: "ENUM",
    EnumTypeExtensionNode: "ENUM",
    InputObjectTypeDefinitionNode: "INPUT_OBJECT",
    InputObjectTypeExtensionNode: "INPUT_OBJECT",
    ScalarTypeDefinitionNode: "SCALAR",
    ScalarTypeExtensionNode: "SCALAR",
}
_DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}

# Field-set arguments, for when the document does not define the directive (the definitions,
# when present, say it too: their type is a ``…FieldSet`` scalar).
_FIELD_SET_ARGUMENTS = {
    ("join__type", "key"),
    ("join__field", "requires"),
    ("join__field", "provides"),
    ("key", "fields"),
    ("requires", "fields"),
    ("provides", "fields"),
}
# List arguments whose order means nothing (at every level of nesting).
_UNORDERED_ARGUMENTS = {
    ("link", "import"),
    ("requiresScopes", "scopes"),
    ("policy", "policies"),
    ("join__directive", "graphs"),
    ("join__field", "contextArguments"),
}


def normalize(supergraph_sdl: str) -> Normalized:
    """A plain, order-free description of ``supergraph_sdl`` (equal means same meaning)."""
    document = parse(Source(supergraph_sdl, "supergraph"), no_location=True)
    return _Normalizer(document).run()


class _Normalizer:
    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, DirectiveDefinitionNode)
        }

    def run(self) -> Normalized:
        schema: Normalized = {"operations": {}, "directives": []}
        directives: Normalized = {}
        types: Normalized = {}
        for node in self.document.definitions:
            if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
                for operation in node.operation_types or ():
                    schema["operations"][operation.operation.value] = operation.type.name.value
                schema["directives"].extend(self.applied(node.directives))
            elif isinstance(node, DirectiveDefinitionNode):
                directives[node.name.value] = {
                    "repeatable": node.repeatable,
                    "locations": sorted(location.value for location in node.locations),
                    "arguments": self.input_values(node.arguments),
                }
            elif type(node) in _KINDS:
                self.add_type(types, node)
        if not schema["operations"]:
            schema["operations"] = {
                op: name for op, name in _DEFAULT_ROOTS.items() if name in types
            }
        schema["directives"].sort()
        return {"schema": schema, "directives": directives, "types": types}

    def add_type(self, types: Normalized, node: Any) -> None:
        kind = _KINDS[type(node)]
        entry = types.setdefault(node.name.value, {"kind": kind, "directives": []})
        if entry["kind"] != kind:
            # Not a valid schema; keep both kinds visible rather than merging them.
            entry["kind"] = " & ".join(sorted({*entry["kind"].split(" & "), kind}))
        entry["directives"] = sorted([*entry["directives"], *self.applied(node.directives)])
        if kind in ("OBJECT", "INTERFACE"):
            interfaces = {*entry.get("interfaces", ()), *(i.name.value for i in node.interfaces)}
            entry["interfaces"] = sorted(interfaces)
            entry.setdefault("fields", {}).update(self.fields(node.fields))
        elif kind == "UNION":
            members = {*entry.get("members", ()), *(t.name.value for t in node.types or ())}
            entry["members"] = sorted(members)
        elif kind == "ENUM":
            values = entry.setdefault("values", {})
            for value in node.values or ():
                values[value.name.value] = {"directives": self.applied(value.directives)}
        elif kind == "INPUT_OBJECT":
            entry.setdefault("fields", {}).update(self.input_values(node.fields))

    def fields(self, nodes: Iterable[FieldDefinitionNode] | None) -> Normalized:
        return {
            node.name.value: {
                "type": _type(node.type),
                "arguments": self.input_values(node.arguments),
                "directives": self.applied(node.directives),
            }
            for node in nodes or ()
        }

    def input_values(self, nodes: Iterable[InputValueDefinitionNode] | None) -> Normalized:
        return {
            node.name.value: {
                "type": _type(node.type),
                "default": None if node.default_value is None else _value(node.default_value),
                "directives": self.applied(node.directives),
            }
            for node in nodes or ()
        }

    def applied(self, nodes: Iterable[ConstDirectiveNode] | None) -> list[str]:
        return sorted(self.directive(node) for node in nodes or ())

    def directive(self, node: ConstDirectiveNode) -> str:
        name = node.name.value
        definition = self.definitions.get(name)
        defined = {a.name.value: a for a in definition.arguments or ()} if definition else {}
        printed = []
        for argument in sorted(node.arguments, key=lambda a: a.name.value):
            text = self.argument(name, argument, defined.get(argument.name.value))
            if text is not None:
                printed.append(f"{argument.name.value}: {text}")
        return f"@{name}({', '.join(printed)})" if printed else f"@{name}"

    def argument(
        self, directive: str, argument: ArgumentNode, definition: InputValueDefinitionNode | None
    ) -> str | None:
        """The argument's canonical value, or None when it only restates the default."""
        key = (directive, argument.name.value)
        value = argument.value
        if isinstance(value, StringValueNode) and (
            key in _FIELD_SET_ARGUMENTS or _is_field_set(definition)
        ):
            text = json.dumps(_field_set(value.value))
        else:
            text = _value(value, unordered=key in _UNORDERED_ARGUMENTS)
        if definition is not None:
            if definition.default_value is not None:
                if text == _value(definition.default_value):
                    return None
            elif isinstance(value, NullValueNode):
                return None
        return text


def _is_field_set(definition: InputValueDefinitionNode | None) -> bool:
    if definition is None:
        return False
    named = definition.type
    while isinstance(named, ListTypeNode | NonNullTypeNode):
        named = named.type
    return isinstance(named, NamedTypeNode) and named.name.value.endswith("FieldSet")


def _field_set(selection: str) -> str:
    """``selection`` with one space between tokens (what a printer is free to choose)."""
    lexer = Lexer(Source(selection))
    tokens: list[str] = []
    try:
        token = lexer.advance()
        while token.kind != TokenKind.EOF:
            if token.kind in (TokenKind.STRING, TokenKind.BLOCK_STRING):
                tokens.append(json.dumps(token.value))
            else:
                tokens.append(token.value or token.kind.value)
            token = lexer.advance()
    except GraphQLSyntaxError:
        return " ".join(selection.split())
    return " ".join(tokens)


def _type(node: TypeNode) -> str:
    return print_ast(node)


def _value(node: ValueNode, *, unordered: bool = False) -> str:
    if isinstance(node, StringValueNode):
        return json.dumps(node.value)
    if isinstance(node, IntValueNode):
        return str(int(node.value))
    if isinstance(node, FloatValueNode):
        return repr(float(node.value))
    if isinstance(node, BooleanValueNode):
        return "true" if node.value else "false"
    if isinstance(node, NullValueNode):
        return "null"
    if isinstance(node, EnumValueNode):
        return node.value
    if isinstance(node, VariableNode):
        return f"${node.name.value}"
    if isinstance(node, ListValueNode):
        items = [_value(item, unordered=unordered) for item in node.values]
        return "[" + ", ".join(sorted(items) if unordered else items) + "]"
    if isinstance(node, ObjectValueNode):
        fields = sorted(node.fields, key=lambda f: f.name.value)
        return "{" + ", ".join(f"{f.name.value}: {_value(f.value)}" for f in fields) + "}"
    raise TypeError(f"unexpected value node {type(node).__name__}")


def diff(
    a: Normalized | str,
    b: Normalized | str,
    *,
    names: tuple[str, str] = ("first", "second"),
    limit: int = 20,
) -> str:
    """The first ``limit`` differences between two supergraphs (SDL or normalized), one a line."""
    left = normalize(a) if isinstance(a, str) else a
    right = normalize(b) if isinstance(b, str) else b
    lines: list[str] = []
    _compare(left, right, (), names, lines)
    if not lines:
        return "no differences"
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"… and {len(lines) - limit} more differences")
    return "\n".join(shown)


def _compare(
    a: Any, b: Any, path: tuple[str, ...], names: tuple[str, str], lines: list[str]
) -> None:
    where = _coordinate(path)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted({*a, *b}):
            if key not in b:
                lines.append(f"{_coordinate((*path, key))}: only in {names[0]}: {_brief(a[key])}")
            elif key not in a:
                lines.append(f"{_coordinate((*path, key))}: only in {names[1]}: {_brief(b[key])}")
            else:
                _compare(a[key], b[key], (*path, key), names, lines)
    elif isinstance(a, list) and isinstance(b, list):
        only_a = sorted((Counter(map(str, a)) - Counter(map(str, b))).elements())
        only_b = sorted((Counter(map(str, b)) - Counter(map(str, a))).elements())
        sides = zip(names, (only_a, only_b), strict=True)
        parts = [f"only in {name}: {', '.join(items)}" for name, items in sides if items]
        if parts:
            lines.append(f"{where}: {'; '.join(parts)}")
    elif a != b:
        lines.append(f"{where}: {names[0]} has {_brief(a)}, {names[1]} has {_brief(b)}")


def _coordinate(path: Sequence[str]) -> str:
    """A path into a normalized supergraph as a coordinate: ``Product.price(currency:)``."""
    if not path:
        return "supergraph"
    head, rest = path[0], list(path[1:])
    if head == "types" and rest:
        text = rest.pop(0)
    elif head == "directives" and rest:
        text = "directive @" + rest.pop(0)
    else:
        text = head
    while len(rest) >= 2 and rest[0] in ("fields", "values", "arguments"):
        container, name = rest[0], rest[1]
        text += f"({name}:)" if container == "arguments" else f".{name}"
        rest = rest[2:]
    return text + (f" {'.'.join(rest)}" if rest else "")


def _brief(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."
