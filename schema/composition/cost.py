"""Demand control: ``@cost`` and ``@listSize`` read from subgraphs, checked, and merged.

Where several subgraphs give the same element different values, the supergraph keeps the most
expensive reading: the highest weight, the largest assumed size, every slicing argument and
sized field any subgraph names, and ``requireOneSlicingArgument`` only if all of them require
it. One application, or several that agree, is kept as written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graphql import ListTypeNode, NonNullTypeNode, TypeNode, print_ast

INT_RANGE = range(-(2**31), 2**31)
LIST_SIZE_ARGUMENTS = ("assumedSize", "slicingArguments", "sizedFields",
                       "requireOneSlicingArgument")  # fmt: skip
COMPOSITE_KINDS = ("object", "interface", "union")


class CostArgumentError(ValueError):
    """An application of ``@cost`` or ``@listSize`` whose arguments are not valid."""


@dataclass(frozen=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] | None = None
    sized_fields: tuple[str, ...] | None = None
    require_one_slicing_argument: bool | None = None
    """None when not given (it defaults to true)."""

    @property
    def requires_one(self) -> bool:
        return self.require_one_slicing_argument is not False

    def key(self) -> tuple[object, ...]:
        """What the application means, defaults filled in."""
        return (self.assumed_size, self.slicing_arguments, self.sized_fields, self.requires_one)

    def printed(self, name: str) -> str:
        args = []
        if self.assumed_size is not None:
            args.append(f"assumedSize: {self.assumed_size}")
        for label, names in (("slicingArguments", self.slicing_arguments),
                             ("sizedFields", self.sized_fields)):  # fmt: skip
            if names is not None:
                args.append(f"{label}: [{', '.join(_quoted(n) for n in names)}]")
        if self.require_one_slicing_argument is not None:
            args.append(f"requireOneSlicingArgument: {'true' if self.requires_one else 'false'}")
        return f"@{name}({', '.join(args)})" if args else f"@{name}"


def read_cost(arguments: dict[str, Any], name: str) -> int:
    """The weight of a ``@cost`` application; raises :class:`CostArgumentError`."""
    unknown = sorted(set(arguments) - {"weight"})
    if unknown:
        raise CostArgumentError(f'Unknown argument "{unknown[0]}" on directive "@{name}".')
    if "weight" not in arguments:
        raise CostArgumentError(f'Directive "@{name}" argument "weight" of type "Int!" is '
                                "required, but it was not provided.")  # fmt: skip
    weight = arguments["weight"]
    if not _is_int(weight):
        raise CostArgumentError(f'Invalid value for "@{name}(weight:)" of type "Int!".')
    return int(weight)


def read_list_size(arguments: dict[str, Any], name: str) -> ListSize:
    """A ``@listSize`` application; raises :class:`CostArgumentError`."""
    unknown = sorted(set(arguments) - set(LIST_SIZE_ARGUMENTS))
    if unknown:
        raise CostArgumentError(f'Unknown argument "{unknown[0]}" on directive "@{name}".')
    assumed = arguments.get("assumedSize")
    if assumed is not None and not _is_int(assumed):
        raise CostArgumentError(f'Invalid value for "@{name}(assumedSize:)" of type "Int".')
    require = arguments.get("requireOneSlicingArgument")
    if require is not None and not isinstance(require, bool):
        raise CostArgumentError(
            f'Invalid value for "@{name}(requireOneSlicingArgument:)" of type "Boolean".'
        )
    return ListSize(
        assumed_size=assumed,
        slicing_arguments=_names(arguments.get("slicingArguments"), name, "slicingArguments"),
        sized_fields=_names(arguments.get("sizedFields"), name, "sizedFields"),
        require_one_slicing_argument=require,
    )


def merge_cost(weights: Iterable[int | None]) -> int | None:
    given = [w for w in weights if w is not None]
    return max(given) if given else None


def merge_list_size(applications: Iterable[ListSize | None]) -> ListSize | None:
    distinct: list[ListSize] = []
    for application in applications:
        if application is not None and all(application.key() != d.key() for d in distinct):
            distinct.append(application)
    if len(distinct) <= 1:
        return distinct[0] if distinct else None
    assumed = [d.assumed_size for d in distinct if d.assumed_size is not None]
    return ListSize(
        assumed_size=max(assumed) if assumed else None,
        slicing_arguments=_union(d.slicing_arguments for d in distinct),
        sized_fields=_union(d.sized_fields for d in distinct),
        require_one_slicing_argument=all(d.requires_one for d in distinct),
    )


@dataclass(frozen=True)
class ListField:
    """What the checks need of a field with ``@listSize``."""

    coordinate: str
    type: TypeNode
    arguments: dict[str, str]
    """Argument name → its type, printed."""
    list_size: ListSize


def check_list_size(
    field: ListField, type_kind: Callable[[str], str | None],
    field_type: Callable[[str, str], TypeNode | None],
) -> list[tuple[str, str]]:  # fmt: skip
    """``(code, message)`` for each rule ``field``'s ``@listSize`` breaks. ``type_kind`` gives a
    type's kind in the subgraph, ``field_type`` the type of one of its fields."""
    problems: list[tuple[str, str]] = []
    size, where = field.list_size, field.coordinate
    sized = size.sized_fields or ()
    if not sized and not _is_list(field.type):
        problems.append(("LIST_SIZE_APPLIED_TO_NON_LIST", f'"{where}" is not a list'))
    if size.assumed_size is not None and size.assumed_size < 0:
        problems.append(("LIST_SIZE_INVALID_ASSUMED_SIZE", f'Assumed size of "{where}" cannot be '
                         "negative"))  # fmt: skip
    for argument in size.slicing_arguments or ():
        given = field.arguments.get(argument)
        if given is None:
            message = f'Slicing argument "{argument}" is not an argument of "{where}"'
        elif given not in ("Int", "Int!"):
            message = f'Slicing argument "{where}({argument}:)" must be Int or Int!'
        else:
            continue
        problems.append(("LIST_SIZE_INVALID_SLICING_ARGUMENT", message))
    if not sized:
        return problems
    base = _base(field.type)
    if type_kind(base) not in COMPOSITE_KINDS:
        problems.append(("LIST_SIZE_INVALID_SIZED_FIELD", "Sized fields cannot be used because "
                         f'"{print_ast(field.type)}" is not a composite type'))  # fmt: skip
        return problems
    for name in sized:
        found = field_type(base, name)
        if found is None:
            problems.append(("LIST_SIZE_INVALID_SIZED_FIELD",
                             f'Sized field "{name}" is not a field on type "{base}"'))  # fmt: skip
        elif not _is_list(found):
            problems.append(("LIST_SIZE_APPLIED_TO_NON_LIST",
                             f'Sized field "{base}.{name}" is not a list'))  # fmt: skip
    return problems


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in INT_RANGE


def _names(value: Any, directive: str, argument: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]  # a single value is a list of one
    if not all(isinstance(item, str) for item in items):
        raise CostArgumentError(
            f'Invalid value for "@{directive}({argument}:)" of type "[String!]".'
        )
    return tuple(items)


def _union(lists: Iterable[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    given = [names for names in lists if names is not None]
    if not given:
        return None
    merged: list[str] = []
    for names in given:
        merged += [n for n in names if n not in merged]
    return tuple(merged)


def _is_list(node: TypeNode) -> bool:
    inner = node.type if isinstance(node, NonNullTypeNode) else node
    return isinstance(inner, ListTypeNode)


def _base(node: TypeNode) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    return str(node.name.value)  # type: ignore[attr-defined]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
