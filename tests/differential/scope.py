"""Which response names a merged selection set already holds, so generated fields can merge.

GraphQL requires fields with the same response name in one merged selection set (fragments
included) to be the same field with the same arguments and the same shape
(`FieldsInSetCanMerge`). The generator claims each response name in a :class:`Scope`; a name
already held by another field makes it choose another alias. A named fragment's body is built
in an overlay of the scope where it is first spread, and its overlay (its *shape*) is checked
against any other scope it is spread in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Entry:
    field: str
    arguments: str
    type: str
    child: Scope

    def matches(self, field: str, arguments: str, type_: str) -> bool:
        return (self.field, self.arguments, self.type) == (field, arguments, type_)


class Scope:
    """The response names of one merged selection set, over an optional base scope."""

    def __init__(self, base: Scope | None = None) -> None:
        self.entries: dict[str, Entry] = {}
        self.base = base

    def lookup(self, name: str) -> Entry | None:
        found = self.entries.get(name)
        if found is None and self.base is not None:
            return self.base.lookup(name)
        return found

    def claim(self, name: str, field: str, arguments: str, type_: str) -> Scope | None:
        """Hold ``name`` for that field; its sub-selection's scope, or None if another field
        holds the name."""
        own = self.entries.get(name)
        if own is not None:
            return own.child if own.matches(field, arguments, type_) else None
        inherited = self.base.lookup(name) if self.base is not None else None
        if inherited is not None and not inherited.matches(field, arguments, type_):
            return None
        child = Scope(base=inherited.child if inherited is not None else None)
        self.entries[name] = Entry(field, arguments, type_, child)
        return child

    def fits(self, shape: Scope) -> bool:
        """Whether the fields of ``shape`` (its own entries) merge with this scope's."""
        for name, entry in shape.entries.items():
            held = self.lookup(name)
            if held is None:
                continue
            if not held.matches(entry.field, entry.arguments, entry.type):
                return False
            if not held.child.fits(entry.child):
                return False
        return True

    def absorb(self, shape: Scope) -> None:
        """Hold the names of ``shape`` here too (``fits`` must be true)."""
        for name, entry in shape.entries.items():
            child = self.claim(name, entry.field, entry.arguments, entry.type)
            assert child is not None, name
            child.absorb(entry.child)
