"""The specs whose directives composition carries from subgraphs into the supergraph.

A subgraph imports these directives through its federation ``@link``; the supergraph links each
spec on its own (``https://specs.apollo.dev/cost/v0.1``) and names each directive as the
subgraphs that apply it do, importing it when that name is not the spec's default
(``@listSize`` rather than ``@cost__listSize``).
"""

from __future__ import annotations

from dataclasses import dataclass

ELEMENT_LOCATIONS = (
    "FIELD_DEFINITION", "OBJECT", "INTERFACE", "UNION", "ARGUMENT_DEFINITION", "SCALAR", "ENUM",
    "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION",
)  # fmt: skip
ACCESS_LOCATIONS = ("FIELD_DEFINITION", "OBJECT", "INTERFACE", "SCALAR", "ENUM")
COST_LOCATIONS = (
    "ARGUMENT_DEFINITION", "ENUM", "FIELD_DEFINITION", "INPUT_FIELD_DEFINITION", "OBJECT", "SCALAR",
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    name: str
    url: str
    purpose: str | None
    directives: tuple[str, ...]
    scalars: tuple[str, ...] = ()
    uncarried: tuple[str, ...] = ()
    """Directives the spec defines that the supergraph never applies (``@fromContext``)."""


SPECS = (
    Spec("tag", "https://specs.apollo.dev/tag/v0.3", None, ("tag",)),
    Spec("inaccessible", "https://specs.apollo.dev/inaccessible/v0.2", "SECURITY",
         ("inaccessible",)),
    Spec("authenticated", "https://specs.apollo.dev/authenticated/v0.1", "SECURITY",
         ("authenticated",)),
    Spec("requiresScopes", "https://specs.apollo.dev/requiresScopes/v0.1", "SECURITY",
         ("requiresScopes",), ("requiresScopes__Scope",)),
    Spec("policy", "https://specs.apollo.dev/policy/v0.1", "SECURITY", ("policy",),
         ("policy__Policy",)),
    Spec("cost", "https://specs.apollo.dev/cost/v0.1", None, ("cost", "listSize")),
    Spec("context", "https://specs.apollo.dev/context/v0.1", "SECURITY", ("context",),
         ("context__ContextFieldValue",), ("fromContext",)),
)  # fmt: skip
SPEC_OF = {directive: spec for spec in SPECS for directive in spec.directives}
"""Each carried directive → the spec that defines it."""
_DEFINED_BY = {d: spec for spec in SPECS for d in spec.directives + spec.uncarried}

LOCATIONS: dict[str, tuple[str, ...]] = {
    "tag": ELEMENT_LOCATIONS,
    "inaccessible": ELEMENT_LOCATIONS,
    "authenticated": ACCESS_LOCATIONS,
    "requiresScopes": ACCESS_LOCATIONS,
    "policy": ACCESS_LOCATIONS,
    "cost": COST_LOCATIONS,
    "listSize": ("FIELD_DEFINITION",),
    "context": ("INTERFACE", "OBJECT", "UNION"),
}
"""Where each carried directive may be applied."""
TYPE_LOCATIONS = {"object": "OBJECT", "interface": "INTERFACE", "union": "UNION", "enum": "ENUM",
                  "input": "INPUT_OBJECT", "scalar": "SCALAR"}  # fmt: skip

_SIGNATURES = {
    "tag": "(name: String!) repeatable on " + " | ".join((*ELEMENT_LOCATIONS, "SCHEMA")),
    "inaccessible": " on " + " | ".join(ELEMENT_LOCATIONS),
    "authenticated": " on " + " | ".join(ACCESS_LOCATIONS),
    "requiresScopes": "(scopes: [[requiresScopes__Scope!]!]!) on " + " | ".join(ACCESS_LOCATIONS),
    "policy": "(policies: [[policy__Policy!]!]!) on " + " | ".join(ACCESS_LOCATIONS),
    "cost": "(weight: Int!) on " + " | ".join(COST_LOCATIONS),
    "listSize": "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
    "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
    "context": "(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "(field: context__ContextFieldValue) on ARGUMENT_DEFINITION",
}

MINIMUM_FEDERATION_VERSION: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("key", "shareable", "external", "requires", "provides", "override",
                     "inaccessible", "tag", "extends"), (2, 0)),
    "composeDirective": (2, 1),
    "interfaceObject": (2, 3),
    "authenticated": (2, 5),
    "requiresScopes": (2, 5),
    "policy": (2, 6),
    "context": (2, 8),
    "fromContext": (2, 8),
    "cost": (2, 9),
    "listSize": (2, 9),
}  # fmt: skip
"""The federation version from which a subgraph may use each federation directive."""


def available_directives(version: tuple[int, int]) -> list[str]:
    """The federation directives a subgraph linking federation ``version`` may use."""
    return [n for n, since in MINIMUM_FEDERATION_VERSION.items() if since <= version]


def default_name(directive: str) -> str:
    """The name a supergraph gives ``directive`` when it does not import it."""
    spec = _DEFINED_BY[directive]
    return directive if directive == spec.name else f"{spec.name}__{directive}"


def linked_specs(names: dict[str, str]) -> list[Spec]:
    """The specs of the directives in ``names`` (directive → name in the supergraph)."""
    return [spec for spec in SPECS if any(d in names for d in spec.directives)]


def print_links(names: dict[str, str]) -> list[str]:
    """The ``@link`` of each spec in use, importing the directives not named by default."""
    links = []
    for spec in linked_specs(names):
        text = f'@link(url: "{spec.url}"'
        if spec.purpose:
            text += f", for: {spec.purpose}"
        imports = [_print_import(d, names[d]) for d in spec.directives
                   if d in names and names[d] != default_name(d)]  # fmt: skip
        if imports:
            text += f", import: [{', '.join(imports)}]"
        links.append(text + ")")
    return links


def print_definitions(names: dict[str, str]) -> list[str]:
    """The directive definitions of every spec in use, each directive under its name."""
    return [f"directive @{names.get(d, default_name(d))}{_SIGNATURES[d]}"
            for spec in linked_specs(names) for d in spec.directives + spec.uncarried]  # fmt: skip


def spec_scalars(names: dict[str, str]) -> list[str]:
    return [scalar for spec in linked_specs(names) for scalar in spec.scalars]


def _print_import(directive: str, name: str) -> str:
    if name == directive:
        return f'"@{directive}"'
    return f'{{name: "@{directive}", as: "@{name}"}}'
