"""Signed test tokens shaped like Azure AD B2C's, and a verifier that trusts their key."""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from subgraphs.common.auth import TokenVerifier

ISSUER = "https://shopgraph.b2clogin.com/test-tenant/v2.0/"
AUDIENCE = "shopgraph-api"
POLICY = "B2C_1_signupsignin"
KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"}, private=True)


def verifier() -> TokenVerifier:
    public = KeySet([RSAKey.import_key(KEY.as_dict(private=False))])
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, keys=public, policies=[POLICY])


# What a person's token carries when they sign in to a first-party app (every API scope).
ALL_SCOPES = "catalog.write orders.read orders.write profile.read profile.write"


def token(subject: str, *, roles: tuple[str, ...] = (), vendor_id: str | None = None,
          **claims: Any) -> str:  # fmt: skip
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": subject, "oid": subject, "tfp": POLICY,
        "iat": now, "nbf": now, "exp": now + 3600, "name": f"Test {subject}",
        "emails": [f"{subject}@example.com"], "roles": list(roles), "scp": ALL_SCOPES,
    }  # fmt: skip
    if vendor_id is not None:
        payload["extension_VendorId"] = vendor_id
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}  # None drops a claim
    return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, payload, KEY)


def bearer(subject: str, **options: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {token(subject, **options)}"}


ADMIN = bearer("u-admin", roles=("admin",))
VENDOR_1 = bearer("u-vendor-1", roles=("vendor",), vendor_id="v-1")
VENDOR_2 = bearer("u-vendor-2", roles=("vendor",), vendor_id="v-2")
CUSTOMER = bearer("u-customer", roles=("customer",))
