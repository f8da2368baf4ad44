"""Logout: back to the app only at a registered post-logout URI."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.subgraphs.users.identity.oidc import (
    LOGOUT,
    AuthorizationRequest,
    redirect_params,
    sign_in_tokens,
)
from tests.support.tokens import token


def test_logout_redirects_to_a_registered_uri_with_the_state(http: TestClient) -> None:
    response = http.get(
        LOGOUT,
        params={
            "client_id": "bff-web",
            "state": "bye",
            "post_logout_redirect_uri": "http://localhost:3000/",
        },
    )

    assert response.headers["location"] == "http://localhost:3000/?state=bye"
    assert redirect_params(response) == {"state": "bye"}


def test_logout_finds_the_app_from_the_id_token_hint(http: TestClient) -> None:
    id_token = sign_in_tokens(http, AuthorizationRequest())["id_token"]

    response = http.get(
        LOGOUT,
        params={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "shopgraph://auth/signed-out",
        },
    )

    assert response.status_code == 302
    assert response.headers["location"] == "shopgraph://auth/signed-out"


def test_logout_refuses_an_unregistered_uri(http: TestClient) -> None:
    response = http.get(
        LOGOUT, params={"client_id": "bff-web", "post_logout_redirect_uri": "https://evil.example/"}
    )

    assert response.status_code == 400
    assert "location" not in response.headers
    assert "not registered" in response.text


def test_logout_refuses_an_id_token_hint_it_did_not_sign(http: TestClient) -> None:
    response = http.get(
        LOGOUT,
        params={
            "id_token_hint": token("u-alice"),
            "post_logout_redirect_uri": "shopgraph://auth/signed-out",
        },
    )

    assert response.status_code == 400
    assert "location" not in response.headers


def test_logout_without_a_redirect_shows_a_page(http: TestClient) -> None:
    response = http.get(LOGOUT)

    assert response.status_code == 200
    assert "You have signed out" in response.text
