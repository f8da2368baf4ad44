"""Walk the operation and decide, field by field, which subgraph fetch resolves it.

The result is a *fetch graph*: drafts of subgraph operations with the response path they apply
to and the fetches they depend on. A field the current subgraph can resolve joins the current
fetch; any other field is reached through an entity fetch (``_entities``) on a subgraph that
can resolve it, keyed by fields the current fetch also selects. ``@requires`` fields are
planned the same way, before the fetch that needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from graphql import DirectiveNode, print_ast

from router.planning.context import add_context_inputs, plan_context_inputs
from router.planning.errors import PlanningError
from router.planning.operation import (
    Field,
    InlineFragment,
    Operation,
    Selection,
    internal_alias,
    merge_all,
    merge_into,
    print_selections,
)
from router.planning.plan import ContextRewrite
from router.planning.schema_index import SchemaIndex, Source

ROOT_TYPES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
TYPENAME = Field("__typename")


@dataclass
class FetchDraft:
    id: int
    graph: str
    path: tuple[str, ...]
    kind: str
    """``query`` or ``mutation`` for a root fetch, ``entity`` for an ``_entities`` fetch."""
    conditions: tuple[DirectiveNode, ...] = ()
    selections: list[Selection] = field(default_factory=list)
    requires: list[Selection] = field(default_factory=list)
    typename_for: dict[str, str] = field(default_factory=dict)
    depends_on: set[int] = field(default_factory=set)
    context_rewrites: list[ContextRewrite] = field(default_factory=list)
    context_variables: dict[str, str] = field(default_factory=dict)
    """Contextual arguments' variables → their types (see :mod:`router.planning.context`)."""


@dataclass(frozen=True)
class Position:
    """Where planning stands: in which fetch, at which place of its selection, at which path."""

    fetch: FetchDraft
    target: list[Selection]
    path: tuple[str, ...]
    type_name: str
    provided: list[Selection] | None
    conditions: tuple[DirectiveNode, ...]
    satisfied: frozenset[str] = frozenset()
    """Fields whose ``@requires`` the representations at this position carry."""
    available: tuple[Selection, ...] = ()
    """What is already in the response at this path (an entity fetch's representation)."""
    parent: Position | None = None
    via: Field | None = None
    """The field that led here from ``parent``."""
    refined: bool = False
    """The type here was narrowed by this fetch (an abstract type spelled out per type)."""


class FetchGraphBuilder:
    def __init__(self, index: SchemaIndex, operation: Operation) -> None:
        self.index = index
        self.operation = operation
        self.fetches: list[FetchDraft] = []
        self._entity_fetches: dict[tuple[object, ...], list[FetchDraft]] = {}
        self._requires_stack: list[tuple[str, str, str]] = []
        self._root_fetches: dict[str, FetchDraft] = {}
        self._jump_stack: list[tuple[object, ...]] = []
        self._root_type = ROOT_TYPES[operation.kind]

    def build(self) -> list[FetchDraft]:
        root_type = ROOT_TYPES[self.operation.kind]
        if root_type not in self.index.schema.type_map:
            raise PlanningError(f"The schema has no {self.operation.kind} type.")
        assignments = self._assign_root_fields(root_type, self.operation.selections)
        previous: set[int] = set()
        for graph, selections in assignments:
            if self.operation.kind == "mutation":
                fetch = self._new_fetch(graph, (), "mutation", ())
                fetch.depends_on |= previous
            else:
                fetch = self._root_fetch(graph)
            position = Position(fetch, fetch.selections, (), root_type, None, ())
            self.plan_selection_set(position, selections)
            previous = {f.id for f in self.fetches}
        return self.fetches

    def build_from(
        self,
        path: tuple[str, ...],
        type_name: str,
        available: list[Selection],
        conditions: tuple[DirectiveNode, ...],
        selections: list[Selection],
    ) -> list[FetchDraft]:
        """Plan ``selections`` for objects an earlier plan fetched at ``path`` with
        ``available`` in them (a deferred fragment's): from a stand-in fetch that resolves
        nothing, so that every field is reached through an entity fetch."""
        stand_in = self._new_fetch("", path, "entity", ())
        position = Position(stand_in, stand_in.selections, path, type_name, None, conditions,
                            available=tuple(available))  # fmt: skip
        self.plan_selection_set(position, selections)
        stand_in.selections = []
        return self.fetches

    def _root_fetch(self, graph: str) -> FetchDraft:
        if graph not in self._root_fetches:
            self._root_fetches[graph] = self._new_fetch(graph, (), self.operation.kind, ())
        return self._root_fetches[graph]

    # -- root ---------------------------------------------------------------------------------
    def _assign_root_fields(
        self, root_type: str, selections: list[Selection]
    ) -> list[tuple[str, list[Selection]]]:
        """Root fields grouped by subgraph, in order; consecutive fields to one subgraph share."""
        groups: list[tuple[str, list[Selection]]] = []
        used: list[str] = []
        for selection, wrappers in _flatten_root(selections):
            if selection.name in ("__typename", "__schema", "__type"):
                continue
            sources = [s.graph for s in self.index.sources(root_type, selection.name)]
            if not sources:
                raise PlanningError(f"No subgraph can resolve {root_type}.{selection.name}.")
            graph = max(sources, key=lambda g: (self._coverage(g, root_type, [selection]),
                                                g in used, -sources.index(g)))  # fmt: skip
            used.append(graph)
            wrapped: Selection = selection
            for directives in reversed(wrappers):
                wrapped = InlineFragment(None, [wrapped], directives)
            if groups and groups[-1][0] == graph:
                groups[-1][1].append(wrapped)
            else:
                groups.append((graph, [wrapped]))
        if self.operation.kind != "mutation":
            merged: dict[str, list[Selection]] = {}
            for graph, items in groups:
                merged.setdefault(graph, []).extend(items)
            return list(merged.items())
        return groups

    def _coverage(self, graph: str, type_name: str, selections: Iterable[Selection]) -> int:
        """How many of these fields ``graph`` resolves without leaving itself."""
        score = 0
        for selection in selections:
            if isinstance(selection, InlineFragment):
                condition = selection.type_condition or type_name
                score += self._coverage(graph, condition, selection.selections)
                continue
            if selection.name == "__typename":
                continue
            named = self.index.named_type(type_name)
            if selection.name not in getattr(named, "fields", {}):
                continue
            if self.index.can_resolve(graph, type_name, selection.name):
                score += 1
                if selection.selections:
                    return_type, _ = self.index.return_shape(type_name, selection.name)
                    score += self._coverage(graph, return_type, selection.selections)
        return score

    # -- selection sets -----------------------------------------------------------------------
    def plan_selection_set(
        self, position: Position, selections: list[Selection], *, as_object: bool = False
    ) -> set[int]:
        """Plan ``selections`` at ``position``; return the ids of the fetches that write there."""
        graph, type_name = position.fetch.graph, position.type_name
        interface_object = self.index.is_interface_object(graph, type_name)
        if self.index.is_abstract(type_name) and not interface_object and not as_object:
            return self._plan_abstract(position, selections)
        writers = {position.fetch.id}
        remote: list[Selection] = []
        for selection in selections:
            if isinstance(selection, InlineFragment):
                if interface_object and selection.type_condition not in (None, type_name):
                    remote.append(selection)
                elif self.index.type_matches(type_name, selection.type_condition):
                    writers |= self._plan_fragment(position, selection)
            elif selection.name == "__typename":
                if interface_object:
                    remote.append(selection)
                merge_into(position.target, selection)
            elif self._resolvable_here(position, selection):
                writers |= self._plan_local_field(position, selection)
            else:
                remote.append(selection)
        if remote:
            writers |= self._plan_remote(position, remote)
        return writers

    def _plan_fragment(self, position: Position, fragment: InlineFragment) -> set[int]:
        if not fragment.directives:
            return self.plan_selection_set(position, fragment.selections)
        wrapper = merge_into(position.target, InlineFragment(None, [], fragment.directives))
        inner = replace(
            position,
            target=wrapper.selections,
            conditions=position.conditions + _conditions(fragment.directives),
        )
        return self.plan_selection_set(inner, fragment.selections)

    def _plan_abstract(self, position: Position, selections: list[Selection]) -> set[int]:
        """Spell an abstract selection out per concrete type this subgraph can return."""
        merge_into(position.target, TYPENAME)
        writers = {position.fetch.id}
        possible = self.index.possible_types(position.type_name, position.fetch.graph)
        shared = set(possible)
        for other, returned in self._graphs_sharing_path(position):
            # The same objects may come from either subgraph: type conditions are asked only
            # for the types both can return, so the answer does not depend on which one is asked.
            shared &= set(self.index.possible_types(returned, other))
        if not possible:
            # No implementation here: only the interface's own fields can be asked for.
            return self.plan_selection_set(position, selections, as_object=True)
        for concrete in possible:
            applicable = self._selections_for_type(
                selections, concrete, own_conditions=concrete in shared
            )
            if all(isinstance(s, Field) and s.name == "__typename" for s in applicable):
                continue  # nothing beyond the __typename asked for above
            fragment = merge_into(position.target, InlineFragment(concrete))
            inner = replace(position, target=fragment.selections, type_name=concrete, refined=True)
            writers |= self.plan_selection_set(inner, applicable)
        return writers

    def _graphs_sharing_path(self, position: Position) -> list[tuple[str, str]]:
        """Other subgraphs that resolve every field from the nearest entity (or the root) down
        to ``position`` (a ``@shareable`` path whose objects any of them may return), each with
        the type it gives the last field."""
        chain: list[tuple[Field, str]] = []
        current = position
        while current.parent is not None and current.via is not None:
            chain.insert(0, (current.via, current.type_name))
            current = current.parent
            if current.path == () or self._is_entity(current.type_name):
                break
        if not chain:
            return []
        anchor, graph = current.type_name, position.fetch.graph
        others = []
        for other in self.index.graphs_of(anchor):
            if other == graph or self.index.is_interface_object(other, position.type_name):
                continue
            if current.path != () and not self.index.keys(other, anchor, resolvable=True):
                continue
            type_name = parent_type = anchor
            for field_, child_type in chain:
                if not self.index.can_resolve(other, type_name, field_.name):
                    break
                parent_type, type_name = type_name, child_type
            else:
                last = chain[-1][0].name
                others.append((other, self.index.return_shape_in(other, parent_type, last)[0]))
        return others

    def _selections_for_type(
        self, selections: list[Selection], type_name: str, *, own_conditions: bool = True
    ) -> list[Selection]:
        """The selections that apply to objects of ``type_name``; without fragments on
        ``type_name`` itself unless ``own_conditions``."""
        result: list[Selection] = []
        for selection in selections:
            if isinstance(selection, Field):
                result.append(selection)
            elif selection.type_condition == type_name and not own_conditions:
                continue
            elif self.index.type_matches(type_name, selection.type_condition):
                inner = self._selections_for_type(selection.selections, type_name,
                                                  own_conditions=own_conditions)  # fmt: skip
                if selection.directives:
                    result.append(InlineFragment(None, inner, selection.directives))
                else:
                    result.extend(inner)
        return result

    # -- fields -------------------------------------------------------------------------------
    def _resolvable_here(self, position: Position, selection: Field) -> bool:
        graph, type_name = position.fetch.graph, position.type_name
        if self._provided_field(position, selection.name) is not None:
            return True
        return self.index.can_resolve(graph, type_name, selection.name) and (
            selection.name in position.satisfied
            or not (
                self.index.requires(graph, type_name, selection.name)
                or self.index.context_arguments(graph, type_name, selection.name)
            )
        )

    def _provided_field(self, position: Position, name: str) -> Field | None:
        return _find_provided(self.index, position.provided, position.type_name, name)

    def _plan_local_field(self, position: Position, selection: Field) -> set[int]:
        added = merge_into(position.target, selection)
        graph, type_name = position.fetch.graph, position.type_name
        return_type, depth = self.index.return_shape_in(graph, type_name, selection.name)
        if not selection.selections:
            if self.index.is_composite(return_type):
                # Literal @skip/@include removed every sub-field: the object is still answered.
                merge_into(added.selections, TYPENAME)
            return {position.fetch.id}
        provided_field = self._provided_field(position, selection.name)
        provided: list[Selection] | None = None
        if provided_field is not None:
            provided = provided_field.selections
        elif provides := self.index.provides(graph, type_name, selection.name):
            provided = self.index.field_set(return_type, provides)
        inner = Position(
            position.fetch,
            added.selections,
            position.path + (selection.key,) + ("@",) * depth,
            return_type,
            provided,
            position.conditions + _conditions(selection.directives),
            parent=position,
            via=selection,
        )
        writers = self.plan_selection_set(inner, selection.selections)
        if not added.selections:
            # Every sub-field comes from elsewhere; the object itself must still come from here.
            merge_into(added.selections, TYPENAME)
        return writers

    # -- entity jumps -------------------------------------------------------------------------
    def _plan_remote(self, position: Position, selections: list[Selection]) -> set[int]:
        """Reach ``selections`` through entity fetches to other subgraphs (or this one)."""
        by_source: dict[Source, list[Selection]] = {}
        stranded: list[Selection] = []
        for selection in selections:
            if not self._candidates(position, selection, local_keys=True):
                stranded.append(selection)
                continue
            source = self._choose_source(position, selection, selections)
            by_source.setdefault(source, []).append(selection)
        writers: set[int] = set()
        if stranded:
            try:
                writers |= self._reenter(position, stranded)
            except PlanningError:
                # Last resort: fetch a key this subgraph lacks through yet another jump.
                for selection in stranded:
                    if not self._candidates(position, selection):
                        raise
                    source = self._choose_source(position, selection, selections)
                    by_source.setdefault(source, []).append(selection)
        for source, assigned in by_source.items():
            # A representation carries one value per field: fields that @requires one field
            # with different arguments go in different fetches.
            for group in self._split_conflicting_requires(position, source, assigned):
                writers |= self._jump(position, source, group)
        return writers

    def _split_conflicting_requires(
        self, position: Position, source: Source, selections: list[Selection]
    ) -> list[list[Selection]]:
        entity_type = source.via or position.type_name
        groups: list[tuple[list[Selection], list[Selection]]] = []  # (selections, inputs)
        for selection in selections:
            requires = (
                self.index.requires(source.graph, entity_type, selection.name)
                if isinstance(selection, Field)
                else None
            )
            inputs = list(self.index.field_set(entity_type, requires)) if requires else []
            for members, group_inputs in groups:
                if not _conflicting_inputs(group_inputs, inputs):
                    members.append(selection)
                    group_inputs.extend(inputs)
                    break
            else:
                groups.append(([selection], list(inputs)))
        return [members for members, _ in groups]

    def _reenter(self, position: Position, selections: list[Selection]) -> set[int]:
        """Reach a value type's fields from another subgraph by re-fetching the path to it.

        Climbs to the nearest ancestor that another subgraph can start from (the query root,
        or an entity), and asks that subgraph for the same path down to ``selections``.
        """
        chain: list[tuple[Field, str]] = []
        current = position
        while current.parent is not None and current.via is not None:
            chain.insert(0, (current.via, current.type_name))
            current = current.parent
            # Asking another subgraph's root for the same field is only sound for value types:
            # an entity is one thing, reached through its key.
            anchor_is_root = (
                current.path == ()
                and current.fetch.kind == "query"
                and not self._is_entity(position.type_name)
            )
            anchor_is_entity = current.path != () and self._is_entity(current.type_name)
            if not (anchor_is_root or anchor_is_entity):
                continue
            graph = self._graph_for_path(current, chain, position, selections)
            if graph is None:
                continue
            wrapped: Selection = _wrap_in_path(self.index, current.type_name, chain, selections)
            # The @skip/@include met on the way down still decide whether any of it is wanted.
            if anchor_is_root:
                for condition in reversed(position.conditions):
                    # One fragment per condition: two @skip on one fragment is not valid.
                    wrapped = InlineFragment(None, [wrapped], (condition,))
                fetch = self._root_fetch(graph)
                root = Position(fetch, fetch.selections, (), current.type_name, None, ())
                return self.plan_selection_set(root, [wrapped])
            conditioned = replace(current, conditions=position.conditions)
            return self._jump(conditioned, Source(graph), [wrapped])
        first = selections[0]
        what = first.name if isinstance(first, Field) else "a type condition"
        raise PlanningError(
            f"No subgraph can resolve {position.type_name}.{what} "
            f"from {self.index.supergraph.graphs[position.fetch.graph].name}."
        )

    def _is_entity(self, type_name: str) -> bool:
        return any(
            self.index.keys(g, type_name, resolvable=True) for g in self.index.graphs_of(type_name)
        )

    def _graph_for_path(
        self,
        anchor: Position,
        chain: list[tuple[Field, str]],
        position: Position,
        selections: list[Selection],
    ) -> str | None:
        best: tuple[int, str] | None = None
        for graph in self.index.supergraph.graphs:
            if graph == position.fetch.graph:
                continue
            type_name = anchor.type_name
            reachable = True
            for field_, child_type in chain:
                if not self.index.can_resolve(graph, type_name, field_.name):
                    reachable = False
                    break
                type_name = child_type
            if not reachable:
                continue
            covered = sum(
                1
                for s in selections
                if isinstance(s, Field)
                and self.index.can_resolve(graph, position.type_name, s.name)
            )
            if covered and (best is None or covered > best[0]):
                best = (covered, graph)
        return best[1] if best else None

    def _candidates(
        self, position: Position, selection: Selection, *, local_keys: bool = False
    ) -> list[Source]:
        """Subgraphs an entity fetch could get ``selection`` from (with keys we have, if asked)."""
        type_name = position.type_name
        if isinstance(selection, InlineFragment) or selection.name == "__typename":
            # Only a subgraph that has the real interface knows the concrete type.
            sources = [
                Source(g)
                for g in self.index.graphs_of(type_name)
                if not self.index.is_interface_object(g, type_name)
            ]
        else:
            sources = self.index.sources(type_name, selection.name)
        return [
            s
            for s in sources
            if any(
                not local_keys or self._locally_available(position, k.fields)
                for k in self.index.keys(s.graph, s.via or type_name, resolvable=True)
            )
        ]

    def _choose_source(
        self, position: Position, selection: Selection, siblings: list[Selection]
    ) -> Source:
        candidates = self._candidates(position, selection)
        if not candidates:
            what = selection.name if isinstance(selection, Field) else "a type condition"
            raise PlanningError(
                f"No subgraph can resolve {position.type_name}.{what} "
                f"from {self.index.supergraph.graphs[position.fetch.graph].name}."
            )
        graph = position.fetch.graph

        def score(source: Source) -> tuple[int, int, int]:
            keys = self.index.keys(source.graph, source.via or position.type_name, resolvable=True)
            key_local = any(self._locally_available(position, k.fields) for k in keys)
            covered = sum(
                1
                for s in siblings
                if isinstance(s, Field) and source in self._candidates(position, s)
            )
            return (int(key_local), covered, -candidates.index(source))

        preferred = [c for c in candidates if c.graph != graph] or candidates
        return max(preferred, key=score)

    def _locally_available(self, position: Position, fields: str) -> bool:
        selections = self.index.field_set(position.type_name, fields)
        return all(
            isinstance(s, Field)
            and (_has_field(position.available, s) or self._resolvable_here(position, s))
            for s in selections
        )

    def _plan_inputs(
        self,
        position: Position,
        selections: list[Selection],
        conditions: tuple[DirectiveNode, ...] = (),
    ) -> set[int]:
        """Plan fields another fetch needs (keys, requires), reusing what is already there;
        under ``conditions`` (``@skip``/``@include``) when only a conditional fetch needs them."""
        # Nested fields count one by one: a representation with `items { sku }` still lacks
        # `items { lot { code } }`, which must be fetched into the same objects.
        needed = _missing(selections, position.available)
        dependencies = set(position.fetch.depends_on) if needed != selections else set()
        if position.refined:
            dependencies.add(position.fetch.id)  # the concrete type is known once it answered
        if needed and conditions:
            needed = [InlineFragment(None, needed, conditions)]
        return dependencies | (self.plan_selection_set(position, needed) if needed else set())

    def _jump(self, position: Position, source: Source, selections: list[Selection]) -> set[int]:
        entity_type = source.via or position.type_name
        keys = self.index.keys(source.graph, entity_type, resolvable=True)
        key = next((k for k in keys if self._locally_available(position, k.fields)), keys[0])
        key_selections = self.index.field_set(entity_type, key.fields)
        merge_into(position.target, TYPENAME)
        marker = (source.graph, entity_type, position.path, position.fetch.id)
        if marker in self._jump_stack:
            raise PlanningError(
                f"No way to get the key of {entity_type} for "
                f"{self.index.supergraph.graphs[source.graph].name}."
            )
        self._jump_stack.append(marker)
        try:
            dependencies = self._plan_inputs(position, list(key_selections))
        finally:
            self._jump_stack.pop()
        required: list[Selection] = []
        satisfied: set[str] = set()
        # Fields that all hang on the same @skip/@include make the whole fetch conditional,
        # and the inputs their @requires read are fetched under the same condition.
        shared = _shared_conditions(selections)
        for selection in selections:
            if not isinstance(selection, Field):
                continue
            requires = self.index.requires(source.graph, entity_type, selection.name)
            if requires:
                requirement = (source.graph, position.type_name, selection.name)
                if requirement in self._requires_stack:
                    raise PlanningError(f"Circular @requires at {'.'.join(requirement[1:])}.")
                self._requires_stack.append(requirement)
                fields = alias_arguments(
                    self.index, entity_type, self.index.field_set(entity_type, requires)
                )
                dependencies |= self._plan_inputs(position, list(fields), shared)
                self._requires_stack.pop()
                merge_all(required, fields)
                satisfied.add(selection.name)
        contextual = plan_context_inputs(self.index, position, source.graph, entity_type,
                                         selections, self._plan_inputs)  # fmt: skip
        dependencies |= contextual.dependencies
        satisfied |= contextual.satisfied
        fetch_position = replace(position, conditions=position.conditions + shared)
        # An @interfaceObject subgraph sees every implementation as the interface: a fetch's
        # fields apply to all its representations, so implementations asking for different
        # fields (a fragment on one of them) go in different fetches.
        narrowed = (
            print_selections(selections)
            if position.type_name != entity_type
            and self.index.is_interface_object(source.graph, entity_type)
            else None
        )
        fetch = self._entity_fetch(source.graph, fetch_position, dependencies, required, narrowed)
        add_context_inputs(fetch, contextual)
        representation = merge_into(fetch.requires, InlineFragment(position.type_name))
        merge_all(representation.selections, [TYPENAME, *key_selections, *required])
        if self.index.is_interface_object(source.graph, entity_type):
            fetch.typename_for[position.type_name] = entity_type
        fragment = merge_into(fetch.selections, InlineFragment(entity_type))
        available: list[Selection] = []
        merge_all(available, [*representation.selections, *position.available])
        inner = Position(fetch, fragment.selections, position.path, entity_type, None,
                         position.conditions, frozenset(satisfied), tuple(available),
                         position.parent, position.via)  # fmt: skip
        return {fetch.id} | self.plan_selection_set(inner, contextual.selections)

    def _entity_fetch(
        self,
        graph: str,
        position: Position,
        dependencies: set[int],
        required: list[Selection],
        narrowed: str | None = None,
    ) -> FetchDraft:
        group = (graph, position.path, _signature(position.conditions), narrowed)
        for candidate in self._entity_fetches.get(group, []):
            if (
                candidate.id not in dependencies
                and not any(self._depends_on(d, candidate.id) for d in dependencies)
                and not _conflicting_inputs(candidate.requires, required)
            ):
                candidate.depends_on |= dependencies
                return candidate
        fetch = self._new_fetch(graph, position.path, "entity", position.conditions)
        fetch.depends_on |= dependencies
        self._entity_fetches.setdefault(group, []).append(fetch)
        return fetch

    def _depends_on(self, fetch_id: int, target: int, seen: set[int] | None = None) -> bool:
        seen = seen if seen is not None else set()
        if fetch_id in seen:
            return False
        seen.add(fetch_id)
        deps = self.fetches[fetch_id].depends_on
        return target in deps or any(self._depends_on(d, target, seen) for d in deps)

    def _new_fetch(
        self, graph: str, path: tuple[str, ...], kind: str, conditions: tuple[DirectiveNode, ...]
    ) -> FetchDraft:
        fetch = FetchDraft(len(self.fetches), graph, path, kind, conditions)
        self.fetches.append(fetch)
        return fetch


def _flatten_root(
    selections: list[Selection], wrappers: tuple[tuple[DirectiveNode, ...], ...] = ()
) -> Iterable[tuple[Field, tuple[tuple[DirectiveNode, ...], ...]]]:
    for selection in selections:
        if isinstance(selection, Field):
            yield selection, wrappers
        elif selection.directives:
            yield from _flatten_root(selection.selections, (*wrappers, selection.directives))
        else:
            yield from _flatten_root(selection.selections, wrappers)


def _wrap_in_path(
    index: SchemaIndex,
    anchor_type: str,
    chain: list[tuple[Field, str]],
    selections: list[Selection],
) -> Field:
    """``a { b { <selections> } }`` for the chain of fields a, b from the anchor type."""
    inner: list[Selection] = list(selections)
    parent_types = [anchor_type] + [child for _, child in chain[:-1]]
    for (field_, child_type), parent_type in reversed(list(zip(chain, parent_types, strict=True))):
        return_type, _ = index.return_shape(parent_type, field_.name)
        if return_type != child_type:
            inner = [InlineFragment(child_type, inner)]
        wrapped = field_.shallow_copy()
        wrapped.selections = inner
        inner = [wrapped]
    result = inner[0]
    assert isinstance(result, Field)
    return result


def alias_arguments(
    index: SchemaIndex, type_name: str, selections: list[Selection]
) -> list[Selection]:
    """Copies of ``selections`` where fields that take arguments get a stable internal alias.

    Inputs the planner adds (``@requires``) then never collide with a client's field of the
    same name and other arguments, nor with one written without the arguments it defaults.
    """
    result: list[Selection] = []
    for selection in selections:
        if isinstance(selection, Field):
            copy = selection.shallow_copy()
            definition = getattr(index.named_type(type_name), "fields", {}).get(selection.name)
            if selection.arguments or (definition is not None and definition.args):
                copy.alias = internal_alias(selection)
            if selection.selections:
                child, _ = index.return_shape(type_name, selection.name)
                copy.selections = alias_arguments(index, child, selection.selections)
            result.append(copy)
        else:
            condition = selection.type_condition or type_name
            inner = alias_arguments(index, condition, selection.selections)
            result.append(InlineFragment(selection.type_condition, inner, selection.directives))
    return result


def _conflicting_inputs(existing: list[Selection], new: list[Selection]) -> bool:
    """Do two input selections ask for one field with different arguments or sub-fields?"""
    by_name: dict[str, Field] = {}
    _index_fields(existing, by_name)
    for field_ in _fields(new):
        other = by_name.get(field_.name)
        if other is not None and other.signature() != field_.signature():
            return True
        if other is not None and _conflicting_inputs(other.selections, field_.selections):
            return True
    return False


def _has_field(selections: Iterable[Selection], wanted: Field) -> bool:
    return any(
        isinstance(s, Field) and s.key == wanted.key and s.signature() == wanted.signature()
        for s in selections
    )


def _missing(wanted: list[Selection], present: Iterable[Selection]) -> list[Selection]:
    """The part of ``wanted`` that ``present`` lacks, sub-selections compared field by field."""
    fields = {s.key: s for s in present if isinstance(s, Field)}
    result: list[Selection] = []
    for selection in wanted:
        have = fields.get(selection.key) if isinstance(selection, Field) else None
        if (
            not isinstance(selection, Field)
            or have is None
            or have.signature() != selection.signature()
        ):
            result.append(selection)
        elif selection.selections and (inner := _missing(selection.selections, have.selections)):
            partial = selection.shallow_copy()
            partial.selections = inner
            result.append(partial)
    return result


def _index_fields(selections: list[Selection], into: dict[str, Field]) -> None:
    for field_ in _fields(selections):
        into.setdefault(field_.name, field_)


def _fields(selections: list[Selection]) -> list[Field]:
    found: list[Field] = []
    for selection in selections:
        if isinstance(selection, Field):
            found.append(selection)
        else:
            found.extend(_fields(selection.selections))
    return found


def _shared_conditions(selections: list[Selection]) -> tuple[DirectiveNode, ...]:
    first = _conditions(selections[0].directives) if selections else ()
    if all(_signature(_conditions(s.directives)) == _signature(first) for s in selections):
        return first
    return ()


def _conditions(directives: tuple[DirectiveNode, ...]) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives if d.name.value in ("skip", "include"))


def _signature(directives: tuple[DirectiveNode, ...]) -> str:
    return " ".join(print_ast(d) for d in directives)


def _find_provided(
    index: SchemaIndex, provided: list[Selection] | None, type_name: str, name: str
) -> Field | None:
    for selection in provided or ():
        if isinstance(selection, Field):
            if selection.name == name:
                return selection
        elif index.type_matches(type_name, selection.type_condition):
            found = _find_provided(index, selection.selections, type_name, name)
            if found is not None:
                return found
    return None
