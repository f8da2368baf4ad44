"""Vendors' back-end apps: client credentials, tokens that say which vendor they act for."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.subgraphs.users.identity.oidc import API, TOKEN, jwt_part, verifier

DEFAULT_SCOPE = f"{API}/.default"


async def test_a_vendor_app_gets_a_vendor_token(http: TestClient) -> None:
    response = http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": DEFAULT_SCOPE},
        auth=("vendor-app-v-02", "vendor-app-v-02-dev-secret"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert body["expires_in"] == 3600
    claims = await verifier(http).verify(body["access_token"])
    assert claims["roles"] == ["vendor"]
    assert claims["extension_VendorId"] == "v-02"
    assert (claims["oid"], claims["sub"], claims["azp"]) == (
        "app-vendor-app-v-02",
        "app-vendor-app-v-02",
        "vendor-app-v-02",
    )
    assert claims["aud"] == "shopgraph-api"
    assert "scp" not in claims
    viewer = await verifier(http).viewer(f"Bearer {body['access_token']}")
    assert (viewer.vendor_id, viewer.roles) == ("v-02", frozenset({"vendor"}))
    assert not viewer.delegated


def test_the_secret_may_come_in_the_form(http: TestClient) -> None:
    response = http.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": "vendor-app-v-01",
            "client_secret": "vendor-app-v-01-dev-secret",
        },
    )

    assert response.status_code == 200
    assert jwt_part(response.json()["access_token"], 1)["extension_VendorId"] == "v-01"


@pytest.mark.parametrize(
    "credentials",
    [
        ("vendor-app-v-01", "wrong-secret"),
        ("vendor-app-v-01", "vendor-app-v-02-dev-secret"),
        ("vendor-app-v-09", "vendor-app-v-01-dev-secret"),
    ],
)
def test_a_wrong_secret_is_refused(http: TestClient, credentials: tuple[str, str]) -> None:
    response = http.post(TOKEN, data={"grant_type": "client_credentials"}, auth=credentials)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def test_a_public_app_cannot_use_client_credentials(http: TestClient) -> None:
    response = http.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "mobile-app"}
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_vendor_app_cannot_sign_people_in(http: TestClient) -> None:
    response = http.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": "whatever"},
        auth=("vendor-app-v-01", "vendor-app-v-01-dev-secret"),
    )

    assert response.json()["error"] == "unauthorized_client"


def test_a_vendor_app_gets_only_its_own_scopes(http: TestClient) -> None:
    response = http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": f"{API}/orders.write"},
        auth=("vendor-app-v-01", "vendor-app-v-01-dev-secret"),
    )

    assert response.json()["error"] == "invalid_scope"
