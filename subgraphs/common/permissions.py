"""Per-field permission checks on the viewer, shared by every subgraph.

Roles say who the viewer is (customer, vendor, admin); a delegated token's scopes (``scp``)
say what the app the person signed in to may do on their behalf. Both must allow a field.
Application tokens (client credentials) have no ``scp``: their roles are their permissions.
"""

from __future__ import annotations

from subgraphs.common.auth import Viewer
from subgraphs.common.errors import client_error

# The API's scopes, as the identity provider grants them.
CATALOG_WRITE = "catalog.write"
ORDERS_READ = "orders.read"
ORDERS_WRITE = "orders.write"
PROFILE_READ = "profile.read"
PROFILE_WRITE = "profile.write"


def require_scope(viewer: Viewer, scope: str) -> None:
    """A delegated token must carry ``scope``; raises a ``FORBIDDEN`` GraphQL error if not."""
    if viewer.delegated and scope not in viewer.scopes:
        raise client_error(f"the token lacks the scope {scope!r}", "FORBIDDEN")
