"""The web BFF's request body limit, on the app served by uvicorn (real HTTP, so a chunked body
really arrives in chunks) and through Starlette's TestClient. No router runs: a body that passes
the limit is forwarded to a closed port and gets 502, one that does not gets 413 first."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import orjson
import pytest
import uvicorn
from pydantic import ValidationError
from starlette.testclient import TestClient

from bff_web.app import create_app
from bff_web.settings import WebSettings
from datastores.testservices.base import free_port

LIMIT = 1000
CSRF = {"x-shopgraph-csrf": "1", "content-type": "application/json"}


def settings(**changes: object) -> WebSettings:
    values: dict[str, object] = {
        "public_url": "http://testserver", "cookie_secure": False, "redis_url": None,
        "router_url": f"http://127.0.0.1:{free_port()}/graphql",  # nothing listens there
        "max_request_bytes": LIMIT, **changes,
    }  # fmt: skip
    return WebSettings.model_validate(values)


def graphql_body(size: int) -> bytes:
    """A JSON GraphQL request of exactly ``size`` bytes."""
    empty = orjson.dumps({"query": "{ __typename }", "pad": ""})
    body = orjson.dumps({"query": "{ __typename }", "pad": "x" * (size - len(empty))})
    assert len(body) == size
    return body


@pytest.fixture
def web() -> Iterator[TestClient]:
    with TestClient(create_app(settings())) as client:
        yield client


@pytest.fixture
def served() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings()), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the web BFF did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


class Answer(Protocol):
    """An HTTP response from httpx or from Starlette's TestClient (its own httpx)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def assert_too_large(response: Answer) -> None:
    assert response.status_code == 413, response.text
    assert response.json() == {"errors": [{
        "message": f"the request body is larger than {LIMIT} bytes",
        "extensions": {"code": "REQUEST_TOO_LARGE"},
    }]}  # fmt: skip


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(web: TestClient) -> None:
    refused = web.post("/graphql", content=graphql_body(LIMIT + 1), headers=CSRF)
    assert_too_large(refused)
    assert refused.headers["x-request-id"]
    # Every route is behind the limit, whether it reads a body or not.
    assert_too_large(web.post("/auth/logout", content=b"x" * (LIMIT + 1), headers=CSRF))
    assert_too_large(web.post("/cart/id", content=b"x" * 64_000_000, headers=CSRF))
    at_limit = web.post("/graphql", content=graphql_body(LIMIT), headers=CSRF)
    assert at_limit.status_code == 502, at_limit.text  # read whole, then forwarded
    assert at_limit.json()["errors"][0]["extensions"]["code"] == "ROUTER_UNAVAILABLE"


def test_a_bad_content_length_is_refused(web: TestClient) -> None:
    refused = web.post("/graphql", content=b"{}", headers={**CSRF, "content-length": "-2"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(served: str) -> None:
    sent: list[int] = []

    def chunks(body: bytes, size: int) -> Iterator[bytes]:
        for start in range(0, len(body), size):
            sent.append(start)
            yield body[start : start + size]

    with httpx.Client(base_url=served, timeout=10) as http:
        request = http.build_request("POST", "/graphql", headers=CSRF,
                                     content=chunks(graphql_body(3 * LIMIT), 100))  # fmt: skip
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        assert_too_large(http.send(request))
        assert sent, "the body was streamed"

        within = http.build_request("POST", "/graphql", headers=CSRF,
                                    content=chunks(graphql_body(LIMIT), 100))  # fmt: skip
        answer = http.send(within)
        assert answer.status_code == 502, answer.text
        assert answer.json()["errors"][0]["extensions"]["code"] == "ROUTER_UNAVAILABLE"


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WebSettings().max_request_bytes == 1_000_000
    monkeypatch.setenv("SHOPGRAPH_BFF_WEB_MAX_REQUEST_BYTES", "5000")
    assert WebSettings().max_request_bytes == 5000
    monkeypatch.setenv("SHOPGRAPH_BFF_WEB_MAX_REQUEST_BYTES", "0")
    with pytest.raises(ValidationError, match="max_request_bytes"):
        WebSettings()
