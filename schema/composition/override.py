"""What each ``@override(from:)`` of a field does.

An override moves a field from the subgraph it names to the one it is in. It does nothing (but
earn a hint) when it names no subgraph, or a subgraph without the field, or one where the field
is ``@external`` (that subgraph never resolved it). Otherwise the source subgraph stops
resolving the field: if its keys, ``@requires``, ``@provides`` or interfaces still need the
field, it keeps it as ``usedOverridden``, else the field leaves it. A progressive override
(``label:``) keeps the field in both, each with the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schema.composition.errors import CompositionError, CompositionHint
from schema.composition.subgraph import FieldDef, Subgraph

LABEL = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
PERCENT = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


@dataclass
class Overrides:
    used: set[str] = field(default_factory=set)
    """Subgraphs overridden away from that still need the field (``usedOverridden``)."""
    unused: set[str] = field(default_factory=set)
    """Subgraphs overridden away from that do not need the field any more."""
    labels: dict[str, str] = field(default_factory=dict)
    """Subgraph → the label of the progressive override it takes part in."""
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[CompositionHint] = field(default_factory=list)

    def overridden(self, subgraph: str) -> bool:
        return subgraph in self.used or subgraph in self.unused


def resolve_overrides(
    coordinate: str, defs: list[tuple[Subgraph, FieldDef]], subgraph_names: set[str]
) -> Overrides:
    """The outcome of the overrides among ``defs``, each subgraph's definition of the field
    ``coordinate``; ``subgraph_names`` are all the subgraphs composed."""
    found = Overrides()
    by_name = {s.name: f for s, f in defs}
    for subgraph, f in defs:
        source = f.override_from
        if source is None or source == subgraph.name or f.external:
            continue  # an override from self or on an external field is a subgraph error
        if source not in subgraph_names:
            found.hints.append(CompositionHint(
                "FROM_SUBGRAPH_DOES_NOT_EXIST",
                f'Source subgraph "{source}" for field "{coordinate}" on subgraph '
                f'"{subgraph.name}" does not exist.',
            ))  # fmt: skip
            continue
        overridden = by_name.get(source)
        if overridden is None:
            found.hints.append(CompositionHint(
                "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{subgraph.name}" no longer exists in the from '
                "subgraph. The @override directive can be removed.",
            ))  # fmt: skip
            continue
        if overridden.override_from is not None:
            found.errors.append(_error(
                "OVERRIDE_SOURCE_HAS_OVERRIDE",
                f'Field "{coordinate}" on subgraph "{subgraph.name}" is also marked with directive '
                f'@override in subgraph "{source}". Only one @override directive is allowed per '
                "field.", subgraph, f,
            ))  # fmt: skip
            continue
        if overridden.requires is not None or overridden.provides is not None:
            directive = "requires" if overridden.requires is not None else "provides"
            found.errors.append(_error(
                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                f'@override cannot be used on field "{coordinate}" on subgraph "{subgraph.name}" '
                f'since "{coordinate}" on "{source}" is marked with directive '
                f'"@federation__{directive}"', subgraph, f,
            ))  # fmt: skip
            continue
        _move(found, coordinate, subgraph, f, source, overridden)
    return found


def _move(found: Overrides, coordinate: str, subgraph: Subgraph, f: FieldDef, source: str,
          overridden: FieldDef) -> None:  # fmt: skip
    label = f.override_label
    if overridden.external:
        found.hints.append(CompositionHint(
            "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
            f'Field "{coordinate}" on subgraph "{subgraph.name}" is not resolved anymore by the '
            f'from subgraph (it is marked "@external" in "{source}"). The @override directive '
            "can be removed.",
        ))  # fmt: skip
    elif overridden.used:
        found.used.add(source)
        if label is None:
            found.hints.append(CompositionHint(
                "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{source}" is overridden. It is still used in '
                "some federation directive(s) (@key, @requires, and/or @provides) and/or to "
                "satisfy interface constraint(s), but consider marking it @external explicitly "
                "or removing it along with its references.",
            ))  # fmt: skip
    else:
        found.unused.add(source)
        if label is None:
            found.hints.append(CompositionHint(
                "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{source}" is overridden. Consider removing it.',
            ))  # fmt: skip
    if label is None:
        return
    if _valid_label(label):
        found.labels[subgraph.name] = found.labels[source] = label
    else:
        found.errors.append(_error(
            "OVERRIDE_LABEL_INVALID",
            f'Invalid @override label "{label}" on field "{coordinate}" on subgraph '
            f'"{subgraph.name}": labels must start with a letter and after that may contain '
            "alphanumerics, underscores, minuses, colons, periods, or slashes. Alternatively, "
            'labels may be of the form "percent(x)" where x is a float between 0-100 inclusive.',
            subgraph, f,
        ))  # fmt: skip
    found.hints.append(CompositionHint(
        "OVERRIDE_MIGRATION_IN_PROGRESS",
        f'Field "{coordinate}" is currently being migrated with progressive @override. Once the '
        f'migration is complete, remove the field from subgraph "{source}".',
    ))  # fmt: skip


def _valid_label(label: str) -> bool:
    if LABEL.match(label):
        return True
    percent = PERCENT.match(label)
    return percent is not None and 0 <= float(percent.group(1)) <= 100


def _error(code: str, message: str, subgraph: Subgraph, f: FieldDef) -> CompositionError:
    return CompositionError(code, message, (subgraph.location(f),))
