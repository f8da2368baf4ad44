"""The attack matrix: hostile requests against the router's production defaults, each with the
refusal it must get. Shared by tests/security and bench/security (which times them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_HEADERS = {"content-type": "application/json"}


@dataclass(frozen=True)
class Attack:
    name: str
    status: int
    code: str
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON_HEADERS))
    method: str = "POST"
    params: dict[str, str] | None = None


def _post(name: str, code: str, payload: Any, status: int = 400, **headers: str) -> Attack:
    return Attack(name, status, code, json.dumps(payload).encode(), {**JSON_HEADERS, **headers})


def fragment_bomb(levels: int) -> str:
    lines = ["fragment F0 on Product { name }"]
    lines += [f"fragment F{i} on Product {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f'{{ product(id: "p-1") {{ ...F{levels - 1} }} }}\n' + "\n".join(lines)


def nested(depth: int) -> str:
    # Product.reviews -> Review.product -> ... : a cycle the schema allows.
    inner = "name"
    for _ in range(depth // 2):
        inner = f"reviews(first: 1) {{ nodes {{ product {{ {inner} }} }} }}"
    return f'{{ product(id: "p-1") {{ {inner} }} }}'


def attacks() -> list[Attack]:
    aliases = " ".join(f'a{i}: product(id: "p-{i}") {{ name }}' for i in range(10_000))
    few_aliases = " ".join(f'a{i}: product(id: "p-{i}") {{ name }}' for i in range(150))
    roots = " ".join(f"r{i}: categories {{ name }}" for i in range(40))
    duplicated = '{ product(id: "p-1") { ' + "name " * 3_900 + "} }"
    directives = '{ product(id: "p-1") { name' + " @skip(if: false)" * 20 + " } }"
    fan_out = (
        "{ search(first: 100) { hits { product { vendor { products(first: 100) { edges "
        "{ node { reviews(first: 100) { nodes { body author { id } } } } } } } } } } }"
    )
    return [
        _post("fragment bomb, 20 levels", "MAX_EXPANDED_SELECTIONS_LIMIT",
              {"query": fragment_bomb(20)}),
        _post("10,000 aliases", "MAX_ALIASES_LIMIT", {"query": "{" + aliases[:95_000] + "}"}),
        _post("150 aliases", "MAX_ALIASES_LIMIT", {"query": "{" + few_aliases + "}"}),
        _post("3,900 copies of one field", "MAX_EXPANDED_SELECTIONS_LIMIT", {"query": duplicated}),
        _post("40 levels deep", "MAX_DEPTH_LIMIT", {"query": nested(40)}),
        _post("40 root fields", "MAX_ROOT_FIELDS_LIMIT", {"query": "{" + roots + "}"}),
        _post("20 directives on a field", "MAX_DIRECTIVES_LIMIT", {"query": directives}),
        _post("fan-out: search 100 x products 100 x reviews 100", "COST_ESTIMATED_TOO_EXPENSIVE",
              {"query": fan_out}),
        _post("a 200 KB document", "DOCUMENT_TOO_LARGE",
              {"query": "{ __typename }" + "#" * 200_000}),
        _post("nesting 1,000 brackets", "PARSER_RECURSION_LIMIT",
              {"query": "{" * 1_000 + "}" * 1_000}),
        Attack("a 3 MB body", 413, "REQUEST_TOO_LARGE", b'{"query": "' + b" " * 3_000_000 + b'"}'),
        _post("a 2,000-item variable list", "VARIABLES_LIST_TOO_LONG",
              {"query": "{ __typename }", "variables": {"ids": ["p"] * 2000}}),
        _post("variables nested 40 deep", "VARIABLES_TOO_DEEP",
              {"query": "{ __typename }", "variables": {"v": json.loads("[" * 40 + "]" * 40)}}),
        _post("300 KB of variables", "VARIABLES_TOO_LARGE",
              {"query": "{ __typename }", "variables": {"v": "x" * 300_000}}),
        _post("introspection", "GRAPHQL_VALIDATION_FAILED",
              {"query": "{ __schema { types { name } } }"}),
        _post("batched requests", "BATCHING_NOT_ENABLED",
              [{"query": "{ __typename }"}, {"query": "{ __typename }"}]),
        Attack("a mutation without a content type", 400, "CSRF_ERROR",
               b'{"query": "mutation { createCart { id } }"}', headers={}),
        Attack("a text/plain form post", 400, "CSRF_ERROR",
               b'{"query": "mutation { createCart { id } }"}', {"content-type": "text/plain"}),
        Attack("a GET without a preflight header", 400, "CSRF_ERROR", b"", {}, "GET",
               {"query": "{ __typename }"}),
        Attack("duplicate JSON keys", 400, "BAD_REQUEST",
               b'{"query": "{ __typename }", "query": "mutation { createCart { id } }"}'),
        _post("variables that are not an object", "BAD_REQUEST",
              {"query": "{ __typename }", "variables": 0}),
        _post("extensions that are not an object", "BAD_REQUEST",
              {"query": "{ __typename }", "extensions": []}),
    ]  # fmt: skip
