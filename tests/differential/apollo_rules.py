"""Rules for the kinds of difference where Apollo's answer is the wrong one.

Each is named by an entry of ``adjudications.yaml`` (``wrong: apollo``), which gives the
reason against the GraphQL specification; the docstring here says what the rule checks.
"""

from __future__ import annotations

import json
import re
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql import Visitor as _Visitor

from tests.differential.collect import Path
from tests.differential.compare import mismatch, value_at
from tests.differential.evidence import (
    NON_NULL_VIOLATION,
    Evidence,
    applies,
    errors_of,
    field_nodes,
    gaps,
    is_abstract,
    is_prefix,
    objects_in,
    request_document,
    rule,
    value_completion,
)
from tests.differential.supergraphs import Fixture


@rule
def non_null_violations_outside_errors(evidence: Evidence) -> bool:
    """The data agree; ours reports the nulls in non-null positions as errors, Apollo
    reports them only under ``extensions.valueCompletion``."""
    if mismatch(evidence.ours, evidence.apollo) != "errors" or errors_of(evidence.apollo):
        return False
    ours = errors_of(evidence.ours)
    return (
        bool(ours)
        and bool(value_completion(evidence.apollo))
        and all(NON_NULL_VIOLATION in str(error.get("message")) for error in ours)
    )


@rule
def interface_object_typename_overwrites_type(evidence: Evidence) -> bool:
    """An ``@interfaceObject`` subgraph answered ``__typename`` with the interface's name I
    to Apollo, and each difference is a field selected under a fragment on an implementation
    T of I that Apollo lacks (missing, nulled by a failing sibling fetched for the wrong
    type, or a null without error where ours has T objects)."""
    interfaces = evidence.world.interface_objects
    answered = {
        name
        for request in evidence.apollo_requests
        for name in interfaces
        if f'"__typename": "{name}"' in json.dumps(request["response"])
    }
    implementations = {t for name in answered for t in evidence.world.implementations(name)}
    paths = evidence.paths()
    return (
        bool(implementations)
        and bool(paths)
        and all(_explained_by_implementation(evidence, path, implementations) for path in paths)
    )


def _explained_by_implementation(evidence: Evidence, path: Path, types: set[str]) -> bool:
    theirs, mine = value_at(evidence.apollo, path), value_at(evidence.ours, path)
    if path and isinstance(path[-1], str):
        parent = value_at(evidence.apollo, path[:-1])
        if isinstance(parent, dict) and path[-1] not in parent:
            return _under(evidence, path[:-1], path[-1], types)
    if mine is None and theirs is not None:
        return _nulled_by_implementation_fields(evidence, path, types)
    if theirs is not None or mine is None:
        return False
    below = [
        p for p in map(_path_of, value_completion(evidence.apollo)) if p and is_prefix(path, p)
    ]
    if below:
        return all(_under(evidence, p[:-1], p[-1], types) for p in below)
    ours = {_path_of(error) for error in errors_of(evidence.ours)}
    siblings = [
        p
        for p in map(_path_of, errors_of(evidence.apollo))
        if p not in ours and len(p) == len(path) and p[:-1] == path[:-1] and path
    ]
    if siblings:
        return all(_under(evidence, p[:-1], p[-1], types) for p in siblings)
    if any(_path_of(error) not in ours for error in errors_of(evidence.apollo)):
        return False
    return any(o.get("__typename") in types for o in objects_in(mine))


def _nulled_by_implementation_fields(evidence: Evidence, path: Path, types: set[str]) -> bool:
    """Ours is null at ``path`` through errors at fields under fragments on ``types``, which
    Apollo's objects lack (it took the objects for the interface)."""
    below = [p for p in map(_path_of, errors_of(evidence.ours)) if p and is_prefix(path, p)]
    return bool(below) and all(
        _under(evidence, p[:-1], p[-1], types)
        and isinstance(parent := value_at(evidence.apollo, p[:-1]), dict)
        and p[-1] not in parent
        for p in below
    )


def _under(evidence: Evidence, parent: Path, key: Any, types: set[str]) -> bool:
    """Whether every selection of ``key`` on the object at ``parent`` is under a fragment
    on one of ``types``."""
    found = evidence.collected(parent)
    if found is None or not isinstance(key, str):
        return False
    under = [c for c in found[1] if c.response_name == key]
    return bool(under) and all(set(c.conditions) & types for c in under)


def _path_of(entry: dict[str, Any]) -> Path:
    return tuple(entry.get("path") or ())


@rule
def fragment_in_abstract_fragment_without_typename(evidence: Evidence) -> bool:
    """Apollo's objects lack fields selected (at that object or at an ancestor) under
    ``... on A { ... on B { ... } }`` on an object of an object type T, where A is abstract,
    B is another type and both fragments apply to T (DoesFragmentTypeApply), and no
    ``__typename`` was selected on that object for Apollo to read T from."""
    found_gaps = gaps(evidence)
    if found_gaps is None:
        return False
    for path, key in found_gaps:
        found = evidence.collected(path)
        if found is None:
            return False
        declared, fields = found
        under = [c for c in fields if c.response_name == key]
        if not under:
            return False
        objects = [path[:i] for i, step in enumerate(path) if isinstance(step, str)]
        for collected in under:
            levels = [*collected.ancestry, (declared, collected.conditions)]
            if not any(
                _dropped_fragment(evidence, at, *level)
                for at, level in zip([*objects, path], levels, strict=True)
            ):
                return False
    return True


def _dropped_fragment(
    evidence: Evidence, path: Path, declared: str, chain: tuple[str, ...]
) -> bool:
    schema = evidence.schema
    if not isinstance(schema.get_type(declared), GraphQLObjectType):
        return False
    if "__typename" in (value_at(evidence.apollo, path) or {}):
        return False
    if not chain or not all(applies(schema, declared, condition) for condition in chain):
        return False
    abstract = [i for i, condition in enumerate(chain) if is_abstract(schema, condition)]
    return bool(abstract) and any(c != chain[abstract[0]] for c in chain[abstract[0] + 1 :])


@rule
def field_without_selected_subfields_answered_null(evidence: Evidence) -> bool:
    """Every subfield of a composite field is excluded by ``@skip``/``@include``: the field is
    still executed, its value is ``{}`` (or a list of them) unless it resolves to null. Ours
    fetched it and answers that; Apollo answers null there (or at an ancestor, the null
    propagated)."""
    empties = [
        path
        for path in _empty_values(evidence.ours, ())
        if (found := evidence.collected(path)) is not None and not found[1]
    ]
    paths = evidence.paths()
    ours = {_path_of(error) for error in errors_of(evidence.ours)}
    if not empties or not paths or any(_path_of(e) not in ours for e in errors_of(evidence.apollo)):
        return False
    return all(
        value_at(evidence.apollo, path) is None and any(is_prefix(path, e) for e in empties)
        for path in paths
    ) and bool(evidence.ours_requests)


def _empty_values(answer: Any, path: Path) -> list[Path]:
    """Paths in ``data`` whose value is ``{}`` or a non-empty list of ``{}``."""
    value = value_at(answer, path)
    if value == {} or (isinstance(value, list) and value and all(v == {} for v in value)):
        return [path]
    if isinstance(value, dict):
        return [p for key in value for p in _empty_values(answer, (*path, key))]
    if isinstance(value, list):
        return [p for i in range(len(value)) for p in _empty_values(answer, (*path, i))]
    return []


@rule
def fetch_conditioned_on_skipped_requires(evidence: Evidence) -> bool:
    """A field with ``@requires`` in subgraph S is excluded by ``@skip``/``@include`` on an
    object, and a field f of that object which S (or a subgraph its required fields come
    from) resolves is null in Apollo's answer (or its null propagated to an ancestor), or
    without the error that subgraph gave ours for it: Apollo conditioned the whole fetch on
    the excluded field's condition and never fetched f. Ours fetched it."""
    ours_errors = {_path_of(e) for e in errors_of(evidence.ours)}
    apollo_errors = {_path_of(e) for e in errors_of(evidence.apollo)}
    items = [
        (
            path,
            [
                path,
                *(
                    p
                    for p in map(_path_of, value_completion(evidence.apollo))
                    if is_prefix(path, p)
                ),
            ],
        )
        for path in evidence.paths()
    ]
    if mismatch(evidence.ours, evidence.apollo) == "errors":
        items = [(p, [p]) for p in ours_errors - apollo_errors if p]
    if not items:
        return False
    for path, candidates in items:
        if value_at(evidence.apollo, path) is not None:
            return False
        if not any(_conditioned(evidence, c) for c in candidates):
            return False
    return True


def _at(node: FieldNode) -> int:
    return node.loc.start if node.loc else -1


def _conditioned(evidence: Evidence, path: Path) -> bool:
    if not path or not isinstance(path[-1], str):
        return False
    parent = path[:-1]
    found, written = evidence.collected(parent), evidence.collected(parent, conditions=False)
    if found is None or written is None:
        return False
    selected = [c for c in found[1] if c.response_name == path[-1]]
    if not selected:
        return False
    typename = selected[0].parent_type
    resolvers = set(evidence.world.resolvers.get((typename, selected[0].field.name.value), ()))
    kept = {_at(c.field) for c in found[1]}
    excluded = {c.field.name.value for c in written[1] if _at(c.field) not in kept}
    world = evidence.world
    for (subgraph, owner, name), field_set in world.requires.items():
        if owner != typename or name not in excluded:
            continue
        inputs = {
            graph
            for node in _top_level_fields(field_set)
            for graph in world.resolvers.get((typename, node.name.value), ())
        }
        if resolvers & ({subgraph} | inputs):
            return True
    return False


_ARGUMENT_CONFLICT = re.compile(r"'(\w+)' conflict because they have differing arguments")


@rule
def requires_field_merged_with_client_field(evidence: Evidence) -> bool:
    """A ``@requires`` needs field f with arguments A while the operation (or another
    requirement) selects f with arguments B. Apollo merges the two under one response name:
    the subgraph rejects the fetch (two f that cannot merge); or the representation Apollo
    sends carries f(B) as f, which the subgraph that resolves f says is not f(A); or Apollo
    fetches f(A) under the name f where the client selects f(B) under that name, and answers
    the client's f with f(A). Ours fetched both."""
    needed = _required_arguments(evidence)
    if not needed or _argument_conflicts(evidence.ours_requests):
        return False
    conflicts = _argument_conflicts(evidence.apollo_requests)
    if conflicts:
        return conflicts <= set(needed)
    selected = _selected_arguments(evidence.text)
    variants = {name for name in needed if len(needed[name] | selected.get(name, set())) > 1}
    wrong = _wrong_representations(evidence, evidence.apollo_requests)
    if wrong:
        return wrong <= variants and not _wrong_representations(evidence, evidence.ours_requests)
    fetched = _unaliased_arguments(
        [node for r in evidence.apollo_requests for node in field_nodes(request_document(r))]
    )
    written = _unaliased_arguments(field_nodes(parse(evidence.text)))
    merged = {
        name
        for name in variants
        if (fetched.get(name, set()) - written.get(name, set())) & needed[name]
    }
    paths = [p for p in evidence.paths() if p]
    return (
        bool(merged)
        and bool(paths)
        and all(isinstance(p[-1], str) and _field_name(evidence, p) in merged for p in paths)
    )


def _unaliased_arguments(nodes: list[FieldNode]) -> dict[str, set[str]]:
    """Field name → the argument lists it is selected with under its own name."""
    found: dict[str, set[str]] = {}
    for node in nodes:
        if node.alias is None:
            found.setdefault(node.name.value, set()).add(_printed_arguments(node))
    return found


def _field_name(evidence: Evidence, path: Path) -> str | None:
    """The name of the field at ``path`` (its response name may be an alias)."""
    found = evidence.collected(path[:-1])
    names = {c.field.name.value for c in (found[1] if found else []) if c.response_name == path[-1]}
    return names.pop() if len(names) == 1 else None


def _wrong_representations(evidence: Evidence, requests: list[dict[str, Any]]) -> set[str]:
    """The required fields whose values in the representations of ``requests`` differ from
    what the subgraph resolving them answers for the same entity."""
    wrong: set[str] = set()
    for request in requests:
        query = str(request["request"].get("query"))
        if "_entities" not in query:
            continue
        subgraph = request["subgraph"].rpartition("/")[2]
        representations = (request["request"].get("variables") or {}).get("representations")
        for typename, name in _entity_fields(request_document(request)):
            field_set = evidence.world.requires.get((subgraph, typename, name))
            if field_set is None:
                continue
            for representation in representations or ():
                if representation.get("__typename") == typename:
                    wrong |= _mismatched(evidence, typename, field_set, representation)
    return wrong


def _mismatched(
    evidence: Evidence, typename: str, field_set: str, representation: dict[str, Any]
) -> set[str]:
    names = [n.name.value for n in _top_level_fields(field_set)]
    resolvers = evidence.world.resolvers.get((typename, names[0])) or []
    if not resolvers:
        return set()
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        f"{{ ... on {typename} {{ {field_set} }} }} }}"
    )
    answer = evidence.ask(resolvers[0], {"query": query, "variables": {"r": [representation]}})
    entities = (answer.get("data") or {}).get("_entities") or [None]
    truth = entities[0]
    if not isinstance(truth, dict):
        return set()
    return {n for n in names if _canonical(representation.get(n)) != _canonical(truth.get(n))}


def _entity_fields(document: Any) -> set[tuple[str, str]]:
    """``(type, field)`` for each field selected directly, without conditions, in
    ``... on Type`` fragments."""
    found: set[tuple[str, str]] = set()

    class Visitor(_Visitor):
        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
            condition: Any = getattr(node, "type_condition", None)
            if condition is None:
                return
            for selection in node.selection_set.selections:
                # A field under @skip/@include may have no representation fields to check.
                if isinstance(selection, FieldNode) and not selection.directives:
                    found.add((condition.name.value, selection.name.value))

    visit(document, Visitor())
    return found


def _top_level_fields(field_set: str) -> list[FieldNode]:
    operation = parse("{" + field_set + "}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if k != "__typename"}
    return value


def _required_arguments(evidence: Evidence) -> dict[str, set[str]]:
    """Field name → the argument lists (printed) that the ``@requires`` of fields the
    operation selects need it with."""
    selected = {n.name.value for n in field_nodes(parse(evidence.text))}
    needed: dict[str, set[str]] = {}
    for (_, _, name), field_set in evidence.world.requires.items():
        if name not in selected:
            continue
        for node in field_nodes(parse("{" + field_set + "}")):
            needed.setdefault(node.name.value, set()).add(_printed_arguments(node))
    return needed


def _selected_arguments(text: str) -> dict[str, set[str]]:
    """Field name → the argument lists (printed) it is selected with in ``text``."""
    found: dict[str, set[str]] = {}
    for node in field_nodes(parse(text)):
        found.setdefault(node.name.value, set()).add(_printed_arguments(node))
    return found


def _argument_conflicts(requests: list[dict[str, Any]]) -> set[str]:
    return {
        match.group(1)
        for request in requests
        for error in errors_of(request["response"])
        if (match := _ARGUMENT_CONFLICT.search(str(error.get("message"))))
    }


def _printed_arguments(node: FieldNode) -> str:
    return ", ".join(sorted(print_ast(argument) for argument in node.arguments or ()))


@rule
def query_type_condition_sent_to_renamed_root(evidence: Evidence) -> bool:
    """A subgraph names its root type otherwise (``schema { query: OrdersQuery }``). Apollo
    sends it fragments on the supergraph's root type name, which it rejects (unknown type),
    or drops the fields the client selected under a fragment on the root type."""
    renamed = _renamed_roots(evidence.fixture)
    if not renamed:
        return False
    for request in evidence.ours_requests:
        if any("Unknown type" in str(e.get("message")) for e in errors_of(request["response"])):
            return False
    rejected = [
        request
        for request in evidence.apollo_requests
        if request["subgraph"].rpartition("/")[2] in renamed
        and any(
            re.search(
                rf"Unknown type '({'|'.join(renamed[request['subgraph'].rpartition('/')[2]])})'",
                str(e.get("message")),
            )
            for e in errors_of(request["response"])
        )
    ]
    if rejected:
        return True
    found_gaps = gaps(evidence)
    found = evidence.collected(())
    if found_gaps is None or found is None or any(path for path, _ in found_gaps):
        return False
    root, fields = found
    missing = {key for _, key in found_gaps}
    return all(root in c.conditions for c in fields if c.response_name in missing)


def _renamed_roots(fixture: Fixture) -> dict[str, set[str]]:
    """Subgraph name → the default root type names (``Query``, ``Mutation``) it renames."""
    renamed: dict[str, set[str]] = {}
    for subgraph in fixture.subgraphs:
        for definition in parse(subgraph.sdl).definitions:
            if not isinstance(definition, SchemaDefinitionNode):
                continue
            for operation in definition.operation_types:
                default = operation.operation.value.capitalize()
                if operation.type.name.value != default:
                    renamed.setdefault(subgraph.name, set()).add(default)
    return renamed


@rule
def unselected_field_nulls_parent(evidence: Evidence) -> bool:
    """Apollo reports errors (or non-null violations) at fields the operation does not
    select there (excluded by ``@skip``/``@include``, or not selected at all), and each
    difference is a null at such a field's ancestor, where ours has the object."""
    reported = [*errors_of(evidence.apollo), *value_completion(evidence.apollo)]
    ours = {_path_of(error) for error in errors_of(evidence.ours)}
    stray = [
        path
        for path in map(_path_of, reported)
        if path and isinstance(path[-1], str) and path not in ours and not _selected(evidence, path)
    ]
    paths = evidence.paths()
    return (
        bool(stray)
        and bool(paths)
        and all(
            value_at(evidence.apollo, path) is None
            and value_at(evidence.ours, path) is not None
            and any(is_prefix(path, p) for p in stray)
            for path in paths
        )
    )


def _selected(evidence: Evidence, path: Path) -> bool:
    found = evidence.collected(path[:-1])
    return found is not None and any(c.response_name == path[-1] for c in found[1])


@rule
def null_data_without_errors(evidence: Evidence) -> bool:
    """Both answer ``data: null``; ours gives the errors that nulled it, Apollo none at all."""
    apollo, ours = evidence.apollo, evidence.ours
    return (
        isinstance(apollo, dict)
        and isinstance(ours, dict)
        and "data" in apollo
        and apollo["data"] is None
        and ours.get("data") is None
        and not errors_of(apollo)
        and bool(errors_of(ours))
    )


@rule
def errors_at_fields_absent_from_the_response(evidence: Evidence) -> bool:
    """The data agree and ours has no error; each of Apollo's errors points at a field its
    own answer does not have on that object (the operation does not select it there)."""
    if mismatch(evidence.ours, evidence.apollo) != "errors" or errors_of(evidence.ours):
        return False
    errors = errors_of(evidence.apollo)
    return bool(errors) and all(_absent(evidence.apollo, e.get("path")) for e in errors)


def _absent(answer: Any, path: Any) -> bool:
    """Does ``path`` reach, through objects present in ``answer``'s data, an object lacking
    the next field?"""
    if not isinstance(path, list) or not path:
        return False
    for depth, step in enumerate(path):
        if not isinstance(step, str):
            continue
        parent = value_at(answer, tuple(path[:depth]))
        if isinstance(parent, dict) and step not in parent:
            return True
        if not isinstance(parent, dict):
            return False
    return False


@rule
def nulled_by_an_unselected_field_error(evidence: Evidence) -> bool:
    """Ours has no error; every error of Apollo's is at a field our answer does not hold on
    that object (not selected there), and every difference in data is Apollo's null spreading
    from such an object (up or down)."""
    errors = errors_of(evidence.apollo)
    if not errors or errors_of(evidence.ours):
        return False
    if not all(_absent(evidence.ours, e.get("path")) for e in errors):
        return False
    parents = [tuple(e["path"][:-1]) for e in errors]
    paths = evidence.paths()
    return bool(paths) and all(
        any(is_prefix(p, d) or is_prefix(d, p) for p in parents)
        and value_at(evidence.apollo, d) is None
        for d in paths
    )
