"""The composed supergraph as plain data, and how it prints (Federation v2, join v0.5)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import DirectiveDefinitionNode, StringValueNode, print_ast

from schema.composition.cost import ListSize
from schema.composition.errors import ErrorLocation
from schema.composition.specs import print_definitions, print_links, spec_scalars

LINK = "https://specs.apollo.dev/link/v1.0"
JOIN = "https://specs.apollo.dev/join/v0.5"
JOIN_DEFINITIONS = """\
directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
"""  # noqa: E501
JOIN_TYPES = """\
input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}

scalar join__DirectiveArguments

scalar join__FieldSet

scalar join__FieldValue

scalar link__Import
"""
LINK_PURPOSE = """\
enum link__Purpose {
  \"\"\"
  `SECURITY` features provide metadata necessary to securely resolve fields.
  \"\"\"
  SECURITY

  \"\"\"
  `EXECUTION` features provide metadata necessary for operation execution.
  \"\"\"
  EXECUTION
}"""


@dataclass
class Access:
    """Visibility and access directives of an element, merged over subgraphs."""

    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    authenticated: bool = False
    requires_scopes: list[list[str]] | None = None
    policies: list[list[str]] | None = None
    cost: int | None = None
    list_size: ListSize | None = None
    composed: list[str] = field(default_factory=list)
    """Printed applications of composed custom directives."""
    specified_by: str | None = None
    sources: list[ErrorLocation] = field(default_factory=list)
    """Where the subgraphs define the element (for error messages)."""


@dataclass(frozen=True)
class ContextArgument:
    """An argument the router takes from a context (``@join__field(contextArguments:)``)."""

    context: str
    name: str
    type: str
    selection: str


@dataclass
class JoinField:
    graph: str | None
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: list[ContextArgument] = field(default_factory=list)


@dataclass
class SArgument(Access):
    name: str = ""
    type: str = ""
    default: str | None = None


@dataclass
class SField(Access):
    name: str = ""
    type: str = ""
    default: str | None = None
    arguments: list[SArgument] = field(default_factory=list)
    joins: list[JoinField] | None = None
    """None: the field is in every subgraph that has its type, alike; no ``@join__field``."""


@dataclass
class JoinType:
    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool = True
    interface_object: bool = False


@dataclass
class SEnumValue(Access):
    name: str = ""
    graphs: list[str] = field(default_factory=list)


@dataclass
class SType(Access):
    kind: str = ""
    name: str = ""
    joins: list[JoinType] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)
    """(graph, interface) pairs."""
    fields: dict[str, SField] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    union_members: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, SEnumValue] = field(default_factory=dict)
    contexts: list[str] = field(default_factory=list)
    """The contexts the type sets (``@context``), named after their subgraphs."""


@dataclass
class Supergraph:
    graphs: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Graph enum value → (subgraph name, URL)."""
    types: dict[str, SType] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)
    directive_names: dict[str, str] = field(default_factory=dict)
    """Each carried directive the subgraphs apply (``listSize``) → its name here."""
    composed_links: dict[str, list[object]] = field(default_factory=dict)
    composed_definitions: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    federation_version: tuple[int, int] = (2, 0)

    @property
    def join_version(self) -> str:
        """join v0.5 from Federation 2.8 (context), v0.4 from 2.7 (progressive override)."""
        if self.federation_version >= (2, 8):
            return "v0.5"
        return "v0.4" if self.federation_version >= (2, 7) else "v0.3"

    def roots_by_operation(self) -> list[tuple[str, str]]:
        names = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}
        return [(names[r], r) for r in ("Query", "Mutation", "Subscription") if r in self.roots]


def graph_enum_name(subgraph: str) -> str:
    """The ``join__Graph`` value of a subgraph: its name upper-cased, other characters ``_``."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", subgraph).upper()
    return f"_{name}" if name[:1].isdigit() else name


def print_supergraph(supergraph: Supergraph) -> str:
    names = supergraph.directive_names
    parts = [_print_schema(supergraph), _join_definitions(supergraph.join_version)]
    parts += sorted(print_definitions(names))
    parts += [print_ast(d) for _, d in sorted(supergraph.composed_definitions.items())]
    blocks: list[tuple[str, str]] = [(s, f"scalar {s}") for s in spec_scalars(names)]
    blocks.append(("join__Graph", _print_graphs(supergraph)))
    blocks += [(t.name, _print_type(t, names)) for t in supergraph.types.values()]
    blocks += [(b.split()[1], b) for b in JOIN_TYPES.strip().split("\n\n") if b[0] != " "
               and _in_join_version(b.split()[1], supergraph.join_version)]  # fmt: skip
    blocks = [(name, text) for name, text in blocks if name != "link__Purpose"]
    blocks.append(("link__Purpose", LINK_PURPOSE))
    parts += [text for _, text in sorted(blocks, key=lambda b: b[0])]
    return "\n\n".join(parts) + "\n"


def _print_schema(supergraph: Supergraph) -> str:
    join = JOIN.replace("v0.5", supergraph.join_version)
    links = [f'  @link(url: "{LINK}")', f'  @link(url: "{join}", for: EXECUTION)']
    links += [f"  {link}" for link in print_links(supergraph.directive_names)]
    for url, imports in supergraph.composed_links.items():
        listed = ", ".join(_print_value(i) for i in imports)
        links.append(f'  @link(url: "{url}", import: [{listed}])')
    roots = "\n".join(f"  {op}: {name}" for op, name in supergraph.roots_by_operation())
    return "schema\n" + "\n".join(links) + "\n{\n" + roots + "\n}"


def _print_graphs(supergraph: Supergraph) -> str:
    lines = [f'  {enum} @join__graph(name: "{name}", url: "{url}")'
             for enum, (name, url) in sorted(supergraph.graphs.items())]  # fmt: skip
    return "enum join__Graph {\n" + "\n".join(lines) + "\n}"


def _print_type(t: SType, names: dict[str, str]) -> str:
    keyword = {"object": "type", "interface": "interface", "union": "union", "enum": "enum",
               "input": "input", "scalar": "scalar"}[t.kind]  # fmt: skip
    head = f"{keyword} {t.name}"
    if t.interfaces:
        head += " implements " + " & ".join(t.interfaces)
    directives = [f'@join__implements(graph: {g}, interface: "{i}")' for g, i in t.implements]
    directives += [_join_type(j) for j in t.joins]
    directives += [f'@join__unionMember(graph: {g}, member: "{m}")' for g, m in t.union_members]
    directives += _access(t, names)
    directives += [f"@{names.get('context', 'context')}(name: {_string(c)})" for c in t.contexts]
    text = _description(t.description, "") + head
    if directives:
        text += "\n" + "\n".join(f"  {d}" for d in directives)
    if t.kind == "union":
        return text + (("\n = " + " | ".join(t.members)) if t.members else "")
    if t.kind == "scalar":
        return text
    if t.kind == "enum":
        body = [_description(v.description, "  ") + f"  {v.name}"
                + "".join(f" @join__enumValue(graph: {g})" for g in v.graphs)
                + "".join(f" {d}" for d in _access(v, names))
                for v in t.values.values()]  # fmt: skip
    else:
        body = [_print_field(f, names) for f in t.fields.values()]
    return text + "\n{\n" + "\n".join(body) + "\n}"


def _print_field(f: SField, names: dict[str, str]) -> str:
    text = _description(f.description, "  ") + f"  {f.name}"
    if f.arguments:
        text += "(" + ", ".join(_print_argument(a, names) for a in f.arguments) + ")"
    text += f": {f.type}"
    if f.default is not None:
        text += f" = {f.default}"
    for join in f.joins or ():
        text += " " + _join_field(join)
    return text + "".join(f" {d}" for d in _access(f, names))


def _print_argument(a: SArgument, names: dict[str, str]) -> str:
    text = f"{a.name}: {a.type}"
    if a.default is not None:
        text += f" = {a.default}"
    return text + "".join(f" {d}" for d in _access(a, names))


def _join_type(j: JoinType) -> str:
    args = [f"graph: {j.graph}"]
    if j.key is not None:
        args.append(f'key: "{_escape(j.key)}"')
    if j.extension:
        args.append("extension: true")
    if not j.resolvable:
        args.append("resolvable: false")
    if j.interface_object:
        args.append("isInterfaceObject: true")
    return f"@join__type({', '.join(args)})"


def _join_field(j: JoinField) -> str:
    args = [] if j.graph is None else [f"graph: {j.graph}"]
    if j.requires is not None:
        args.append(f'requires: "{_escape(j.requires)}"')
    if j.provides is not None:
        args.append(f'provides: "{_escape(j.provides)}"')
    if j.type is not None:
        args.append(f'type: "{j.type}"')
    if j.external:
        args.append("external: true")
    if j.override is not None:
        args.append(f'override: "{_escape(j.override)}"')
    if j.used_overridden:
        args.append("usedOverridden: true")
    if j.override_label is not None:
        args.append(f'overrideLabel: "{_escape(j.override_label)}"')
    if j.context_arguments:
        printed = ", ".join(
            f"{{context: {_string(a.context)}, name: {_string(a.name)}, type: {_string(a.type)}, "
            f"selection: {_string(a.selection)}}}"
            for a in j.context_arguments
        )
        args.append(f"contextArguments: [{printed}]")
    return f"@join__field({', '.join(args)})" if args else "@join__field"


def _join_definitions(version: str) -> str:
    definitions = JOIN_DEFINITIONS.rstrip().split("\n\n")
    if version == "v0.5":
        return "\n\n".join(definitions)
    kept = [d for d in definitions if not d.startswith("directive @join__directive")
            or version == "v0.4"]  # fmt: skip
    cut = ", contextArguments: [join__ContextArgument!]"
    if version == "v0.3":
        cut = ", overrideLabel: String" + cut
    return "\n\n".join(d.replace(cut, "") for d in kept)


def _in_join_version(name: str, version: str) -> bool:
    if version == "v0.5":
        return True
    if version == "v0.4":
        return name not in ("join__ContextArgument", "join__FieldValue")
    return name not in ("join__ContextArgument", "join__FieldValue", "join__DirectiveArguments")


def _access(element: Access, names: dict[str, str]) -> list[str]:
    def name(directive: str) -> str:
        return names.get(directive, directive)

    found = []
    if element.specified_by is not None:
        found.append(f'@specifiedBy(url: "{_escape(element.specified_by)}")')
    if element.authenticated:
        found.append(f"@{name('authenticated')}")
    if element.inaccessible:
        found.append(f"@{name('inaccessible')}")
    if element.policies is not None:
        found.append(f"@{name('policy')}(policies: {_print_nested(element.policies)})")
    if element.requires_scopes is not None:
        scopes = _print_nested(element.requires_scopes)
        found.append(f"@{name('requiresScopes')}(scopes: {scopes})")
    found += [f'@{name("tag")}(name: "{_escape(tag)}")' for tag in element.tags]
    if element.cost is not None:
        found.append(f"@{name('cost')}(weight: {element.cost})")
    if element.list_size is not None:
        found.append(element.list_size.printed(name("listSize")))
    return found + element.composed


def _print_nested(groups: list[list[str]]) -> str:
    inner = ", ".join("[" + ", ".join(f'"{_escape(s)}"' for s in g) + "]" for g in groups)
    return f"[{inner}]"


def _print_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{_escape(value)}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_print_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _description(text: str | None, indent: str) -> str:
    if not text:
        return ""
    if "\n" in text or '"' in text:
        body = text.replace('"""', '\\"""').replace("\n", "\n" + indent)
        return f'{indent}"""\n{indent}{body}\n{indent}"""\n'
    return f'{indent}"""{text}"""\n'


def _string(text: str) -> str:
    """``text`` as a GraphQL string, newlines and all."""
    return print_ast(StringValueNode(value=text))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
