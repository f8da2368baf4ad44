"""Composition results and errors: data, not exceptions.

Codes are those of the reference tools (Apollo's composition), so a failure reads the same
whichever tool reported it; :data:`CODES` is the registry, with what each code means.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubgraphInput:
    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class ErrorLocation:
    subgraph: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.subgraph
        return f"{self.subgraph}:{self.line}:{self.column}"


@dataclass(frozen=True)
class CompositionError:
    code: str
    message: str
    locations: tuple[ErrorLocation, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered composition error code {self.code}")

    def __str__(self) -> str:
        where = ", ".join(str(location) for location in self.locations)
        return f"[{self.code}] {self.message}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class CompositionResult:
    supergraph_sdl: str | None
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


CODES: dict[str, str] = {
    "INVALID_GRAPHQL": "a subgraph's SDL does not parse or names an unknown type",
    "INVALID_SUBGRAPH_NAME": "two subgraphs have the same name (ignoring case)",
    "TYPE_KIND_MISMATCH": "a type is an object in one subgraph and, say, an interface in another",
    "FIELD_TYPE_MISMATCH": "a field's types in two subgraphs have no common supertype",
    "FIELD_ARGUMENT_TYPE_MISMATCH": "an argument's types across subgraphs are incompatible",
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH": "a required argument is missing somewhere",
    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH": "a required input field is missing somewhere",
    "EMPTY_MERGED_INPUT_TYPE": "an input type has no field common to all its subgraphs",
    "EMPTY_MERGED_ENUM_TYPE": "an input enum has no value common to all its subgraphs",
    "ENUM_VALUE_MISMATCH": "an enum used as input and output differs between subgraphs",
    "INVALID_FIELD_SHARING": "a field resolved by several subgraphs is not @shareable in all",
    "KEY_INVALID_FIELDS": "a @key selects fields the type does not have",
    "KEY_FIELDS_SELECT_INVALID_TYPE": "a @key selects an interface or union field",
    "KEY_FIELDS_HAS_ARGS": "a @key selects a field with arguments",
    "REQUIRES_INVALID_FIELDS": "a @requires selects fields the type does not have",
    "REQUIRES_FIELDS_MISSING_EXTERNAL": "a @requires selects a field that is not @external",
    "PROVIDES_INVALID_FIELDS": "a @provides selects fields the type does not have",
    "PROVIDES_FIELDS_MISSING_EXTERNAL": "a @provides selects a field that is not @external",
    "EXTERNAL_UNUSED": "an @external field is used by no @key, @requires or @provides",
    "EXTERNAL_MISSING_ON_BASE": "a field is @external in every subgraph that has it",
    "OVERRIDE_FROM_SELF_ERROR": "@override(from:) names the subgraph it is in",
    "INTERFACE_OBJECT_USAGE_ERROR": "an @interfaceObject has no interface in any subgraph",
    "NO_QUERIES": "no subgraph has a query field",
    "SATISFIABILITY_ERROR": "some query of the supergraph could not be planned",
    "UNKNOWN_FEDERATION_LINK_VERSION": "the federation @link names a version that does not exist",
    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL": "@inaccessible, @tag and the like on @external",
    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE": "@override on an @external field",
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION": "an implementation lacks its entity interface's @key",
    "REFERENCED_INACCESSIBLE": "an @inaccessible type is the type of a field in the API",
    "INVALID_LINK_DIRECTIVE_USAGE": "a subgraph imports a directive its federation version lacks",
    "LINK_IMPORT_NAME_MISMATCH": "subgraphs apply the same federation directive by other names",
    "COST_APPLIED_TO_INTERFACE_FIELD": "@cost on an interface field (it is for concrete types)",
    "LIST_SIZE_APPLIED_TO_NON_LIST": "@listSize on a field, or naming a sized field, not a list",
    "LIST_SIZE_INVALID_ASSUMED_SIZE": "@listSize(assumedSize:) is negative",
    "LIST_SIZE_INVALID_SLICING_ARGUMENT": "a slicing argument is not an Int argument of the field",
    "LIST_SIZE_INVALID_SIZED_FIELD": "a sized field is not a field of the list field's type",
    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE": "@authenticated, @requiresScopes or @policy on an "
    "interface, an interface field or an interface object",
    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS": "a field @requires fields that require more than it",
}
"""Error codes, as the reference composition names them, with what each means."""
