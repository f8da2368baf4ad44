"""The router operations: each one named operation that the supergraph's API schema accepts,
sent with exactly the fragments it spreads."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate

from bff_mobile.operations import OPERATIONS_DIR, OperationFileError, load_router_operations
from router.supergraph import load_supergraph

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schema" / "supergraph.graphql"
OPERATIONS = load_router_operations()


def test_there_is_one_operation_per_operation_file() -> None:
    files = {p.stem for p in OPERATIONS_DIR.glob("*.graphql")} - {"fragments"}
    assert set(OPERATIONS) == files
    for name, text in OPERATIONS.items():
        [operation] = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
        assert operation.name is not None
        assert operation.name.value == name


@pytest.fixture(scope="module")
def api_schema() -> GraphQLSchema:
    return load_supergraph(SUPERGRAPH.read_text()).api_schema


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_fits_the_supergraph_api(api_schema: GraphQLSchema, name: str) -> None:
    errors = validate(api_schema, parse(OPERATIONS[name]))
    assert not errors, [error.message for error in errors]


def test_an_operation_is_sent_with_only_the_fragments_it_spreads() -> None:
    cart = OPERATIONS["MobileCart"]
    assert "fragment CartFields on Cart" in cart
    assert "fragment ProductCardFields on Product" in cart  # spread by CartFields
    assert "OrderFields" not in cart
    assert "fragment" not in OPERATIONS["MobileProduct"]


def test_operation_files_are_checked(tmp_path: Path) -> None:
    (tmp_path / "Two.graphql").write_text("query Two { a } query Three { b }")
    with pytest.raises(OperationFileError, match="one operation per file"):
        load_router_operations(tmp_path)
    (tmp_path / "Two.graphql").write_text("query Other { a }")
    with pytest.raises(OperationFileError, match="must be named Two"):
        load_router_operations(tmp_path)
    (tmp_path / "Two.graphql").write_text("query Two { ...Missing }")
    with pytest.raises(OperationFileError, match="unknown fragment Missing"):
        load_router_operations(tmp_path)
    (tmp_path / "Two.graphql").write_text("query Two {")
    with pytest.raises(OperationFileError, match="Syntax Error"):
        load_router_operations(tmp_path)
