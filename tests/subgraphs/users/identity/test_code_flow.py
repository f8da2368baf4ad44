"""Authorization code + PKCE through the sign-in page, as the web BFF and the mobile app do it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from subgraphs.common.auth import AuthenticationError
from subgraphs.users.identity.app import WRONG_CREDENTIALS, create_app
from subgraphs.users.identity.provider import IdentityProvider
from tests.subgraphs.users.identity.oidc import (
    API,
    AUTHORIZE,
    TOKEN,
    AuthorizationRequest,
    ManualClock,
    authorization_code,
    hidden_sign_in_request,
    jwt_part,
    pkce_pair,
    redeem,
    redirect_params,
    sign_in_tokens,
    submit_sign_in,
    verifier,
)

ISSUER = "https://shopgraph.b2clogin.com/shopgraph-dev-tenant/v2.0/"


async def test_mobile_sign_in_gives_tokens_the_subgraphs_accept(
    http: TestClient, provider: IdentityProvider
) -> None:
    request = AuthorizationRequest()
    tokens = sign_in_tokens(http, request)

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    claims = await verifier(http).verify(tokens["access_token"])
    assert jwt_part(tokens["access_token"], 0) == {
        "alg": "RS256",
        "kid": provider.keys.kid,
        "typ": "JWT",
    }
    assert {k: claims[k] for k in ("iss", "aud", "oid", "sub", "tfp", "acr", "azp")} == {
        "iss": ISSUER,
        "aud": "shopgraph-api",
        "oid": "u-alice",
        "sub": "u-alice",
        "tfp": "B2C_1_signupsignin",
        "acr": "b2c_1_signupsignin",
        "azp": "mobile-app",
    }
    assert claims["emails"] == ["alice@example.com"]
    assert claims["name"] == "Alice Moreau"
    assert claims["roles"] == ["customer"]
    assert claims["scp"] == "orders.read profile.read"
    assert "extension_VendorId" not in claims
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["nbf"] == claims["iat"]

    viewer = await verifier(http).viewer(f"Bearer {tokens['access_token']}")
    assert viewer.delegated
    assert viewer.scopes == frozenset({"orders.read", "profile.read"})
    assert (viewer.subject, viewer.email, viewer.roles) == (
        "u-alice",
        "alice@example.com",
        frozenset({"customer"}),
    )


def test_the_id_token_is_for_the_app_and_echoes_the_nonce(
    http: TestClient, provider: IdentityProvider
) -> None:
    request = AuthorizationRequest()
    id_token = sign_in_tokens(http, request)["id_token"]

    claims = jwt_part(id_token, 1)
    assert claims["aud"] == "mobile-app"
    assert claims["nonce"] == request.nonce
    assert claims["iss"] == ISSUER
    assert (claims["oid"], claims["tfp"], claims["emails"]) == (
        "u-alice",
        "B2C_1_signupsignin",
        ["alice@example.com"],
    )
    assert "at_hash" in claims
    assert jwt_part(id_token, 0) == {"alg": "RS256", "kid": provider.keys.kid, "typ": "JWT"}


async def test_vendor_staff_sign_in_to_the_web_bff_with_its_secret(http: TestClient) -> None:
    request = AuthorizationRequest(
        client_id="bff-web",
        redirect_uri="http://localhost:3000/auth/callback",
        scope=f"openid offline_access {API}/catalog.write {API}/orders.read",
    )
    code = authorization_code(http, request, email="Vera@Northwind.example")
    response = redeem(http, request, code, client_secret="bff-web-dev-secret")

    assert response.status_code == 200, response.text
    claims = await verifier(http).verify(response.json()["access_token"])
    assert claims["oid"] == "u-vera"
    assert claims["roles"] == ["vendor"]
    assert claims["extension_VendorId"] == "v-01"
    assert claims["scp"] == "catalog.write orders.read"


async def test_a_sign_in_without_api_scopes_is_still_a_delegated_token(http: TestClient) -> None:
    tokens = sign_in_tokens(http, AuthorizationRequest(scope="openid"))

    viewer = await verifier(http).viewer(f"Bearer {tokens['access_token']}")

    assert jwt_part(tokens["access_token"], 1)["scp"] == ""
    assert viewer.delegated
    assert viewer.scopes == frozenset()


def test_a_confidential_client_must_send_its_secret(http: TestClient) -> None:
    request = AuthorizationRequest(
        client_id="bff-web", redirect_uri="http://127.0.0.1:3000/auth/callback"
    )
    response = redeem(http, request, authorization_code(http, request))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_wrong_code_verifier_is_refused(http: TestClient) -> None:
    request = AuthorizationRequest()
    code = authorization_code(http, request)

    response = redeem(http, request, code, code_verifier=pkce_pair()[0])

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()


def test_a_public_client_must_send_the_code_verifier(http: TestClient) -> None:
    request = AuthorizationRequest()
    code = authorization_code(http, request)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": "mobile-app",
        "redirect_uri": request.redirect_uri,
    }

    response = http.post(TOKEN, data=form)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("overrides", "description"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "code_challenge"),
        ({"code_challenge_method": "plain"}, "S256"),
    ],
)
def test_a_public_client_must_use_s256_pkce(
    http: TestClient, overrides: dict[str, str | None], description: str
) -> None:
    request = AuthorizationRequest()

    response = http.get(AUTHORIZE, params=request.params(**overrides))

    params = redirect_params(response)
    assert response.headers["location"].startswith("shopgraph://auth/callback?")
    assert params["error"] == "invalid_request"
    assert description in params["error_description"]
    assert params["state"] == request.state


def test_a_code_is_used_once(http: TestClient) -> None:
    request = AuthorizationRequest()
    code = authorization_code(http, request)
    assert redeem(http, request, code).status_code == 200

    again = redeem(http, request, code)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_code_expires_after_ten_minutes(http: TestClient, clock: ManualClock) -> None:
    request = AuthorizationRequest()
    code = authorization_code(http, request)
    clock.advance(601)

    response = redeem(http, request, code)

    assert response.json()["error"] == "invalid_grant"


def test_a_wrong_password_shows_the_page_again_with_an_error(http: TestClient) -> None:
    request = AuthorizationRequest()

    response = submit_sign_in(http, request, password="not-the-password")

    assert response.status_code == 400
    assert "location" not in response.headers
    assert WRONG_CREDENTIALS in response.text
    assert 'value="alice@example.com"' in response.text
    retry = {
        "sign_in_request": hidden_sign_in_request(response.text),
        "email": "alice@example.com",
        "password": "shopgraph-demo",
    }
    assert "code" in redirect_params(http.post(AUTHORIZE, data=retry))


def test_an_unknown_account_gets_the_same_answer_as_a_wrong_password(http: TestClient) -> None:
    response = submit_sign_in(http, AuthorizationRequest(), email="mallory@example.com")

    assert response.status_code == 400
    assert WRONG_CREDENTIALS in response.text


def test_the_sign_in_page_lists_the_demo_accounts(http: TestClient) -> None:
    page = http.get(AUTHORIZE, params=AuthorizationRequest().params())

    assert "to continue to shopgraph mobile" in page.text
    for email in (
        "alice@example.com",
        "bob@example.com",
        "vera@northwind.example",
        "victor@contoso.example",
        "admin@shopgraph.example",
    ):
        assert email in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": "shopgraph://auth/callback/extra"}, "invalid_request"),
        ({"client_id": "no-such-app"}, "invalid_client"),
        ({"client_id": None}, "invalid_client"),
    ],
)
def test_an_unregistered_app_or_redirect_uri_gets_an_error_page_not_a_redirect(
    http: TestClient, overrides: dict[str, str | None], error: str
) -> None:
    response = http.get(AUTHORIZE, params=AuthorizationRequest().params(**overrides))

    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "Sorry, we can't sign you in" in response.text
    assert f"<strong>{error}</strong>" in response.text


def test_an_unknown_scope_goes_back_to_the_app_as_invalid_scope(http: TestClient) -> None:
    request = AuthorizationRequest(scope=f"openid {API}/everything")

    params = redirect_params(http.get(AUTHORIZE, params=request.params()))

    assert params["error"] == "invalid_scope"
    assert params["state"] == request.state


def test_prompt_none_without_a_session_answers_login_required(http: TestClient) -> None:
    params = redirect_params(
        http.get(AUTHORIZE, params=AuthorizationRequest().params(prompt="none"))
    )

    assert params["error"] == "login_required"


def test_a_tampered_sign_in_form_is_refused(http: TestClient) -> None:
    request = AuthorizationRequest()
    page = http.get(AUTHORIZE, params=request.params())
    value = hidden_sign_in_request(page.text)
    body, _, signature = value.partition(".")
    tampered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature

    response = http.post(
        AUTHORIZE,
        data={
            "sign_in_request": tampered,
            "email": "alice@example.com",
            "password": "shopgraph-demo",
        },
    )

    assert response.status_code == 400
    assert "location" not in response.headers
    assert "altered" in response.text


def test_a_sign_in_form_posted_from_another_browser_is_refused(
    http: TestClient, provider: IdentityProvider
) -> None:
    page = http.get(AUTHORIZE, params=AuthorizationRequest().params())
    form = {
        "sign_in_request": hidden_sign_in_request(page.text),
        "email": "alice@example.com",
        "password": "shopgraph-demo",
    }

    with TestClient(create_app(provider), follow_redirects=False) as other_browser:
        response = other_browser.post(AUTHORIZE, data=form)

    assert response.status_code == 400
    assert "not opened in this browser" in response.text


def test_a_sign_in_form_expires(http: TestClient, clock: ManualClock) -> None:
    page = http.get(AUTHORIZE, params=AuthorizationRequest().params())
    clock.advance(901)
    form = {
        "sign_in_request": hidden_sign_in_request(page.text),
        "email": "alice@example.com",
        "password": "shopgraph-demo",
    }

    response = http.post(AUTHORIZE, data=form)

    assert response.status_code == 400
    assert "expired" in response.text


async def test_a_token_of_another_issuer_is_not_accepted(http: TestClient) -> None:
    tokens = sign_in_tokens(http, AuthorizationRequest())
    strict = verifier(http)
    strict.issuer = "https://other.b2clogin.com/other-tenant/v2.0/"

    with pytest.raises(AuthenticationError):
        await strict.verify(tokens["access_token"])
