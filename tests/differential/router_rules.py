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
    subgraph_messages,
    value_completion,
)


def _ours_rejected(evidence: Evidence, message: str) -> bool:
    return any(message in m for m in subgraph_messages(evidence.ours_requests)) and not any(
        message in m for m in subgraph_messages(evidence.apollo_requests)
    )


@rule
def field_sent_without_selection(evidence: Evidence) -> bool:
    """A subgraph rejected a fetch of ours because a composite field or an inline fragment
    in it has no selection (its selections were all removed: skipped, or fragments that
    cannot apply); a fragment without one does not even parse."""
    return _ours_rejected(evidence, "must have a selection of subfields") or _ours_rejected(
        evidence, "Syntax Error: Expected '{'"
    )


@rule
def representation_without_key(evidence: Evidence) -> bool:
    """A subgraph rejected a representation of ours that holds none of its keys whole (a
    nested key field missing)."""
    return _ours_rejected(evidence, "the representation holds no key of")


@rule
def unused_variable_sent(evidence: Evidence) -> bool:
    """A subgraph rejected a fetch of ours that declares a variable it does not use."""
    return _ours_rejected(evidence, "is never used")


@rule
def required_field_merged_with_client_field(evidence: Evidence) -> bool:
    """A subgraph rejected a fetch of ours that selects a field a ``@requires`` needs and
    the client's same field with other arguments under one response name."""
    return _ours_rejected(evidence, "conflict because they have differing arguments")


@rule
def errors_at_fields_not_selected(evidence: Evidence) -> bool:
    """The data agree; ours reports errors at paths the operation does not select (fields
    fetched for a ``@requires`` or under a fragment that ``@skip``/``@include`` removes)."""
    if mismatch(evidence.ours, evidence.apollo) != "errors" or errors_of(evidence.apollo):
        return False
    extra = [e for e in errors_of(evidence.ours) if e.get("path")]
    if not extra or len(extra) != len(errors_of(evidence.ours)):
        return False
    for error in extra:
        path = tuple(error["path"])
        found = evidence.collected(path[:-1])
        if found is not None and any(c.response_name == path[-1] for c in found[1]):
            return False
    return True


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
