"""The local directory of people who can sign in: seeded demo accounts with stable object ids."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

DEMO_PASSWORD = "shopgraph-demo"  # noqa: S105 -- a documented password for local demo accounts


@dataclass(frozen=True)
class Account:
    oid: str
    """The object id: ``oid`` and ``sub`` in tokens, the user's id everywhere in shopgraph."""
    email: str
    name: str
    given_name: str
    family_name: str
    roles: tuple[str, ...]
    vendor_id: str | None = None
    password: str = DEMO_PASSWORD


DEMO_ACCOUNTS: tuple[Account, ...] = (
    Account("u-alice", "alice@example.com", "Alice Moreau", "Alice", "Moreau", ("customer",)),
    Account("u-bob", "bob@example.com", "Bob Lindqvist", "Bob", "Lindqvist", ("customer",)),
    Account("u-vera", "vera@northwind.example", "Vera Okafor", "Vera", "Okafor", ("vendor",),
            vendor_id="v-01"),
    Account("u-victor", "victor@contoso.example", "Victor Haddad", "Victor", "Haddad",
            ("vendor",), vendor_id="v-02"),
    Account("u-admin", "admin@shopgraph.example", "Shopgraph Admin", "Shopgraph", "Admin",
            ("admin",)),
)  # fmt: skip


class AccountDirectory:
    """Look accounts up by object id, and check a sign-in name and password."""

    def __init__(self, accounts: Iterable[Account] = DEMO_ACCOUNTS) -> None:
        self.accounts = tuple(accounts)
        self._by_oid = {account.oid: account for account in self.accounts}
        self._by_email = {account.email.lower(): account for account in self.accounts}

    def by_oid(self, oid: str) -> Account | None:
        return self._by_oid.get(oid)

    def authenticate(self, email: str, password: str) -> Account | None:
        """The account when the password is right; ``None`` for any mistake, alike."""
        account = self._by_email.get(email.strip().lower())
        expected = account.password if account else DEMO_PASSWORD + "\0"
        matches = hmac.compare_digest(password.encode(), expected.encode())
        return account if account is not None and matches else None
