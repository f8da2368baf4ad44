"""The local provider's parts, put together: settings, keys, accounts, apps and grants."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import Any

from subgraphs.users.identity.accounts import AccountDirectory
from subgraphs.users.identity.clients import Client, ClientRegistry, dev_clients
from subgraphs.users.identity.keys import ALGORITHM, Clock, SigningKeys
from subgraphs.users.identity.server import IdentityServer
from subgraphs.users.identity.settings import ProviderSettings
from subgraphs.users.identity.sign_in import SignInRequestCodec
from subgraphs.users.identity.storage import GrantStore

CLAIMS_SUPPORTED = [
    "iss", "aud", "sub", "oid", "azp", "iat", "nbf", "exp", "auth_time", "nonce", "tfp", "acr",
    "ver", "name", "given_name", "family_name", "emails", "roles", "scp", "extension_VendorId",
]  # fmt: skip


class IdentityProvider:
    """A B2C tenant with one user flow, in one process.

    ``clock`` is every time the provider reads (token times, code and key expiry); tests
    pass one they move by hand.
    """

    def __init__(
        self,
        settings: ProviderSettings | None = None,
        *,
        clock: Clock = time.time,
        accounts: AccountDirectory | None = None,
        clients: Iterable[Client] | None = None,
    ) -> None:
        self.settings = settings = settings or ProviderSettings()
        self.clock = clock
        self.keys = SigningKeys(
            retention_seconds=settings.key_retention_seconds,
            clock=clock,
            directory=settings.key_dir,
        )
        self.accounts = accounts or AccountDirectory()
        if clients is None:
            clients = dev_clients(settings.api_base, settings.dev_port_offset)
        self.clients = ClientRegistry(clients)
        self.store = GrantStore(clock)
        self.server = IdentityServer(
            settings=settings,
            clock=clock,
            keys=self.keys,
            accounts=self.accounts,
            clients=self.clients,
            store=self.store,
        )
        secret = (
            settings.form_secret.get_secret_value().encode()
            if settings.form_secret
            else secrets.token_bytes(32)
        )
        self.sign_in = SignInRequestCodec(secret, clock, settings.sign_in_form_lifetime_seconds)

    def rotate_keys(self) -> str:
        """Sign with a new key from now on; the old one stays published while its tokens live."""
        return self.keys.rotate()

    def discovery_document(self) -> dict[str, Any]:
        """The user flow's OpenID configuration, as B2C publishes it."""
        s = self.settings
        return {
            "issuer": s.token_issuer,
            "authorization_endpoint": s.endpoint("/oauth2/v2.0/authorize"),
            "token_endpoint": s.endpoint("/oauth2/v2.0/token"),
            "end_session_endpoint": s.endpoint("/oauth2/v2.0/logout"),
            "jwks_uri": s.endpoint("/discovery/v2.0/keys"),
            "response_modes_supported": ["query"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "scopes_supported": list(self.server.scopes_supported),
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": CLAIMS_SUPPORTED,
        }
