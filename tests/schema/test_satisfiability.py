"""Satisfiability errors read as Apollo's, word for word, on the corpus cases that have them.

The differential test compares error codes; here the unsatisfiable query Apollo prints (its
witness) and each subgraph's reasons must be ours too, since they are what a reader acts on.
"""

import pytest

from schema.composition import compose
from tests.schema.corpus import Case, load_corpus
from tests.schema.reference import reference_compose_all

WALK_CODES = {"SATISFIABILITY_ERROR", "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES"}
CASES = [
    case for case in load_corpus() if case.expected_errors and case.expected_errors & WALK_CODES
]


@pytest.fixture(scope="module")
def reference_messages() -> dict[str, list[str]]:
    results = reference_compose_all([case.subgraphs for case in CASES])
    return {
        case.name: sorted(message for code, message in result.errors if code in WALK_CODES)
        for case, result in zip(CASES, results, strict=True)
    }


def test_the_corpus_has_unsatisfiable_cases() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_satisfiability_errors_word_what_the_reference_says(
    case: Case, reference_messages: dict[str, list[str]]
) -> None:
    ours = sorted(e.message for e in compose(list(case.subgraphs)).errors if e.code in WALK_CODES)
    assert ours == reference_messages[case.name]
