"""The authentication error, apart from the verifier: the HTTP layer catches it without
importing what verifies tokens (joserfc and the JWKS client) unless tokens are checked."""

from __future__ import annotations

from router.types import RouterError


class AuthenticationError(RouterError):
    """The caller's credentials are not acceptable; ``reason`` says why in one word."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
