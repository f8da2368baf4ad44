"""The web BFF: browser sessions, sign-in through OpenID Connect, and ``POST /graphql``
forwarded to the router with the session's access token. The browser never sees a token."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fakeredis
import httpx
import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bff_web.body_limit import BodyLimit
from bff_web.csrf import CsrfProtection
from bff_web.health import ReadinessCheck, readiness_route, redis_check, router_check
from bff_web.oidc import OidcClient, SignInError, expires_at
from bff_web.pages import Answer, Storefront, Viewer
from bff_web.request_id import RequestId
from bff_web.router_client import RETRY_STATUSES, RouterUnavailableError, call_router, is_json
from bff_web.sessions import SIGN_IN_TTL_SECONDS, PendingSignIn, Session, SessionStore, binding
from bff_web.settings import WebSettings
from observability.context import current_request, note_operation

CLIENT_NAME = "shopgraph-web"
"""Who the router's logs and metrics say called it (``apollographql-client-name``)."""
log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ICON = (STATIC / "favicon.svg").read_bytes()


def content_security_policy(media_origin: str) -> str:
    """Scripts and styles from the BFF only; images also from the media origin (the CDN)."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' {media_origin}; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


SIGN_IN_COOKIE = "sg_signin"
"""Set by ``/auth/login``: the callback signs in only the browser that started the sign-in."""
SIGN_IN_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")
MERGE_CART = """mutation MergeAnonymousCart($cartId: ID!) {
  mergeCart(anonymousCartId: $cartId) { id }
}"""
MAX_TOKENS = 10_000
"""A forwarded document is parsed (to know whether it is a query) only up to this many tokens;
a larger one is forwarded as it is, neither cached nor retried."""


@dataclass
class Services:
    settings: WebSettings
    sessions: SessionStore
    oidc: OidcClient
    http: httpx.AsyncClient
    streams: int = 0
    """Subscription streams open now."""


def create_app(settings: WebSettings | None = None) -> Starlette:
    settings = settings or WebSettings()
    holder: dict[str, Services] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        redis: Redis = (
            Redis.from_url(settings.redis_url, decode_responses=True,
                           socket_timeout=settings.redis_timeout_seconds,
                           socket_connect_timeout=settings.redis_connect_timeout_seconds)
            if settings.redis_url
            else fakeredis.FakeAsyncRedis(decode_responses=True)
        )  # fmt: skip
        timeout = httpx.Timeout(
            settings.router_timeout_seconds, connect=settings.router_connect_timeout_seconds
        )
        limits = httpx.Limits(
            max_connections=settings.router_max_connections,
            max_keepalive_connections=settings.router_max_keepalive_connections,
        )
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
            sessions = SessionStore(redis, settings.session_ttl_seconds)
            holder["services"] = Services(settings, sessions, OidcClient(settings, http), http)
            yield
        await redis.aclose()

    def services() -> Services:
        return holder["services"]

    def readiness_checks() -> list[ReadinessCheck]:
        s = services()
        return [redis_check(s.sessions.redis), router_check(s.http, settings.router_url)]

    async def who_is(request: Request) -> Viewer:
        """The viewer of a page, from its session (kept on the request for :func:`ask`)."""
        s = services()
        session = await s.sessions.load(request.cookies.get(settings.cookie_name))
        if session is not None and session.signed_in and not await _fresh(s, session):
            session = None  # the session has ended: the page is shown signed out
        request.state.session = session
        if session is None:
            return Viewer()
        if not session.signed_in:
            return Viewer(anonymous_cart_id=session.anonymous_cart_id)
        user = session.user
        return Viewer(signed_in=True, name=user.get("name"), vendor_id=user.get("vendorId"))

    async def ask(request: Request, query: str, variables: dict[str, Any]) -> Answer:
        """A page's query, sent to the router with the session's token."""
        s = services()
        session: Session | None = getattr(request.state, "session", None)
        headers = _router_headers(request)
        if session is not None and session.signed_in:
            headers["authorization"] = f"Bearer {session.access_token}"
        body = orjson.dumps({"query": query, "variables": variables})
        try:
            answer = await call_router(s, body, headers, retry=True)
            payload = orjson.loads(answer.content)
        except RouterUnavailableError as error:
            return Answer({}, [{"message": f"The shop cannot be reached right now ({error}); "
                                "try again in a moment.",
                                "extensions": {"code": "ROUTER_UNAVAILABLE"}}])  # fmt: skip
        except orjson.JSONDecodeError:
            return Answer({}, [{"message": f"The shop answered {answer.status_code}; try again.",
                                "extensions": {"code": "ROUTER_UNAVAILABLE"}}])  # fmt: skip
        if payload.get("errors"):
            log.info("page query %s: %s", answer.status_code, payload["errors"][:3])
        return Answer(payload.get("data") or {}, payload.get("errors") or [])

    storefront = Storefront(who_is, ask, content_security_policy(settings.media_origin))

    async def favicon(_: Request) -> Response:
        return Response(ICON, media_type="image/svg+xml",
                        headers={"cache-control": "public, max-age=86400"})  # fmt: skip

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "UP"})

    async def login(request: Request) -> Response:
        s = services()
        return_to = request.query_params.get("return_to", "/")
        if not return_to.startswith("/") or return_to.startswith("//"):
            return_to = "/"  # only back to this site
        try:
            url, state, nonce, verifier = await s.oidc.authorization_url()
        except httpx.HTTPError as error:
            return _error_page(502, f"the identity provider cannot be reached: {error}")
        session_id = request.cookies.get(settings.cookie_name)
        # One value per browser, kept while it lasts, so that sign-ins started in two tabs both
        # finish; it binds each state to this browser.
        browser = request.cookies.get(SIGN_IN_COOKIE, "")
        if not SIGN_IN_VALUE.match(browser):
            browser = secrets.token_urlsafe(32)
        await s.sessions.start_sign_in(PendingSignIn(state, nonce, verifier, return_to, session_id,
                                                     binding(browser)))  # fmt: skip
        response = RedirectResponse(url, status_code=302)
        response.set_cookie(
            SIGN_IN_COOKIE, browser, max_age=SIGN_IN_TTL_SECONDS, httponly=True,
            secure=settings.cookie_secure, samesite="lax", path="/auth",
        )  # fmt: skip
        return response

    async def callback(request: Request) -> Response:
        s = services()
        params = request.query_params
        if "error" in params:
            return _error_page(400, f"sign-in did not complete: {params.get('error')}")
        pending = await s.sessions.finish_sign_in(params.get("state", ""))
        if pending is None:
            return _error_page(400, "unknown or used sign-in state: start again")
        if not pending.started_by(request.cookies.get(SIGN_IN_COOKIE)):
            log.warning("sign-in refused: its callback was opened in another browser")
            return _error_page(403, "this sign-in was started in another browser: sign in again "
                               "here", code="SIGN_IN_STATE_MISMATCH")  # fmt: skip
        try:
            token = await s.oidc.exchange(params.get("code", ""), pending.code_verifier,
                                          pending.nonce)  # fmt: skip
        except SignInError as error:
            return _error_page(400, str(error))
        previous = await s.sessions.load(pending.session_id)
        claims = token["claims"]
        emails = claims.get("emails") or []
        session = await s.sessions.create(
            access_token=token["access_token"], refresh_token=token.get("refresh_token"),
            id_token=token.get("id_token"), expires_at=expires_at(token),
            user={"id": claims.get("oid") or claims.get("sub"), "name": claims.get("name"),
                  "email": emails[0] if emails else None,
                  "vendorId": claims.get("extension_VendorId")},
        )  # fmt: skip
        if previous is not None:
            if previous.anonymous_cart_id:
                await _merge_cart(s, session, previous.anonymous_cart_id, request)
            await s.sessions.delete(previous.id)  # a new session id at sign-in: no fixation
        response = RedirectResponse(pending.return_to, status_code=302)
        _set_cookie(response, settings, session.id)
        response.delete_cookie(SIGN_IN_COOKIE, path="/auth", secure=settings.cookie_secure,
                               httponly=True, samesite="lax")  # fmt: skip
        return response

    async def logout(request: Request) -> Response:
        s = services()
        session = await s.sessions.load(request.cookies.get(settings.cookie_name))
        url = "/"
        if session is not None:
            url = await s.oidc.logout_url(session.id_token) if session.signed_in else "/"
            await s.sessions.delete(session.id)
        response = JSONResponse({"signedOut": True, "logoutUrl": url})
        response.delete_cookie(settings.cookie_name, path="/")
        return response

    async def me(request: Request) -> Response:
        session = await services().sessions.load(request.cookies.get(settings.cookie_name))
        if session is None or not session.signed_in:
            return JSONResponse({"signedIn": False}, headers={"cache-control": "no-store"})
        return JSONResponse({"signedIn": True, "user": session.user},
                            headers={"cache-control": "no-store"})  # fmt: skip

    async def cart_id(request: Request) -> Response:
        """The anonymous cart of this browser (created on first use); kept across sign-in."""
        s = services()
        session = await s.sessions.load(request.cookies.get(settings.cookie_name))
        if session is not None and session.signed_in:
            return JSONResponse({"cartId": None}, headers={"cache-control": "no-store"})
        if session is None:
            session = await s.sessions.create()
        if session.anonymous_cart_id is None:
            session.anonymous_cart_id = f"c-{secrets.token_hex(16)}"
            await s.sessions.save(session)
        response = JSONResponse({"cartId": session.anonymous_cart_id},
                                headers={"cache-control": "no-store"})  # fmt: skip
        _set_cookie(response, settings, session.id)
        return response

    async def graphql(request: Request) -> Response:
        s = services()
        if "application/json" not in request.headers.get("content-type", ""):
            return _graphql_error(415, "send GraphQL as application/json", "BAD_REQUEST")
        body = await request.body()
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _graphql_error(400, "the body is not JSON", "BAD_REQUEST")
        session = await s.sessions.load(request.cookies.get(settings.cookie_name))
        headers = _router_headers(request)
        if session is not None and session.signed_in:
            if not await _fresh(s, session):
                response = _graphql_error(401, "the session has ended: sign in again",
                                          "SESSION_EXPIRED")  # fmt: skip
                response.delete_cookie(settings.cookie_name, path="/")
                return response
            headers["authorization"] = f"Bearer {session.access_token}"
        kind = _operation_type(payload)
        name = payload.get("operationName") if isinstance(payload, dict) else None
        note_operation(kind, name if isinstance(name, str) else None)
        if kind == "subscription":
            return await _relay_subscription(s, body, headers)
        query = kind == "query"
        try:
            answer = await call_router(s, body, headers, retry=query)
        except RouterUnavailableError as error:
            return _graphql_error(error.status, str(error), "ROUTER_UNAVAILABLE")
        if answer.status_code in RETRY_STATUSES and not is_json(answer.content):
            return _graphql_error(502, f"the router answered {answer.status_code}",
                                  "ROUTER_UNAVAILABLE")  # fmt: skip
        signed_in = session is not None and session.signed_in
        cacheable = not signed_in and answer.status_code == 200 and query
        cache = (f"public, max-age={settings.anonymous_cache_seconds}" if cacheable
                 else "private, no-store")  # fmt: skip
        return Response(answer.content, answer.status_code, {"cache-control": cache},
                        media_type="application/json")  # fmt: skip

    return Starlette(
        routes=[
            *storefront.routes(),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Route("/favicon.ico", favicon),
            Route("/favicon.svg", favicon),
            Route("/health", health),
            readiness_route(readiness_checks),
            Route("/auth/login", login),
            Route("/auth/callback", callback),
            Route("/auth/logout", logout, methods=["POST"]),
            Route("/auth/me", me),
            Route("/cart/id", cart_id, methods=["POST"]),
            Route("/graphql", graphql, methods=["POST"]),
        ],
        middleware=[
            Middleware(RequestId),
            Middleware(BodyLimit, max_bytes=settings.max_request_bytes),
            Middleware(CsrfProtection, origin=settings.public_url),
        ],
        lifespan=lifespan,
    )


def _router_headers(request: Request) -> dict[str, str]:
    """What every call to the router on behalf of ``request`` carries (without the token).
    graphql-response+json: a request error stays a 4xx (never a cacheable 200) for us and for
    the browser; application/json would answer it with 200."""
    return {"content-type": "application/json", "accept": "application/graphql-response+json",
            "x-request-id": request.scope["state"]["request_id"],
            "apollographql-client-name": CLIENT_NAME}  # fmt: skip


async def _fresh(s: Services, session: Session) -> bool:
    """Refresh the access token shortly before it expires; False when the session is over."""
    if session.expires_at - time.time() > s.settings.refresh_margin_seconds:
        return True
    if not session.refresh_token or not await s.sessions.lock_refresh(session.id):
        return session.expires_at > time.time()  # another request is refreshing it
    try:
        token = await s.oidc.refresh(session.refresh_token)
    except Exception as error:  # a refused or failed refresh ends the session cleanly
        log.info("refresh failed, session ended: %s", error)
        await s.sessions.delete(session.id)
        return False
    finally:
        await s.sessions.unlock_refresh(session.id)
    session.access_token = token["access_token"]
    session.refresh_token = token.get("refresh_token", session.refresh_token)
    session.id_token = token.get("id_token", session.id_token)
    session.expires_at = expires_at(token)
    await s.sessions.save(session)
    return True


async def _merge_cart(s: Services, session: Session, cart: str, request: Request) -> None:
    body = orjson.dumps({"query": MERGE_CART, "variables": {"cartId": cart}})
    try:
        answer = await call_router(s, body, retry=False, headers={
            "content-type": "application/json", "authorization": f"Bearer {session.access_token}",
            "x-request-id": request.scope["state"]["request_id"],
        })  # fmt: skip
        if answer.json().get("errors"):
            log.warning("cart merge failed: %s", answer.text)
    except (RouterUnavailableError, ValueError) as error:
        log.warning("cart merge failed: %s", error)


SUBSCRIPTION_IDLE_SECONDS = 60.0
"""The router sends a keep-alive every 15 s: a stream silent for this long is dead."""


async def _relay_subscription(s: Services, body: bytes, headers: dict[str, str]) -> Response:
    """The router's Server-Sent Events for a subscription, passed to the browser as they come
    (with the session's token); the router's refusal as it is. At most
    ``max_subscriptions`` streams at once; the browser going away closes the router's."""
    if s.streams >= s.settings.max_subscriptions:
        return _graphql_error(503, "too many live updates are open; retry later",
                              "SUBSCRIPTION_LIMIT")  # fmt: skip
    request = s.http.build_request(
        "POST", s.settings.router_url, content=body,
        headers={**headers, "accept": "text/event-stream"},
        timeout=httpx.Timeout(s.settings.router_timeout_seconds, read=SUBSCRIPTION_IDLE_SECONDS),
    )  # fmt: skip
    try:
        upstream = await s.http.send(request, stream=True)
    except httpx.HTTPError as error:
        return _graphql_error(502, f"the router cannot be reached: {type(error).__name__}",
                              "ROUTER_UNAVAILABLE")  # fmt: skip
    if upstream.status_code != 200:
        content = await upstream.aread()
        await upstream.aclose()
        return Response(content, upstream.status_code, {"cache-control": "no-store"},
                        media_type="application/json")  # fmt: skip
    s.streams += 1

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        except httpx.HTTPError as error:
            log.info("a subscription stream from the router ended: %r", error)
        finally:
            s.streams -= 1
            await upstream.aclose()

    return StreamingResponse(
        relay(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


def _operation_type(payload: Any) -> str | None:
    """``query``, ``mutation`` or ``subscription`` when every operation of the document is of
    that type; None for a document that does not parse (or a mix, a batch, an APQ hash)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    try:
        document = parse(payload["query"], no_location=True, max_lexical_tokens=MAX_TOKENS,
                         max_comments=MAX_TOKENS)  # fmt: skip
    except GraphQLError:
        return None
    kinds = {d.operation for d in document.definitions if isinstance(d, OperationDefinitionNode)}
    return kinds.pop().value if len(kinds) == 1 else None


def _set_cookie(response: Response, settings: WebSettings, session_id: str) -> None:
    response.set_cookie(
        settings.cookie_name, session_id, max_age=settings.session_ttl_seconds, httponly=True,
        secure=settings.cookie_secure, samesite="lax", path="/",
    )  # fmt: skip


def _graphql_error(status: int, message: str, code: str) -> JSONResponse:
    current_request().add_error_code(code)
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status)  # fmt: skip


def _error_page(status: int, message: str, code: str | None = None) -> HTMLResponse:
    from html import escape

    coded = f"<p>Code: <code>{code}</code></p>" if code else ""
    return HTMLResponse(f"<!doctype html><title>Sign-in problem</title><p>{escape(message)}</p>"
                        f'{coded}<p><a href="/">Back</a></p>', status_code=status)  # fmt: skip
