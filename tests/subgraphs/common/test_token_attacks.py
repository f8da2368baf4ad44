"""Forged and broken bearer tokens, one by one, against a subgraph's HTTP endpoint: each gets a
401 with an ``UNAUTHENTICATED`` GraphQL error, and a good token still works."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.testclient import TestClient

from datastores.embedded import sqlite_engine
from datastores.sql import migrate_sql
from subgraphs.users.app import create_app
from subgraphs.users.store import SqlProfileStore
from tests.support.tokens import AUDIENCE, ISSUER, KEY, POLICY, token, verifier

ROGUE = RSAKey.generate_key(2048, parameters={"kid": "rogue-key"}, private=True)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    async def open_profiles() -> SqlProfileStore:
        engine = sqlite_engine(tmp_path / "users.db")
        await migrate_sql(engine, "users")
        return SqlProfileStore(engine)

    with TestClient(create_app(open_profiles=open_profiles, verifier=verifier())) as test_client:
        yield test_client


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    payload = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": "u-mallory", "oid": "u-mallory", "tfp": POLICY,
        "iat": now, "nbf": now, "exp": now + 600, "roles": ["customer"],
    }  # fmt: skip
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


def alg_none() -> str:
    return unsigned({"alg": "none", "kid": "test-key-1"}, claims(roles=["admin"])) + "."


def hs256_with_the_public_key() -> str:
    public_pem = KEY.as_pem(private=False)
    signing_input = unsigned({"alg": "HS256", "kid": "test-key-1", "typ": "JWT"},
                             claims(roles=["admin"]))  # fmt: skip
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def tampered() -> str:
    header, _, signature = token("u-mallory", roles=("customer",)).split(".")
    return f"{header}.{b64(json.dumps(claims(roles=['admin'])).encode())}.{signature}"


def signed_by_rogue(kid: str) -> str:
    return jwt.encode({"alg": "RS256", "kid": kid}, claims(roles=["admin"]), ROGUE)


ATTACKS: dict[str, Callable[[], str]] = {
    "alg none": alg_none,
    "HS256 signed with the public key": hs256_with_the_public_key,
    "wrong issuer": lambda: token("u-mallory", iss="https://evil.b2clogin.com/x/v2.0/"),
    "wrong audience": lambda: token("u-mallory", aud="another-api"),
    "expired beyond the leeway": lambda: token("u-mallory", exp=int(time.time()) - 120),
    "not valid yet": lambda: token("u-mallory", nbf=int(time.time()) + 600),
    "no expiry": lambda: jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims(exp=None), KEY),
    "unknown key": lambda: signed_by_rogue("rogue-key"),
    "known kid, other key": lambda: signed_by_rogue("test-key-1"),
    "tampered payload": tampered,
    "wrong policy": lambda: token("u-mallory", tfp="B2C_1_other_policy"),
    "not a JWT": lambda: "not.a.jwt",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_bad_token_gets_401_unauthenticated(client: TestClient, attack: str) -> None:
    response = client.post("/graphql", json={"query": "{ me { id } }"},
                           headers={"authorization": f"Bearer {ATTACKS[attack]()}"})  # fmt: skip
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert error["message"].startswith(("invalid token", "the Authorization header"))


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer "])
def test_a_malformed_authorization_header_gets_401(client: TestClient, header: str) -> None:
    response = client.post("/graphql", json={"query": "{ me { id } }"},
                           headers={"authorization": header})  # fmt: skip
    assert response.status_code == 401


def test_a_good_token_within_the_leeway_works(client: TestClient) -> None:
    recently_expired = token("u-alice", exp=int(time.time()) - 30)
    for good in (token("u-alice"), recently_expired, token("u-alice", tfp=None, acr=POLICY)):
        response = client.post("/graphql", json={"query": "{ me { id } }"},
                               headers={"authorization": f"Bearer {good}"})  # fmt: skip
        assert response.json() == {"data": {"me": {"id": "u-alice"}}}
