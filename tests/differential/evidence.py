"""What an adjudication rule looks at: the evidence of one difference, and helpers to read it.

A rule is a predicate over :class:`Evidence`, registered with :func:`rule` under its function
name (``adjudications.yaml`` refers to it by that name). Rules argue from the operation (which
fields the spec collects on an object, see ``collect.py``), from both answers and from the
subgraph requests each gateway made, never from the operation's text as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    parse,
    visit,
)
from graphql import Visitor as _Visitor

from router.supergraph import load_supergraph
from tests.differential.collect import Collected, Path, collect_at
from tests.differential.compare import differing_paths, value_at
from tests.differential.supergraphs import Fixture
from tests.differential.world import World, read_world

NON_NULL_VIOLATION = "Cannot return null for non-nullable field"


@dataclass
class Evidence:
    fixture: Fixture
    text: str
    variables: dict[str, Any]
    ours: Any
    apollo: Any
    record: Callable[[str], list[dict[str, Any]]] = field(repr=False, default=lambda _: [])
    """Runs the operation again through ``ours`` or ``apollo`` and returns the subgraph
    requests it made (``{"subgraph", "request", "response"}`` each)."""
    asker: Callable[[str, dict[str, Any]], Any] = field(repr=False, default=lambda _, __: {})

    @cached_property
    def ours_requests(self) -> list[dict[str, Any]]:
        return self.record("ours")

    @cached_property
    def apollo_requests(self) -> list[dict[str, Any]]:
        return self.record("apollo")

    def ask(self, subgraph: str, body: dict[str, Any]) -> Any:
        """Sends ``body`` to a subgraph of the fixture and returns its answer."""
        return self.asker(subgraph, body)

    @property
    def schema(self) -> GraphQLSchema:
        """The API schema."""
        return _fixture_facts(self.fixture)[0]

    @property
    def world(self) -> World:
        return _fixture_facts(self.fixture)[1]

    def collected(self, path: Path, conditions: bool = True) -> tuple[str, list[Collected]] | None:
        return collect_at(self.schema, self.text, self.variables, path, conditions)

    def paths(self) -> list[Path]:
        return differing_paths(self.ours, self.apollo, limit=200)


Rule = Callable[[Evidence], bool]
RULES: dict[str, Rule] = {}
_FACTS: dict[str, tuple[GraphQLSchema, World]] = {}


def rule(function: Rule) -> Rule:
    RULES[function.__name__] = function
    return function


def _fixture_facts(fixture: Fixture) -> tuple[GraphQLSchema, World]:
    found = _FACTS.get(fixture.name)
    if found is None:
        schema = load_supergraph(fixture.supergraph_sdl).api_schema
        found = _FACTS[fixture.name] = (schema, read_world(fixture.supergraph_sdl))
    return found


def errors_of(answer: Any) -> list[dict[str, Any]]:
    errors = answer.get("errors") if isinstance(answer, dict) else None
    return errors if isinstance(errors, list) else []


def value_completion(answer: Any) -> list[dict[str, Any]]:
    """Apollo's ``extensions.valueCompletion`` entries."""
    extensions = answer.get("extensions") if isinstance(answer, dict) else None
    entries = (extensions or {}).get("valueCompletion")
    return entries if isinstance(entries, list) else []


def gaps(evidence: Evidence) -> list[tuple[Path, str]] | None:
    """Where Apollo's objects lack fields ours has, as ``(object path, response name)``; None
    unless every difference in ``data`` is such a missing field."""
    found = []
    for path in evidence.paths():
        if not path or not isinstance(path[-1], str):
            return None
        parent, key = path[:-1], path[-1]
        theirs, mine = value_at(evidence.apollo, parent), value_at(evidence.ours, parent)
        if not (isinstance(theirs, dict) and isinstance(mine, dict)):
            return None
        if key in theirs or key not in mine:
            return None
        found.append((parent, key))
    return found or None


def is_abstract(schema: GraphQLSchema, name: str) -> bool:
    return isinstance(schema.get_type(name), GraphQLInterfaceType | GraphQLUnionType)


def applies(schema: GraphQLSchema, object_type: str, condition: str) -> bool:
    """DoesFragmentTypeApply (GraphQL spec, CollectFields)."""
    found, target = schema.get_type(object_type), schema.get_type(condition)
    if not isinstance(found, GraphQLObjectType):
        return False
    if isinstance(target, GraphQLObjectType):
        return target.name == found.name
    if isinstance(target, GraphQLInterfaceType | GraphQLUnionType):
        return schema.is_sub_type(target, found)
    return False


def field_nodes(document: Any) -> list[FieldNode]:
    found: list[FieldNode] = []

    class Visitor(_Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            found.append(node)

    visit(document, Visitor())
    return found


def request_document(request: dict[str, Any]) -> DocumentNode:
    """The operation of a subgraph request; empty if it does not parse (the subgraph
    rejected it, which its answer says)."""
    try:
        return parse(str(request["request"].get("query")))
    except GraphQLSyntaxError:
        return DocumentNode(definitions=())


def objects_in(value: Any) -> list[dict[str, Any]]:
    """Every object in a response value, itself included."""
    if isinstance(value, list):
        return [o for item in value for o in objects_in(item)]
    if isinstance(value, dict):
        return [value, *(o for item in value.values() for o in objects_in(item))]
    return []


def is_prefix(prefix: Path, path: Path) -> bool:
    return path[: len(prefix)] == prefix
