"""The user flow's discovery document and keys, at B2C's paths."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from subgraphs.common.settings import IdentitySettings
from subgraphs.users.identity.app import create_app
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.settings import ProviderSettings
from tests.subgraphs.users.identity.oidc import DISCOVERY, KEYS, TOKEN

BASE = "http://127.0.0.1:4100/shopgraph.onmicrosoft.com/b2c_1_signupsignin"


def test_the_discovery_document_is_b2c_shaped(http: TestClient) -> None:
    document = http.get(DISCOVERY).json()

    assert document["issuer"] == "https://shopgraph.b2clogin.com/shopgraph-dev-tenant/v2.0/"
    assert document["authorization_endpoint"] == f"{BASE}/oauth2/v2.0/authorize"
    assert document["token_endpoint"] == f"{BASE}/oauth2/v2.0/token"
    assert document["end_session_endpoint"] == f"{BASE}/oauth2/v2.0/logout"
    assert document["jwks_uri"] == f"{BASE}/discovery/v2.0/keys"
    assert document["response_types_supported"] == ["code"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert {"openid", "offline_access"} <= set(document["scopes_supported"])
    assert {"tfp", "oid", "emails", "extension_VendorId"} <= set(document["claims_supported"])


def test_the_policy_in_the_path_is_case_insensitive(http: TestClient) -> None:
    upper = DISCOVERY.replace("b2c_1_signupsignin", "B2C_1_SignUpSignIn")

    assert http.get(upper).json() == http.get(DISCOVERY).json()


def test_an_unknown_policy_is_not_found(http: TestClient) -> None:
    for path in (DISCOVERY, KEYS, TOKEN):
        response = http.request(
            "POST" if path == TOKEN else "GET", path.replace("b2c_1_signupsignin", "b2c_1_other")
        )
        assert response.status_code == 404
        assert response.json()["error"] == "invalid_policy"


def test_endpoints_start_with_the_configured_base_url() -> None:
    settings = ProviderSettings(base_url="https://identity.shopgraph.test/")
    with TestClient(create_app(IdentityProvider(settings))) as http:
        document = http.get(DISCOVERY).json()

    assert document["token_endpoint"] == (
        "https://identity.shopgraph.test/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
        "/oauth2/v2.0/token"
    )
    assert document["issuer"] == "https://shopgraph.b2clogin.com/shopgraph-dev-tenant/v2.0/"


def test_the_subgraphs_default_settings_trust_the_local_provider() -> None:
    provider = IdentityProvider()
    document = provider.discovery_document()
    settings = IdentitySettings()

    assert settings.identity_jwks_url == document["jwks_uri"]
    assert settings.identity_issuer == document["issuer"]
    assert settings.identity_audience == provider.settings.audience
    assert settings.identity_policies == [provider.settings.policy]


def test_the_dev_port_offset_moves_the_provider_and_the_apps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOPGRAPH_DEV_PORT_OFFSET", "10")
    provider = IdentityProvider()

    assert provider.discovery_document()["jwks_uri"] == IdentitySettings().identity_jwks_url
    assert IdentitySettings().identity_jwks_url.startswith("http://127.0.0.1:4110/")
    web = provider.clients.by_id("bff-web")
    assert web is not None
    assert web.redirect_uris == (
        "http://127.0.0.1:3010/auth/callback",
        "http://localhost:3010/auth/callback",
    )


def test_health(http: TestClient) -> None:
    assert http.get("/health").json() == {"status": "UP"}


def test_browser_apps_may_call_the_token_endpoint_cross_origin(http: TestClient) -> None:
    preflight = {"origin": "http://127.0.0.1:4000", "access-control-request-method": "POST"}
    allowed = http.options(TOKEN, headers=preflight)
    refused = http.options(TOKEN, headers={**preflight, "origin": "https://evil.example"})

    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:4000"
    assert "access-control-allow-origin" not in refused.headers
