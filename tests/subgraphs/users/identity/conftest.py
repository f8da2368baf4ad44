"""A provider on a clock the tests move, and an HTTP client that does not follow redirects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from subgraphs.users.identity.app import create_app
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.settings import ProviderSettings
from tests.subgraphs.users.identity.oidc import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def provider(clock: ManualClock) -> IdentityProvider:
    settings = ProviderSettings(base_url="http://127.0.0.1:4100", dev_port_offset=0)
    return IdentityProvider(settings, clock=clock)


@pytest.fixture
def http(provider: IdentityProvider) -> Iterator[TestClient]:
    with TestClient(create_app(provider), follow_redirects=False) as client:
        yield client
