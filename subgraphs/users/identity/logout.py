"""RP-initiated logout (authlib's end-session endpoint) the way B2C does it."""

from __future__ import annotations

from typing import Any

from authlib.oidc.rpinitiated import EndSessionEndpoint  # type: ignore[import-untyped]
from joserfc.jwk import KeySet

from subgraphs.users.identity.keys import ALGORITHM, SigningKeys


class LogoutEndpoint(EndSessionEndpoint):  # type: ignore[misc]
    """Redirects to ``post_logout_redirect_uri`` when it is registered for the client.

    The client is named by ``client_id`` or by the audience of ``id_token_hint``; like B2C by
    default, a registered URI is honoured without an ``id_token_hint`` too.
    """

    def __init__(self, keys: SigningKeys) -> None:
        super().__init__()
        self.keys = keys

    def get_server_jwks(self) -> KeySet:
        return self.keys.public_key_set()

    def get_algorithms(self) -> list[str]:
        return [ALGORITHM]

    def is_post_logout_redirect_uri_legitimate(
        self, request: Any, post_logout_redirect_uri: str, client: Any, logout_hint: str | None
    ) -> bool:
        return True

    def end_session(self, end_session_request: Any) -> None:
        # The provider keeps no single sign-on session: each sign-in asks for the password.
        return None
