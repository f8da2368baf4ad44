"""A generated operation: a small tree of selections, printed as a GraphQL document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Field:
    name: str
    alias: str | None = None
    arguments: list[tuple[str, str]] = field(default_factory=list)
    """``(name, literal or $variable)``."""
    directives: list[str] = field(default_factory=list)
    selections: list[Selection] | None = None

    @property
    def response_name(self) -> str:
        return self.alias or self.name


@dataclass
class InlineFragment:
    type_condition: str | None
    selections: list[Selection]
    directives: list[str] = field(default_factory=list)


@dataclass
class Spread:
    name: str
    directives: list[str] = field(default_factory=list)


Selection = Field | InlineFragment | Spread


@dataclass
class Fragment:
    name: str
    type_condition: str
    selections: list[Selection]


@dataclass
class Operation:
    kind: str
    """``query`` or ``mutation``."""
    name: str
    selections: list[Selection]
    variables: list[tuple[str, str, str | None]] = field(default_factory=list)
    """``(name, type, default literal)``."""
    values: dict[str, Any] = field(default_factory=dict)
    """The variables' values sent with the request (a variable may have none)."""
    fragments: list[Fragment] = field(default_factory=list)

    def prune_variables(self) -> None:
        """Forget variables that no selection uses any more."""
        body = "\n".join(_print(self.selections, 0))
        body += "\n".join("\n".join(_print(f.selections, 0)) for f in self.fragments)
        used = set(re.findall(r"\$(\w+)", body))
        self.variables = [v for v in self.variables if v[0] in used]
        self.values = {k: v for k, v in self.values.items() if k in used}

    def text(self) -> str:
        declared = ""
        if self.variables:
            parts = [
                f"${name}: {type_}" + (f" = {default}" if default is not None else "")
                for name, type_, default in self.variables
            ]
            declared = "(" + ", ".join(parts) + ")"
        lines = [f"{self.kind} {self.name}{declared} {{", *_print(self.selections, 1), "}"]
        for fragment in self.fragments:
            lines.append("")
            lines.append(f"fragment {fragment.name} on {fragment.type_condition} {{")
            lines.extend(_print(fragment.selections, 1))
            lines.append("}")
        return "\n".join(lines) + "\n"


def _print(selections: list[Selection], depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    for selection in selections:
        directives = "".join(f" {d}" for d in selection.directives)
        if isinstance(selection, Spread):
            lines.append(f"{pad}...{selection.name}{directives}")
            continue
        if isinstance(selection, InlineFragment):
            condition = f" on {selection.type_condition}" if selection.type_condition else ""
            lines.append(f"{pad}...{condition}{directives} {{")
            lines.extend(_print(selection.selections, depth + 1))
            lines.append(f"{pad}}}")
            continue
        head = f"{selection.alias}: " if selection.alias else ""
        head += selection.name
        if selection.arguments:
            head += "(" + ", ".join(f"{n}: {v}" for n, v in selection.arguments) + ")"
        head += directives
        if selection.selections is None:
            lines.append(pad + head)
        else:
            lines.append(f"{pad}{head} {{")
            lines.extend(_print(selection.selections, depth + 1))
            lines.append(f"{pad}}}")
    return lines
