"""Sign in as a native app does, over HTTP against a running identity provider: authorization
code with PKCE, the provider's sign-in form (its hidden field and CSRF cookie), and the code
exchanged at the token endpoint. The redirect to the app (``shopgraph://…``) is read, never
followed."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

POLICY_PATH = "/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
API = "https://shopgraph.onmicrosoft.com/shopgraph-api"
MOBILE_CLIENT_ID = "mobile-app"
MOBILE_REDIRECT_URI = "shopgraph://auth/callback"
MOBILE_SCOPES = (
    "openid",
    "offline_access",
    f"{API}/orders.read",
    f"{API}/orders.write",
    f"{API}/profile.read",
    f"{API}/profile.write",
)

_FORM = re.compile(r'<form method="post" action="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class SignInError(AssertionError):
    """The provider did not take the flow to its end; the message says where it stopped."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str | None
    refresh_token: str | None
    expires_in: int
    scope: str

    @property
    def bearer(self) -> dict[str, str]:
        """The ``Authorization`` header that carries the access token."""
        return {"authorization": f"Bearer {self.access_token}"}


def sign_in(
    identity_base_url: str,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    email: str,
    password: str,
    *,
    timeout: float = 10.0,
) -> Tokens:
    """Run the whole authorization code + PKCE flow for a public client; its tokens."""
    verifier = secrets.token_urlsafe(48)
    challenge = _s256(verifier)
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        discovery = _json(
            http.get(
                identity_base_url.rstrip("/")
                + POLICY_PATH
                + "/v2.0/.well-known/openid-configuration"
            )
        )
        authorize = str(discovery["authorization_endpoint"])
        page = http.get(
            authorize,
            params={
                "client_id": client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "scope": " ".join(scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        if page.status_code != 200:
            raise SignInError(f"the sign-in page answered {page.status_code}: {page.text[:500]}")
        action, fields = _sign_in_form(page.text)
        answer = http.post(
            urljoin(authorize, action), data={**fields, "email": email, "password": password}
        )
        params = _redirect_params(answer, redirect_uri)
        if params.get("state") != state:
            raise SignInError("the provider returned another state than the one sent")
        exchange = http.post(
            str(discovery["token_endpoint"]),
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
    body = _json(exchange)
    tokens = Tokens(
        access_token=str(body["access_token"]),
        id_token=body.get("id_token"),
        refresh_token=body.get("refresh_token"),
        expires_in=int(body.get("expires_in", 0)),
        scope=str(body.get("scope", "")),
    )
    if tokens.id_token is not None and _claims(tokens.id_token).get("nonce") != nonce:
        raise SignInError("the ID token does not carry the nonce that was sent")
    return tokens


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _sign_in_form(page: str) -> tuple[str, dict[str, str]]:
    action = _FORM.search(page)
    if action is None:
        raise SignInError("the sign-in page has no form")
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}
    if not fields:
        raise SignInError("the sign-in form has no hidden fields")
    return html.unescape(action.group(1)), fields


def _redirect_params(answer: httpx.Response, redirect_uri: str) -> dict[str, str]:
    location = answer.headers.get("location", "")
    if answer.status_code not in (302, 303) or not location.startswith(redirect_uri):
        raise SignInError(
            f"signing in answered {answer.status_code} instead of a redirect to "
            f"the app: {answer.text[:500]}"
        )
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    if "error" in params:
        raise SignInError(
            f"the provider refused: {params['error']}: {params.get('error_description', '')}"
        )
    return params


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise SignInError(
            f"{response.request.url} answered {response.status_code}: {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return claims


DEMO_PASSWORD = "shopgraph-demo"
"""The local provider's documented password of every demo account."""


def sign_in_to_mobile_app(identity_url: str, email: str = "alice@example.com") -> Tokens:
    """A demo person's tokens for the mobile app (client ``mobile-app``), as the app gets them."""
    return sign_in(identity_url, MOBILE_CLIENT_ID, MOBILE_REDIRECT_URI, MOBILE_SCOPES, email,
                   DEMO_PASSWORD)  # fmt: skip
