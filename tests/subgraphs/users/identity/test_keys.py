"""Signing key rotation: old tokens keep verifying until they expire, then the old key goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from subgraphs.common.auth import AuthenticationError
from subgraphs.users.identity.keys import KeyConfigurationError, SigningKeys
from subgraphs.users.identity.provider import IdentityProvider
from tests.subgraphs.users.identity.oidc import (
    KEYS,
    TOKEN,
    AuthorizationRequest,
    ManualClock,
    jwt_part,
    sign_in_tokens,
    verifier,
)


def vendor_token(http: TestClient) -> str:
    response = http.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        auth=("vendor-app-v-01", "vendor-app-v-01-dev-secret"),
    )
    token: str = response.json()["access_token"]
    return token


def published_kids(http: TestClient) -> list[str]:
    return [key["kid"] for key in http.get(KEYS).json()["keys"]]


async def test_rotation_keeps_the_old_key_until_its_tokens_have_expired(
    http: TestClient, provider: IdentityProvider, clock: ManualClock
) -> None:
    before = vendor_token(http)
    old_kid = jwt_part(before, 0)["kid"]

    new_kid = provider.rotate_keys()

    assert new_kid != old_kid
    assert published_kids(http) == [new_kid, old_kid]
    assert (await verifier(http).verify(before))["extension_VendorId"] == "v-01"
    after = vendor_token(http)
    assert jwt_part(after, 0)["kid"] == new_kid
    id_token = sign_in_tokens(http, AuthorizationRequest())["id_token"]
    assert jwt_part(id_token, 0)["kid"] == new_kid

    # One hour of token lifetime plus five minutes of clock skew.
    clock.advance(3600 + 300 - 1)
    assert published_kids(http) == [new_kid, old_kid]
    clock.advance(1)
    assert published_kids(http) == [new_kid]
    with pytest.raises(AuthenticationError):
        await verifier(http).verify(before)
    assert (await verifier(http).verify(after))["oid"] == "app-vendor-app-v-01"


def test_a_second_rotation_keeps_every_key_still_in_use(clock: ManualClock) -> None:
    keys = SigningKeys(retention_seconds=100, clock=clock)
    first = keys.kid
    second = keys.rotate()
    clock.advance(60)
    third = keys.rotate()

    assert [k["kid"] for k in keys.jwks()["keys"]] == [third, second, first]
    clock.advance(40)
    assert [k["kid"] for k in keys.jwks()["keys"]] == [third, second]
    clock.advance(60)
    assert [k["kid"] for k in keys.jwks()["keys"]] == [third]


def test_the_jwks_has_only_public_rsa_signing_keys(http: TestClient) -> None:
    (key,) = http.get(KEYS).json()["keys"]

    assert {key["kty"], key["use"], key["alg"]} == {"RSA", "sig", "RS256"}
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_keys_in_a_directory_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    keys = SigningKeys(retention_seconds=100, clock=clock, directory=tmp_path)
    old = keys.kid

    assert SigningKeys(retention_seconds=100, clock=clock, directory=tmp_path).kid == old
    new = keys.rotate()
    restarted = SigningKeys(retention_seconds=100, clock=clock, directory=tmp_path)
    assert (restarted.kid, [k["kid"] for k in restarted.jwks()["keys"]]) == (new, [new, old])
    assert len(list(tmp_path.glob("*.json"))) == 2
    clock.advance(100)
    keys.prune()
    assert [path.name.endswith(f"-{new}.json") for path in tmp_path.glob("*.json")] == [True]
    assert all(path.stat().st_mode & 0o077 == 0 for path in tmp_path.glob("*.json"))


def test_a_public_key_in_the_directory_is_a_configuration_error(
    tmp_path: Path, clock: ManualClock
) -> None:
    keys = SigningKeys(retention_seconds=100, clock=clock)
    (tmp_path / "public.json").write_text(json.dumps(keys.jwks()["keys"][0]))

    with pytest.raises(KeyConfigurationError, match="no private part"):
        SigningKeys(retention_seconds=100, clock=clock, directory=tmp_path)
