"""Preparing a request's document once: bounded parse, operation limits, validation, the
chosen operation, normalization.

Clients send the same few operations over and over, so a prepared operation is kept in a
cache keyed by the digest of its text and operation name, bounded in entries and in bytes.
Documents that fail are not kept: their errors are cheap to reproduce within the limits, and a
stream of distinct bad documents must not fill memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    get_operation_ast,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule, specified_rules

from router.cache import BoundedCache
from router.execution.introspection import introspection_fields
from router.operation.dedupe import drop_repeated_fields
from router.operation.document import DocumentLimits, parse_document
from router.operation.errors import OperationRefusedError
from router.operation.limits import Measures, OperationLimits, check_limits, measure_document
from router.operation.suggestions import without_suggestions
from router.planning.defer import has_defer
from router.planning.normalize import normalize_operation
from router.planning.operation import Operation
from router.telemetry.spans import step

log = logging.getLogger("shopgraph.router")

# Bytes of Python objects a prepared operation holds per character of its document (the AST
# and the normalized tree), measured with tracemalloc on GraphiQL's examples (250 to 290).
BYTES_PER_SOURCE_CHAR = 300
ENTRY_OVERHEAD_BYTES = 4_000


@dataclass(frozen=True)
class PreparedOperation:
    digest: str
    operation_name: str | None
    document: DocumentNode | None = None
    operation: OperationDefinitionNode | None = None
    normalized: Operation | None = None
    errors: list[GraphQLError] = field(default_factory=list)
    error_code: str | None = None
    """``GRAPHQL_PARSE_FAILED`` or ``GRAPHQL_VALIDATION_FAILED`` when ``errors`` is set."""
    introspection: bool = False
    """The operation asks for ``__schema`` or ``__type`` at its root."""
    size_bytes: int = 0

    @cached_property
    def has_defer(self) -> bool:
        """The operation holds a ``@defer`` (deferring or not, as its variables say)."""
        return self.normalized is not None and has_defer(self.normalized.selections)

    @cached_property
    def fragments(self) -> dict[str, FragmentDefinitionNode]:
        definitions = self.document.definitions if self.document else ()
        return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


class OperationPreparer:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        introspection: bool,
        document_limits: DocumentLimits | None = None,
        operation_limits: OperationLimits | None = None,
        cache_entries: int = 1000,
        cache_bytes: int = 64_000_000,
    ) -> None:
        self.schema = schema
        self.introspection = introspection
        self.rules = list(specified_rules)
        if not introspection:
            self.rules.append(NoSchemaIntrospectionCustomRule)
        self.document_limits = document_limits or DocumentLimits()
        self.operation_limits = operation_limits or OperationLimits()
        self.cache: BoundedCache[str, PreparedOperation] = BoundedCache(
            max_entries=cache_entries, max_bytes=cache_bytes
        )

    def cached(self, digest: str) -> PreparedOperation | None:
        return self.cache.get(digest)

    def prepare(self, source: str, operation_name: str | None, digest: str) -> PreparedOperation:
        """Prepare and, when it is valid, cache; raise :class:`OperationRefusedError` past a
        limit (unless the limits only warn)."""
        prepared = self._prepare(source, operation_name, digest)
        if not prepared.errors:
            self.cache.put(digest, prepared, prepared.size_bytes)
        return prepared

    def _prepare(self, source: str, operation_name: str | None, digest: str) -> PreparedOperation:
        limits = self.document_limits
        try:
            # Past the operation limits already in its text: refused before the parse (unless
            # the limits only warn, when the measures below log them).
            early = not self.operation_limits.warn_only
            with step("graphql.parse"):
                document = parse_document(
                    source,
                    max_bytes=limits.max_bytes,
                    max_tokens=limits.max_tokens,
                    max_nesting=limits.max_nesting,
                    max_aliases=self.operation_limits.max_aliases if early else 0,
                    max_selections=self.operation_limits.max_expanded_selections if early else 0,
                )
        except GraphQLSyntaxError as error:
            return PreparedOperation(digest, operation_name, errors=[error],
                                     error_code="GRAPHQL_PARSE_FAILED")  # fmt: skip
        measures = measure_document(document)
        self._check(measures)
        drop_repeated_fields(document)
        with step("graphql.validate"):
            errors = validate(self.schema, document, self.rules)
        if errors:
            return PreparedOperation(digest, operation_name, document,
                                     errors=self._shown(errors),
                                     error_code="GRAPHQL_VALIDATION_FAILED")  # fmt: skip
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f'Unknown operation named "{operation_name}".'
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            return PreparedOperation(digest, operation_name, document,
                                     errors=[GraphQLError(message)],
                                     error_code="GRAPHQL_VALIDATION_FAILED")  # fmt: skip
        return PreparedOperation(
            digest,
            operation_name,
            document,
            operation,
            normalize_operation(document, operation_name),
            introspection=bool(introspection_fields(operation)),
            size_bytes=ENTRY_OVERHEAD_BYTES
            + BYTES_PER_SOURCE_CHAR * (len(source) + measures.expanded_selections),
        )

    def _check(self, measures: Measures) -> None:
        """Refuse past a limit, or log each one passed while the limits only warn."""
        violations = check_limits(measures, self.operation_limits)
        if violations and not self.operation_limits.warn_only:
            raise OperationRefusedError(violations[0])
        for violation in violations:
            log.warning("operation limit passed (warn only): %s", violation.message)

    def _shown(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        if self.introspection:
            return errors
        for error in errors:
            error.message = without_suggestions(error.message)
        return errors
