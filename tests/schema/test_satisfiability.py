"""Satisfiability errors read as Apollo's, word for word, on the corpus cases that have them.

The differential test compares error codes; here the unsatisfiable query Apollo prints (its
witness) and each subgraph's reasons must be ours too, since they are what a reader acts on.
"""

import time

import pytest

from schema.composition import SubgraphInput, compose
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


def chain_of_keys(length: int, nested: bool = False) -> list[SubgraphInput]:
    """Subgraph ``k<i>`` is entered by the key ``f<i-1>``, which only ``k<i-1>`` knows before
    it, and adds ``f<i>``: the last subgraph's ``end`` is reached only along the chain. With
    ``nested``, each ``f<i>`` is an object and the keys select its ``id``."""
    link = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
            'import: ["@key", "@shareable"])\n')  # fmt: skip
    kind, selected = ("R!", " { id }") if nested else ("ID!", "")
    if nested:
        link += "type R @shareable { id: ID! }\n"
    first = ('type Query { t: T }\ntype T @key(fields: "id") '
             f"{{ id: ID! @shareable f0: {kind} @shareable }}")  # fmt: skip
    subgraphs = [SubgraphInput("k000", "http://k000.example/graphql", link + first)]
    for i in range(1, length + 1):
        last = " end: Int" if i == length else ""
        sdl = (f'type T @key(fields: "f{i - 1}{selected}") {{ id: ID! @shareable '
               f"f{i - 1}: {kind} @shareable f{i}: {kind} @shareable{last} }}")  # fmt: skip
        subgraphs.append(SubgraphInput(f"k{i:03}", f"http://k{i:03}.example/graphql", link + sdl))
    return subgraphs


@pytest.mark.parametrize("nested", [False, True], ids=["scalar keys", "nested keys"])
def test_a_chain_of_keys_composes_as_the_reference_composes_it(nested: bool) -> None:
    [reference] = reference_compose_all([chain_of_keys(5, nested)])
    assert reference.supergraph_sdl is not None
    assert compose(chain_of_keys(5, nested)).ok


@pytest.mark.parametrize("nested", [False, True], ids=["scalar keys", "nested keys"])
def test_a_long_chain_of_keys_takes_no_time_for_each_subset_of_subgraphs(nested: bool) -> None:
    """Collecting a key's fields may move through other keys, never into the subgraph being
    moved to: resolved for every set of such exclusions, a chain of 40 keys would take 2^40
    resolutions (Apollo's composition takes minutes on a chain of 9)."""
    started = time.monotonic()
    result = compose(chain_of_keys(40, nested))
    assert result.ok, result.errors
    assert time.monotonic() - started < 30
