"""Composition as one function: subgraphs in, a supergraph or errors out. It never raises
for bad input; every problem found is reported, with where it is."""

from __future__ import annotations

from collections.abc import Callable

from schema.composition.access_control import check_transitive_requirements
from schema.composition.context import check_contexts
from schema.composition.context_paths import check_context_paths
from schema.composition.errors import (
    CompositionError,
    CompositionHint,
    CompositionResult,
    SubgraphInput,
)
from schema.composition.hints import collect_hints
from schema.composition.interfaces import (
    check_interface_fields_implemented,
    check_interface_keys_cover_implementations,
)
from schema.composition.merge import merge_types
from schema.composition.satisfiability import check_satisfiability
from schema.composition.subgraph import Subgraph, SubgraphError, read_subgraph
from schema.composition.supergraph import Supergraph, graph_enum_name, print_supergraph
from schema.composition.upgrade import upgrade_subgraphs
from schema.composition.validate import (
    check_external_on_base,
    check_inaccessible_references,
    check_interface_objects,
    check_merged_defaults,
    check_queries,
    check_sharing,
    check_subgraph,
)

Report = Callable[[CompositionError], None]


def compose_subgraphs(inputs: list[SubgraphInput]) -> CompositionResult:
    errors: list[CompositionError] = []
    hints: list[CompositionHint] = []
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
    upgrade_subgraphs(subgraphs, report)
    if errors:
        return CompositionResult(None, errors)
    names = [graph_enum_name(s.name) for s in subgraphs]
    if len(set(names)) != len(names):
        return CompositionResult(None, [CompositionError(
            "INVALID_SUBGRAPH_NAME", "two subgraphs have the same name (ignoring case)"
        )])  # fmt: skip
    for subgraph in subgraphs:
        check_subgraph(subgraph, report)
        check_contexts(subgraph, report)
    if errors:
        return CompositionResult(None, errors)
    check_sharing(subgraphs, report)
    check_external_on_base(subgraphs, report)
    check_interface_objects(subgraphs, report)
    check_interface_keys_cover_implementations(subgraphs, report)
    supergraph = Supergraph()
    supergraph.directive_names = _directive_names(subgraphs, report)
    supergraph.graphs = {graph_enum_name(s.name): (s.name, s.url) for s in subgraphs}
    supergraph.federation_version = max(s.federation_version for s in subgraphs)
    merge_types(subgraphs, supergraph, report, hints.append)
    if not errors:  # an incomplete merge lacks fields through no fault of the subgraphs
        check_interface_fields_implemented(supergraph, subgraphs, report)
    supergraph.roots = [r for r in ("Query", "Mutation", "Subscription") if r in supergraph.types]
    check_queries(supergraph, subgraphs, report)
    check_inaccessible_references(supergraph, report)
    check_merged_defaults(supergraph, report)
    check_transitive_requirements(supergraph, report)
    if errors:
        return CompositionResult(None, errors)
    check_context_paths(supergraph, report)
    check_satisfiability(supergraph, subgraphs, report, hints.append)
    if errors:
        return CompositionResult(None, errors)
    _collect_specs(supergraph, subgraphs)
    hints += collect_hints(subgraphs, supergraph)
    return CompositionResult(print_supergraph(supergraph), [], hints)


def _directive_names(subgraphs: list[Subgraph], report: Report) -> dict[str, str]:
    """Each carried directive some subgraph applies → its name in the supergraph: the name the
    subgraphs apply it by, which must be the same in all of them."""
    names: dict[str, str] = {}
    for subgraph in subgraphs:
        for directive, name in subgraph.spec_names.items():
            names.setdefault(directive, name)
    for directive, name in names.items():
        users = [(s, s.spec_names[directive]) for s in subgraphs if directive in s.spec_names]
        if any(used != name for _, used in users):
            described = " but ".join(f'"@{used}" in subgraph "{s.name}"' for s, used in users)
            report(CompositionError(
                "LINK_IMPORT_NAME_MISMATCH",
                f'The federation directive "@{directive}" is imported with mismatched names '
                f"between subgraphs: it is imported as {described}",
                tuple(s.location() for s, _ in users),
            ))  # fmt: skip
    return names


def _collect_specs(supergraph: Supergraph, subgraphs: list[Subgraph]) -> None:
    for subgraph in subgraphs:
        for directive, url in subgraph.composed_directives.items():
            definition = subgraph.directive_definitions.get(directive)
            if definition is not None:
                supergraph.composed_definitions.setdefault(directive, definition)
            if url and url not in supergraph.composed_links:
                supergraph.composed_links[url] = subgraph.composed_imports.get(url, [])
