"""Composition results, errors and hints: data, not exceptions.

Codes are those of the reference tools (Apollo's composition), so a failure reads the same
whichever tool reported it; :data:`CODES` is the registry of error codes and
:data:`HINT_CODES` that of hints (what composition accepted but a reader should know), each
with what it means.
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
class CompositionHint:
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in HINT_CODES:
            raise ValueError(f"unregistered composition hint code {self.code}")

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True)
class CompositionResult:
    supergraph_sdl: str | None
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[CompositionHint] = field(default_factory=list)
    """What composition accepted but a reader should know; only for a composed supergraph."""

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
    "PROVIDES_FIELDS_HAS_ARGS": "a @provides selects a field with arguments",
    "EXTERNAL_UNUSED": "an @external field is used by no @key, @requires or @provides",
    "EXTERNAL_MISSING_ON_BASE": "a field is @external in every subgraph that has it",
    "EXTENSION_WITH_NO_BASE": "a type is only ever extended, never defined",
    "TYPE_WITH_ONLY_UNUSED_EXTERNAL": "a Federation 1 type has only external fields nothing uses",
    "OVERRIDE_FROM_SELF_ERROR": "@override(from:) names the subgraph it is in",
    "OVERRIDE_SOURCE_HAS_OVERRIDE": "a field is @override in the subgraph its @override names",
    "OVERRIDE_LABEL_INVALID": "an @override label is neither a name nor percent(x)",
    "INTERFACE_OBJECT_USAGE_ERROR": "an @interfaceObject has no interface in any subgraph",
    "NO_QUERIES": "no subgraph has a query field",
    "SATISFIABILITY_ERROR": "some query of the supergraph could not be planned",
    "MAX_VALIDATION_SUBGRAPH_PATHS_EXCEEDED": "checking satisfiability needed too many paths",
    "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES": "a @shareable field's subgraphs can return no "
    "common object type",
    "UNKNOWN_FEDERATION_LINK_VERSION": "the federation @link names a version that does not exist",
    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL": "@inaccessible, @tag and the like on @external",
    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE": "@override on an @external field",
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION": "an implementation lacks its entity interface's @key",
    "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE": "a subgraph keys an interface but lacks some "
    "of the supergraph's implementations of it",
    "INTERFACE_FIELD_NO_IMPLEM": "a type implements an interface only in subgraphs where the "
    "interface lacks a field it has elsewhere, so the type has no such field",
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
    "CONTEXT_NAME_INVALID": "a @context name is not alphanumeric (no underscores)",
    "CONTEXT_NOT_SET": "@fromContext reads a context no type sets, or sits where it may not",
    "NO_CONTEXT_IN_SELECTION": "a @fromContext field value does not start with $context",
    "CONTEXT_INVALID_SELECTION": "a @fromContext selection is not one value of the argument's "
    "type on every type setting the context",
    "CONTEXT_NO_RESOLVABLE_KEY": "a type with a contextual argument has no resolvable key",
    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS": "an argument contextual in one "
    "subgraph is required, without a default, in another",
}
"""Error codes, as the reference composition names them, with what each means."""

HINT_CODES: dict[str, str] = {
    "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE": "a field's types differ across subgraphs; the "
    "supergraph takes the most general",
    "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE": "an argument's or input field's types differ "
    "across subgraphs; the supergraph takes the most specific",
    "INCONSISTENT_ENTITY": "a type has a @key in some of its subgraphs only",
    "INCONSISTENT_OBJECT_VALUE_TYPE_FIELD": "a field of a value type is in some of its subgraphs "
    "only",
    "INCONSISTENT_INTERFACE_VALUE_TYPE_FIELD": "a field of an interface is in some of its "
    "subgraphs only",
    "INCONSISTENT_UNION_MEMBER": "a union member is in some of the union's subgraphs only",
    "INCONSISTENT_INPUT_OBJECT_FIELD": "an optional input field is in some subgraphs only and is "
    "left out",
    "INCONSISTENT_ARGUMENT_PRESENCE": "an optional argument is in some subgraphs only and is left "
    "out",
    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM": "a value of an input enum is in some subgraphs only "
    "and is left out",
    "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM": "a value of an output enum is in some subgraphs "
    "only",
    "INCONSISTENT_DESCRIPTION": "an element's descriptions differ across subgraphs",
    "MERGED_NON_REPEATABLE_DIRECTIVE_ARGUMENTS": "@cost, @listSize, @requiresScopes or @policy "
    "differ across subgraphs and are merged",
    "FROM_SUBGRAPH_DOES_NOT_EXIST": "@override(from:) names no subgraph",
    "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED": "an @override moves nothing (the field is not resolved "
    "where it names)",
    "OVERRIDDEN_FIELD_CAN_BE_REMOVED": "an overridden field could leave its former subgraph",
    "OVERRIDE_MIGRATION_IN_PROGRESS": "a progressive @override is under way",
    "INCONSISTENT_RUNTIME_TYPES_FOR_SHAREABLE_RETURN": "a shared field of an abstract type can "
    "return different object types in different subgraphs",
    "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS": "an argument contextual in some "
    "subgraph is left out of the supergraph where it is optional and not contextual",
}
"""Hint codes, as the reference composition names them, with what each means."""
