"""The token verifier against the local identity provider over real HTTP: the JWKS is fetched
once and cached, fetched again when a token names a key it has not seen (a rotation), and not
fetched again for every forged key id."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey

from datastores.testservices.base import free_port
from subgraphs.common.auth import AuthenticationError, TokenVerifier
from subgraphs.users.identity.app import create_app
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.settings import ProviderSettings

POLICY_PATH = "/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
SCOPE = "https://shopgraph.onmicrosoft.com/shopgraph-api/.default"


def kid(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


@dataclass
class RunningProvider:
    provider: IdentityProvider
    base_url: str

    def vendor_token(self) -> str:
        response = httpx.post(
            f"{self.base_url}{POLICY_PATH}/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "scope": SCOPE},
            auth=("vendor-app-v-01", "vendor-app-v-01-dev-secret"),
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def verifier(self, min_refetch_seconds: float) -> TokenVerifier:
        settings = self.provider.settings
        return TokenVerifier(
            issuer=self.provider.discovery_document()["issuer"],
            audience=settings.audience,
            jwks_url=f"{self.base_url}{POLICY_PATH}/discovery/v2.0/keys",
            policies=[settings.policy],
            min_refetch_seconds=min_refetch_seconds,
        )


@pytest.fixture
def running() -> Iterator[RunningProvider]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    provider = IdentityProvider(ProviderSettings(base_url=base_url))
    server = uvicorn.Server(uvicorn.Config(create_app(provider), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the identity provider did not start"
        time.sleep(0.02)
    yield RunningProvider(provider, base_url)
    server.should_exit = True
    thread.join(10)


async def test_a_rotated_key_is_fetched_when_a_token_names_it(running: RunningProvider) -> None:
    verifier = running.verifier(min_refetch_seconds=0)
    before = running.vendor_token()
    assert (await verifier.verify(before))["extension_VendorId"] == "v-01"
    await verifier.verify(before)
    assert verifier.fetches == 1, "the key set is cached"

    running.provider.rotate_keys()
    after = running.vendor_token()
    assert kid(after) != kid(before)
    assert (await verifier.verify(after))["extension_VendorId"] == "v-01"
    assert verifier.fetches == 2, "an unknown kid fetched the key set again"
    await verifier.verify(before)
    assert verifier.fetches == 2, "the old key is still published until its tokens expire"


async def test_forged_key_ids_do_not_refetch_every_time(running: RunningProvider) -> None:
    verifier = running.verifier(min_refetch_seconds=60)
    await verifier.verify(running.vendor_token())
    rogue = RSAKey.generate_key(2048, private=True)
    for n in range(5):
        forged = jwt.encode({"alg": "RS256", "kid": f"rogue-{n}"}, {"sub": "x"}, rogue)
        with pytest.raises(AuthenticationError):
            await verifier.verify(forged)
    assert verifier.fetches == 1, "within the interval, unknown kids use the cached key set"
