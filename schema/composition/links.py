"""How a subgraph's ``@link`` directives name the federation directives it applies.

A Federation v2 subgraph imports directives through its federation ``@link`` (under their own
names or renamed) and reaches the others with the link's prefix (``@federation__key``). A
subgraph with no federation ``@link`` is a Federation 1 subgraph: it applies the directives by
their bare names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    value_from_ast_untyped,
)

from schema.composition.specs import MINIMUM_FEDERATION_VERSION, available_directives

if TYPE_CHECKING:
    from schema.composition.subgraph import Subgraph

FEDERATION_SPEC = "https://specs.apollo.dev/federation/"
LINK_SPEC = "https://specs.apollo.dev/link/"
FEDERATION_DIRECTIVES = tuple(MINIMUM_FEDERATION_VERSION)
KNOWN_FEDERATION_VERSIONS = {(2, minor) for minor in range(15)}
FEDERATION_1 = (1, 0)

ReportAt = Callable[[str, str, Any], None]
"""Report an error: code, message, the AST node at fault."""


def directive_arguments(directive: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in directive.arguments or ()}


def read_links(document: DocumentNode, subgraph: Subgraph, error: ReportAt) -> dict[str, str]:
    """Each local directive name → the federation directive it is; records the subgraph's
    federation version, the other links' imports and its ``@composeDirective`` names."""
    fed_link: DirectiveNode | None = None
    for directive in _schema_directives(document):
        if directive.name.value != "link":
            continue
        args = directive_arguments(directive)
        url = str(args.get("url", ""))
        if url.startswith(FEDERATION_SPEC):
            fed_link = directive
            subgraph.federation_version = _version(url)
            if subgraph.federation_version not in KNOWN_FEDERATION_VERSIONS:
                error("UNKNOWN_FEDERATION_LINK_VERSION",
                      f"Invalid version {url.rsplit('/', 1)[-1]} for the federation feature in "
                      "@link directive on schema", directive)  # fmt: skip
                return {}
        elif not url.startswith(LINK_SPEC):
            subgraph.composed_imports[url] = list(args.get("import") or [])
    if fed_link is None:
        # Federation 1: the directives of Federation 2.0, by their bare names.
        subgraph.federation_version = FEDERATION_1
        return {n: n for n in available_directives((2, 0))}
    names = _imported_names(fed_link, subgraph, error)
    for directive in _schema_directives(document):
        if names.get(directive.name.value) == "composeDirective":
            directive_name = str(directive_arguments(directive).get("name", "")).lstrip("@")
            subgraph.composed_directives[directive_name] = _link_of(subgraph, directive_name)
    return names


def _imported_names(fed_link: DirectiveNode, subgraph: Subgraph, error: ReportAt) -> dict[str, str]:
    args = directive_arguments(fed_link)
    prefix = str(args.get("as") or "federation")
    available = available_directives(subgraph.federation_version)
    names = {f"{prefix}__{n}": n for n in available}
    for item in args.get("import") or []:
        if isinstance(item, str):
            local = imported = item
        else:
            imported = str(item.get("name"))
            local = str(item.get("as") or imported)
        if imported.startswith("@") and imported[1:] in available:
            names[local.lstrip("@")] = imported[1:]
        elif imported.startswith("@") and imported[1:] in FEDERATION_DIRECTIVES:
            error("INVALID_LINK_DIRECTIVE_USAGE", f'Cannot import unknown element "{imported}".',
                  fed_link)  # fmt: skip
    return names


def _schema_directives(document: DocumentNode) -> list[DirectiveNode]:
    return [directive for definition in document.definitions
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode)
            for directive in definition.directives or ()]  # fmt: skip


def _link_of(subgraph: Subgraph, directive_name: str) -> str:
    for url, imports in subgraph.composed_imports.items():
        for item in imports:
            name = item if isinstance(item, str) else item.get("as") or item.get("name")
            if str(name).lstrip("@") == directive_name:
                return url
    return ""


def _version(url: str) -> tuple[int, int]:
    tail = url.rstrip("/").rsplit("/", 1)[-1].lstrip("v")
    major, _, minor = tail.partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (2, 0)
