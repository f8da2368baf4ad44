"""The operation stage's error codes, one registry; each refusal names its limit."""

from __future__ import annotations

from dataclasses import dataclass

from router.types import RouterError

CODES: dict[str, str] = {
    "DOCUMENT_TOO_LARGE": "the document is larger than {limit} bytes",
    "MAX_TOKENS_LIMIT": "the document has more than {limit} tokens",
    "PARSER_RECURSION_LIMIT": "the document nests deeper than {limit} levels",
    "MAX_DEPTH_LIMIT": "the operation is {actual} fields deep, more than {limit}",
    "MAX_HEIGHT_LIMIT": "the operation selects {actual} distinct fields, more than {limit}",
    "MAX_ALIASES_LIMIT": "the operation has {actual} aliases, more than {limit}",
    "MAX_ROOT_FIELDS_LIMIT": "the operation has {actual} root fields, more than {limit}",
    "MAX_DIRECTIVES_LIMIT": "a selection has {actual} directives, more than {limit}",
    "MAX_EXPANDED_SELECTIONS_LIMIT": (
        "the operation expands to {actual} selections through its fragments, more than {limit}"
    ),
    "VARIABLES_TOO_LARGE": "the variables take {actual} bytes, more than {limit}",
    "VARIABLES_LIST_TOO_LONG": "a list in the variables has {actual} items, more than {limit}",
    "VARIABLES_TOO_DEEP": "the variables nest {actual} levels deep, more than {limit}",
    "COST_ESTIMATED_TOO_EXPENSIVE": "the operation's estimated cost {actual} is more than {limit}",
    "OPERATION_BUDGET_EXCEEDED": (
        "preparing the operation took more than its budget of {limit} ms of CPU time"
    ),
    "OPERATION_QUEUE_FULL": "too many operations are being prepared; retry shortly",
}


@dataclass(frozen=True)
class Violation:
    """One limit an operation goes past."""

    code: str
    limit: int
    actual: int | str = ""

    @property
    def message(self) -> str:
        return CODES[self.code].format(limit=self.limit, actual=self.actual)


class OperationRefusedError(RouterError):
    """The document or its variables go past a limit; the request is refused before planning."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message, code=violation.code)
        self.violation = violation
