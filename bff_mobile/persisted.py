"""Persisted app operations: the documents the app ships, known here by their ids.

Each ``.graphql`` file in ``app_operations/`` holds one operation of the mobile app; its id
is the sha256 (hex) of the file's text, the same hash Apollo's automatic persisted queries
use. The manifest is built, and every document validated against the mobile schema, when
the BFF starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLSchema

from bff_mobile.errors import MobileError
from bff_mobile.execution import PreparedOperation, prepare

APP_OPERATIONS_DIR = Path(__file__).parent / "app_operations"


def operation_id(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PersistedOperation:
    id: str
    name: str
    text: str
    prepared: PreparedOperation


class PersistedOperationError(ValueError):
    """An app operation file is not one valid operation of the mobile schema."""


class PersistedOperations(Mapping[str, PersistedOperation]):
    """Id → operation."""

    def __init__(self, operations: list[PersistedOperation]) -> None:
        self._by_id = {operation.id: operation for operation in operations}

    @classmethod
    def load(
        cls, schema: GraphQLSchema, directory: Path = APP_OPERATIONS_DIR
    ) -> PersistedOperations:
        operations = []
        for path in sorted(directory.glob("*.graphql")):
            text = path.read_text()
            try:
                prepared = prepare(schema, text)
            except MobileError as error:
                raise PersistedOperationError(f"{path.name}: {error.message}") from error
            if len(prepared.document.definitions) != 1 or prepared.name != path.stem:
                raise PersistedOperationError(
                    f"{path.name}: one operation, named {path.stem}, and nothing else"
                )
            operations.append(PersistedOperation(operation_id(text), path.stem, text, prepared))
        return cls(operations)

    def manifest(self) -> dict[str, str]:
        """Operation name → id, as the app's build records it."""
        return {operation.name: operation.id for operation in self._by_id.values()}

    def __getitem__(self, key: str) -> PersistedOperation:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)
