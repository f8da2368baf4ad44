"""Which reads may come from a read replica, which lags a little behind the primary.

A read may lag only where nobody waits for their own write to show in it:

- a query's lists may come from the replica: a user's order history, a vendor's orders, a
  user's preferences. A page a fraction of a second behind is still a true page;
- one order by id (``order(id)``, ``Order`` entities, the subscriptions' reloads) always comes
  from the primary: it is what a client reads right after placing the order;
- inside a mutation, its answer and every field under it, everything is read from the primary
  (``placeOrder { user { orders } }`` shows the order just placed);
- what a write depends on never leaves the primary: stock levels (and the stock cache they
  fill), stock reservation, idempotency checks, status changes and the outbox relay all run
  in the store's own statements and transactions on it. So do addresses, which a checkout
  offers right after one is added.

Without a replica configured, every read goes to the primary.
"""

from __future__ import annotations

from typing import Any

from graphql import OperationType
from strawberry.types import Info


def may_lag(info: Info[Any, Any]) -> bool:
    """True when the field being resolved may read from the replica: it is part of a query
    (not a mutation, not a subscription)."""
    return info.operation.operation is OperationType.QUERY
