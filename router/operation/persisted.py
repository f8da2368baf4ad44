"""Which document a request runs: the one it sends, a trusted document it names, or one it
registered earlier by hash (automatic persisted queries).

A request names a document by ``extensions.persistedQuery.sha256Hash`` (Apollo's APQ and
persisted queries) or by ``documentId`` (GraphQL over HTTP's persisted documents, as GraphQL
Hive and Relay send it). Trusted documents come from manifests: Apollo's persisted query list
(``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "body",
…}]}``) or a plain ``{id: document}`` object. In ``safelist`` mode nothing else runs: a
document sent in full must be one of the manifest's (ignored characters aside), and APQ
registers nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from graphql import GraphQLSyntaxError
from graphql.utilities import strip_ignored_characters

from router.cache.documents import DocumentStore
from router.telemetry.metrics import PERSISTED_QUERIES
from router.types import RouterError

log = logging.getLogger("shopgraph.router")

APOLLO_MANIFEST_FORMAT = "apollo-persisted-query-manifest"
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_DOCUMENT_ID = re.compile(r"[A-Za-z0-9_.:~-]{1,256}")


class PersistedDocumentError(RouterError):
    """A persisted query or trusted document the router cannot run; ``status`` is HTTP's."""

    status = 400

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message, code=code)
        self.status = status


class ManifestError(ValueError):
    """A manifest file that cannot be read as one of the two formats."""


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def load_manifest(path: str | Path) -> dict[str, str]:
    """A manifest's documents by id, in either format."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"cannot read the manifest {path}: {error}") from None
    if isinstance(raw, dict) and raw.get("format") == APOLLO_MANIFEST_FORMAT:
        if raw.get("version") != 1:
            raise ManifestError(f"{path}: only version 1 of {APOLLO_MANIFEST_FORMAT} is known")
        operations = raw.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"{path}: 'operations' must be a list")
        pairs = []
        for index, operation in enumerate(operations):
            if not isinstance(operation, dict):
                raise ManifestError(f"{path}: operations[{index}] must be an object")
            pairs.append((operation.get("id"), operation.get("body"), f"operations[{index}]"))
    elif isinstance(raw, dict):
        pairs = [(key, value, repr(key)) for key, value in raw.items()]
    else:
        raise ManifestError(
            f"{path}: expected {APOLLO_MANIFEST_FORMAT} or an object of id to document"
        )
    documents: dict[str, str] = {}
    for document_id, body, where in pairs:
        if not isinstance(document_id, str) or not _DOCUMENT_ID.fullmatch(document_id):
            raise ManifestError(f"{path}: {where} has no usable id (1 to 256 of A-Z a-z 0-9 _.:~-)")
        if not isinstance(body, str) or not body.strip():
            raise ManifestError(f"{path}: {where} has no document")
        if documents.get(document_id, body) != body:
            raise ManifestError(f"{path}: the id {document_id!r} names two different documents")
        documents[document_id] = body
    return documents


def _normalized(document: str) -> str | None:
    """The document without ignored characters (what a safelist compares), None if it does not
    parse (then it is in no safelist)."""
    try:
        return strip_ignored_characters(document)
    except GraphQLSyntaxError:
        return None


@dataclass(frozen=True)
class Resolved:
    """The document to run; ``register`` is the APQ hash to store it under once it validates."""

    query: str
    register: str | None = None


class PersistedDocuments:
    """The APQ store and the trusted documents, one decision per request."""

    def __init__(
        self,
        *,
        store: DocumentStore | None,
        manifests: Iterable[Mapping[str, str]] = (),
        mode: Literal["allow", "safelist"] = "allow",
        require_id: bool = False,
        log_unknown: bool = False,
    ) -> None:
        self.store = store
        self.trusted: dict[str, str] = {}
        for manifest in manifests:
            for document_id, body in manifest.items():
                if self.trusted.get(document_id, body) != body:
                    raise ManifestError(f"the id {document_id!r} names two different documents")
                self.trusted[document_id] = body
        self.mode = mode
        self.require_id = require_id
        self.log_unknown = log_unknown
        self._allowed = {n for body in self.trusted.values() if (n := _normalized(body))}
        if mode == "safelist" and not self.trusted:
            raise ManifestError("the safelist mode needs at least one manifest with documents")

    @property
    def apq(self) -> bool:
        """Whether clients may register documents by hash (never with a safelist)."""
        return self.store is not None and self.mode != "safelist"

    async def resolve(
        self, query: str | None, extensions: Mapping[str, Any], document_id: str | None
    ) -> Resolved:
        persisted = extensions.get("persistedQuery")
        if document_id is not None:
            if query is not None or persisted is not None:
                raise PersistedDocumentError(
                    "send either 'documentId' or a document, not both", code="BAD_REQUEST"
                )
            body = self._trusted(document_id)
            PERSISTED_QUERIES.labels("trusted").inc()
            return Resolved(body)
        if persisted is not None:
            return await self._persisted(query, persisted)
        if query is None:
            raise PersistedDocumentError(
                "a GraphQL request must have a non-empty 'query' string", code="BAD_REQUEST"
            )
        self._check_allowed(query)
        return Resolved(query)

    def _trusted(self, document_id: str) -> str:
        body = self.trusted.get(document_id)
        if body is None:
            PERSISTED_QUERIES.labels("not_in_list").inc()
            raise PersistedDocumentError(
                f"persisted query {document_id!r} not found in the persisted query list",
                code="PERSISTED_QUERY_NOT_IN_LIST",
            )
        return body

    async def _persisted(self, query: str | None, persisted: Any) -> Resolved:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedDocumentError(
                "extensions.persistedQuery must be an object with version 1 and sha256Hash",
                code="BAD_REQUEST",
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _DOCUMENT_ID.fullmatch(digest):
            raise PersistedDocumentError(
                "extensions.persistedQuery.sha256Hash must be a document's id or SHA-256 (hex)",
                code="BAD_REQUEST",
            )
        trusted = self.trusted.get(digest)
        if query is None:
            if trusted is not None:
                PERSISTED_QUERIES.labels("trusted").inc()
                return Resolved(trusted)
            if not self.apq:
                if self.trusted:
                    self._trusted(digest)  # raises: not in the list
                raise PersistedDocumentError(
                    "PersistedQueryNotSupported", code="PERSISTED_QUERY_NOT_SUPPORTED", status=200
                )
            if not _SHA256.fullmatch(digest):
                raise PersistedDocumentError(
                    "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits",
                    code="BAD_REQUEST",
                )
            assert self.store is not None
            found = await self.store.get(digest.lower())
            if found is None:
                PERSISTED_QUERIES.labels("apq_miss").inc()
                raise PersistedDocumentError(
                    "PersistedQueryNotFound", code="PERSISTED_QUERY_NOT_FOUND", status=200
                )
            PERSISTED_QUERIES.labels("apq_hit").inc()
            return Resolved(found)
        if trusted is not None and trusted == query:
            PERSISTED_QUERIES.labels("trusted").inc()
            return Resolved(query)
        if sha256_hex(query) != digest.lower():
            raise PersistedDocumentError(
                "provided sha does not match query", code="PERSISTED_QUERY_HASH_MISMATCH"
            )
        self._check_allowed(query)
        if not self.apq:
            return Resolved(query)  # allowed, and nothing to keep
        return Resolved(query, register=digest.lower())

    def _check_allowed(self, query: str) -> None:
        if not self.trusted:
            return
        known = _normalized(query) in self._allowed
        if self.mode == "safelist" and (self.require_id or not known):
            PERSISTED_QUERIES.labels("refused").inc()
        if self.mode == "safelist":
            if self.require_id:
                raise PersistedDocumentError(
                    "this router runs only persisted queries, named by id",
                    code="PERSISTED_QUERY_ID_REQUIRED",
                )
            if not known:
                raise PersistedDocumentError(
                    "the operation body was not found in the persisted query safelist",
                    code="QUERY_NOT_IN_SAFELIST",
                )
        elif not known and self.log_unknown:
            log.info("an operation not in the persisted query list ran (%d bytes)", len(query))

    async def register(self, digest: str, query: str) -> None:
        """Keep a registered document that validated."""
        if self.store is not None:
            PERSISTED_QUERIES.labels("apq_registered").inc()
            await self.store.put(digest, query)
