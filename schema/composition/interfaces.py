"""Checks that an interface's implementations, merged across subgraphs, still fit it: a
subgraph that keys an interface can resolve every one of them, and each has every field the
merged interface has."""

from __future__ import annotations

from collections.abc import Callable

from schema.composition.errors import CompositionError
from schema.composition.metadata import implementations
from schema.composition.subgraph import Subgraph
from schema.composition.supergraph import Supergraph

Report = Callable[[CompositionError], None]


def check_interface_keys_cover_implementations(subgraphs: list[Subgraph], report: Report) -> None:
    """A resolvable @key on an interface lets the subgraph be asked for any entity of it, so
    the subgraph must define every object type implementing it in the supergraph."""
    for subgraph in subgraphs:
        for interface in subgraph.types.values():
            key = next((k for k in interface.keys if k.resolvable), None)
            if interface.kind != "interface" or key is None:
                continue
            have = {t.name for t in implementations(subgraph, interface.name)}
            missing = sorted({t.name for s in subgraphs for t in implementations(s, interface.name)}
                             - have)  # fmt: skip
            if not missing:
                continue
            them = "them" if len(missing) > 1 else "it"
            kinds = "types" if len(missing) > 1 else "type"
            report(CompositionError(
                "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                f'[{subgraph.name}] Interface type "{interface.name}" has a resolvable key '
                f'(@key(fields: "{key.fields}")) in subgraph "{subgraph.name}" but that subgraph '
                "is missing some of the supergraph implementation types of "
                f'"{interface.name}". Subgraph "{subgraph.name}" should define {kinds} '
                + ", ".join(f'"{name}"' for name in missing)
                + f' (and have {them} implement "{interface.name}").',
                (subgraph.location(interface),),
            ))  # fmt: skip


def check_interface_fields_implemented(
    supergraph: Supergraph, subgraphs: list[Subgraph], report: Report
) -> None:
    """A type gets an interface field only where it sees it; implementing the interface only
    in subgraphs whose interface lacks the field leaves the merged type without it."""
    for t in supergraph.types.values():
        if t.kind not in ("object", "interface"):
            continue
        for name in t.interfaces:
            interface = supergraph.types.get(name)
            if interface is None:
                continue
            for field_name in interface.fields:
                if field_name not in t.fields:
                    _report_missing_field(t.name, name, field_name, subgraphs, report)


def _report_missing_field(
    type_name: str, interface: str, field_name: str, subgraphs: list[Subgraph], report: Report
) -> None:
    declaring = [s for s in subgraphs if _declares(s, interface, field_name)]
    implementing = [s for s in subgraphs if type_name in s.types
                    and interface in s.types[type_name].interfaces]  # fmt: skip
    report(CompositionError(
        "INTERFACE_FIELD_NO_IMPLEM",
        f'Interface field "{interface}.{field_name}" is declared in {_subgraph_names(declaring)} '
        f'but type "{type_name}", which implements "{interface}" only in '
        f'{_subgraph_names(implementing)} does not have field "{field_name}".',
        tuple(s.location(s.types[interface].fields[field_name]) for s in declaring)
        + tuple(s.location(s.types[type_name]) for s in implementing),
    ))  # fmt: skip


def _declares(subgraph: Subgraph, interface: str, field_name: str) -> bool:
    t = subgraph.types.get(interface)
    return t is not None and t.kind == "interface" and field_name in t.fields


def _subgraph_names(subgraphs: list[Subgraph]) -> str:
    names = ", ".join(f'"{s.name}"' for s in subgraphs)
    return f"subgraph {names}" if len(subgraphs) == 1 else f"subgraphs {names}"
