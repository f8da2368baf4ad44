"""From a request's verified claims to the :class:`Viewer` authorization decides on."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from router.auth.directives import ANONYMOUS, Viewer
from router.types import RouterError

PolicyHook = Callable[[frozenset[str], Mapping[str, Any] | None], Iterable[str]]
"""``(policies, claims) -> the policies granted``; claims are None for anonymous callers."""


class PolicyHookError(RouterError):
    code = "INVALID_CONFIGURATION"


def load_policy_hook(path: str) -> PolicyHook:
    """``package.module:function`` → the function (checked once, when the router starts)."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise PolicyHookError(f"policy hook {path!r} must look like 'package.module:function'")
    try:
        hook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise PolicyHookError(f"cannot load the policy hook {path!r}: {error}") from error
    if not callable(hook):
        raise PolicyHookError(f"policy hook {path!r} is not callable")
    return hook  # type: ignore[no-any-return]


def scopes_of(claims: Mapping[str, Any], scope_claims: Iterable[str]) -> frozenset[str]:
    """Scopes from space-separated strings (OAuth's ``scope``, B2C's ``scp``) or lists."""
    found: set[str] = set()
    for name in scope_claims:
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return frozenset(found)


def viewer_of(
    claims: Mapping[str, Any] | None,
    *,
    scope_claims: Iterable[str],
    policies: frozenset[str],
    hook: PolicyHook | None,
) -> Viewer:
    """The viewer; without a hook no policy is granted (``@policy`` fields stay closed)."""
    granted: frozenset[str] = frozenset()
    if hook is not None and policies:
        granted = frozenset(hook(policies, claims)) & policies
    if claims is None:
        return Viewer(policies=granted) if granted else ANONYMOUS
    return Viewer(True, scopes_of(claims, scope_claims), granted)
