"""Refresh tokens: offline access only, rotation on every use, a reused token is refused."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.subgraphs.users.identity.oidc import (
    API,
    TOKEN,
    AuthorizationRequest,
    ManualClock,
    jwt_part,
    sign_in_tokens,
    verifier,
)


def refresh(http: TestClient, refresh_token: str, client_id: str = "mobile-app") -> dict[str, str]:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    response = http.post(TOKEN, data=form)
    body: dict[str, str] = {"status": str(response.status_code), **response.json()}
    return body


async def test_a_refresh_rotates_the_refresh_token(http: TestClient) -> None:
    first = sign_in_tokens(http, AuthorizationRequest())

    second = refresh(http, first["refresh_token"])

    assert second["status"] == "200"
    assert second["refresh_token"] != first["refresh_token"]
    claims = await verifier(http).verify(second["access_token"])
    assert (claims["oid"], claims["scp"]) == ("u-alice", "orders.read profile.read")
    assert jwt_part(second["id_token"], 1)["aud"] == "mobile-app"
    assert "nonce" not in jwt_part(second["id_token"], 1)
    third = refresh(http, second["refresh_token"])
    assert third["status"] == "200"


def test_a_used_refresh_token_is_refused_and_revokes_its_successors(http: TestClient) -> None:
    first = sign_in_tokens(http, AuthorizationRequest())
    second = refresh(http, first["refresh_token"])

    reused = refresh(http, first["refresh_token"])

    assert (reused["status"], reused["error"]) == ("400", "invalid_grant")
    # Someone holds a copy of the family's token: its current token stops working too.
    assert refresh(http, second["refresh_token"])["error"] == "invalid_grant"


def test_a_refresh_token_belongs_to_the_app_it_was_issued_to(http: TestClient) -> None:
    tokens = sign_in_tokens(http, AuthorizationRequest())

    stolen = refresh(http, tokens["refresh_token"], client_id="graphiql")

    assert stolen["error"] == "invalid_grant"
    assert refresh(http, tokens["refresh_token"])["status"] == "200"


def test_a_refresh_may_narrow_the_scope_but_not_widen_it(http: TestClient) -> None:
    tokens = sign_in_tokens(http, AuthorizationRequest())
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": "mobile-app",
    }

    wider = http.post(TOKEN, data={**form, "scope": f"openid {API}/orders.write"})
    narrower = http.post(TOKEN, data={**form, "scope": f"openid offline_access {API}/orders.read"})

    assert wider.json()["error"] == "invalid_scope"
    assert narrower.status_code == 200
    assert jwt_part(narrower.json()["access_token"], 1)["scp"] == "orders.read"


def test_refresh_tokens_expire(http: TestClient, clock: ManualClock) -> None:
    tokens = sign_in_tokens(http, AuthorizationRequest())
    clock.advance(14 * 24 * 3600 + 1)

    assert refresh(http, tokens["refresh_token"])["error"] == "invalid_grant"


def test_without_offline_access_there_is_no_refresh_token(http: TestClient) -> None:
    tokens = sign_in_tokens(http, AuthorizationRequest(scope=f"openid {API}/orders.read"))

    assert "refresh_token" not in tokens
    assert "id_token" in tokens
