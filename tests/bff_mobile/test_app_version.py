"""The app version gate: semver precedence, and old, missing or malformed versions refused."""

from __future__ import annotations

import itertools

import httpx
import pytest
from starlette.testclient import TestClient

from bff_mobile.app_version import AppVersion
from tests.bff_mobile.app_client import persisted
from tests.support.stack import Stack

# Semantic Versioning 2.0.0, section 11: each precedes the next.
ORDERED = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.4.2",
    "1.10.0",
    "2.0.0",
]


def test_versions_compare_by_semver_precedence() -> None:
    versions = [AppVersion.parse(text) for text in ORDERED]
    for older, newer in itertools.pairwise(versions):
        assert older.precedes(newer), f"{older} < {newer}"
        assert not newer.precedes(older)


def test_build_metadata_does_not_count() -> None:
    assert AppVersion.parse("1.4.2+301") == AppVersion.parse("1.4.2+302")
    assert not AppVersion.parse("1.4.2+301").precedes(AppVersion.parse("1.4.2"))


@pytest.mark.parametrize(
    "text",
    ["", "1", "1.4", "v1.4.2", "1.4.2.7", "01.4.2", "1.4.x", "1.4.2-", "1.4.2-beta..1", "latest"],
)
def test_malformed_versions_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        AppVersion.parse(text)


def test_an_old_app_is_told_to_upgrade(production: TestClient) -> None:
    # The production BFF of these tests wants 1.2.0 or later.
    response = production.post(
        "/graphql", json=persisted("Home"), headers={"x-app-version": "1.1.9"}
    )
    assert response.status_code == 426
    assert response.json() == {
        "errors": [
            {
                "message": "this app version is no longer supported: update to 1.2.0 or later",
                "extensions": {"code": "UPGRADE_REQUIRED", "minimumVersion": "1.2.0"},
            }
        ]
    }
    prerelease = production.post(
        "/graphql", json=persisted("Home"), headers={"x-app-version": "1.2.0-rc.1"}
    )
    assert prerelease.status_code == 426
    assert (
        production.post(
            "/graphql", json=persisted("Home"), headers={"x-app-version": "1.2.0"}
        ).status_code
        == 200
    )


def test_the_default_minimum_is_1_0_0(mobile: httpx.Client) -> None:
    old = mobile.post("/graphql", json=persisted("Home"), headers={"x-app-version": "0.9.12"})
    assert old.status_code == 426
    assert old.json()["errors"][0]["extensions"]["minimumVersion"] == "1.0.0"
    assert (
        mobile.post(
            "/graphql", json=persisted("Home"), headers={"x-app-version": "1.0.0"}
        ).status_code
        == 200
    )


def test_a_missing_version_is_a_bad_request(stack: Stack) -> None:
    response = httpx.post(f"{stack.url('bff_mobile')}/graphql", json=persisted("Home"))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "APP_VERSION_REQUIRED"
    assert "X-App-Version" in error["message"]


def test_a_malformed_version_is_a_bad_request(mobile: httpx.Client) -> None:
    response = mobile.get(
        "/graphql", params={"id": persisted("Home")["id"]}, headers={"x-app-version": "1.4"}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "APP_VERSION_INVALID"
    assert "'1.4' is not a semantic version" in error["message"]
    assert response.headers["cache-control"] == "no-store"
