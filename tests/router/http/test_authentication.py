"""The authentication middleware around a tiny app, verifying tokens against the local identity
provider over real HTTP: good tokens' claims reach the app, anonymous callers pass or not by
mode, and every malformed header or unacceptable token is a 401 ``UNAUTHENTICATED`` that the
app never sees."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.types import Scope
from starlette.websockets import WebSocket, WebSocketDisconnect

from router.auth.jwt import MAX_TOKEN_LENGTH, JwtVerifier
from router.auth.settings import JwtSettings, Mode
from router.http.authentication import AuthenticationMiddleware
from tests.support.identity_server import ServedIdentityProvider, served_identity_provider

ROGUE = RSAKey.generate_key(2048, parameters={"kid": "rogue"}, private=True)
INVALID_TOKEN = 'Bearer error="invalid_token"'


class Inner:
    """The app behind the middleware: it answers with the claims it was given."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def graphql(self, request: Request) -> Response:
        self.calls.append(request.url.path)
        return JSONResponse({"claims": request.state.claims})

    async def health(self, request: Request) -> Response:
        self.calls.append(request.url.path)
        return JSONResponse({"state": sorted(request.scope.get("state", {}))})

    async def subscriptions(self, websocket: WebSocket) -> None:
        self.calls.append(websocket.url.path)
        await websocket.accept()
        await websocket.send_json({"claims": websocket.scope["state"]["claims"]})
        await websocket.close()

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/graphql", self.graphql, methods=["GET", "POST"]),
            Route("/health", self.health),
            WebSocketRoute("/graphql/ws", self.subscriptions),
        ])  # fmt: skip


@pytest.fixture(scope="module")
def idp() -> Iterator[ServedIdentityProvider]:
    with served_identity_provider() as served:
        yield served


@pytest.fixture
def inner() -> Inner:
    return Inner()


def guarded(
    idp: ServedIdentityProvider, inner: Inner, mode: Mode = "optional", **options: Any
) -> AuthenticationMiddleware:
    settings = JwtSettings(discovery_url=idp.discovery_url, audiences=[idp.audience],
                           policies=[idp.policy])  # fmt: skip
    return AuthenticationMiddleware(inner.app(), verifier=JwtVerifier(settings), mode=mode,
                                    paths=["/graphql", "/graphql/ws"], **options)  # fmt: skip


@pytest.fixture
async def client(idp: ServedIdentityProvider, inner: Inner) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=guarded(idp, inner))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
        yield http


def client_for(app: AuthenticationMiddleware) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://router")


def assert_refused(response: httpx.Response, challenge: str = INVALID_TOKEN) -> str:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"] == challenge
    body = response.json()
    assert list(body) == ["errors"]
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    message: str = error["message"]
    return message


async def test_a_good_tokens_claims_reach_the_app(
    client: httpx.AsyncClient, idp: ServedIdentityProvider, inner: Inner
) -> None:
    response = await client.post("/graphql", headers={"authorization": "Bearer " + idp.sign()})
    assert response.status_code == 200
    assert response.json()["claims"]["oid"] == "u-1"
    token = await idp.app_token()
    response = await client.get("/graphql", headers={"authorization": f"bearer  {token}"})
    assert response.json()["claims"]["extension_VendorId"] == "v-01"
    assert inner.calls == ["/graphql", "/graphql"]


async def test_optional_mode_lets_anonymous_callers_through(
    client: httpx.AsyncClient, inner: Inner
) -> None:
    response = await client.post("/graphql")
    assert response.status_code == 200
    assert response.json() == {"claims": None}
    assert inner.calls == ["/graphql"]


async def test_required_mode_refuses_anonymous_callers(
    idp: ServedIdentityProvider, inner: Inner
) -> None:
    async with client_for(guarded(idp, inner, "required")) as http:
        message = assert_refused(await http.post("/graphql"), challenge="Bearer")
        assert message == "authentication is required"
        assert inner.calls == []
        response = await http.post("/graphql", headers={"authorization": "Bearer " + idp.sign()})
        assert response.json()["claims"]["oid"] == "u-1"
        bad = idp.sign(aud="another-api")
        response = await http.post("/graphql", headers={"authorization": "Bearer " + bad})
        assert assert_refused(response) == "the token's audience is not accepted"
    assert inner.calls == ["/graphql"]


def _alg_none(idp: ServedIdentityProvider) -> str:
    header = orjson.dumps({"alg": "none", "kid": idp.provider.keys.kid})
    payload = idp.sign().split(".")[1]
    return base64.urlsafe_b64encode(header).rstrip(b"=").decode() + f".{payload}."


def _tampered(idp: ServedIdentityProvider) -> str:
    header, _, signature = idp.sign().split(".")
    other = idp.sign(oid="u-admin", roles=["admin"]).split(".")[1]
    return f"{header}.{other}.{signature}"


TOKENS: dict[str, tuple[Callable[[ServedIdentityProvider], str], str]] = {
    "alg none": (_alg_none, "algorithm is not accepted"),
    "wrong issuer": (lambda idp: idp.sign(iss="https://evil.example/"), "issuer is not accepted"),
    "wrong audience": (lambda idp: idp.sign(aud="other-api"), "audience is not accepted"),
    "wrong policy": (lambda idp: idp.sign(tfp="B2C_1_admin", acr=None), "user flow"),
    "expired": (lambda idp: idp.sign(exp=int(time.time()) - 3600), "has expired"),
    "nbf in the future": (lambda idp: idp.sign(nbf=int(time.time()) + 3600), "not valid yet"),
    "no exp": (lambda idp: idp.sign(exp=None), "no expiry"),
    "unknown key": (lambda idp: jwt.encode({"alg": "RS256", "kid": "x"}, idp.claims(), ROGUE),
                    "signing key is unknown"),
    "known kid, another key": (lambda idp: jwt.encode(
        {"alg": "RS256", "kid": idp.provider.keys.kid}, idp.claims(), ROGUE), "signature"),
    "tampered payload": (_tampered, "signature is invalid"),
    "not a JWT": (lambda idp: "opaque-session-id", "not a JWT"),
    "oversized": (lambda idp: "a" * (MAX_TOKEN_LENGTH + 1), "longer than"),
}  # fmt: skip


@pytest.mark.parametrize("variant", TOKENS)
async def test_unacceptable_tokens_are_refused_before_the_app(
    variant: str, client: httpx.AsyncClient, idp: ServedIdentityProvider, inner: Inner
) -> None:
    make, reason = TOKENS[variant]
    token = make(idp)
    response = await client.post("/graphql", headers={"authorization": f"Bearer {token}"})
    message = assert_refused(response)
    assert reason in message
    assert token not in response.text
    assert inner.calls == []


MALFORMED = {
    "scheme only": [(b"authorization", b"Bearer")],
    "scheme and a space": [(b"authorization", b"Bearer ")],
    "empty": [(b"authorization", b"")],
    "another scheme": [(b"authorization", b"Basic dXNlcjpwYXNz")],
    "no scheme": [(b"authorization", b"TOKEN")],
    "two tokens": [(b"authorization", b"Bearer TOKEN TOKEN")],
    "a tab inside": [(b"authorization", b"Bearer TOKEN\tTOKEN")],
    "two headers": [(b"authorization", b"Bearer TOKEN"), (b"authorization", b"Bearer TOKEN")],
    "not ASCII": [(b"authorization", "Bearer TOKEN\u00e9".encode("latin-1"))],
}


@pytest.mark.parametrize("variant", MALFORMED)
async def test_malformed_headers_are_refused_before_the_app(
    variant: str, client: httpx.AsyncClient, idp: ServedIdentityProvider, inner: Inner
) -> None:
    token = idp.sign()
    headers = [(name, value.replace(b"TOKEN", token.encode())) for name, value in
               MALFORMED[variant]]  # fmt: skip
    response = await client.post("/graphql", headers=headers)
    assert assert_refused(response) == "the authorization header must be 'Bearer <token>'"
    assert token not in response.text
    assert inner.calls == []


async def test_other_paths_are_not_guarded(client: httpx.AsyncClient, inner: Inner) -> None:
    response = await client.get("/health", headers={"authorization": "Bearer nonsense"})
    assert response.status_code == 200
    assert response.json() == {"state": []}, "no claims are set outside the guarded paths"
    assert inner.calls == ["/health"]


async def test_allow_anonymous_opens_chosen_requests_in_required_mode(
    idp: ServedIdentityProvider, inner: Inner
) -> None:
    def page(scope: Scope) -> bool:
        return scope["method"] == "GET" and (b"accept", b"text/html") in scope["headers"]

    async with client_for(guarded(idp, inner, "required", allow_anonymous=page)) as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})
        assert response.json() == {"claims": None}
        assert_refused(await http.post("/graphql"), challenge="Bearer")
        bad = {"accept": "text/html", "authorization": "Bearer not-a-token"}
        assert_refused(await http.get("/graphql", headers=bad))
    assert inner.calls == ["/graphql"]


async def test_the_header_and_its_prefix_are_settings(
    idp: ServedIdentityProvider, inner: Inner
) -> None:
    app = guarded(idp, inner, "required", header_name="X-Token", header_prefix="")
    async with client_for(app) as http:
        response = await http.post("/graphql", headers={"x-token": idp.sign()})
        assert response.json()["claims"]["oid"] == "u-1"
        response = await http.post("/graphql", headers={"authorization": "Bearer " + idp.sign()})
        assert_refused(response, challenge="Bearer")
        response = await http.post("/graphql", headers={"x-token": "Bearer " + idp.sign()})
        assert assert_refused(response) == "the X-Token header must be '<token>'"
    assert inner.calls == ["/graphql"]


def test_websockets_on_a_guarded_path_are_closed_on_a_bad_token(
    idp: ServedIdentityProvider, inner: Inner
) -> None:
    with TestClient(guarded(idp, inner)) as http:
        good = {"authorization": "Bearer " + idp.sign()}
        with http.websocket_connect("/graphql/ws", headers=good) as websocket:
            assert websocket.receive_json()["claims"]["oid"] == "u-1"
        bad = {"authorization": "Bearer " + idp.sign(exp=None)}
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            http.websocket_connect("/graphql/ws", headers=bad),
        ):
            pass
        assert closed.value.code == 1008
    assert inner.calls == ["/graphql/ws"]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"mode": "sometimes"}, "mode must be one of"), ({"paths": []}, "at least one path")],
)
def test_bad_options_are_refused(
    idp: ServedIdentityProvider, inner: Inner, options: dict[str, Any], message: str
) -> None:
    settings = JwtSettings(discovery_url=idp.discovery_url, audiences=[idp.audience])
    values: dict[str, Any] = {"mode": "optional", "paths": ["/graphql"], **options}
    with pytest.raises(ValueError, match=message):
        AuthenticationMiddleware(inner.app(), verifier=JwtVerifier(settings), **values)
