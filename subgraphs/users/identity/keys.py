"""Signing keys: one current RSA key signs, retired keys stay published until their tokens expire.

Keys live in memory, or in a directory of JWK files that the provider owns: it loads them at
start (the last file in name order signs), writes every key it makes and deletes the files of
keys it drops.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

Clock = Callable[[], float]
"""Seconds since the epoch; tests pass a clock they move by hand."""

ALGORITHM = "RS256"
KEY_SIZE = 2048


class KeyConfigurationError(Exception):
    """The key directory holds something that is not a private RSA JWK."""


@dataclass
class _Retired:
    key: RSAKey
    retired_at: float
    path: Path | None


class SigningKeys:
    """The provider's RSA keys and its JWKS.

    ``rotate()`` makes a new current key; the previous one keeps verifying for
    ``retention_seconds`` (the longest token lifetime plus clock skew), then leaves the JWKS.
    """

    def __init__(
        self,
        *,
        retention_seconds: int,
        clock: Clock = time.time,
        directory: Path | None = None,
    ) -> None:
        if retention_seconds < 0:
            raise ValueError("retention_seconds must not be negative")
        self.retention_seconds = retention_seconds
        self.clock = clock
        self.directory = directory
        self._retired: list[_Retired] = []
        self._last_stamp = 0
        self._current, self._current_path = self._initial_key()

    @property
    def current(self) -> RSAKey:
        return self._current

    @property
    def kid(self) -> str:
        return str(self._current.kid)

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact RS256 JWT of ``claims``, signed by the current key and naming its ``kid``."""
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._current, algorithms=[ALGORITHM])

    def rotate(self) -> str:
        """Sign with a new key from now on; return its ``kid``."""
        now = self.clock()
        self._retired.append(_Retired(self._current, now, self._current_path))
        self._current, self._current_path = self._new_key(now)
        self.prune()
        return self.kid

    def prune(self) -> None:
        """Drop retired keys whose tokens have all expired."""
        now = self.clock()
        keep: list[_Retired] = []
        for retired in self._retired:
            if now < retired.retired_at + self.retention_seconds:
                keep.append(retired)
            elif retired.path is not None:
                retired.path.unlink(missing_ok=True)
        self._retired = keep

    def published(self) -> list[RSAKey]:
        """The keys a verifier may meet: the current one first, then the retired ones in use."""
        self.prune()
        return [self._current, *(r.key for r in reversed(self._retired))]

    def jwks(self) -> dict[str, Any]:
        """The public JWKS, as served at the ``keys`` endpoint."""
        return {"keys": [_public_jwk(key) for key in self.published()]}

    def public_key_set(self) -> KeySet:
        return KeySet([RSAKey.import_key(_public_jwk(key)) for key in self.published()])

    def _initial_key(self) -> tuple[RSAKey, Path | None]:
        if self.directory is None:
            return self._new_key(self.clock())
        self.directory.mkdir(parents=True, exist_ok=True)
        paths = sorted(self.directory.glob("*.json"))
        if not paths:
            return self._new_key(self.clock())
        loaded = [(_load_key(path), path) for path in paths]
        self._last_stamp = max((_stamp(path) for path in paths), default=0)
        now = self.clock()
        # When older keys retired is unknown: count from now, which keeps them long enough.
        self._retired = [_Retired(key, now, path) for key, path in loaded[:-1]]
        return loaded[-1]

    def _new_key(self, now: float) -> tuple[RSAKey, Path | None]:
        key = RSAKey.generate_key(KEY_SIZE, parameters={"use": "sig", "alg": ALGORITHM})
        key.ensure_kid()
        if self.directory is None:
            return key, None
        # Names sort in the order the keys were made, even when two come within a millisecond.
        self._last_stamp = max(int(now * 1000), self._last_stamp + 1)
        path = self.directory / f"{self._last_stamp:015d}-{key.kid}.json"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(key.as_dict(private=True), file)
        return key, path


def _load_key(path: Path) -> RSAKey:
    try:
        key = RSAKey.import_key(json.loads(path.read_text()))
    except (JoseError, ValueError, TypeError) as error:
        raise KeyConfigurationError(f"{path}: not an RSA JWK ({error})") from error
    if not key.is_private:
        raise KeyConfigurationError(f"{path}: the JWK has no private part")
    key.ensure_kid()
    return key


def _stamp(path: Path) -> int:
    prefix = path.name.partition("-")[0]
    return int(prefix) if prefix.isdigit() else 0


def _public_jwk(key: RSAKey) -> dict[str, Any]:
    jwk: dict[str, Any] = {"use": "sig", "alg": ALGORITHM}
    jwk.update(key.as_dict(private=False))
    return jwk
