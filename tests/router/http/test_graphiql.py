"""The GraphiQL page: its example operations, its sign-in settings, the sign-in callback page,
the scripts of the sign-in flow, the page's Content-Security-Policy and bad settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import (
    ConfigError,
    PlaygroundSignInSettings,
    RouterConfig,
    load_config,
)
from router.http.graphiql import example_tabs
from router.supergraph.load import load_supergraph
from tests.router.planning.plans import FIXTURES

ROOT = Path(__file__).resolve().parents[3]
SUPERGRAPH = FIXTURES / "entities.graphql"
IDENTITY = "http://127.0.0.1:4100/tenant/flow/oauth2/v2.0"
SIGN_IN = PlaygroundSignInSettings(
    authorize_url=f"{IDENTITY}/authorize",
    token_url=f"{IDENTITY}/token",
    client_id="graphiql",
    scopes=["openid", "https://api.example/orders.read"],
    hint="Try alice@example.com",
)
HTML = {"accept": "text/html"}


class _Scripts(HTMLParser):
    """The page's <script> elements: their attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


def _scripts(html: str) -> list[tuple[dict[str, str | None], str]]:
    parser = _Scripts()
    parser.feed(html)
    return parser.scripts


def _page_config(html: str) -> dict[str, Any]:
    [data] = [text for attrs, text in _scripts(html) if attrs.get("id") == "playground-config"]
    config: dict[str, Any] = json.loads(data)
    return config


def _client(**options: Any) -> TestClient:
    return TestClient(create_app(RouterConfig(**options), supergraph_path=SUPERGRAPH))


def _csp(headers: Mapping[str, str]) -> dict[str, str]:
    policy = headers["content-security-policy"]
    directives = [d.strip().partition(" ") for d in policy.split(";")]
    return {name: value for name, _, value in directives}


def test_graphiql_opens_with_the_built_in_examples() -> None:
    with _client(playground=True) as client:
        page = client.get("/graphql", headers=HTML)
    config = _page_config(page.text)
    assert config["endpoint"] == "/graphql"
    search, orders = config["tabs"]
    assert "query SearchProducts" in search
    assert "price {" in search
    assert "stock {" in search
    assert "query MyOrders" in orders
    assert "me {" in orders
    assert "signIn" not in config


def test_the_built_in_examples_are_valid_against_the_projects_supergraph() -> None:
    supergraph = load_supergraph((ROOT / "schema" / "supergraph.graphql").read_text())
    for example in example_tabs(RouterConfig()):
        assert validate(supergraph.api_schema, parse(example)) == [], example


def test_the_examples_tabs_are_named_as_the_readme_says_and_their_comments_are_wrapped() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = []
    for example in example_tabs(RouterConfig()):
        [operation] = parse(example).definitions
        name = operation.name.value  # type: ignore[attr-defined]
        names.append(name)
        assert f"`{name}`" in readme, name
        comments = [line for line in example.splitlines() if line.startswith("#")]
        assert comments[0].startswith(f"# {name}: "), comments[0]
        assert all(len(line) <= 80 for line in comments), comments
        assert all(len(line) >= 60 for line in comments[:-1]), comments  # filled, not ragged
    assert names == ["SearchProducts", "MyOrders"]
    assert "the `MyOrders` tab" in readme


def test_the_my_orders_example_lists_orders_with_status_and_total() -> None:
    _, orders = example_tabs(RouterConfig())
    node = orders.partition("node {")[2]
    assert "status" in node
    assert "total {" in node


def test_an_example_given_inline(tmp_path: Path) -> None:
    text = "# mine\n{ products(first: 1) { edges { node { id } } } }\n"
    with _client(playground=True, playground_example=text) as client:
        page = client.get("/graphql", headers=HTML)
    assert _page_config(page.text)["tabs"] == [text]


def test_an_example_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "example.graphql"
    path.write_text("{ topProducts { name } }\n")
    config = load_config(None, {"SHOPGRAPH_ROUTER__PLAYGROUND_EXAMPLE": str(path)})
    assert config.playground_example == "{ topProducts { name } }\n"
    assert example_tabs(config) == ["{ topProducts { name } }\n"]


def test_the_example_stays_data_inside_the_page() -> None:
    text = '{ a } # </script><script>alert("x")</script> & <!--'
    with _client(playground=True, playground_example=text) as client:
        page = client.get("/graphql", headers=HTML)
    assert "</script><script>" not in page.text
    assert _page_config(page.text)["tabs"] == [text]


def test_the_page_runs_only_the_routers_own_scripts() -> None:
    with _client(playground=True) as client:
        page = client.get("/graphql", headers=HTML)
    csp = _csp(page.headers)
    nonce = csp["script-src"].removeprefix("'nonce-").removesuffix("'")
    assert len(nonce) >= 16
    assert csp["default-src"] == "'none'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert page.headers["referrer-policy"] == "no-referrer"
    for attrs, text in _scripts(page.text):
        if attrs.get("type") == "application/json":
            continue
        assert attrs["nonce"] == nonce
        assert str(attrs["src"]).startswith("/graphiql/assets/")
        assert text.strip() == ""
    with _client(playground=True) as client:
        again = client.get("/graphql", headers=HTML)
    assert _csp(again.headers)["script-src"] != csp["script-src"]  # a new nonce for every page


def test_sign_in_settings_reach_the_page_when_configured() -> None:
    with _client(playground=True, playground_sign_in=SIGN_IN) as client:
        page = client.get("/graphql", headers=HTML)
    assert _page_config(page.text)["signIn"] == {
        "authorizeUrl": f"{IDENTITY}/authorize",
        "tokenUrl": f"{IDENTITY}/token",
        "clientId": "graphiql",
        "scopes": ["openid", "https://api.example/orders.read"],
        "redirectPath": "/auth/callback",
        "hint": "Try alice@example.com",
    }
    # The browser exchanges the code itself, so it may call the token endpoint's origin.
    assert _csp(page.headers)["connect-src"] == "'self' http://127.0.0.1:4100"


def test_the_callback_page_is_served_only_with_sign_in() -> None:
    with _client(playground=True) as client:
        assert client.get("/auth/callback?code=c&state=s").status_code == 404
    with _client(playground=False, playground_sign_in=SIGN_IN) as client:
        assert client.get("/auth/callback?code=c&state=s").status_code == 404
    with _client(playground=True, playground_sign_in=SIGN_IN) as client:
        callback = client.get("/auth/callback?code=c&state=s")
    assert callback.status_code == 200
    assert callback.headers["cache-control"] == "no-store"
    assert callback.headers["referrer-policy"] == "no-referrer"  # the code is in its URL
    assert _csp(callback.headers)["connect-src"] == "'self' http://127.0.0.1:4100"
    config = _page_config(callback.text)
    assert config["endpoint"] == "/graphql"
    assert config["signIn"]["tokenUrl"] == f"{IDENTITY}/token"
    sources = [attrs.get("src") for attrs, _ in _scripts(callback.text)]
    assert "/graphiql/assets/sign-in-callback.js" in sources


def test_the_callback_path_is_configurable() -> None:
    sign_in = SIGN_IN.model_copy(update={"redirect_path": "/playground/signed-in"})
    with _client(playground=True, playground_sign_in=sign_in) as client:
        assert client.get("/playground/signed-in").status_code == 200
        assert client.get("/auth/callback").status_code == 404


def test_the_scripts_of_the_sign_in_flow_are_served() -> None:
    with _client(playground=True, playground_sign_in=SIGN_IN) as client:
        sign_in = client.get("/graphiql/assets/sign-in.js")
        callback = client.get("/graphiql/assets/sign-in-callback.js")
        playground = client.get("/graphiql/assets/playground.js")
        styles = client.get("/graphiql/assets/playground.css")
    for script in (sign_in, callback, playground):
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
    assert styles.headers["content-type"].startswith("text/css")
    for part in ("code_challenge_method", '"S256"', "SHA-256", "state", "sessionStorage"):
        assert part in sign_in.text
    assert "PlaygroundSignIn.finish" in callback.text
    assert "Bearer" in playground.text


def test_sign_in_from_the_environment() -> None:
    prefix = "SHOPGRAPH_ROUTER__PLAYGROUND_SIGN_IN__"
    config = load_config(
        None,
        {
            prefix + "AUTHORIZE_URL": "https://login.example/authorize?p=b2c_1_signin",
            prefix + "TOKEN_URL": "https://login.example/token",
            prefix + "CLIENT_ID": "graphiql",
            prefix + "SCOPES": "openid https://api.example/orders.read",
            prefix + "HINT": "alice@example.com / shopgraph-demo",
        },
    )
    assert config.playground_sign_in is not None
    assert config.playground_sign_in.scopes == ["openid", "https://api.example/orders.read"]
    assert config.playground_sign_in.redirect_path == "/auth/callback"
    assert config.playground_sign_in.token_origin == "https://login.example"


def test_sign_in_is_off_by_default() -> None:
    assert RouterConfig().playground_sign_in is None
    assert load_config(None, {}).playground_sign_in is None


_GOOD = {
    "authorize_url": "https://login.example/authorize",
    "token_url": "https://login.example/token",
    "client_id": "graphiql",
}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({**_GOOD, "token_url": "http://login.example/token"}, r"token_url\n.*must use https"),
        ({**_GOOD, "authorize_url": "login.example/authorize"}, r"authorize_url\n.*absolute"),
        ({**_GOOD, "authorize_url": "https://u:p@login.example/a"}, "credentials"),
        ({**_GOOD, "client_id": ""}, "client_id"),
        ({"authorize_url": _GOOD["authorize_url"]}, r"token_url\n\s+Field required"),
        ({**_GOOD, "scopes": ["openid", "two words"]}, "contain spaces"),
        ({**_GOOD, "redirect_path": "auth/callback"}, r"redirect_path\n.*must be a path"),
        ({**_GOOD, "redirect_path": "/graphiql/assets/x"}, "router's own paths"),
        (
            {**_GOOD, "redirect_path": "/graphql"},
            "redirect_path '/graphql' must differ from graphql_path",
        ),
        ({**_GOOD, "client_secret": "s"}, "client_secret"),
    ],
)
def test_bad_sign_in_settings_are_clear_errors(
    tmp_path: Path, settings: dict[str, Any], message: str
) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(json.dumps({"playground": True, "playground_sign_in": settings}))
    with pytest.raises(ConfigError, match=message) as error:
        load_config(path, {})
    assert "playground_sign_in" in str(error.value)


def test_a_missing_example_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.graphql"
    with pytest.raises(ConfigError, match=r"playground_example\n.*cannot read the example"):
        load_config(None, {"SHOPGRAPH_ROUTER__PLAYGROUND_EXAMPLE": str(missing)})
