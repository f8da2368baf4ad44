"""The payment port and its sandbox provider.

The sandbox approves or declines by card number, like a payment provider's test mode:

| card number        | outcome                        |
|--------------------|--------------------------------|
| 4242 4242 4242 4242 | approved                       |
| 4000 0000 0000 0002 | declined: card_declined        |
| 4000 0000 0000 9995 | declined: insufficient_funds   |

Any other well-formed number (13 to 19 digits passing the Luhn check) is approved; a malformed
one is refused before any payment is attempted.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Protocol

DECLINES = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str
    decline_reason: str | None = None


class PaymentProvider(Protocol):
    async def authorize(self, amount: int, currency: str, card_number: str) -> PaymentResult:
        """Hold ``amount``; a declined payment holds nothing."""
        ...

    async def void(self, reference: str) -> None:
        """Release an authorization that will not be captured."""
        ...


def card_digits(card_number: str) -> str | None:
    """The digits of a well-formed card number (spaces and dashes allowed), else None."""
    digits = re.sub(r"[ -]", "", card_number)
    if not re.fullmatch(r"\d{13,19}", digits) or not _luhn(digits):
        return None
    return digits


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


class SandboxPayments:
    """Decides by card number; remembers what it authorized and voided (for tests and logs)."""

    def __init__(self) -> None:
        self.authorized: dict[str, int] = {}
        self.voided: set[str] = set()

    async def authorize(self, amount: int, currency: str, card_number: str) -> PaymentResult:
        digits = card_digits(card_number) or ""
        reference = f"pay_{secrets.token_hex(8)}"
        if digits in DECLINES:
            return PaymentResult(False, reference, DECLINES[digits])
        self.authorized[reference] = amount
        return PaymentResult(True, reference)

    async def void(self, reference: str) -> None:
        self.voided.add(reference)
