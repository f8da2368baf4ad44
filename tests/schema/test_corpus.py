"""The composition corpus covers what it claims to: its layout, directives and error codes."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    StringValueNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from tests.schema.corpus import REPO, Case, load_corpus

DIRECTIVES = {
    "key",
    "shareable",
    "external",
    "requires",
    "provides",
    "override",
    "inaccessible",
    "tag",
    "interfaceObject",
    "composeDirective",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
}
ERROR_CODES = {
    "INVALID_FIELD_SHARING",
    "REQUIRES_FIELDS_MISSING_EXTERNAL",
    "FIELD_TYPE_MISMATCH",
    "SATISFIABILITY_ERROR",
    "ENUM_VALUE_MISMATCH",
    "KEY_INVALID_FIELDS",
    "TYPE_KIND_MISMATCH",
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
    "EMPTY_MERGED_INPUT_TYPE",
    "OVERRIDE_FROM_SELF_ERROR",
    "EXTERNAL_UNUSED",
    "PROVIDES_FIELDS_MISSING_EXTERNAL",
    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
    "INVALID_LINK_DIRECTIVE_USAGE",
    "LINK_IMPORT_NAME_MISMATCH",
    "COST_APPLIED_TO_INTERFACE_FIELD",
    "LIST_SIZE_APPLIED_TO_NON_LIST",
    "LIST_SIZE_INVALID_ASSUMED_SIZE",
    "LIST_SIZE_INVALID_SLICING_ARGUMENT",
    "LIST_SIZE_INVALID_SIZED_FIELD",
    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
    "EXTENSION_WITH_NO_BASE",
}
CORPUS = load_corpus()


class _Directives(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.applied: list[ConstDirectiveNode] = []

    def enter_directive(self, node: ConstDirectiveNode, *_: Any) -> None:
        self.applied.append(node)


def applied_directives(document: DocumentNode) -> list[ConstDirectiveNode]:
    collector = _Directives()
    visit(document, collector)
    return collector.applied


def corpus_directives() -> Iterator[ConstDirectiveNode]:
    for case in CORPUS:
        for subgraph in case.subgraphs:
            yield from applied_directives(parse(subgraph.sdl))


def argument(directive: ConstDirectiveNode, name: str) -> str | None:
    for given in directive.arguments:
        if given.name.value == name:
            value = given.value
            return value.value if isinstance(value, StringValueNode) else print_ast(value)
    return None


def test_the_corpus_has_at_least_30_cases() -> None:
    assert len(CORPUS) >= 30


def test_cases_are_numbered_and_named() -> None:
    numbers = [case.name.split("-", 1)[0] for case in CORPUS]
    assert all(re.fullmatch(r"\d{2,3}-[a-z0-9]+(-[a-z0-9]+)*", case.name) for case in CORPUS)
    assert len(set(numbers)) == len(numbers), "two cases share a number"


def federation_links(sdl: str) -> list[str]:
    urls = [
        argument(d, "url") or "" for d in applied_directives(parse(sdl)) if d.name.value == "link"
    ]
    return [url for url in urls if url.startswith("https://specs.apollo.dev/federation/")]


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.name)
def test_every_subgraph_parses_and_links_federation_2(case: Case) -> None:
    """Federation 2 everywhere, but in the Federation 1 cases (``NN-fed1-...``), where the
    subgraphs without a federation ``@link`` are Federation 1 subgraphs."""
    fed1 = case.name.split("-", 1)[1].startswith("fed1-")
    for subgraph in case.subgraphs:
        links = federation_links(subgraph.sdl)
        if not (fed1 and not links):
            assert any(
                url.startswith("https://specs.apollo.dev/federation/v2.") for url in links
            ), f"{subgraph.name} does not link Federation v2"
        assert subgraph.url == f"http://{subgraph.name}.example/graphql"


def test_federation_1_cases_have_federation_1_subgraphs() -> None:
    fed1 = [case for case in CORPUS if case.name.split("-", 1)[1].startswith("fed1-")]
    assert len(fed1) >= 3
    for case in fed1:
        assert any(not federation_links(s.sdl) for s in case.subgraphs), case.name


def test_every_directive_appears_in_some_case() -> None:
    used = {directive.name.value for directive in corpus_directives()}
    assert sorted(DIRECTIVES - used) == []


def test_every_error_code_is_expected_by_some_case() -> None:
    expected = {code for case in CORPUS for code in case.expected_errors or ()}
    assert sorted(ERROR_CODES - expected) == []


def test_error_cases_are_about_one_mistake() -> None:
    for case in CORPUS:
        assert case.expected_errors is None or len(case.expected_errors) <= 3, case.name


def test_the_key_and_override_variants_appear() -> None:
    keys = [d for d in corpus_directives() if d.name.value == "key"]
    fields = [argument(key, "fields") or "" for key in keys]
    assert any("{" in f for f in fields), "a nested key"
    assert any(len(f.split()) > 1 and "{" not in f for f in fields), "a compound key"
    assert any(argument(key, "resolvable") == "false" for key in keys), "resolvable: false"
    overrides = [d for d in corpus_directives() if d.name.value == "override"]
    assert any(argument(o, "label") is None for o in overrides), "an override without label"
    assert any((argument(o, "label") or "").startswith("percent(") for o in overrides)


def test_the_project_subgraphs_are_a_case() -> None:
    own = [case for case in CORPUS if case.sources[0].parent == REPO / "schema" / "subgraphs"]
    assert len(own) == 1
    assert sorted(s.name for s in own[0].subgraphs) == ["orders", "products", "search", "users"]
    assert own[0].composes
