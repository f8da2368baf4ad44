"""The local B2C-style provider's ASGI app: one user flow's endpoints, under B2C's paths.

``/{tenant}.onmicrosoft.com/{policy}/`` + ``v2.0/.well-known/openid-configuration``,
``discovery/v2.0/keys``, ``oauth2/v2.0/authorize``, ``oauth2/v2.0/token`` and
``oauth2/v2.0/logout``; the policy matches without regard to case, as in B2C.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from subgraphs.common.health import readiness_route
from subgraphs.common.http import health
from subgraphs.users.identity.accounts import Account
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.server import HttpRequest, StarletteOAuth2Request, read_request
from subgraphs.users.identity.sign_in import CSRF_COOKIE, SignInRequestError, new_csrf_value
from subgraphs.users.identity.templates import (
    CONTENT_SECURITY_POLICY,
    error_page,
    sign_in_page,
    signed_out_page,
)

WRONG_CREDENTIALS = "The email address or password is incorrect."
HTML_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=HTML_HEADERS)


class IdentityEndpoints:
    def __init__(self, provider: IdentityProvider) -> None:
        self.provider = provider
        self.settings = provider.settings
        self.server = provider.server

    def routes(self) -> list[Route]:
        prefix = f"/{self.settings.tenant}.onmicrosoft.com/{{policy}}"
        return [
            Route(f"{prefix}/v2.0/.well-known/openid-configuration", self.discovery),
            Route(f"{prefix}/discovery/v2.0/keys", self.keys),
            Route(f"{prefix}/oauth2/v2.0/authorize", self.authorize, methods=["GET", "POST"]),
            Route(f"{prefix}/oauth2/v2.0/token", self.token, methods=["POST"]),
            Route(f"{prefix}/oauth2/v2.0/logout", self.logout, methods=["GET", "POST"]),
            Route("/health", health),
            readiness_route(lambda: ()),  # keys, accounts and grants live in memory: no store
        ]

    def _known_policy(self, request: Request) -> bool:
        return str(request.path_params["policy"]).lower() == self.settings.policy.lower()

    def _unknown_policy(self, request: Request) -> Response:
        policy = request.path_params["policy"]
        description = f"The policy {policy!r} does not exist in this tenant."
        return JSONResponse({"error": "invalid_policy", "error_description": description}, 404)

    async def discovery(self, request: Request) -> Response:
        if not self._known_policy(request):
            return self._unknown_policy(request)
        return JSONResponse(self.provider.discovery_document())

    async def keys(self, request: Request) -> Response:
        if not self._known_policy(request):
            return self._unknown_policy(request)
        return JSONResponse(self.provider.keys.jwks(), headers={"cache-control": "max-age=300"})

    async def token(self, request: Request) -> Response:
        if not self._known_policy(request):
            return self._unknown_policy(request)
        incoming = await read_request(request, self.settings.base_url)
        try:
            response: Response = self.server.create_token_response(incoming)
        except OAuth2Error as error:
            response = self.server.handle_error_response(None, error)
        return response

    async def authorize(self, request: Request) -> Response:
        if not self._known_policy(request):
            return html(error_page("invalid_policy", "This user flow does not exist."), 404)
        incoming = await read_request(request, self.settings.base_url)
        if request.method == "POST":
            return self._sign_in(request, incoming)
        try:
            grant = self.server.get_consent_grant(request=incoming, end_user=None)
        except OAuth2Error as error:
            return self._authorization_error(error)
        csrf = request.cookies.get(CSRF_COOKIE) or new_csrf_value()
        page = sign_in_page(
            action=request.url.path,
            sign_in_request=self.provider.sign_in.encode(incoming.query, csrf),
            client_name=grant.client.name,
            demo_accounts=self._demo_accounts(),
        )
        response = html(page)
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            path=f"/{self.settings.tenant}.onmicrosoft.com/",
            secure=self.settings.base_url.startswith("https:"),
            httponly=True,
            samesite="strict",
        )
        return response

    def _sign_in(self, request: Request, incoming: HttpRequest) -> Response:
        """The sign-in form came back: check it, then the password, then issue the code."""
        form = dict(incoming.form)
        try:
            sign_in = self.provider.sign_in.decode(
                form.get("sign_in_request", ""), request.cookies.get(CSRF_COOKIE)
            )
        except SignInRequestError as error:
            return html(error_page("invalid_request", f"{error}; start again."), 400)
        authorization = StarletteOAuth2Request(
            HttpRequest("GET", incoming.uri, incoming.headers, sign_in.params, [])
        )
        email = form.get("email", "")
        account = self.provider.accounts.authenticate(email, form.get("password", ""))
        try:
            grant = self.server.get_consent_grant(request=authorization, end_user=account)
        except OAuth2Error as error:
            return self._authorization_error(error)
        if account is None:
            # Same signed request, same page: only the error and the email are added.
            page = sign_in_page(
                action=request.url.path,
                sign_in_request=form["sign_in_request"],
                client_name=grant.client.name,
                email=email,
                error=WRONG_CREDENTIALS,
                demo_accounts=self._demo_accounts(),
            )
            return html(page, 400)
        response: Response = self.server.create_authorization_response(
            request=authorization, grant_user=account, grant=grant
        )
        return response

    def _authorization_error(self, error: OAuth2Error) -> Response:
        """Back to the app when its redirect URI is known good; otherwise an error page."""
        if error.redirect_uri:
            response: Response = self.server.handle_error_response(None, error)
            return response
        return html(error_page(error.error, error.description or ""), error.status_code)

    def _demo_accounts(self) -> tuple[Account, ...]:
        return self.provider.accounts.accounts if self.settings.show_demo_accounts else ()

    async def logout(self, request: Request) -> Response:
        if not self._known_policy(request):
            return html(error_page("invalid_policy", "This user flow does not exist."), 404)
        incoming = await read_request(request, self.settings.base_url)
        try:
            logout = self.server.validate_endpoint_request("end_session", incoming)
        except OAuth2Error as error:
            return html(error_page(error.error, error.description or ""), 400)
        wanted = logout.request.payload.data.get("post_logout_redirect_uri")
        if wanted and logout.redirect_uri is None:
            description = "The post_logout_redirect_uri is not registered for this application."
            return html(error_page("invalid_request", description), 400)
        redirect: Response | None = self.server.create_endpoint_response("end_session", logout)
        return redirect or html(signed_out_page())


def create_app(provider: IdentityProvider | None = None) -> Starlette:
    """The provider's app; by default configured from ``SHOPGRAPH_IDENTITY_*`` settings."""
    provider = provider or IdentityProvider()
    endpoints = IdentityEndpoints(provider)
    cors = Middleware(
        CORSMiddleware,
        allow_origins=provider.clients.browser_origins(),
        allow_methods=["GET", "POST"],
        allow_headers=["authorization", "content-type"],
    )
    app = Starlette(routes=endpoints.routes(), middleware=[cors])
    app.state.provider = provider
    return app
