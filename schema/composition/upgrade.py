"""Federation 1 subgraphs read as the Federation 2 subgraphs they mean.

A subgraph with no federation ``@link`` follows Federation 1's rules, which composition keeps
by rewriting it before anything else looks at it, as Apollo's composition does:

- a type extension (``extend type``, or a type with ``@extends``) of an entity lists its key
  fields ``@external``, yet resolves them: the ``@external`` goes (when the extension has no key,
  from the fields of the first key another subgraph gives the type), and the extension becomes
  a definition (``@extends`` stays, and the supergraph records it as ``extension: true``);
- ``@external`` on interface fields and on object types meant nothing, and goes;
- ``@key`` on interfaces and ``@provides``/``@requires`` on interface fields were ignored, and
  go, as do ``@provides`` on fields of a leaf type and the parts of a ``@provides`` or
  ``@requires`` that select fields the subgraph resolves itself;
- external fields nothing uses go;
- Federation 1 let subgraphs share fields freely: a field of an entity or a root type that
  another subgraph resolves too becomes ``@shareable``, and so does every value type (neither
  entity nor root) that another subgraph defines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from schema.composition.errors import CompositionError
from schema.composition.fieldsets import (
    FieldSetError,
    Selection,
    parse_field_set,
    print_field_set,
)
from schema.composition.links import FEDERATION_1
from schema.composition.metadata import (
    apply_federation_semantics,
    implementations,
    named,
)
from schema.composition.subgraph import FieldDef, Subgraph, TypeDef

Report = Callable[[CompositionError], None]
ROOT_TYPES = ("Query", "Mutation", "Subscription")
COMPOSITE_KINDS = ("object", "interface", "union")


@dataclass
class _Original:
    """What the upgrade of one subgraph needs to know of the others, as they were written."""

    first_key_fields: dict[str, set[str]] = field(default_factory=dict)
    """Type → the top-level fields of its first key."""
    resolved: dict[str, set[str]] = field(default_factory=dict)
    """Object or interface type → the fields the subgraph resolves, at least in part."""
    defined: set[str] = field(default_factory=set)
    """Object and interface types the subgraph defines (not only extends)."""
    tags: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(type, field) → the tags of a field the subgraph resolves."""


def upgrade_subgraphs(subgraphs: list[Subgraph], report: Report) -> None:
    """Rewrite each Federation 1 subgraph in place; every subgraph's field semantics are set."""
    for subgraph in subgraphs:
        apply_federation_semantics(subgraph)
    if all(s.federation_version > FEDERATION_1 for s in subgraphs):
        return
    originals = {s.name: _original(s) for s in subgraphs}
    for subgraph in subgraphs:
        if subgraph.federation_version == FEDERATION_1:
            others = [o for name, o in originals.items() if name != subgraph.name]
            _Upgrade(subgraph, others, report).run()
            apply_federation_semantics(subgraph)


def _original(subgraph: Subgraph) -> _Original:
    original = _Original()
    for t in subgraph.types.values():
        if t.kind not in ("object", "interface"):
            continue
        if t.defined:
            original.defined.add(t.name)
        if t.keys:
            original.first_key_fields[t.name] = _top_level(t.keys[0].fields)
        original.resolved[t.name] = {f.name for f in t.fields.values()
                                     if not f.external or f.provided}  # fmt: skip
        for f in t.fields.values():
            if not f.marked_external:
                original.tags[(t.name, f.name)] = list(f.tags)
    return original


def _top_level(field_set: str) -> set[str]:
    try:
        return {s.name for s in parse_field_set(field_set) if s.name}
    except FieldSetError:
        return set()


class _Upgrade:
    def __init__(self, subgraph: Subgraph, others: list[_Original], report: Report) -> None:
        self.subgraph = subgraph
        self.others = others
        self.report = report
        # Before any change: which fields were shareable as written (Federation 1 knows no
        # @shareable, so these are the key fields and the provided external fields).
        self.shareable = {(t.name, f.name) for t in subgraph.types.values()
                          for f in t.fields.values() if f.shareable}  # fmt: skip

    def run(self) -> None:
        types = list(self.subgraph.types.values())
        extensions = [t for t in types if _is_type_extension(t) or _is_root_extension(t)]
        for t in types:
            if _is_type_extension(t) and not _is_root_extension(t):
                self._check_base(t)
            if t.kind == "interface":
                for f in t.fields.values():
                    f.marked_external = False
            t.marked_external = False
        for t in extensions:
            self._unmark_extension_keys(t)
        self._drop_inactive_provides_and_requires()
        for t in extensions:
            t.extended, t.defined = False, True
            for key in t.keys:
                key.extension = False
        self._drop_interface_directives()
        apply_federation_semantics(self.subgraph)
        self._drop_unused_externals()
        self._add_shareable()
        self._drop_tags_on_externals()

    def _check_base(self, t: TypeDef) -> None:
        if any(t.name in other.defined for other in self.others):
            return
        self.report(CompositionError(
            "EXTENSION_WITH_NO_BASE",
            f'[{self.subgraph.name}] Type "{t.name}" is an extension type, but there is no type '
            f'definition for "{t.name}" in any subgraph.', (self.subgraph.location(t),),
        ))  # fmt: skip

    def _unmark_extension_keys(self, t: TypeDef) -> None:
        if t.keys:
            names = set().union(*(_top_level(key.fields) for key in t.keys))
        else:
            names = set().union(*(o.first_key_fields.get(t.name, set()) for o in self.others))
        for name in names:
            if name in t.fields:
                t.fields[name].marked_external = False

    def _drop_inactive_provides_and_requires(self) -> None:
        for t in self.subgraph.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for f in t.fields.values():
                if f.provides is not None:
                    f.provides = self._active(named(f.type), f.provides)
                if f.requires is not None:
                    f.requires = self._active(t.name, f.requires)

    def _active(self, type_name: str, field_set: str) -> str | None:
        """``field_set`` without the leaf fields the subgraph resolves (None if nothing is left)."""
        try:
            selections = parse_field_set(field_set)
        except FieldSetError:
            return field_set  # validation reports it
        t = self.subgraph.types.get(type_name)
        if t is None or not self._exists(t, selections):
            return field_set  # validation reports it
        kept = self._external_part(t, selections)
        return print_field_set(kept) if kept else None

    def _exists(self, t: TypeDef, selections: list[Selection]) -> bool:
        for selection in selections:
            if selection.name:
                f = t.fields.get(selection.name)
                if f is None:
                    return False
                target = self.subgraph.types.get(named(f.type))
            else:
                target = self.subgraph.types.get(selection.type_condition or t.name)
            if not selection.children:
                continue
            if target is None or not self._exists(target, selection.children):
                return False
        return True

    def _external_part(self, t: TypeDef, selections: list[Selection]) -> list[Selection]:
        kept = []
        for selection in selections:
            if selection.name and self._marked_external(t, selection.name):
                kept.append(selection)
                continue
            if not selection.children:
                continue
            if selection.name:
                f = t.fields.get(selection.name)
                target = self.subgraph.types.get(named(f.type)) if f is not None else None
            else:
                target = self.subgraph.types.get(selection.type_condition or t.name)
            children = self._external_part(target, selection.children) if target else []
            if children:
                kept.append(Selection(selection.name, selection.has_arguments, children,
                                      selection.type_condition, selection.arguments))  # fmt: skip
        return kept

    def _marked_external(self, t: TypeDef, name: str) -> bool:
        f = t.fields.get(name)
        if f is not None and f.marked_external:
            return True
        return t.kind == "interface" and any(
            name in i.fields and i.fields[name].marked_external
            for i in implementations(self.subgraph, t.name)
        )

    def _drop_interface_directives(self) -> None:
        for t in self.subgraph.types.values():
            if t.kind == "interface":
                t.keys = []
                for f in t.fields.values():
                    f.provides = f.requires = None
            elif t.kind == "object":
                for f in t.fields.values():
                    target = self.subgraph.types.get(named(f.type))
                    if target is None or target.kind not in COMPOSITE_KINDS:
                        f.provides = None

    def _drop_unused_externals(self) -> None:
        for t in list(self.subgraph.types.values()):
            if t.kind not in ("object", "interface"):
                continue
            kept = {n: f for n, f in t.fields.items() if not (f.external and not f.used)}
            if len(kept) == len(t.fields):
                continue
            t.fields = kept
            if kept:
                continue
            if self._referenced(t.name):
                self.report(CompositionError(
                    "TYPE_WITH_ONLY_UNUSED_EXTERNAL",
                    f"[{self.subgraph.name}] Type {t.name} contains only external fields and all "
                    "those fields are all unused (they do not appear in any @key, @provides or "
                    "@requires).", (self.subgraph.location(t),),
                ))  # fmt: skip
            else:
                del self.subgraph.types[t.name]

    def _referenced(self, type_name: str) -> bool:
        for t in self.subgraph.types.values():
            if type_name in t.members or type_name in t.interfaces:
                return True
            for f in t.fields.values():
                if named(f.type) == type_name:
                    return True
                if any(named(a.type) == type_name for a in f.arguments.values()):
                    return True
        return False

    def _add_shareable(self) -> None:
        for t in self.subgraph.types.values():
            if t.kind != "object" or t.name == "Subscription":
                continue
            if t.keys or t.name in ROOT_TYPES:
                for f in t.fields.values():
                    if (t.name, f.name) not in self.shareable and self._resolved_elsewhere(t, f):
                        f.marked_shareable = True
            elif any(t.name in o.resolved for o in self.others):
                for f in t.fields.values():
                    f.marked_shareable = True

    def _resolved_elsewhere(self, t: TypeDef, f: FieldDef) -> bool:
        return any(f.name in o.resolved.get(t.name, ()) for o in self.others)

    def _drop_tags_on_externals(self) -> None:
        """A tag on an external field is dropped where a field another subgraph resolves has
        it: the supergraph gets it from there."""
        for t in self.subgraph.types.values():
            for f in t.fields.values():
                if f.marked_external and f.tags:
                    elsewhere = {tag for o in self.others
                                 for tag in o.tags.get((t.name, f.name), [])}  # fmt: skip
                    f.tags = [tag for tag in f.tags if tag not in elsewhere]


def _is_type_extension(t: TypeDef) -> bool:
    """A type extension in Federation 1's sense: an object or interface that the subgraph
    only extends (or marks ``@extends``)."""
    return (t.kind in ("object", "interface") and (t.extended or t.extends)
            and (t.extends or not t.defined))  # fmt: skip


def _is_root_extension(t: TypeDef) -> bool:
    return (t.kind == "object" and t.name in ROOT_TYPES
            and (t.extends or (t.extended and not t.defined)))  # fmt: skip
