"""The GraphiQL playground page and its sign-in callback; every script and style they load is
served by the router itself, under a strict Content-Security-Policy."""

from __future__ import annotations

import json
import os
import secrets
from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from router.http.config import PlaygroundSignInSettings, RouterConfig

ASSETS_PATH = "/graphiql/assets"
ASSETS_DIR = Path(
    os.environ.get("SHOPGRAPH_GRAPHIQL_ASSETS", Path(__file__).parent / "graphiql" / "node_modules")
)
# Served name -> file inside the npm packages installed from router/http/graphiql/package.json.
ASSETS = {
    "graphiql.min.js": ("graphiql/graphiql.min.js", "text/javascript"),
    "graphiql.min.css": ("graphiql/graphiql.min.css", "text/css"),
    "react.production.min.js": ("react/umd/react.production.min.js", "text/javascript"),
    "react-dom.production.min.js": ("react-dom/umd/react-dom.production.min.js", "text/javascript"),
}
OWN_ASSETS_DIR = Path(__file__).parent / "graphiql"
# The router's own scripts and styles for the page, next to package.json.
OWN_ASSETS = {
    "playground.js": "text/javascript",
    "playground.css": "text/css",
    "sign-in.js": "text/javascript",
    "sign-in-callback.js": "text/javascript",
}
EXAMPLES_DIR = OWN_ASSETS_DIR / "examples"
BUILT_IN_EXAMPLES = ("search-products.graphql", "my-orders.graphql")


async def graphiql_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name in OWN_ASSETS:
        return FileResponse(
            OWN_ASSETS_DIR / name, media_type=OWN_ASSETS[name], headers=_ASSET_HEADERS_NO_CACHE
        )
    if name not in ASSETS:
        return PlainTextResponse("not found", status_code=404)
    relative, media_type = ASSETS[name]
    path = ASSETS_DIR / relative
    if not path.is_file():
        return PlainTextResponse(
            f"GraphiQL asset {relative} is not installed: run `make dev` (npm ci in "
            "router/http/graphiql)",
            status_code=503,
        )
    return FileResponse(path, media_type=media_type, headers=_ASSET_HEADERS)


_ASSET_HEADERS = {"cache-control": "max-age=86400", "x-content-type-options": "nosniff"}
# Small files that change with the router: revalidated on every load.
_ASSET_HEADERS_NO_CACHE = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}


def example_tabs(config: RouterConfig) -> list[str]:
    """The operations GraphiQL opens with: the configured one, or the built-in examples."""
    if config.playground_example is not None:
        return [config.playground_example]
    return [(EXAMPLES_DIR / name).read_text(encoding="utf-8") for name in BUILT_IN_EXAMPLES]


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>GraphiQL</title>
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <link rel="stylesheet" href="{assets}/playground.css">
  <script id="playground-config" type="application/json">{config}</script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script nonce="{nonce}" src="{assets}/react.production.min.js"></script>
  <script nonce="{nonce}" src="{assets}/react-dom.production.min.js"></script>
  <script nonce="{nonce}" src="{assets}/graphiql.min.js"></script>
  <script nonce="{nonce}" src="{assets}/sign-in.js"></script>
  <script nonce="{nonce}" src="{assets}/playground.js"></script>
</body>
</html>
"""

_CALLBACK_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Signing in · GraphiQL</title>
  <link rel="stylesheet" href="{assets}/playground.css">
  <script id="playground-config" type="application/json">{config}</script>
</head>
<body class="sign-in-callback">
  <p id="sign-in-status">Signing in…</p>
  <p><a href="{endpoint}">Back to GraphiQL</a></p>
  <script nonce="{nonce}" src="{assets}/sign-in.js"></script>
  <script nonce="{nonce}" src="{assets}/sign-in-callback.js"></script>
</body>
</html>
"""


def graphiql_page(config: RouterConfig) -> HTMLResponse:
    """GraphiQL with its example operations and, when configured, the sign-in settings."""
    page_config: dict[str, Any] = {"endpoint": config.graphql_path, "tabs": example_tabs(config)}
    if config.playground_sign_in is not None:
        page_config["signIn"] = _sign_in_config(config.playground_sign_in)
    nonce = secrets.token_urlsafe(18)
    html = _PAGE.format(assets=ASSETS_PATH, config=_json_for_html(page_config), nonce=nonce)
    return HTMLResponse(html, headers=_page_headers(nonce, config.playground_sign_in))


def sign_in_callback_page(graphql_path: str, sign_in: PlaygroundSignInSettings) -> HTMLResponse:
    """Where the provider sends the browser back: its script checks ``state`` and exchanges
    the code at the token endpoint, then returns to GraphiQL."""
    page_config = {"endpoint": graphql_path, "signIn": _sign_in_config(sign_in)}
    nonce = secrets.token_urlsafe(18)
    html = _CALLBACK_PAGE.format(
        assets=ASSETS_PATH,
        config=_json_for_html(page_config),
        endpoint=escape(graphql_path),
        nonce=nonce,
    )
    headers = _page_headers(nonce, sign_in)
    headers["cache-control"] = "no-store"
    return HTMLResponse(html, headers=headers)


def _sign_in_config(settings: PlaygroundSignInSettings) -> dict[str, Any]:
    return {
        "authorizeUrl": settings.authorize_url,
        "tokenUrl": settings.token_url,
        "clientId": settings.client_id,
        "scopes": settings.scopes,
        "redirectPath": settings.redirect_path,
        "hint": settings.hint,
    }


def _json_for_html(value: Any) -> str:
    """JSON that stays data inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page_headers(nonce: str, sign_in: PlaygroundSignInSettings | None) -> dict[str, str]:
    connect = "'self'" if sign_in is None else f"'self' {sign_in.token_origin}"
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            # GraphiQL's dialogs add <style> elements and style attributes that cannot carry a
            # nonce; styles cannot run code, scripts stay nonce-only.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "content-security-policy": policy,
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
    }
