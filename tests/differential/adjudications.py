"""Known kinds of difference where Apollo's answer is the wrong one, each recognized by a rule.

``adjudications.yaml`` lists each kind with its reason against the GraphQL specification and
the name of its rule (in ``apollo_rules.py`` or ``router_rules.py``); a rule looks at the
evidence of one difference (the operation, both answers, the subgraph requests each gateway
made) and says whether the difference is of its kind. A difference no rule claims fails the
run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.differential import apollo_rules, router_rules
from tests.differential.evidence import RULES, Evidence

_REGISTERED = (apollo_rules, router_rules)

ADJUDICATIONS = Path(__file__).resolve().parent / "adjudications.yaml"


@dataclass(frozen=True)
class Adjudication:
    kind: str
    rule: str
    reason: str
    wrong: str = "apollo"
    """Whose answer is wrong: ``apollo``; ``router`` for a known bug of ours not yet fixed
    (it does not fail the run, it marks it an expected failure); ``neither`` where both
    answers conform to the specification and differ by the plan each gateway chose."""


class Adjudicator:
    def __init__(self, adjudications: list[Adjudication]) -> None:
        unknown = [a.rule for a in adjudications if a.rule not in RULES]
        if unknown:
            raise ValueError(f"adjudications name rules that do not exist: {unknown}")
        self.adjudications = adjudications

    @classmethod
    def load(cls, path: Path = ADJUDICATIONS) -> Adjudicator:
        entries = yaml.safe_load(path.read_text()) or []
        return cls(
            [
                Adjudication(
                    e["kind"], e["rule"], " ".join(e["reason"].split()), e.get("wrong", "apollo")
                )
                for e in entries
            ]
        )

    def adjudicate(self, evidence: Evidence) -> Adjudication | None:
        """The first adjudication whose rule claims the difference, else None."""
        for adjudication in self.adjudications:
            if RULES[adjudication.rule](evidence):
                return adjudication
        return None
