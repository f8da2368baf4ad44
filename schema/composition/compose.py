"""Composition as one function: subgraphs in, a supergraph or errors out. It never raises
for bad input; every problem found is reported, with where it is."""

from __future__ import annotations

from graphql import print_ast

from schema.composition.errors import CompositionError, CompositionResult, SubgraphInput
from schema.composition.merge import merge_types
from schema.composition.satisfiability import check_satisfiability
from schema.composition.subgraph import Subgraph, SubgraphError, read_subgraph
from schema.composition.supergraph import Supergraph, graph_enum_name, print_supergraph
from schema.composition.validate import (
    check_external_on_base,
    check_inaccessible_references,
    check_interface_objects,
    check_merged_defaults,
    check_queries,
    check_sharing,
    check_subgraph,
)


def compose_subgraphs(inputs: list[SubgraphInput]) -> CompositionResult:
    errors: list[CompositionError] = []
    report = errors.append
    subgraphs: list[Subgraph] = []
    for given in sorted(inputs, key=lambda s: s.name):
        try:
            subgraph = read_subgraph(given.name, given.url, given.sdl)
        except SubgraphError as error:
            errors.append(error.error)
            continue
        errors += subgraph.errors
        subgraphs.append(subgraph)
    if errors:
        return CompositionResult(None, errors)
    names = [graph_enum_name(s.name) for s in subgraphs]
    if len(set(names)) != len(names):
        return CompositionResult(None, [CompositionError(
            "INVALID_SUBGRAPH_NAME", "two subgraphs have the same name (ignoring case)"
        )])  # fmt: skip
    for subgraph in subgraphs:
        check_subgraph(subgraph, report)
    if errors:
        return CompositionResult(None, errors)
    check_sharing(subgraphs, report)
    check_external_on_base(subgraphs, report)
    check_interface_objects(subgraphs, report)
    supergraph = Supergraph()
    supergraph.graphs = {graph_enum_name(s.name): (s.name, s.url) for s in subgraphs}
    supergraph.federation_version = max(s.federation_version for s in subgraphs)
    merge_types(subgraphs, supergraph, report)
    supergraph.roots = [r for r in ("Query", "Mutation", "Subscription") if r in supergraph.types]
    check_queries(supergraph, subgraphs, report)
    check_inaccessible_references(supergraph, report)
    check_merged_defaults(supergraph, report)
    if errors:
        return CompositionResult(None, errors)
    check_satisfiability(supergraph, subgraphs, report)
    if errors:
        return CompositionResult(None, errors)
    _collect_specs(supergraph, subgraphs)
    return CompositionResult(print_supergraph(supergraph), [])


def _collect_specs(supergraph: Supergraph, subgraphs: list[Subgraph]) -> None:
    for t in supergraph.types.values():
        elements: list[object] = [t, *t.fields.values(), *t.values.values()]
        elements += [a for f in t.fields.values() for a in f.arguments]
        for e in elements:
            if getattr(e, "inaccessible", False):
                supergraph.specs_used.add("inaccessible")
            if getattr(e, "tags", None):
                supergraph.specs_used.add("tag")
            if getattr(e, "authenticated", False):
                supergraph.specs_used.add("authenticated")
            if getattr(e, "requires_scopes", None) is not None:
                supergraph.specs_used.add("requiresScopes")
            if getattr(e, "policies", None) is not None:
                supergraph.specs_used.add("policy")
    for subgraph in subgraphs:
        for directive, url in subgraph.composed_directives.items():
            definition = subgraph.directive_definitions.get(directive)
            if definition is not None:
                supergraph.composed_definitions.setdefault(directive, definition)
            if url and url not in supergraph.composed_links:
                supergraph.composed_links[url] = subgraph.composed_imports.get(url, [])
    _ = print_ast
