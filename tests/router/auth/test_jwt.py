"""The router's JWT verifier against the local identity provider over real HTTP: tokens from
the provider accepted through its discovery document, the key set cached, refetched on a
rotation and periodically but never more than once per interval, and every forged or broken
token refused with its reason."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from router.auth.errors import AuthenticationError
from router.auth.jwks import MAX_DOCUMENT_BYTES, JwksError, read_jwks
from router.auth.jwt import MAX_TOKEN_LENGTH, JwtVerifier
from router.auth.settings import JwtSettings
from tests.support.identity_server import ServedIdentityProvider, served_identity_provider
from tests.support.oidc import sign_in_to_mobile_app

ROGUE = RSAKey.generate_key(2048, parameters={"kid": "rogue"}, private=True)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def idp() -> Iterator[ServedIdentityProvider]:
    with served_identity_provider() as served:
        yield served


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def settings(idp: ServedIdentityProvider, **changes: Any) -> JwtSettings:
    values: dict[str, Any] = {
        "discovery_url": idp.discovery_url,
        "audiences": [idp.audience],
        "policies": [idp.policy],
        "refresh_interval_seconds": 300,
        "refresh_min_interval_seconds": 10,
    }
    values.update(changes)
    return JwtSettings.model_validate(values)


def verifier(idp: ServedIdentityProvider, clock: ManualClock, **changes: Any) -> JwtVerifier:
    return JwtVerifier(settings(idp, **changes), clock=clock)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


async def refused(verifier: JwtVerifier, token: str) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        await verifier.verify(token)
    error = caught.value
    assert error.code == "UNAUTHENTICATED"
    assert token not in error.message
    return error


async def test_a_token_from_the_provider_is_accepted_through_its_discovery_document(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock)
    claims = await check.verify(await idp.app_token())
    assert claims["extension_VendorId"] == "v-01"
    assert claims["iss"] == idp.issuer
    assert (idp.discovery_fetches, idp.key_fetches) == (1, 1)
    await check.verify(await idp.app_token())
    assert (idp.discovery_fetches, idp.key_fetches) == (1, 1), "the key set is cached"


async def test_a_person_signed_in_to_the_mobile_app_is_accepted(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    tokens = await asyncio.to_thread(sign_in_to_mobile_app, idp.base_url)
    claims = await verifier(idp, clock).verify(tokens.access_token)
    assert claims["emails"] == ["alice@example.com"]
    assert "orders.read" in claims["scp"].split()


async def test_a_jwks_url_needs_no_discovery_document(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock, discovery_url=None, jwks_url=idp.jwks_url, issuer=idp.issuer)
    assert (await check.verify(idp.sign()))["oid"] == "u-1"
    assert (idp.discovery_fetches, idp.key_fetches) == (0, 1)


async def test_a_configured_issuer_wins_over_the_discovery_documents(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock, issuer="https://elsewhere.b2clogin.com/tenant/v2.0/")
    assert (await refused(check, idp.sign())).reason == "issuer"


async def test_verifications_during_a_fetch_share_it(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    idp.delay_seconds = 0.2
    check = verifier(idp, clock)
    token = idp.sign()
    results = await asyncio.gather(*(check.verify(token) for _ in range(20)))
    assert {claims["oid"] for claims in results} == {"u-1"}
    assert (idp.discovery_fetches, idp.key_fetches) == (1, 1)


async def test_a_rotated_key_is_fetched_once(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock)
    before = idp.sign()
    await check.verify(before)
    idp.provider.rotate_keys()
    after = idp.sign()
    assert (await refused(check, after)).reason == "unknown_key", "within the interval"
    assert idp.key_fetches == 1

    clock.advance(11)
    results = await asyncio.gather(*(check.verify(after) for _ in range(5)))
    assert len(results) == 5
    assert idp.key_fetches == 2, "the new kid fetched the key set once"
    await check.verify(before)
    await check.verify(after)
    assert idp.key_fetches == 2, "the old key is still published, and both are cached"


async def test_forged_kids_refetch_at_most_once_per_interval(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock)
    await check.verify(idp.sign())
    for n in range(5):
        forged = jwt.encode({"alg": "RS256", "kid": f"rogue-{n}"}, idp.claims(), ROGUE)
        assert (await refused(check, forged)).reason == "unknown_key"
    assert idp.key_fetches == 1, "within the interval, unknown kids use the cached key set"

    clock.advance(11)
    for n in range(5):
        forged = jwt.encode({"alg": "RS256", "kid": f"later-{n}"}, idp.claims(), ROGUE)
        assert (await refused(check, forged)).reason == "unknown_key"
    assert idp.key_fetches == 2, "one refetch once the interval has passed, not five"


async def test_the_key_set_is_refreshed_periodically(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock, refresh_interval_seconds=60)
    token = idp.sign()
    await check.verify(token)
    clock.advance(59)
    await check.verify(token)
    assert idp.key_fetches == 1
    clock.advance(2)
    await check.verify(token)
    assert idp.key_fetches == 2
    assert idp.discovery_fetches == 1, "the discovery document is read once"


async def test_keys_in_hand_outlive_an_outage_of_the_provider(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock, refresh_interval_seconds=60)
    token = idp.sign()
    await check.verify(token)
    idp.down = True
    clock.advance(61)
    assert (await check.verify(token))["oid"] == "u-1"
    assert idp.key_fetches == 2, "the refresh was tried"
    await check.verify(token)
    assert idp.key_fetches == 2, "and is not tried again within the minimum interval"
    idp.down = False
    clock.advance(11)
    await check.verify(token)
    assert idp.key_fetches == 3


async def test_without_any_keys_tokens_are_refused_and_the_provider_not_hammered(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    idp.down = True
    check = verifier(idp, clock, jwks_url=idp.jwks_url, discovery_url=None, issuer=idp.issuer)
    token = idp.sign()
    for _ in range(3):
        error = await refused(check, token)
        assert error.reason == "keys_unavailable"
        assert isinstance(error.__cause__, JwksError)
        assert "HTTP 503" in error.__cause__.message
    assert idp.key_fetches == 1
    idp.down = False
    clock.advance(11)
    assert (await check.verify(token))["oid"] == "u-1"


async def test_a_slow_provider_is_given_up_on(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    idp.delay_seconds = 3
    check = verifier(idp, clock, fetch_timeout_seconds=0.3)
    started = time.monotonic()
    error = await refused(check, idp.sign())
    assert error.reason == "keys_unavailable"
    assert isinstance(error.__cause__, JwksError)
    assert "did not answer in time" in error.__cause__.message
    assert time.monotonic() - started < 2


async def test_a_jwks_larger_than_the_bound_is_refused(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    key = idp.provider.keys.jwks()["keys"][0]
    padding = b" " * MAX_DOCUMENT_BYTES
    idp.keys_body = b'{"keys": [' + orjson.dumps(key) + padding + b"]}"
    error = await refused(verifier(idp, clock), idp.sign())
    assert isinstance(error.__cause__, JwksError)
    assert "larger than" in error.__cause__.message

    idp.keys_body = b'{"keys": [' + orjson.dumps(key) + b"]}"
    clock.advance(11)
    assert (await verifier(idp, clock).verify(idp.sign()))["oid"] == "u-1"


def _pem_hs256(idp: ServedIdentityProvider) -> str:
    header = {"alg": "HS256", "kid": idp.provider.keys.kid, "typ": "JWT"}
    unsigned = compact(header, idp.claims()).rsplit(".", 1)[0]
    secret = idp.provider.keys.current.as_pem(private=False)
    return unsigned + "." + b64(hmac.new(secret, unsigned.encode(), hashlib.sha256).digest())


def _rs384(idp: ServedIdentityProvider) -> str:
    private = idp.provider.keys.current.as_dict(private=True)
    unbound = RSAKey.import_key({name: value for name, value in private.items() if name != "alg"})
    header = {"alg": "RS384", "kid": idp.provider.keys.kid}
    return jwt.encode(header, idp.claims(), unbound, algorithms=["RS384"])


def _tampered(idp: ServedIdentityProvider) -> str:
    header, _, signature = idp.sign().split(".")
    payload = b64(json.dumps(idp.claims(oid="u-admin", roles=["admin"])).encode())
    return f"{header}.{payload}.{signature}"


BROKEN: dict[str, tuple[Callable[[ServedIdentityProvider], str], str]] = {
    "alg none": (
        lambda idp: compact({"alg": "none", "kid": idp.provider.keys.kid}, idp.claims()),
        "algorithm",
    ),
    "HS256 keyed with the public key": (_pem_hs256, "algorithm"),
    "RS384 by the provider's key": (_rs384, "algorithm"),
    "wrong issuer": (lambda idp: idp.sign(iss="https://evil.example/v2.0/"), "issuer"),
    "no issuer": (lambda idp: idp.sign(iss=None), "issuer"),
    "wrong audience": (lambda idp: idp.sign(aud="another-api"), "audience"),
    "no audience": (lambda idp: idp.sign(aud=None), "audience"),
    "wrong policy": (lambda idp: idp.sign(tfp="B2C_1_other", acr=None), "policy"),
    "no policy": (lambda idp: idp.sign(tfp=None, acr=None), "policy"),
    "expired beyond the leeway": (lambda idp: idp.sign(exp=int(time.time()) - 120), "expired"),
    "not valid for another two minutes": (
        lambda idp: idp.sign(nbf=int(time.time()) + 120),
        "not_yet_valid",
    ),
    "no exp": (lambda idp: idp.sign(exp=None), "missing_expiry"),
    "exp not a number": (lambda idp: idp.sign(exp="tomorrow"), "malformed"),
    "unknown key": (
        lambda idp: jwt.encode({"alg": "RS256", "kid": "x"}, idp.claims(), ROGUE),
        "unknown_key",
    ),
    "no kid": (
        lambda idp: jwt.encode({"alg": "RS256"}, idp.claims(), idp.provider.keys.current),
        "unknown_key",
    ),
    "known kid, another key": (
        lambda idp: jwt.encode({"alg": "RS256", "kid": idp.provider.keys.kid}, idp.claims(), ROGUE),
        "signature",
    ),
    "tampered payload": (_tampered, "signature"),
    "not a JWT": (lambda idp: "not-a-token", "malformed"),
    "two parts": (lambda idp: "eyJhbGciOiJSUzI1NiJ9.e30", "malformed"),
    "five parts (JWE)": (lambda idp: "a.b.c.d.e", "malformed"),
    "header not JSON": (lambda idp: f"{b64(b'{nope')}.{b64(b'{}')}.", "malformed"),
    "oversized": (lambda idp: idp.sign(padding="x" * MAX_TOKEN_LENGTH), "too_long"),
}


@pytest.mark.parametrize("variant", BROKEN)
async def test_forged_and_broken_tokens_are_refused(
    variant: str, idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    make, reason = BROKEN[variant]
    token = make(idp)
    assert (await refused(verifier(idp, clock), token)).reason == reason


async def test_an_oversized_token_is_refused_before_any_key_is_fetched(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock)
    assert (await refused(check, "a" * (MAX_TOKEN_LENGTH + 1))).reason == "too_long"
    assert idp.key_fetches == 0


@pytest.mark.parametrize(
    "changes",
    [
        # Times are taken when the test runs, not when the suite is collected.
        lambda: {"exp": int(time.time()) - 30},
        lambda: {"nbf": int(time.time()) + 30},
        lambda: {"aud": ["another-api", "shopgraph-api"]},
        lambda: {"tfp": None},  # acr carries the user flow, in lower case
        lambda: {"tfp": "b2c_1_SIGNUPSIGNIN"},
    ],
    ids=["expired within the leeway", "nbf within the leeway", "audience list", "acr", "case"],
)
async def test_tokens_within_the_rules_are_accepted(
    changes: Callable[[], dict[str, Any]], idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    assert (await verifier(idp, clock).verify(idp.sign(**changes())))["oid"] == "u-1"


async def test_without_policies_the_user_flow_is_not_checked(
    idp: ServedIdentityProvider, clock: ManualClock
) -> None:
    check = verifier(idp, clock, policies=[])
    assert (await check.verify(idp.sign(tfp="B2C_1_other", acr=None)))["tfp"] == "B2C_1_other"


async def test_leeway_is_a_setting(idp: ServedIdentityProvider, clock: ManualClock) -> None:
    check = verifier(idp, clock, leeway_seconds=0)
    assert (await refused(check, idp.sign(exp=int(time.time()) - 5))).reason == "expired"


def _jwk(key: RSAKey, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {**key.as_dict(private=False), "use": "sig", "alg": "RS256"}
    entry.update(changes)
    return {name: value for name, value in entry.items() if value is not None}


def test_only_rs256_signature_keys_are_read_from_a_jwks() -> None:
    signing = RSAKey.generate_key(2048, parameters={"kid": "good"}, private=True)
    small_n = b64((1 << 1023 | 1).to_bytes(128, "big"))
    document = {"keys": [
        {"kty": "oct", "kid": "hmac", "k": b64(b"secret")},
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        _jwk(signing, kid="encryption", use="enc"),
        _jwk(signing, kid="rs512", alg="RS512"),
        _jwk(signing, kid="short", n=small_n),
        _jwk(signing, kid=None),
        {**signing.as_dict(private=True), "kid": "leaked"},
        _jwk(signing),
    ]}  # fmt: skip
    keys = read_jwks(document)
    assert sorted(keys) == ["good", "leaked"]
    assert not keys["leaked"].is_private, "private members of a JWKS are ignored"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "no list of keys"),
        ({"keys": [{"kty": "oct", "kid": "k", "k": "AA"}]}, "no RS256 signature key"),
        ({"keys": [{"kty": "oct"}] * 101}, "more than 100 keys"),
    ],
)
def test_a_jwks_without_usable_keys_is_an_error(document: dict[str, Any], message: str) -> None:
    with pytest.raises(JwksError, match=message):
        read_jwks(document)
