"""Our composer against Apollo's, case by case over ``tests/fixtures/composition``.

Apollo's composition (``@apollo/composition``, run by Node) composes every case once per
session; each case's ``case.yaml`` must record what it reports. Where it composes, ours must
compose a supergraph with the same meaning and give the same kinds of hints; where it rejects,
ours must reject with the same error codes and point at the subgraphs at fault.
"""

import pytest
from graphql import parse, print_ast

from schema.composition import CompositionResult, SubgraphInput, compose
from tests.schema.corpus import Case, case_names, load_case, load_corpus
from tests.schema.reference import ReferenceResult, reference_compose_all
from tests.schema.semantic import diff, normalize


@pytest.fixture(scope="session")
def reference_results() -> dict[str, ReferenceResult]:
    cases = load_corpus()
    results = reference_compose_all([case.subgraphs for case in cases])
    return {case.name: result for case, result in zip(cases, results, strict=True)}


def assert_records_the_reference(case: Case, reference: ReferenceResult) -> None:
    reported = "composes" if reference.supergraph_sdl is not None else sorted(reference.codes)
    recorded = "composes" if case.expected_errors is None else sorted(case.expected_errors)
    assert recorded == reported, (
        f"{case.directory / 'case.yaml'} expects {recorded}, the reference reports {reported}:\n"
        + "\n".join(f"  [{code}] {message}" for code, message in reference.errors)
    )


def assert_hints_match(ours: CompositionResult, reference: ReferenceResult) -> None:
    """The same kinds of hints as the reference gives (their wording may differ)."""
    mine = {hint.code for hint in ours.hints}
    assert mine == reference.hint_codes, (
        "hint codes differ:\n  ours: "
        + "\n  ours: ".join(str(h) for h in ours.hints)
        + "\n  the reference: "
        + "\n  the reference: ".join(f"[{code}] {message}" for code, message in reference.hints)
    )


def explain(result: CompositionResult) -> str:
    return "\n".join(f"  {error}" for error in result.errors) or "  (no errors)"


@pytest.mark.parametrize("name", case_names())
def test_case_records_the_reference_outcome(
    name: str, reference_results: dict[str, ReferenceResult]
) -> None:
    assert_records_the_reference(load_case(name), reference_results[name])


@pytest.mark.parametrize("name", case_names())
def test_composition_matches_the_reference(
    name: str, reference_results: dict[str, ReferenceResult]
) -> None:
    case = load_case(name)
    reference = reference_results[name]
    assert_records_the_reference(case, reference)
    ours = compose(list(case.subgraphs))
    if reference.supergraph_sdl is not None:
        assert ours.ok, f"the reference composes {name}, ours fails:\n{explain(ours)}"
        assert ours.supergraph_sdl is not None
        if normalize(ours.supergraph_sdl) != normalize(reference.supergraph_sdl):
            explained = diff(
                ours.supergraph_sdl, reference.supergraph_sdl, names=("ours", "the reference")
            )
            pytest.fail(f"the supergraphs differ:\n{explained}")
        assert_hints_match(ours, reference)
        return
    theirs = "\n".join(f"  [{code}] {message}" for code, message in reference.errors)
    assert not ours.ok, (
        f"the reference rejects {name}, ours composes; the reference says:\n{theirs}"
    )
    assert {error.code for error in ours.errors} == reference.codes, (
        f"ours:\n{explain(ours)}\nthe reference:\n{theirs}"
    )
    subgraphs = {subgraph.name for subgraph in case.subgraphs}
    unplaced = [
        error
        for error in ours.errors
        if not any(location.subgraph in subgraphs for location in error.locations)
    ]
    assert not unplaced, "errors that name no subgraph:\n" + "\n".join(f"  {e}" for e in unplaced)


def test_reference_supergraphs_keep_their_normal_form_when_reprinted(
    reference_results: dict[str, ReferenceResult],
) -> None:
    """The normalizer reads every supergraph of the corpus, and only meaning counts."""
    composed = {n: r.supergraph_sdl for n, r in reference_results.items() if r.supergraph_sdl}
    assert composed
    for name, sdl in composed.items():
        reprinted = print_ast(parse(sdl))
        assert normalize(reprinted) == normalize(sdl), f"{name}:\n{diff(reprinted, sdl)}"


def test_federation_1_subgraphs_keep_newer_directive_names_as_their_own() -> None:
    """A Federation 1 subgraph knows the directives of Federation 2.0 only: its own
    ``@authenticated`` or ``@cost`` is a custom directive, which the supergraph leaves out."""
    sdl = (
        "directive @authenticated on FIELD_DEFINITION\n"
        "directive @cost(weight: Int!) on FIELD_DEFINITION\n"
        'type Query { price: Int @authenticated @cost(weight: 2) @tag(name: "public") }\n'
        "directive @tag(name: String!) repeatable on FIELD_DEFINITION\n"
    )
    subgraphs = [SubgraphInput("legacy", "http://legacy.example/graphql", sdl)]
    [reference] = reference_compose_all([subgraphs])
    ours = compose(subgraphs)
    assert reference.supergraph_sdl is not None, reference.errors
    assert ours.supergraph_sdl is not None, explain(ours)
    assert normalize(ours.supergraph_sdl) == normalize(reference.supergraph_sdl), diff(
        ours.supergraph_sdl, reference.supergraph_sdl, names=("ours", "the reference")
    )
    price = normalize(ours.supergraph_sdl)["types"]["Query"]["fields"]["price"]
    assert price["directives"] == ['@tag(name: "public")']
