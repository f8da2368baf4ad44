"""Parse a document within bounds: its size, its token count and its nesting.

graphql-core's parser stops at ``max_tokens``, but a document just under the limit still costs
its full parse; a regular-expression scan (C speed) counts tokens and nesting first, so an
oversized document is refused in a fraction of its parse time and never reaches the parser's
recursion limit.
"""

from __future__ import annotations

import hashlib
import re

from graphql import DocumentNode, GraphQLSyntaxError, parse

from router.operation.errors import OperationRefusedError, Violation

_TOKENS = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""'  # block string
    r'|"(?:\\.|[^"\\\n\r])*"'  # string
    r"|#[^\n\r]*"  # comment (not a token; skipped below)
    r"|[_A-Za-z][_0-9A-Za-z]*"  # name
    r"|-?\d[\d.eE+-]*"  # number
    r"|\.\.\."  # spread
    r"|[!$&()\[\]{}:=@|]"  # punctuators
)
_OPEN = frozenset("{[(")
_CLOSE = frozenset("}])")


def operation_digest(source: str, operation_name: str | None) -> str:
    """The cache key of a request's document: never the document itself."""
    hasher = hashlib.sha256(source.encode("utf-8", "surrogatepass"))
    hasher.update(b"\x00" + (operation_name or "").encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()


def scan(source: str, *, max_tokens: int, max_nesting: int) -> Violation | None:
    """The first bound the document's text goes past, if any, without parsing it."""
    tokens = 0
    depth = 0
    for match in _TOKENS.finditer(source):
        first = source[match.start()]
        if first == "#":
            continue
        tokens += 1
        if tokens > max_tokens:
            return Violation("MAX_TOKENS_LIMIT", max_tokens)
        if first in _OPEN:
            depth += 1
            if depth > max_nesting:
                return Violation("PARSER_RECURSION_LIMIT", max_nesting)
        elif first in _CLOSE:
            depth -= 1
    return None


def parse_document(
    source: str, *, max_bytes: int, max_tokens: int, max_nesting: int
) -> DocumentNode:
    """Parse ``source``; raise :class:`OperationRefusedError` past a bound, or
    :class:`GraphQLSyntaxError` for a document that does not parse."""
    if len(source) > max_bytes or len(source.encode("utf-8", "surrogatepass")) > max_bytes:
        raise OperationRefusedError(Violation("DOCUMENT_TOO_LARGE", max_bytes))
    violation = scan(source, max_tokens=max_tokens, max_nesting=max_nesting)
    if violation is not None:
        raise OperationRefusedError(violation)
    try:
        return parse(source, max_lexical_tokens=max_tokens, max_comments=max_tokens)
    except RecursionError:
        raise OperationRefusedError(Violation("PARSER_RECURSION_LIMIT", max_nesting)) from None
    except GraphQLSyntaxError as error:
        if "Parsing aborted" in error.message:
            raise OperationRefusedError(Violation("MAX_TOKENS_LIMIT", max_tokens)) from None
        raise
