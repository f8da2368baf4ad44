"""Authorization directives at planning: denied fields are left out of the plan, and the
response gives them null with an UNAUTHORIZED_FIELD_OR_TYPE error at their path."""

from __future__ import annotations

from graphql import parse
from inline_snapshot import snapshot

from router.auth.directives import ANONYMOUS, AuthorizationRules, Viewer
from router.execution.response import shape_response
from router.planning.authorize import authorize_operation
from router.planning.normalize import normalize_operation
from router.planning.plan import format_plan
from router.planning.planner import plan_normalized
from tests.router.planning.plans import fixture

SUPERGRAPH = fixture("authorization")
RULES = AuthorizationRules.from_directives(SUPERGRAPH.directives)
OPERATION = """{
  products { name margin audit { note } reviews { body author { name email } } }
  me { name }
}"""


def planned(viewer: Viewer, operation: str = OPERATION) -> str:
    normalized = normalize_operation(parse(operation))
    authorized = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, viewer)
    return format_plan(plan_normalized(SUPERGRAPH, authorized.operation))


def test_an_anonymous_viewer_gets_no_fetch_for_what_it_may_not_see() -> None:
    assert planned(ANONYMOUS) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query {products {name __typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body author {__typename id}}}} }
      }
    }
    Flatten(path: "products.@.reviews.@.author") {
      Fetch(service: "users") {
        requires {... on User {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on User {name}} }
      }
    }
  }
}\
""")


def test_scopes_and_policies_open_their_fields() -> None:
    viewer = Viewer(True, frozenset({"profile.read", "audit.read", "products.read"}),
                    frozenset({"admin"}))  # fmt: skip
    plan = planned(viewer)
    assert "margin audit {note}" in plan
    assert "{name email}" in plan
    assert "{me {name}}" in plan


def test_one_alternative_needs_every_scope_of_it() -> None:
    partly = Viewer(True, frozenset({"audit.read"}))
    assert "audit" not in planned(partly, "{ products { audit { note } } }")


def shaped(operation: str, raw: dict[str, object]) -> tuple[object, set[tuple[object, ...]]]:
    normalized = normalize_operation(parse(operation))
    authorized = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, ANONYMOUS)
    errors: list[dict[str, object]] = []
    data = shape_response(SUPERGRAPH.api_schema, normalized, raw, {}, errors, authorized.denied)
    codes = {(*e["path"], e["extensions"]["code"]) for e in errors}  # type: ignore[index,misc]
    return data, codes


def test_denied_fields_are_null_with_an_error_at_their_path() -> None:
    raw: dict[str, object] = {"products": [{"name": "Lamp", "id": "p1", "reviews": [
        {"body": "Nice", "author": {"id": "u1", "name": "Ada"}}]}]}  # fmt: skip
    data, errors = shaped(
        "{ products { name margin reviews { body author { name email } } } me { name } }", raw
    )
    assert data == {
        "products": [{"name": "Lamp", "margin": None, "reviews": [
            {"body": "Nice", "author": {"name": "Ada", "email": None}}]}],
        "me": None,
    }  # fmt: skip
    assert errors == {
        ("products", 0, "margin", "UNAUTHORIZED_FIELD_OR_TYPE"),
        ("products", 0, "reviews", 0, "author", "email", "UNAUTHORIZED_FIELD_OR_TYPE"),
        ("me", "UNAUTHORIZED_FIELD_OR_TYPE"),
    }


def test_a_denied_non_null_field_nulls_its_parent_as_graphql_says() -> None:
    # Product.audit is non-null, and so are the list's items and the list: all of data goes.
    data, errors = shaped("{ products { audit { note } } }", {"products": [{"id": "p1"}]})
    assert data is None
    assert errors == {("products", 0, "audit", "UNAUTHORIZED_FIELD_OR_TYPE")}


def test_equal_denials_share_a_plan_cache_signature_and_others_do_not() -> None:
    normalized = normalize_operation(parse(OPERATION))
    first = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, ANONYMOUS)
    again = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, ANONYMOUS)
    signed_in = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, Viewer(True))
    assert first.signature == again.signature
    assert first.signature != signed_in.signature
    everything = Viewer(True, frozenset({"profile.read", "audit.read", "products.read"}),
                        frozenset({"vendor"}))  # fmt: skip
    allowed = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, everything)
    assert allowed.operation is normalized
    assert allowed.signature == ""
