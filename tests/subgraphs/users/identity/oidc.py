"""What an app does against the provider: PKCE, the sign-in form, the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc.jwk import KeySet
from starlette.testclient import TestClient

from subgraphs.common.auth import TokenVerifier
from subgraphs.common.settings import IdentitySettings
from subgraphs.users.identity.accounts import DEMO_PASSWORD

POLICY_PATH = "/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
DISCOVERY = POLICY_PATH + "/v2.0/.well-known/openid-configuration"
KEYS = POLICY_PATH + "/discovery/v2.0/keys"
AUTHORIZE = POLICY_PATH + "/oauth2/v2.0/authorize"
TOKEN = POLICY_PATH + "/oauth2/v2.0/token"
LOGOUT = POLICY_PATH + "/oauth2/v2.0/logout"

API = "https://shopgraph.onmicrosoft.com/shopgraph-api"
MOBILE_REDIRECT = "shopgraph://auth/callback"
SHOPPER_SCOPE = f"openid offline_access {API}/orders.read {API}/profile.read"


class ManualClock:
    """The provider's clock; starts at the real time so verifiers accept its tokens."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class AuthorizationRequest:
    client_id: str = "mobile-app"
    redirect_uri: str = MOBILE_REDIRECT
    scope: str = SHOPPER_SCOPE
    state: str = field(default_factory=lambda: secrets.token_urlsafe(8))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(8))
    pkce: tuple[str, str] = field(default_factory=pkce_pair)

    @property
    def code_verifier(self) -> str:
        return self.pkce[0]

    def params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.pkce[1],
            "code_challenge_method": "S256",
            **overrides,
        }
        return {k: v for k, v in params.items() if v is not None}


def hidden_sign_in_request(page: str) -> str:
    match = re.search(r'name="sign_in_request" value="([^"]+)"', page)
    assert match, "the page has no sign-in form"
    return html.unescape(match.group(1))


def submit_sign_in(
    http: TestClient,
    request: AuthorizationRequest,
    *,
    email: str = "alice@example.com",
    password: str = DEMO_PASSWORD,
) -> Any:
    """Open the sign-in page for ``request`` and post the credentials; the provider's answer."""
    page = http.get(AUTHORIZE, params=request.params())
    assert page.status_code == 200, page.text
    form = {
        "sign_in_request": hidden_sign_in_request(page.text),
        "email": email,
        "password": password,
    }
    return http.post(AUTHORIZE, data=form)


def redirect_params(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def authorization_code(http: TestClient, request: AuthorizationRequest, **sign_in: str) -> str:
    params = redirect_params(submit_sign_in(http, request, **sign_in))
    assert params["state"] == request.state
    return params["code"]


def redeem(http: TestClient, request: AuthorizationRequest, code: str, **extra: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": request.client_id,
        "redirect_uri": request.redirect_uri,
        "code_verifier": request.code_verifier,
        **extra,
    }
    return http.post(TOKEN, data=form)


def sign_in_tokens(http: TestClient, request: AuthorizationRequest, **sign_in: str) -> Any:
    """The whole code flow; the token endpoint's JSON."""
    response = redeem(http, request, authorization_code(http, request, **sign_in))
    assert response.status_code == 200, response.text
    return response.json()


def verifier(http: TestClient) -> TokenVerifier:
    """The subgraphs' verifier, with their default settings, trusting the provider's JWKS."""
    settings = IdentitySettings()
    return TokenVerifier(
        issuer=settings.identity_issuer,
        audience=settings.identity_audience,
        keys=KeySet.import_key_set(http.get(KEYS).json()),
        policies=settings.identity_policies,
    )


def jwt_part(token: str, index: int) -> dict[str, Any]:
    """The header (0) or the claims (1) of a compact JWT, unverified."""
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded
