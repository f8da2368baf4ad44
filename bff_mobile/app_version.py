"""App versions (``X-App-Version``) as semantic versions, compared by semver precedence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bff_mobile.errors import MobileError

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)

_PrereleaseKey = tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class AppVersion:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> AppVersion:
        """``1.4.2``, ``2.0.0-beta.1``, ``1.4.2+301``; raises ``ValueError`` for anything else."""
        match = _SEMVER.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a semantic version such as 1.4.2")
        major, minor, patch, prerelease = match.groups()
        identifiers = tuple(prerelease.split(".")) if prerelease else ()
        return cls(int(major), int(minor), int(patch), identifiers, text.strip())

    def precedes(self, other: AppVersion) -> bool:
        """True when this version is older than ``other`` (build metadata is ignored)."""
        return self._key() < other._key()

    def _key(self) -> tuple[int, int, int, tuple[int, _PrereleaseKey]]:
        # A pre-release precedes its release; numeric identifiers precede alphanumeric ones.
        if not self.prerelease:
            return self.major, self.minor, self.patch, (1, ())
        identifiers = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part) for part in self.prerelease
        )
        return self.major, self.minor, self.patch, (0, identifiers)

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"


VERSION_HEADER = "x-app-version"


def check_app_version(header: str | None, minimum: AppVersion) -> AppVersion:
    """The app's version from ``X-App-Version``; an old, missing or malformed one is refused."""
    if header is None or not header.strip():
        raise MobileError(
            "send the app's version in the X-App-Version header, e.g. X-App-Version: 1.4.2",
            "APP_VERSION_REQUIRED",
        )
    try:
        version = AppVersion.parse(header)
    except ValueError as error:
        raise MobileError(
            f"the X-App-Version header {header!r} is not a semantic version such as 1.4.2",
            "APP_VERSION_INVALID",
        ) from error
    if version.precedes(minimum):
        raise MobileError(
            f"this app version is no longer supported: update to {minimum} or later",
            "UPGRADE_REQUIRED",
            status=426,
            minimumVersion=str(minimum),
        )
    return version
