"""The API schema: the supergraph as clients see it.

Everything that exists for the router only goes (``join__*``, ``link__*``, the directives of
router-only features such as ``@tag`` or ``@authenticated``), and so does every element marked
``@inaccessible``.
"""

from __future__ import annotations

import copy
from typing import Any

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
)

from router.supergraph.features import ROUTER_ONLY_SPECS, Feature


def build_api_schema(document: DocumentNode, features: dict[str, Feature]) -> GraphQLSchema:
    removed_directives, removed_prefixes = _router_only_names(features)
    inaccessible = (
        features["inaccessible"].directive("inaccessible") if "inaccessible" in features else None
    )
    pruner = _Pruner(removed_directives, removed_prefixes, inaccessible)
    pruner.hidden_types = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode) and pruner.hidden(d)
    }
    api_document = copy.deepcopy(document)
    api_document.definitions = tuple(
        pruned for definition in document.definitions if (pruned := pruner.prune(definition))
    )
    return build_ast_schema(api_document, assume_valid_sdl=True)


def _router_only_names(features: dict[str, Feature]) -> tuple[set[str], set[str]]:
    directives: set[str] = {"link", "core"}
    prefixes: set[str] = set()
    for name, feature in features.items():
        if name not in ROUTER_ONLY_SPECS:
            continue
        prefixes.add(f"{feature.prefix}__")
        directives.add(feature.prefix)
        directives.update(alias.lstrip("@") for alias in feature.imports.values())
    return directives, prefixes


class _Pruner:
    def __init__(self, directives: set[str], prefixes: set[str], inaccessible: str | None) -> None:
        self.directives = directives
        self.prefixes = prefixes
        self.inaccessible = inaccessible
        self.hidden_types: set[str] = set()

    def _router_only(self, name: str) -> bool:
        return name in self.directives or name.startswith(tuple(self.prefixes))

    def hidden(self, node: Any) -> bool:
        return self.inaccessible is not None and any(
            d.name.value == self.inaccessible for d in getattr(node, "directives", None) or ()
        )

    def _keep_directives(self, directives: Any) -> tuple[DirectiveNode, ...]:
        return tuple(d for d in directives or () if not self._router_only(d.name.value))

    def prune(self, definition: DefinitionNode) -> DefinitionNode | None:
        if isinstance(definition, DirectiveDefinitionNode):
            return None if self._router_only(definition.name.value) else definition
        if isinstance(definition, SchemaDefinitionNode):
            schema_definition = copy.copy(definition)
            schema_definition.directives = ()
            return schema_definition
        if not isinstance(definition, TypeDefinitionNode):
            return definition
        if definition.name.value.startswith(tuple(self.prefixes)) or self.hidden(definition):
            return None
        pruned = copy.copy(definition)
        pruned.directives = self._keep_directives(definition.directives)
        if isinstance(pruned, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            pruned.fields = tuple(
                self._prune_field(f) for f in pruned.fields or () if not self.hidden(f)
            )
            pruned.interfaces = tuple(
                i for i in pruned.interfaces or () if i.name.value not in self.hidden_types
            )
        elif isinstance(pruned, InputObjectTypeDefinitionNode):
            pruned.fields = tuple(
                self._prune_value(f) for f in pruned.fields or () if not self.hidden(f)
            )
        elif isinstance(pruned, EnumTypeDefinitionNode):
            pruned.values = tuple(
                self._prune_value(v) for v in pruned.values or () if not self.hidden(v)
            )
        elif isinstance(pruned, UnionTypeDefinitionNode):
            pruned.types = tuple(
                t for t in pruned.types or () if t.name.value not in self.hidden_types
            )
        return pruned

    def _prune_field(self, node: Any) -> Any:
        pruned = copy.copy(node)
        pruned.directives = self._keep_directives(node.directives)
        pruned.arguments = tuple(
            self._prune_value(a) for a in node.arguments or () if not self.hidden(a)
        )
        return pruned

    def _prune_value(self, node: Any) -> Any:
        pruned = copy.copy(node)
        pruned.directives = self._keep_directives(node.directives)
        return pruned
