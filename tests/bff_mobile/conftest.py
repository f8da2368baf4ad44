"""The running system for the mobile BFF's tests: every service of ``shopgraph dev`` on the test
servers' stores, on ports of its own so that it can run beside the end-to-end stack."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bff_mobile.app import create_app
from bff_mobile.settings import MobileSettings
from tests.bff_mobile.app_client import APP_VERSION
from tests.support.oidc import Tokens, sign_in_to_mobile_app
from tests.support.stack import Stack, running_stack, stores_on_test_servers

OFFSET = 25000  # ports 28000-29100: apart from the other stacks of the test suite


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str,
    mongo_url: str,
    elasticsearch_url: str,
    redis_url: str,
) -> Iterator[Stack]:
    with (
        stores_on_test_servers(
            postgres_url, mongo_url, elasticsearch_url, redis_url, redis_db=2
        ) as stores,
        running_stack(
            tmp_path_factory.mktemp("mobile-stack"), offset=OFFSET, stores=stores
        ) as running,
    ):
        yield running


@pytest.fixture
def mobile(stack: Stack) -> Iterator[httpx.Client]:
    """An app talking to the mobile BFF of the running system (development mode)."""
    with httpx.Client(base_url=stack.url("bff_mobile"), headers=APP_VERSION, timeout=20) as http:
        yield http


@pytest.fixture(scope="session")
def alice(stack: Stack) -> Tokens:
    return sign_in_to_mobile_app(stack.url("identity"))


@pytest.fixture(scope="session")
def production(stack: Stack) -> Iterator[TestClient]:
    """A second mobile BFF, in this process and in production mode, on the same router."""
    settings = MobileSettings(
        mode="production", router_url=f"{stack.url('router')}/graphql", min_app_version="1.2.0"
    )
    with TestClient(create_app(settings), headers=APP_VERSION) as client:
        yield client
