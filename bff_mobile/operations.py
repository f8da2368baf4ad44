"""The router operations the resolvers run: one named operation per ``.graphql`` file in
``operations/`` (named after its file), plus the fragments shared between them.

Each operation is sent with exactly the fragments it spreads, so every document the router
gets is valid on its own. ``persisted-query-manifest.json`` lists them in Apollo's persisted
query list format, for the router's ``trusted_documents``; ``python -m bff_mobile.operations``
writes it again after an operation changes (``shopgraph schema check`` fails until then).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    parse,
    print_ast,
)

OPERATIONS_DIR = Path(__file__).parent / "operations"
MANIFEST = Path(__file__).parent / "persisted-query-manifest.json"


class OperationFileError(ValueError):
    """An operation file does not hold what the loader expects."""


def load_router_operations(directory: Path = OPERATIONS_DIR) -> dict[str, str]:
    """Operation name → the document to send to the router."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: dict[str, OperationDefinitionNode] = {}
    for path in sorted(directory.glob("*.graphql")):
        document = _parse(path)
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                if definition.name.value in fragments:
                    raise OperationFileError(
                        f"{path.name}: fragment {definition.name.value} is defined twice"
                    )
                fragments[definition.name.value] = definition
        found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(found) > 1:
            raise OperationFileError(f"{path.name}: one operation per file, found {len(found)}")
        if found:
            name = found[0].name.value if found[0].name else None
            if name != path.stem:
                raise OperationFileError(f"{path.name}: the operation must be named {path.stem}")
            operations[name] = found[0]
    return {
        name: print_ast(DocumentNode(definitions=(operation, *_spread(operation, fragments))))
        for name, operation in operations.items()
    }


def _parse(path: Path) -> DocumentNode:
    try:
        return parse(Source(path.read_text(), path.name))
    except GraphQLSyntaxError as error:
        raise OperationFileError(str(error)) from error


def _spread(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    """The fragments ``operation`` spreads, directly or through other fragments, in order."""
    used: dict[str, FragmentDefinitionNode] = {}
    pending: list[SelectionSetNode] = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in fragments:
                    raise OperationFileError(f"unknown fragment {name}")
                if name not in used:
                    used[name] = fragments[name]
                    pending.append(fragments[name].selection_set)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return list(used.values())


def manifest(operations: dict[str, str]) -> dict[str, Any]:
    """The operations as Apollo's persisted query list, each id its document's SHA-256."""
    entries = []
    for name, body in sorted(operations.items()):
        operation = parse(body).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)  # load_router_operations' order
        kind = operation.operation.value
        entries.append({"id": hashlib.sha256(body.encode("utf-8")).hexdigest(), "name": name,
                        "type": kind, "body": body})  # fmt: skip
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": entries}


def manifest_text(directory: Path = OPERATIONS_DIR) -> str:
    return json.dumps(manifest(load_router_operations(directory)), indent=2) + "\n"


if __name__ == "__main__":
    MANIFEST.write_text(manifest_text())
    print(f"wrote {MANIFEST}")
