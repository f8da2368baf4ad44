"""The sign-in form's hidden field: the authorization request, signed, bound to a browser.

The login page carries the authorization request's parameters back to the provider in an
HMAC-signed, expiring value, together with a random value that must equal the browser's CSRF
cookie. A form built elsewhere, or replayed from another browser, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from subgraphs.users.identity.keys import Clock

CSRF_COOKIE = "x-ms-cpim-csrf"


class SignInRequestError(Exception):
    """The hidden field was altered, has expired, or belongs to another browser."""


@dataclass(frozen=True)
class SignInRequest:
    params: list[tuple[str, str]]
    """The authorization request's parameters, as the client sent them."""
    csrf: str
    expires_at: float


def new_csrf_value() -> str:
    return secrets.token_urlsafe(24)


class SignInRequestCodec:
    def __init__(self, secret: bytes, clock: Clock, lifetime_seconds: int) -> None:
        if len(secret) < 32:
            raise ValueError("the sign-in form secret must have at least 32 bytes")
        self.secret = secret
        self.clock = clock
        self.lifetime_seconds = lifetime_seconds

    def encode(self, params: list[tuple[str, str]], csrf: str) -> str:
        document = {"p": params, "c": csrf, "e": self.clock() + self.lifetime_seconds}
        body = _b64encode(json.dumps(document, separators=(",", ":")).encode())
        return f"{body}.{self._signature(body)}"

    def decode(self, value: str, csrf_cookie: str | None) -> SignInRequest:
        if not value:
            raise SignInRequestError("no sign-in form was sent")
        body, _, signature = value.partition(".")
        if not hmac.compare_digest(signature.encode(), self._signature(body).encode()):
            raise SignInRequestError("the sign-in form was altered")
        try:
            document = json.loads(_b64decode(body))
            request = SignInRequest(
                params=[(str(k), str(v)) for k, v in document["p"]],
                csrf=str(document["c"]),
                expires_at=float(document["e"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise SignInRequestError("the sign-in form is malformed") from error
        if request.expires_at <= self.clock():
            raise SignInRequestError("the sign-in form has expired")
        if not csrf_cookie or not hmac.compare_digest(request.csrf.encode(), csrf_cookie.encode()):
            raise SignInRequestError("the sign-in form was not opened in this browser")
        return request

    def _signature(self, body: str) -> str:
        return _b64encode(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
