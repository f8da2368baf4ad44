"""From claims to the viewer: scopes from `scope` and `scp`, policies from the hook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from router.auth.viewer import PolicyHookError, load_policy_hook, scopes_of, viewer_of


def grant_admins(policies: frozenset[str], claims: Mapping[str, Any] | None) -> Iterable[str]:
    roles = (claims or {}).get("roles", [])
    return {"admin", "not-asked-for"} if "admin" in roles else set()


def test_scopes_come_from_strings_and_lists() -> None:
    claims = {"scope": "a b", "scp": ["c"], "roles": "admin"}
    assert scopes_of(claims, ["scope", "scp"]) == {"a", "b", "c"}
    assert scopes_of(claims, ["scope"]) == {"a", "b"}


def test_the_hook_grants_only_policies_the_supergraph_has() -> None:
    policies = frozenset({"admin", "vendor"})
    viewer = viewer_of({"roles": ["admin"]}, scope_claims=["scp"], policies=policies,
                       hook=grant_admins)  # fmt: skip
    assert viewer.authenticated
    assert viewer.policies == {"admin"}
    anonymous = viewer_of(None, scope_claims=["scp"], policies=policies, hook=grant_admins)
    assert not anonymous.authenticated
    assert not anonymous.policies


def test_without_a_hook_no_policy_is_granted() -> None:
    viewer = viewer_of({"roles": ["admin"]}, scope_claims=[], policies=frozenset({"admin"}),
                       hook=None)  # fmt: skip
    assert viewer.policies == frozenset()


def test_a_hook_is_named_by_module_and_function() -> None:
    assert load_policy_hook("tests.router.auth.test_viewer:grant_admins") is grant_admins
    for bad in ("no_colon", "tests.router.auth.test_viewer:missing", "no.such.module:f"):
        with pytest.raises(PolicyHookError):
            load_policy_hook(bad)
