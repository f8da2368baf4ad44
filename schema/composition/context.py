"""``@context`` and ``@fromContext`` (Federation 2.8): a field's argument taken from an ancestor.

A type sets a context (``@context(name: "market")``); an argument of a field further down reads
a value of it (``@fromContext(field: "$market { currency }")``). Within one subgraph the names
must be valid, every context read must be set, and the selection must name exactly one value
of the argument's type on every type setting the context (or one per type condition). The
supergraph names each context after its subgraph (``storefront__market``), keeps ``@context``
on the types, records the selection in ``@join__field(contextArguments:)`` and leaves the
argument out: the router supplies it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    TypeNode,
    parse,
    print_ast,
)

from schema.composition.errors import CompositionError, CompositionHint
from schema.composition.subgraph import ArgumentDef, FieldDef, Subgraph, TypeDef
from schema.composition.supergraph import ContextArgument

Report = Callable[[CompositionError], None]
Hint = Callable[[CompositionHint], None]

# What may precede the ``$`` and the name: GraphQL's ignored characters and comments.
_IGNORED = r"(?:[\n\r\t ,]|#[^\n\r]*)*"
_FIELD_VALUE = re.compile(rf"^{_IGNORED}\${_IGNORED}([A-Za-z_]\w*)([\s\S]*)$")
_CONTEXT_NAME = re.compile(r"[A-Za-z]\w*")


def parse_context(field_value: str) -> tuple[str | None, str | None]:
    """``"$market { currency }"`` → ``("market", " { currency }")``; the selection is kept as
    written, for the supergraph records it so."""
    match = _FIELD_VALUE.match(field_value)
    if match is None:
        return None, None
    return match.group(1), match.group(2)


def context_arguments(subgraph: Subgraph, field: FieldDef) -> list[ContextArgument]:
    """The ``contextArguments`` of ``field``'s ``@join__field`` in ``subgraph``."""
    found = []
    for argument in field.arguments.values():
        if argument.from_context is None or argument.type is None:
            continue
        context, selection = parse_context(argument.from_context)
        if context and selection:
            found.append(ContextArgument(f"{subgraph.name}__{context}", argument.name,
                                         print_ast(argument.type), selection))  # fmt: skip
    return found


def supergraph_contexts(subgraph: Subgraph, typedef: TypeDef) -> list[str]:
    """The names of the contexts ``typedef`` sets, as the supergraph writes them."""
    return [f"{subgraph.name}__{name}" for name in typedef.contexts]


@dataclass(frozen=True)
class ArgumentSource:
    """One subgraph's definition of a field, as the merge sees it."""

    subgraph: Subgraph
    field: FieldDef


def contextual_argument_names(
    coordinate: str, sources: Iterable[ArgumentSource], report: Report, hint: Hint
) -> set[str]:
    """Arguments some subgraph reads from a context: the supergraph leaves them out. Where
    another subgraph takes the argument from the client, it must be optional there."""
    sources = list(sources)
    contextual = {name for s in sources for name, a in s.field.arguments.items()
                  if a.from_context is not None}  # fmt: skip
    for name in sorted(contextual):
        where = f"{coordinate}({name}:)"
        for source in sources:
            argument = source.field.arguments.get(name)
            if argument is None or argument.from_context is not None:
                continue
            if isinstance(argument.type, NonNullTypeNode) and argument.default is None:
                report(CompositionError(
                    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
                    f'Argument "{where}" is contextual in at least one subgraph but in "{where}" '
                    "it does not have @fromContext, is not nullable and has no default value.",
                    (source.subgraph.location(argument),),
                ))  # fmt: skip
            else:
                hint(CompositionHint(
                    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
                    f'Contextual argument "{where}" will not be included in the supergraph since '
                    "it is contextual in at least one subgraph",
                ))  # fmt: skip
    return contextual


# -- one subgraph ------------------------------------------------------------------------------


def check_contexts(subgraph: Subgraph, report: Report) -> None:
    """The rules of ``@context`` and ``@fromContext`` within one subgraph."""
    setters = _context_setters(subgraph, report)
    _check_directive_definitions(subgraph, report)
    for t in subgraph.types.values():
        for f in t.fields.values():
            for argument in f.arguments.values():
                if argument.from_context is not None:
                    _check_argument(subgraph, setters, t, f, argument, report)


def _context_setters(subgraph: Subgraph, report: Report) -> dict[str, list[TypeDef]]:
    setters: dict[str, list[TypeDef]] = {}
    for t in subgraph.types.values():
        for name in t.contexts:
            if "_" in name:
                message = f'Context name "{name}" may not contain an underscore.'
            elif not _CONTEXT_NAME.fullmatch(name):
                message = (f'Context name "{name}" is invalid. It should have only alphanumeric '
                           "characters.")  # fmt: skip
            else:
                message = ""
            if message:
                report(CompositionError("CONTEXT_NAME_INVALID", f"[{subgraph.name}] {message}",
                                        (subgraph.location(t),)))  # fmt: skip
            setters.setdefault(name, []).append(t)
    return setters


def _check_directive_definitions(subgraph: Subgraph, report: Report) -> None:
    from_context = {local for local, role in subgraph.directive_roles.items()
                    if role == "fromContext"}  # fmt: skip
    for name, definition in subgraph.directive_definitions.items():
        for argument in definition.arguments or ():
            if any(d.name.value in from_context for d in argument.directives or ()):
                report(CompositionError(
                    "CONTEXT_NOT_SET",
                    f"[{subgraph.name}] @fromContext argument cannot be used on a directive "
                    f'definition "@{name}({argument.name.value}:)".', (subgraph.location(),),
                ))  # fmt: skip


def _check_argument(
    subgraph: Subgraph, setters: dict[str, list[TypeDef]], t: TypeDef, f: FieldDef,
    argument: ArgumentDef, report: Report,
) -> None:  # fmt: skip
    coordinate = f"{t.name}.{f.name}({argument.name}:)"

    def error(code: str, message: str) -> None:
        report(CompositionError(code, f"[{subgraph.name}] {message}",
                                (subgraph.location(argument),)))  # fmt: skip

    if t.kind != "object":
        error("CONTEXT_NOT_SET", "@fromContext argument cannot be used on a field that exists "
              f'on an abstract type "{coordinate}".')  # fmt: skip
        return
    for name in t.interfaces:
        interface = subgraph.types.get(name)
        if interface is not None and f.name in interface.fields:
            error("CONTEXT_NOT_SET", "@fromContext argument cannot be used on a field "
                  f'implementing an interface field "{name}.{f.name}".')  # fmt: skip
    if argument.default is not None:
        error(
            "CONTEXT_NOT_SET",
            f'@fromContext arguments may not have a default value: "{coordinate}".',
        )
    field_value = argument.from_context or ""
    context, selection = parse_context(field_value)
    if not context or not selection:
        error(
            "NO_CONTEXT_IN_SELECTION",
            f'@fromContext argument does not reference a context "{field_value}".',
        )
        return
    if context not in setters:
        error(
            "CONTEXT_NOT_SET",
            f'Context "{context}" is used at location "{coordinate}" but is never set.',
        )
    elif argument.type is not None:
        check = _SelectionCheck(subgraph, context, coordinate, argument.type)
        for message in check.run(selection, setters[context]):
            error("CONTEXT_INVALID_SELECTION", message)
    if not any(key.resolvable for key in t.keys):
        report(CompositionError(
            "CONTEXT_NO_RESOLVABLE_KEY",
            f'[{subgraph.name}] Object "{t.name}" has no resolvable key but has a field with a '
            "contextual argument.", (subgraph.location(t),),
        ))  # fmt: skip


class _SelectionError(Exception):
    """The selection does not apply to a type setting the context."""


class _SelectionCheck:
    """Whether a ``@fromContext`` selection names one value of the argument's type on every
    type that sets the context: one field (with sub-fields down to one leaf), or one inline
    fragment per object type that may set it."""

    def __init__(self, subgraph: Subgraph, context: str, coordinate: str, expected: TypeNode):
        self.subgraph = subgraph
        self.expected = expected
        self.prefix = f'Context "{context}" is used in "{coordinate}" but the selection is invalid'
        self.problems: list[str] = []

    def run(self, selection: str, setters: list[TypeDef]) -> list[str]:
        try:
            nodes = _parse_selection(selection)
        except GraphQLError as error:
            return [f"{self.prefix}: {error.message}"]
        shape = self._shape(nodes)
        if shape is None:
            return self.problems
        used: set[str] = set()
        for setter in setters:
            if not self._check_setter(setter, nodes, shape, used):
                return self.problems
        if shape == "fragments":
            conditions = [n.type_condition.name.value for n in nodes
                          if isinstance(n, InlineFragmentNode) and n.type_condition]  # fmt: skip
            self.problems += [f'{self.prefix}: type condition "{c}" is never used.'
                              for c in conditions if c not in used]  # fmt: skip
        return self.problems

    def _shape(self, nodes: list[SelectionNode]) -> str | None:
        """``field`` or ``fragments``; None (with the problem noted) when neither."""
        conditions = {n.type_condition.name.value for n in nodes
                      if isinstance(n, InlineFragmentNode) and n.type_condition}  # fmt: skip
        if not nodes:
            problem = "no selection is made"
        elif isinstance(nodes[0], FieldNode):
            if len(nodes) == 1:
                return "field"
            problem = "multiple selections are made"
        elif isinstance(nodes[0], FragmentSpreadNode):
            problem = "fragment spread is not allowed"
        elif not all(isinstance(n, InlineFragmentNode) for n in nodes):
            problem = "multiple fields could be selected"
        elif len(conditions) != len(nodes):
            problem = "type conditions have same name"
        else:
            return "fragments"
        self._problem(problem)
        return None

    def _problem(self, what: str) -> None:
        self.problems.append(f"{self.prefix}: {what}")

    def _check_setter(
        self, setter: TypeDef, nodes: list[SelectionNode], shape: str, used: set[str]
    ) -> bool:
        """Check the selection on one type setting the context; False to stop checking."""
        try:
            _walk(self.subgraph, setter, nodes)
        except _SelectionError as error:
            self.problems.append(f"{self.prefix} for type {setter.name}. Error: {error}")
            return False
        if _has(nodes, lambda n: bool(n.directives)):
            self._problem("directives are not allowed in the selection")
        if _has(nodes, lambda n: isinstance(n, FieldNode) and n.alias is not None):
            self._problem("aliases are not allowed in the selection")
        if shape == "field":
            return self._matches(self._value_type(setter, nodes))
        matching = []
        for node in nodes:
            assert isinstance(node, InlineFragmentNode)
            assert node.type_condition is not None
            condition = self.subgraph.types.get(node.type_condition.name.value)
            if condition is None or condition.kind != "object":
                self._problem("type conditions must be an object type")
            elif condition.name in _runtime_types(self.subgraph, setter):
                matching.append((condition, node))
                used.add(condition.name)
        if not matching:
            self._problem(f'no type condition matches the location "{setter.name}"')
            return False
        return all(self._matches(self._value_type(condition, list(node.selection_set.selections)))
                   for condition, node in matching)  # fmt: skip

    def _matches(self, found: str | None) -> bool:
        if found is None or not _fits(found, self.expected):
            wanted = print_ast(self.expected)
            self._problem(f'the type of the selection "{found}" does not match the expected type '
                          f'"{wanted}"')  # fmt: skip
            return False
        return True

    def _value_type(self, parent: TypeDef, nodes: Iterable[SelectionNode]) -> str | None:
        """The type of the one value the selection names, nullable at every level (as a
        context may be set where the value is missing), or None when it names several."""
        if parent.interface_object:
            self._problem(
                f'One of the types in the selection is an interfaceObject: "{parent.name}"'
            )
        found: list[str | None] = []
        for node in nodes:
            f = parent.fields.get(node.name.value) if isinstance(node, FieldNode) else None
            if f is None or f.type is None:
                found.append(None)
                continue
            child = self.subgraph.types.get(_named(f.type))
            if isinstance(node, FieldNode) and node.selection_set and child is not None:
                inner = self._value_type(child, node.selection_set.selections)
                found.append(None if inner is None else _wrap_lists(f.type, inner))
            else:
                found.append(_wrap_lists(f.type, _named(f.type)))
        return found[0] if found and all(t == found[0] for t in found) else None


def _parse_selection(selection: str) -> list[SelectionNode]:
    source = selection if selection.strip().startswith("{") else "{" + selection + "}"
    document = parse(source)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return list(operation.selection_set.selections)


def _walk(subgraph: Subgraph, parent: TypeDef, nodes: Iterable[SelectionNode]) -> None:
    """Raise :class:`_SelectionError` if the selection does not apply to ``parent``."""
    for node in nodes:
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else parent.name
            target = subgraph.types.get(condition)
            if target is None:
                raise _SelectionError(f'Unknown type "{condition}".')
            _walk(subgraph, target, node.selection_set.selections)
        elif isinstance(node, FieldNode):
            f = parent.fields.get(node.name.value)
            if f is None or f.type is None:
                raise _SelectionError(
                    f'Cannot query field "{node.name.value}" on type "{parent.name}".'
                )
            child = subgraph.types.get(_named(f.type))
            composite = child is not None and child.kind in ("object", "interface", "union")
            if node.selection_set is not None and not composite:
                raise _SelectionError(f'Field "{parent.name}.{f.name}" cannot have a selection '
                                        "set since it is not a composite type.")  # fmt: skip
            if node.selection_set is None and composite:
                raise _SelectionError(f'Field "{parent.name}.{f.name}" of composite type must '
                                        "have a selection set.")  # fmt: skip
            if node.selection_set is not None and child is not None:
                _walk(subgraph, child, node.selection_set.selections)
        else:
            raise _SelectionError("fragment spread is not allowed")


def _has(nodes: Iterable[SelectionNode], predicate: Callable[[SelectionNode], bool]) -> bool:
    for node in nodes:
        if predicate(node):
            return True
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None and _has(selection_set.selections, predicate):
            return True
    return False


def _runtime_types(subgraph: Subgraph, t: TypeDef) -> set[str]:
    if t.kind == "union":
        return set(t.members)
    if t.kind == "interface":
        return {o.name for o in subgraph.types.values() if t.name in o.interfaces}
    return {t.name}


def _named(node: TypeNode) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def _wrap_lists(node: TypeNode, inner: str) -> str:
    """``inner`` in the list levels of ``node``, every level nullable: ``[[String!]!]`` and
    ``String`` give ``[[String]]``."""
    if isinstance(node, NonNullTypeNode):
        return _wrap_lists(node.type, inner)
    if isinstance(node, ListTypeNode):
        return f"[{_wrap_lists(node.type, inner)}]"
    return inner


def _fits(found: str, expected: TypeNode) -> bool:
    """Whether a value of the nullable type ``found`` fits the argument type ``expected``:
    the same type, with nullable levels only (the router passes what the context holds)."""
    if isinstance(expected, NonNullTypeNode):
        return False
    if isinstance(expected, ListTypeNode):
        return found.startswith("[") and _fits(found[1:-1], expected.type)
    return not found.startswith("[") and found == _named(expected)


# -- what the selections use --------------------------------------------------------------------


def fields_used_by_contexts(subgraph: Subgraph) -> set[tuple[str, str]]:
    """``(type, field)`` pairs some ``@fromContext`` selection reads: an ``@external`` field
    so read has a use."""
    setters: dict[str, list[TypeDef]] = {}
    for t in subgraph.types.values():
        for name in t.contexts:
            setters.setdefault(name, []).append(t)
    used: set[tuple[str, str]] = set()
    for t in subgraph.types.values():
        for f in t.fields.values():
            for argument in f.arguments.values():
                context, selection = parse_context(argument.from_context or "")
                if not context or not selection or context not in setters:
                    continue
                try:
                    nodes = _parse_selection(selection)
                except GraphQLError:
                    continue
                for setter in setters[context]:
                    _collect(subgraph, setter, nodes, used)
    return used


def _collect(subgraph: Subgraph, parent: TypeDef, nodes: Iterable[SelectionNode],
             used: set[tuple[str, str]]) -> None:  # fmt: skip
    for node in nodes:
        if isinstance(node, InlineFragmentNode):
            name = node.type_condition.name.value if node.type_condition else parent.name
            target = subgraph.types.get(name)
            if target is not None:
                _collect(subgraph, target, node.selection_set.selections, used)
        elif isinstance(node, FieldNode) and node.name.value in parent.fields:
            f = parent.fields[node.name.value]
            used.add((parent.name, f.name))
            if parent.kind == "interface":
                used |= {(o, f.name) for o in _runtime_types(subgraph, parent)}
            child = subgraph.types.get(_named(f.type)) if f.type is not None else None
            if node.selection_set is not None and child is not None:
                _collect(subgraph, child, node.selection_set.selections, used)
