"""Operation limits measured in one pass, fragments once each; warn-only mode lets requests by."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from graphql import parse
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import LimitSettings, RouterConfig
from router.operation.document import parse_document, scan
from router.operation.errors import OperationRefusedError
from router.operation.limits import Measures, measure_document
from router.operation.variables import VariablesLimits, check_variables

SUPERGRAPH = Path(__file__).resolve().parents[3] / "schema" / "supergraph.graphql"


def test_measures_of_a_small_operation() -> None:
    document = parse("""
        query { a { b c d: e } ...X ...X }
        fragment X on Query { x y { z } }
    """)
    # Distinct keys: {a} and {b, c, d} once, {x, y} and {z} once per spread of X.
    assert measure_document(document) == Measures(
        depth=2, height=1 + 3 + 2 * (2 + 1), aliases=1, root_fields=1 + 2 * 2,
        expanded_selections=4 + 2 * (1 + 3), directives=0,
    )  # fmt: skip


def test_a_fragment_bomb_is_measured_without_expanding_it() -> None:
    lines = ["fragment F0 on Query { a }"]
    lines += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 60)]
    measures = measure_document(parse("{ ...F59 }\n" + "\n".join(lines)))
    assert measures.expanded_selections == 10**15  # 2^59 selections, capped
    assert measures.depth == 1


def test_cyclic_and_unknown_fragments_count_as_empty() -> None:
    document = parse("{ ...A ...Nope } fragment A on Q { ...B } fragment B on Q { ...A x }")
    assert measure_document(document).depth == 1


def test_the_scan_refuses_before_the_parser() -> None:
    assert scan("{ a }" * 10, max_tokens=25, max_nesting=5) is not None
    assert scan('{ a(s: "{{{{{{{{") }', max_tokens=100, max_nesting=2) is None  # strings skipped
    assert scan("# {{{{{{{{\n{ a }", max_tokens=100, max_nesting=2) is None  # comments too
    with pytest.raises(OperationRefusedError, match="larger than 10 bytes"):
        parse_document("{ aaaaaaaaaaa }", max_bytes=10, max_tokens=100, max_nesting=10)


def test_the_scan_counts_aliases_and_selections_in_selection_sets_only() -> None:
    document = """
        query Q($v: In = {a: 1, b: [{c: 2}]}) @d(x: 1) {
          a: f(k: {m: 1}) @include(if: $x) { b ...F ... on T { c } }
        }
        fragment F on T { d: e }
    """
    # Selections: f, b, ...F, ... on T, c, e; aliases: a, d. Arguments and objects are not.
    assert scan(document, max_tokens=200, max_nesting=10, max_aliases=2) is None
    refused = scan(document, max_tokens=200, max_nesting=10, max_aliases=1)
    assert refused is not None
    assert refused.code == "MAX_ALIASES_LIMIT"
    assert scan(document, max_tokens=200, max_nesting=10, max_selections=6) is None
    refused = scan(document, max_tokens=200, max_nesting=10, max_selections=5)
    assert refused is not None
    assert refused.code == "MAX_EXPANDED_SELECTIONS_LIMIT"


def test_variables_limits() -> None:
    limits = VariablesLimits(max_bytes=100, max_list_length=3, max_depth=2)
    assert check_variables({"a": [1, 2, 3], "b": {"c": 1}}, limits) is None
    assert check_variables({"a": [1, 2, 3, 4]}, limits).code == "VARIABLES_LIST_TOO_LONG"  # type: ignore[union-attr]
    assert check_variables({"a": {"b": {"c": {}}}}, limits).code == "VARIABLES_TOO_DEEP"  # type: ignore[union-attr]
    assert check_variables({"a": "x" * 200}, limits).code == "VARIABLES_TOO_LARGE"  # type: ignore[union-attr]


def test_warn_only_logs_instead_of_refusing(caplog: pytest.LogCaptureFixture) -> None:
    query = "{ a: __typename b: __typename c: __typename }"
    strict = RouterConfig(limits=LimitSettings(max_aliases=2))
    with TestClient(create_app(strict, supergraph_path=SUPERGRAPH)) as client:
        body = client.post("/graphql", json={"query": query}).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_ALIASES_LIMIT"
    rollout = RouterConfig(limits=LimitSettings(max_aliases=2, warn_only=True))
    with (
        caplog.at_level(logging.WARNING, "shopgraph.router"),
        TestClient(create_app(rollout, supergraph_path=SUPERGRAPH)) as client,
    ):
        body = client.post("/graphql", json={"query": query}).json()
    assert body == {"data": {"a": "Query", "b": "Query", "c": "Query"}}
    assert "3 aliases, more than 2" in caplog.text
