"""The router's ``@policy`` hook for shopgraph's tokens (``authorization.policy_hook:
shopgraph.authorization:decide_policies``).

The subgraphs put ``@policy(policies: [["orders.read"]])`` where a delegated token must carry
that scope, so a policy's name is one of the API's scopes. Who satisfies it:

- nobody anonymous;
- a person signed in through an app: the scopes the app was granted, B2C's ``scp`` (a
  space-separated string of short names);
- an application (client credentials, no ``scp``): every scope, since it acts by its roles,
  which the subgraphs check.

A policy that names no scope of the API is satisfied by no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from subgraphs.common.permissions import (
    CATALOG_WRITE,
    ORDERS_READ,
    ORDERS_WRITE,
    PROFILE_READ,
    PROFILE_WRITE,
)

SCOPE_POLICIES = frozenset({CATALOG_WRITE, ORDERS_READ, ORDERS_WRITE, PROFILE_READ, PROFILE_WRITE})
"""The policies this hook decides: the API's scopes by their short names."""


def decide_policies(policies: frozenset[str], claims: Mapping[str, Any] | None) -> frozenset[str]:
    """The subset of ``policies`` that the caller with verified ``claims`` satisfies."""
    known = policies & SCOPE_POLICIES
    if claims is None:
        return frozenset()
    if "scp" not in claims:
        return known
    granted = claims["scp"]
    if not isinstance(granted, str):
        return frozenset()  # not a token B2C wrote: no scope is taken on trust
    return known & frozenset(granted.split())
