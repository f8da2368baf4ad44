"""Parse a document within bounds: its size, its token count and its nesting.

graphql-core's parser stops at ``max_tokens``, but a document just under the limit still costs
its full parse; a regular-expression scan (C speed) counts tokens and nesting first, so an
oversized document is refused in a fraction of its parse time and never reaches the parser's
recursion limit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class DocumentLimits:
    """Production defaults, measured: graphql-core takes up to 12 µs a token to parse here."""

    max_bytes: int = 100_000
    max_tokens: int = 4_000
    max_nesting: int = 100


_OPEN = frozenset("{[(")
_CLOSE = frozenset("}])")


def operation_digest(source: str, operation_name: str | None) -> str:
    """The cache key of a request's document: never the document itself."""
    hasher = hashlib.sha256(source.encode("utf-8", "surrogatepass"))
    hasher.update(b"\x00" + (operation_name or "").encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()


def scan(
    source: str,
    *,
    max_tokens: int,
    max_nesting: int,
    max_aliases: int = 0,
    max_selections: int = 0,
) -> Violation | None:
    """The first bound the document's text goes past, if any, without parsing it.

    Besides tokens and nesting, it counts the aliases and selections written in selection
    sets (a brace outside parentheses): each is at most what the operation expands to, so a
    text past ``max_aliases`` or ``max_selections`` (0: not checked) is past those operation
    limits too, and is refused before a parse that would cost it tens of milliseconds.
    """
    tokens = aliases = selections = 0
    stack: list[str] = []
    in_values = 0  # open parentheses and brackets: braces in there are input objects
    previous = before = ""
    candidate = False  # the previous token was a name that may be a field or an alias
    for match in _TOKENS.finditer(source):
        text = match.group()
        first = text[0]
        if first == "#":
            continue
        tokens += 1
        if tokens > max_tokens:
            return Violation("MAX_TOKENS_LIMIT", max_tokens)
        in_selection = bool(stack) and stack[-1] == "{" and not in_values
        was_candidate, candidate = candidate, False
        if first in _OPEN:
            stack.append(first)
            in_values += first != "{"
            if len(stack) > max_nesting:
                return Violation("PARSER_RECURSION_LIMIT", max_nesting)
        elif first in _CLOSE:
            if stack and stack.pop() != "{":
                in_values -= 1
        elif in_selection:
            if text == "...":
                selections += 1
            elif text == ":" and was_candidate:
                aliases += 1
                selections -= 1  # `alias: field` is one selection, counted at `field`
            elif (
                (first.isalpha() or first == "_")
                and previous not in ("@", "...")
                and not (previous == "on" and before == "...")
            ):
                candidate = True
                selections += 1
        if max_aliases and aliases > max_aliases:
            return Violation("MAX_ALIASES_LIMIT", max_aliases, f"at least {aliases}")
        if max_selections and selections > max_selections:
            return Violation(
                "MAX_EXPANDED_SELECTIONS_LIMIT", max_selections, f"at least {selections}"
            )
        before, previous = previous, text
    return None


def parse_document(
    source: str,
    *,
    max_bytes: int,
    max_tokens: int,
    max_nesting: int,
    max_aliases: int = 0,
    max_selections: int = 0,
) -> DocumentNode:
    """Parse ``source``; raise :class:`OperationRefusedError` past a bound, or
    :class:`GraphQLSyntaxError` for a document that does not parse."""
    if len(source) > max_bytes or len(source.encode("utf-8", "surrogatepass")) > max_bytes:
        raise OperationRefusedError(Violation("DOCUMENT_TOO_LARGE", max_bytes))
    violation = scan(
        source,
        max_tokens=max_tokens,
        max_nesting=max_nesting,
        max_aliases=max_aliases,
        max_selections=max_selections,
    )
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
