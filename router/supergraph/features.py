"""The features a supergraph links (``@link``, or ``@core`` in Federation 1) and their names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode, value_from_ast_untyped

_SPEC_URL = re.compile(r"^https?://[^/]+/(?P<name>[A-Za-z_][\w-]*)/v(?P<version>\d+\.\d+)$")
# Features whose schema elements exist for the router only and never reach clients.
ROUTER_ONLY_SPECS = {
    "link", "core", "join", "inaccessible", "tag", "authenticated", "requiresScopes", "policy",
    "cost", "listSize", "context",
}  # fmt: skip


@dataclass
class Feature:
    name: str
    version: str
    url: str
    prefix: str
    """Namespace of the feature's elements (``join`` gives ``@join__field``)."""
    imports: dict[str, str] = field(default_factory=dict)
    """Imported element name (``@key``) → the name used in this schema."""

    def directive(self, element: str) -> str:
        """The name this schema uses for the feature's directive ``element``."""
        if f"@{element}" in self.imports:
            return self.imports[f"@{element}"].lstrip("@")
        if element == self.name:
            return self.prefix
        return f"{self.prefix}__{element}"


def linked_features(document: DocumentNode) -> dict[str, Feature]:
    """Every feature linked from the schema definition, by spec name."""
    features: dict[str, Feature] = {}
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value not in ("link", "core"):
                continue
            args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments}
            url = args.get("url") or args.get("feature")
            match = _SPEC_URL.match(str(url)) if url else None
            if match is None:
                continue
            name = match["name"]
            feature = Feature(name, match["version"], str(url), str(args.get("as") or name))
            for item in args.get("import") or ():
                if isinstance(item, str):
                    feature.imports[item] = item
                elif isinstance(item, dict) and "name" in item:
                    feature.imports[item["name"]] = item.get("as") or item["name"]
            features[name] = feature
    return features


def version_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)
