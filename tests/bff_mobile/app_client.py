"""What the mobile app knows of the BFF: its operations' persisted ids, and its version."""

from __future__ import annotations

from typing import Any

from bff_mobile.persisted import APP_OPERATIONS_DIR, PersistedOperations
from bff_mobile.schema import build_schema

APP_VERSION = {"x-app-version": "1.4.2"}
MANIFEST = PersistedOperations.load(build_schema()).manifest()
"""Operation name → id, as the app's build records it."""


def document(name: str) -> str:
    return (APP_OPERATIONS_DIR / f"{name}.graphql").read_text()


def persisted(name: str, **variables: Any) -> dict[str, Any]:
    """The body of a request that runs the app's operation ``name`` by its id."""
    return {"id": MANIFEST[name], "variables": variables}


SHIPPING = {
    "recipient": "Alice Moreau",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postalCode": "75002",
    "country": "FR",
}
"""A shipping address for checkouts in the tests."""
