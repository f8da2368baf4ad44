"""Response shaping on its own: the client's operation read out of merged data."""

from graphql import build_schema, parse

from router.execution.response import shape_response
from router.planning.normalize import normalize_operation

SCHEMA = build_schema("""
  type Query { product: Product }
  type Product { name: String! tags: [String!]! }
""")


def _shape(query: str, data: dict[str, object]) -> tuple[object, list[dict[str, object]]]:
    errors: list[dict[str, object]] = []
    shaped = shape_response(SCHEMA, normalize_operation(parse(query)), data, {}, errors)
    return shaped, errors


def test_a_null_in_a_non_null_field_names_the_field_by_its_coordinate() -> None:
    shaped, errors = _shape("{ product { name } }", {"product": {"name": None}})
    assert shaped == {"product": None}
    assert errors == [
        {"message": "Cannot return null for non-nullable field Product.name.",
         "path": ["product", "name"], "extensions": {"code": "INVALID_GRAPHQL"}}
    ]  # fmt: skip


def test_a_null_list_item_is_named_by_its_field() -> None:
    shaped, errors = _shape("{ product { tags } }", {"product": {"tags": ["a", None]}})
    assert shaped == {"product": None}
    assert errors[0]["message"] == "Cannot return null for non-nullable field Product.tags."
    assert errors[0]["path"] == ["product", "tags", 1]
