"""Authentication settings: where the identity provider's keys come from and what a token must say.

Validation errors are pydantic ``ValidationError``s, raised when the settings are built.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_URL_LENGTH = 2048
MAX_AUDIENCES = 100
MAX_POLICIES = 100
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")

Mode = Literal["required", "optional"]


def provider_url(value: str, http_hosts: tuple[str, ...] = ()) -> str:
    """``value`` if it is an absolute https URL (http only on a loopback host); else ValueError."""
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"must be at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
    if parts.fragment or parts.username is not None:
        raise ValueError(f"must have neither a #fragment nor credentials, got {value!r}")
    if parts.scheme == "http" and parts.hostname not in (*LOOPBACK_HOSTS, *http_hosts):
        raise ValueError(f"must use https (http only on 127.0.0.1 or localhost), got {value!r}")
    return value


class JwtSettings(BaseModel):
    """One token issuer: Azure AD B2C's user flow (or the local B2C-style provider)."""

    model_config = ConfigDict(extra="forbid")

    discovery_url: str | None = None
    """The user flow's OpenID configuration; its ``jwks_uri`` gives the keys, its ``issuer``
    the expected ``iss`` unless ``issuer`` is set."""
    jwks_url: str | None = None
    """The key set itself; then ``issuer`` is required."""
    issuer: str | None = None
    audiences: list[str] = Field(min_length=1, max_length=MAX_AUDIENCES)
    """A token is accepted when its ``aud`` names one of these."""
    policies: list[str] = Field(default_factory=list, max_length=MAX_POLICIES)
    """Accepted B2C user flows (``tfp`` or ``acr``), without regard to case; empty: any."""
    leeway_seconds: int = Field(60, ge=0, le=600)
    refresh_interval_seconds: float = Field(3600.0, gt=0)
    refresh_min_interval_seconds: float = Field(10.0, ge=0)
    """No two fetches of the keys come closer than this, whatever kids tokens name."""
    fetch_timeout_seconds: float = Field(5.0, gt=0, le=60)
    http_hosts: list[str] = Field(default_factory=list, max_length=10)
    """Hosts the keys may be fetched from over plain http besides loopback: a private network
    only (say, Docker Compose's ``identity``)."""
    header_name: str = "authorization"
    header_prefix: str = "Bearer"

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("audiences", mode="before")
    @classmethod
    def _one_audience(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("audiences", "policies")
    @classmethod
    def _plain_names(cls, value: list[str]) -> list[str]:
        bad = [name for name in value if not name or any(c.isspace() for c in name)]
        if bad:
            raise ValueError(f"a name can be neither empty nor contain spaces, got {bad!r}")
        return value

    @field_validator("header_name")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if not _HEADER_NAME.match(value):
            raise ValueError(f"must be an HTTP header name, got {value!r}")
        return value.lower()

    @field_validator("header_prefix")
    @classmethod
    def _header_prefix(cls, value: str) -> str:
        if len(value) > 64 or any(c.isspace() or not c.isprintable() for c in value):
            raise ValueError(f"must be one word (or empty: the header is the token), got {value!r}")
        return value

    @model_validator(mode="after")
    def _provider_urls(self) -> JwtSettings:
        hosts = tuple(self.http_hosts)
        for url in (self.discovery_url, self.jwks_url):
            if url is not None:
                provider_url(url, hosts)
        return self

    @model_validator(mode="after")
    def _one_key_source(self) -> JwtSettings:
        if (self.discovery_url is None) == (self.jwks_url is None):
            raise ValueError("set exactly one of discovery_url and jwks_url")
        if self.jwks_url is not None and self.issuer is None:
            raise ValueError("issuer is required with jwks_url (a discovery_url supplies it)")
        if self.refresh_min_interval_seconds > self.refresh_interval_seconds:
            raise ValueError(
                "refresh_min_interval_seconds must not exceed refresh_interval_seconds"
            )
        return self


class AuthenticationSettings(BaseModel):
    """``optional``: callers without a token are anonymous; ``required``: they are refused.
    A token that is present but not acceptable is refused in both modes."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = "optional"
    jwt: JwtSettings
