"""The local B2C-style identity provider served over real HTTP (uvicorn in a thread, on a free
loopback port), counting the requests for its discovery document and keys, with switches that
make it slow, down, or serve another body instead of its JWKS."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from datastores.testservices.base import free_port
from subgraphs.users.identity.app import create_app
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.settings import ProviderSettings

POLICY_PATH = "/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
API_SCOPE = "https://shopgraph.onmicrosoft.com/shopgraph-api/.default"
VENDOR_APP = ("vendor-app-v-01", "vendor-app-v-01-dev-secret")
DISCOVERY_SUFFIX = "/v2.0/.well-known/openid-configuration"
KEYS_SUFFIX = "/discovery/v2.0/keys"


class ServedIdentityProvider:
    """The provider, where it listens, and what was asked of it."""

    def __init__(self, provider: IdentityProvider, base_url: str) -> None:
        self.provider = provider
        self.base_url = base_url
        self.discovery_fetches = 0
        self.key_fetches = 0
        self.down = False
        """Answer 503 to every request."""
        self.delay_seconds = 0.0
        """Wait this long before answering for the discovery document or the keys."""
        self.keys_body: bytes | None = None
        """Served (streamed, without a length) instead of the JWKS."""

    @property
    def discovery_url(self) -> str:
        return self.base_url + POLICY_PATH + DISCOVERY_SUFFIX

    @property
    def jwks_url(self) -> str:
        return self.base_url + POLICY_PATH + KEYS_SUFFIX

    @property
    def issuer(self) -> str:
        return self.provider.settings.token_issuer

    @property
    def audience(self) -> str:
        return self.provider.settings.audience

    @property
    def policy(self) -> str:
        return self.provider.settings.policy

    async def app_token(self) -> str:
        """An access token for the vendor app, from the token endpoint (client credentials)."""
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                self.base_url + POLICY_PATH + "/oauth2/v2.0/token",
                data={"grant_type": "client_credentials", "scope": API_SCOPE},
                auth=VENDOR_APP,
            )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def claims(self, **changes: Any) -> dict[str, Any]:
        """A person's access token claims as the provider writes them; ``None`` drops a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.audience, "sub": "u-1", "oid": "u-1",
            "tfp": self.policy, "acr": self.policy.lower(), "iat": now, "nbf": now,
            "exp": now + 600, "name": "Test Person", "scp": "orders.read",
        }  # fmt: skip
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(self, **changes: Any) -> str:
        """A token signed by the provider's current key (it names that key's ``kid``)."""
        return self.provider.keys.sign(self.claims(**changes))

    def asgi(self, app: ASGIApp) -> ASGIApp:
        async def observed(scope: Scope, receive: Receive, send: Send) -> None:
            path = str(scope.get("path", ""))
            if path.endswith(DISCOVERY_SUFFIX):
                self.discovery_fetches += 1
            if path.endswith(KEYS_SUFFIX):
                self.key_fetches += 1
            if scope["type"] == "http" and self.down:
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b"down"})
                return
            if path.endswith((DISCOVERY_SUFFIX, KEYS_SUFFIX)) and self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            if path.endswith(KEYS_SUFFIX) and self.keys_body is not None:
                await _stream(send, self.keys_body)
                return
            await app(scope, receive, send)

        return observed


async def _stream(send: Send, body: bytes) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    for start in range(0, len(body), 256 * 1024):
        await send({"type": "http.response.body", "body": body[start : start + 256 * 1024],
                    "more_body": True})  # fmt: skip
    await send({"type": "http.response.body", "body": b""})


@contextmanager
def served_identity_provider() -> Iterator[ServedIdentityProvider]:
    """A fresh provider (its own keys) on a free port, for the length of the block."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    served = ServedIdentityProvider(IdentityProvider(ProviderSettings(base_url=base_url)), base_url)
    config = uvicorn.Config(served.asgi(create_app(served.provider)), host="127.0.0.1",
                            port=port, log_level="warning", lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the identity provider did not start")
        time.sleep(0.02)
    try:
        yield served
    finally:
        server.should_exit = True
        thread.join(10)
