"""Random valid operations over an API schema, reproducible from a seed.

Nested selections to a bounded depth; aliases, the same field under two aliases with
different arguments; arguments as literals and as variables (with values, with defaults, or
left unset); named and inline fragments, on abstract types, their implementations and
overlapping interfaces; ``__typename``; ``@skip``/``@include`` with literals and variables,
sometimes on every selection of a selection set (a field whose every subfield is skipped, a
fragment that ends up empty). Every operation passes graphql-core's validation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TypeVar

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_composite_type,
    is_leaf_type,
    parse,
    validate,
)

from tests.differential.inputs import literal, random_value
from tests.differential.operation import (
    Field,
    Fragment,
    InlineFragment,
    Operation,
    Selection,
    Spread,
)
from tests.differential.scope import Scope

_S = TypeVar("_S", Field, InlineFragment, Spread)
Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


class GeneratorError(RuntimeError):
    """The generator made an operation that does not validate (a bug in the generator)."""


@dataclass(frozen=True)
class Settings:
    max_depth: int = 4
    max_selections: int = 4
    alias: float = 0.15
    twin: float = 0.2
    """A field with arguments selected again under another alias, with other arguments."""
    typename: float = 0.1
    inline_fragment: float = 0.18
    named_fragment: float = 0.12
    reuse_fragment: float = 0.4
    condition: float = 0.12
    skip_all: float = 0.05
    optional_argument: float = 0.4
    variable: float = 0.3
    mutation: float = 0.1


@dataclass
class _State:
    rng: random.Random
    operation: Operation
    shapes: dict[str, Scope] = field(default_factory=dict)
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


class OperationGenerator:
    """``generate(seed)`` is one operation; the same schema and seed give the same text."""

    def __init__(self, schema: GraphQLSchema, settings: Settings | None = None) -> None:
        self.schema = schema
        self.settings = settings or Settings()
        self._spreadable: dict[str, list[str]] = {}

    def generate(self, seed: int) -> Operation:
        rng = random.Random(seed)  # noqa: S311 (reproducible test operations, not secrets)
        root = self.schema.query_type
        kind = "query"
        if self.schema.mutation_type is not None and rng.random() < self.settings.mutation:
            root, kind = self.schema.mutation_type, "mutation"
        assert root is not None
        state = _State(rng, Operation(kind, f"Fuzz{seed}", []))
        state.operation.selections = self.selection_set(state, root, Scope(), 0, 0)
        state.operation.prune_variables()
        text = state.operation.text()
        errors = validate(self.schema, parse(text))
        if errors:
            shown = "\n".join(f"  {e.message}" for e in errors)
            raise GeneratorError(f"generated operation does not validate:\n{text}\n{shown}")
        return state.operation

    def selection_set(
        self, state: _State, parent: Composite, scope: Scope, depth: int, nesting: int
    ) -> list[Selection]:
        count = state.rng.randint(1, max(1, self.settings.max_selections - depth))
        selections: list[Selection] = []
        for _ in range(count):
            selections.extend(self.selection(state, parent, scope, depth, nesting))
        if not selections:
            selections.append(Field("__typename"))
        if state.rng.random() < self.settings.skip_all:
            condition = self.condition(state, applies=False)
            for selection in selections:
                _add_directive(selection, condition)
        return selections

    def selection(
        self, state: _State, parent: Composite, scope: Scope, depth: int, nesting: int
    ) -> list[Selection]:
        settings, roll = self.settings, state.rng.random()
        fragments = nesting < 2
        if fragments and roll < settings.inline_fragment:
            return [self.inline_fragment(state, parent, scope, depth, nesting)]
        roll -= settings.inline_fragment
        if fragments and roll < settings.named_fragment:
            return [self.spread(state, parent, scope, depth, nesting)]
        roll -= settings.named_fragment
        if isinstance(parent, GraphQLUnionType) or roll < settings.typename:
            return [self.with_condition(state, Field("__typename"))]
        return self.fields(state, parent, scope, depth)

    def fields(
        self,
        state: _State,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        scope: Scope,
        depth: int,
    ) -> list[Selection]:
        candidates = sorted(parent.fields.items())
        if depth >= self.settings.max_depth:
            candidates = [(n, f) for n, f in candidates if is_leaf_type(get_named_type(f.type))]
        if not candidates:
            return [Field("__typename")]
        name, definition = state.rng.choice(candidates)
        chosen: list[Selection] = [self.field(state, name, definition, scope, depth)]
        if definition.args and state.rng.random() < self.settings.twin:
            chosen.append(self.field(state, name, definition, scope, depth, alias=True))
        return chosen

    def field(
        self,
        state: _State,
        name: str,
        definition: GraphQLField,
        scope: Scope,
        depth: int,
        alias: bool = False,
    ) -> Field:
        arguments = self.arguments(state, definition.args)
        key = ", ".join(f"{n}: {v}" for n, v in arguments)
        response = name
        if alias or state.rng.random() < self.settings.alias:
            response = state.fresh(f"{name}_")
        type_ = str(definition.type)
        child = scope.claim(response, name, key, type_)
        if child is None:
            response = state.fresh(f"{name}_")
            child = scope.claim(response, name, key, type_)
            assert child is not None
        selected = Field(name, response if response != name else None, arguments)
        named = get_named_type(definition.type)
        if is_composite_type(named):
            assert isinstance(named, Composite)
            selected.selections = self.selection_set(state, named, child, depth + 1, 0)
        return self.with_condition(state, selected)

    def inline_fragment(
        self, state: _State, parent: Composite, scope: Scope, depth: int, nesting: int
    ) -> Selection:
        options: list[str | None] = [None, *self.spreadable(parent)]
        condition = state.rng.choice(options)
        target = parent if condition is None else self.schema.type_map[condition]
        assert isinstance(target, Composite)
        selections = self.selection_set(state, target, scope, depth, nesting + 1)
        return self.with_condition(state, InlineFragment(condition, selections))

    def spread(
        self, state: _State, parent: Composite, scope: Scope, depth: int, nesting: int
    ) -> Selection:
        spreadable = set(self.spreadable(parent))
        reusable = [
            f.name
            for f in state.operation.fragments
            if f.type_condition in spreadable and scope.fits(state.shapes[f.name])
        ]
        if reusable and state.rng.random() < self.settings.reuse_fragment:
            name = state.rng.choice(reusable)
            scope.absorb(state.shapes[name])
            return self.with_condition(state, Spread(name))
        condition = state.rng.choice(sorted(spreadable))
        target = self.schema.type_map[condition]
        assert isinstance(target, Composite)
        shape = Scope(base=scope)
        name = state.fresh("F")
        selections = self.selection_set(state, target, shape, depth, nesting + 1)
        scope.absorb(shape)
        state.shapes[name] = shape
        state.operation.fragments.append(Fragment(name, condition, selections))
        return self.with_condition(state, Spread(name))

    def spreadable(self, parent: Composite) -> list[str]:
        """Type conditions a fragment may have inside a selection on ``parent``: every
        composite type whose possible types overlap the parent's."""
        found = self._spreadable.get(parent.name)
        if found is None:
            mine = {t.name for t in self._possible(parent)}
            found = sorted(
                name
                for name, other in self.schema.type_map.items()
                if not name.startswith("__")
                and isinstance(other, Composite)
                and mine & {t.name for t in self._possible(other)}
            )
            self._spreadable[parent.name] = found
        return found

    def _possible(self, graphql_type: Composite) -> list[GraphQLObjectType]:
        if isinstance(graphql_type, GraphQLObjectType):
            return [graphql_type]
        return list(self.schema.get_possible_types(graphql_type))

    def arguments(
        self, state: _State, arguments: dict[str, GraphQLArgument]
    ) -> list[tuple[str, str]]:
        chosen = []
        for name, argument in sorted(arguments.items()):
            required = (
                isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
            )
            if required or state.rng.random() < self.settings.optional_argument:
                chosen.append((name, self.argument_value(state, argument)))
        return chosen

    def argument_value(self, state: _State, argument: GraphQLArgument) -> str:
        value = random_value(state.rng, argument.type)
        if state.rng.random() >= self.settings.variable:
            return literal(value, argument.type)
        name = state.fresh("a")
        default = None
        nullable = not isinstance(argument.type, GraphQLNonNull)
        if nullable and state.rng.random() < 0.2:
            default = literal(random_value(state.rng, argument.type), argument.type)
        state.operation.variables.append((name, str(argument.type), default))
        if not (nullable and state.rng.random() < 0.25):
            state.operation.values[name] = value
        return f"${name}"

    def with_condition(self, state: _State, selection: _S) -> _S:
        if state.rng.random() < self.settings.condition:
            _add_directive(selection, self.condition(state, state.rng.random() < 0.5))
        return selection

    def condition(self, state: _State, applies: bool) -> str:
        """``@skip`` or ``@include`` that keeps (``applies``) or removes the selection."""
        skip = state.rng.random() < 0.5
        value = not applies if skip else applies
        if state.rng.random() < 0.6:
            argument = "true" if value else "false"
        else:
            argument = f"${state.fresh('c')}"
            state.operation.variables.append((argument[1:], "Boolean!", None))
            state.operation.values[argument[1:]] = value
        return f"@{'skip' if skip else 'include'}(if: {argument})"


def _add_directive(selection: Selection, directive: str) -> None:
    """Add ``directive``, replacing one of the same name (each may appear once)."""
    name = directive.partition("(")[0]
    selection.directives[:] = [d for d in selection.directives if d.partition("(")[0] != name]
    selection.directives.append(directive)
