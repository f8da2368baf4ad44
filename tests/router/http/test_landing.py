"""The router's landing page at ``/`` and its icon: links to what a person looks for, no
scripts, a Content-Security-Policy that allows none."""

from __future__ import annotations

from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import RouterConfig
from tests.router.planning.plans import FIXTURES


def _client(**options: object) -> TestClient:
    return TestClient(create_app(RouterConfig.model_validate(options),
                                 supergraph_path=FIXTURES / "entities.graphql"))  # fmt: skip


def test_the_landing_page_links_the_endpoints() -> None:
    with _client(playground=True) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for href in ("/graphql", "/health", "/health/ready", "/metrics"):
            assert f'href="{href}"' in page.text
            assert client.get(href, headers={"accept": "text/html"}).status_code == 200
        assert "GraphiQL" in page.text
        assert "<script" not in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_without_the_playground_it_names_the_endpoint_only() -> None:
    with _client() as client:
        page = client.get("/")
    assert "GraphiQL" not in page.text
    assert "the GraphQL endpoint" in page.text


def test_the_icon_is_served() -> None:
    with _client() as client:
        icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
