"""Error codes: registered, always present, and nothing of an unexpected failure leaks."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from bff_mobile.errors import InvalidDocumentError, MobileError, format_error
from bff_mobile.execution import prepare
from bff_mobile.router_client import _router_error
from bff_mobile.schema import build_schema


def test_codes_are_registered() -> None:
    with pytest.raises(ValueError, match="unregistered error code NOPE"):
        MobileError("x", "NOPE")


def test_an_unexpected_failure_says_nothing_of_its_insides() -> None:
    error = GraphQLError("'secret' KeyError", path=["home"], original_error=KeyError("secret"))
    formatted = format_error(error)
    error_id = formatted["extensions"]["errorId"]
    assert formatted == {
        "message": f"internal error (error id {error_id})",
        "path": ["home"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
    }
    assert "secret" not in str(formatted)


def test_a_bff_error_keeps_its_code_and_details() -> None:
    raised = MobileError("update", "UPGRADE_REQUIRED", status=426, minimumVersion="2.0.0")
    error = GraphQLError("update", path=["home"], original_error=raised)
    assert format_error(error)["extensions"] == {
        "code": "UPGRADE_REQUIRED",
        "minimumVersion": "2.0.0",
    }


def test_a_router_error_keeps_its_code() -> None:
    error = GraphQLError("declined", path=["checkout"], extensions={"code": "PAYMENT_DECLINED"})
    assert format_error(error)["extensions"] == {"code": "PAYMENT_DECLINED"}


@pytest.mark.parametrize(("signed_in", "code"), [(False, "UNAUTHENTICATED"), (True, "FORBIDDEN")])
def test_a_field_the_router_left_out_asks_a_signed_out_app_to_sign_in(
    signed_in: bool, code: str
) -> None:
    unauthorized = {
        "message": "Unauthorized field or type",
        "path": ["placeOrder"],
        "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
    }
    error = _router_error(unauthorized, signed_in=signed_in)
    assert error.extensions == {"code": code}


def test_a_development_document_is_bounded_in_tokens() -> None:
    flood = "{ home { " + "__typename " * 6_000 + "} }"
    with pytest.raises(InvalidDocumentError) as refused:
        prepare(build_schema(), flood)
    assert refused.value.code == "GRAPHQL_PARSE_FAILED"
    assert "more than 5000 tokens" in refused.value.message
