"""Rules for known bugs of our router, not yet fixed (``wrong: router`` in
``adjudications.yaml``).

A run that meets one of them is an expected failure, not a pass: the entry goes when the bug
is fixed. Each rule recognizes the bug by what our router sent or answered.
"""

from __future__ import annotations

from tests.differential.compare import mismatch
from tests.differential.evidence import (
    NON_NULL_VIOLATION,
    Evidence,
    errors_of,
    rule,
    value_completion,
)


@rule
def provided_parent_with_missing_entity(evidence: Evidence) -> bool:
    """The data agree; ours reports a null in a non-null position where it took the parent
    object from a ``@provides`` subgraph and the subgraph resolving the field has no such
    entity (``_entities`` answered null); Apollo takes the parent from that subgraph too and
    answers null without an error."""
    if mismatch(evidence.ours, evidence.apollo) != "errors" or errors_of(evidence.apollo):
        return False
    if value_completion(evidence.apollo) or not evidence.world.provides:
        return False
    ours = errors_of(evidence.ours)
    missing = any(
        None in ((r["response"].get("data") or {}).get("_entities") or ())
        for r in evidence.ours_requests
    )
    return bool(ours) and missing and all(NON_NULL_VIOLATION in str(e.get("message")) for e in ours)
