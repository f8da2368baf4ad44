"""Authentication settings: safe defaults, one key source, and clear errors for the rest."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from router.auth.settings import AuthenticationSettings, JwtSettings

B2C = "https://shopgraph.b2clogin.com/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
DISCOVERY = B2C + "/v2.0/.well-known/openid-configuration"


def test_defaults() -> None:
    settings = AuthenticationSettings.model_validate(
        {"jwt": {"discovery_url": DISCOVERY, "audiences": "shopgraph-api"}}
    )
    assert settings.mode == "optional"
    jwt = settings.jwt
    assert jwt.audiences == ["shopgraph-api"]
    assert jwt.policies == []
    assert (jwt.leeway_seconds, jwt.refresh_interval_seconds) == (60, 3600)
    assert (jwt.refresh_min_interval_seconds, jwt.fetch_timeout_seconds) == (10, 5)
    assert (jwt.header_name, jwt.header_prefix) == ("authorization", "Bearer")


def test_a_header_name_is_read_without_regard_to_case() -> None:
    settings = JwtSettings(discovery_url=DISCOVERY, audiences=["a"], header_name="X-Token")
    assert settings.header_name == "x-token"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"discovery_url": None}, "exactly one of discovery_url and jwks_url"),
        ({"jwks_url": B2C + "/discovery/v2.0/keys"}, "exactly one of"),
        ({"discovery_url": None, "jwks_url": B2C + "/discovery/v2.0/keys"}, "issuer is required"),
        ({"discovery_url": "http://b2c.example/x"}, "must use https"),
        ({"discovery_url": "/relative"}, "absolute http"),
        ({"discovery_url": "https://user:pw@b2c.example/x"}, "credentials"),
        ({"audiences": []}, "at least 1 item"),
        ({"audiences": ["two words"]}, "contain spaces"),
        ({"policies": [""]}, "empty"),
        ({"issuer": " "}, "must not be empty"),
        ({"leeway_seconds": -1}, "greater than or equal to 0"),
        ({"leeway_seconds": 3600}, "less than or equal to 600"),
        ({"refresh_interval_seconds": 5}, "must not exceed refresh_interval_seconds"),
        ({"header_name": "x token"}, "HTTP header name"),
        ({"header_prefix": "Bearer token"}, "one word"),
        ({"algorithms": ["HS256"]}, "Extra inputs are not permitted"),
    ],
)
def test_bad_settings_are_refused(changes: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"discovery_url": DISCOVERY, "audiences": ["shopgraph-api"]}
    values.update(changes)
    with pytest.raises(ValidationError, match=message):
        JwtSettings.model_validate(values)


def test_a_mode_is_required_or_optional() -> None:
    jwt = {"discovery_url": DISCOVERY, "audiences": ["shopgraph-api"]}
    assert AuthenticationSettings.model_validate({"mode": "required", "jwt": jwt}).mode == (
        "required"
    )
    with pytest.raises(ValidationError, match="'required' or 'optional'"):
        AuthenticationSettings.model_validate({"mode": "off", "jwt": jwt})
    with pytest.raises(ValidationError, match="Field required"):
        AuthenticationSettings.model_validate({"mode": "optional"})


def test_plain_http_is_accepted_only_from_the_hosts_named() -> None:
    url = "http://identity:4100/tenant/b2c_1_signupsignin/v2.0/.well-known/openid-configuration"
    settings = JwtSettings(discovery_url=url, audiences=["a"], http_hosts=["identity"])
    assert settings.discovery_url == url
    with pytest.raises(ValidationError, match="must use https"):
        JwtSettings(discovery_url=url, audiences=["a"], http_hosts=["other"])
