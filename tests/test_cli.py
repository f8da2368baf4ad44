"""The ``shopgraph`` command registers every subcommand of the design."""

from pathlib import Path

from click.testing import CliRunner

from shopgraph.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_subcommand_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "router", "subgraph", "bff", "compose", "schema", "seed", "search",
                    "migrate", "orders"):  # fmt: skip
        assert f"  {command} " in result.output


def test_unknown_subgraph_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["subgraph", "payments"])
    assert result.exit_code == 2
    assert "'payments' is not one of" in result.output


def test_the_router_refuses_to_start_on_a_broken_supergraph(tmp_path: Path) -> None:
    broken = tmp_path / "supergraph.graphql"
    broken.write_text("type Query {\n  products: [Product!]! @join__field(graph: \n}\n")
    result = CliRunner().invoke(main, ["router", "--supergraph", str(broken)])
    assert result.exit_code == 1
    assert "does not parse" in result.output
    assert "line 3, column 1" in result.output


def test_router_plan_prints_every_stage() -> None:
    supergraph = ROOT / "tests" / "fixtures" / "supergraphs" / "entities.graphql"
    result = CliRunner().invoke(
        main,
        ["router", "plan", str(supergraph), str(ROOT / "tests" / "fixtures" / "products.graphql")],
    )
    assert result.exit_code == 0, result.output
    for stage in ("# 1. normalized operation", "# 2. fetch graph", "# 3. query plan"):
        assert stage in result.output
    assert '"kind": "Flatten"' in result.output


SEVERAL = """query Listing { products { name } }
query Broken { products { colour } }
"""


def test_router_plan_picks_one_of_several_operations(tmp_path: Path) -> None:
    supergraph = ROOT / "tests" / "fixtures" / "supergraphs" / "entities.graphql"
    operations = tmp_path / "operations.graphql"
    operations.write_text(SEVERAL)
    plan = ["router", "plan", str(supergraph), str(operations)]
    unchosen = CliRunner().invoke(main, plan)
    assert unchosen.exit_code == 1
    assert "has 2 operations (Listing, Broken): choose one with --operation-name" in (
        unchosen.output
    )
    listing = CliRunner().invoke(main, [*plan, "--operation-name", "Listing"])
    assert listing.exit_code == 0, listing.output
    assert "# 3. query plan" in listing.output
    broken = CliRunner().invoke(main, [*plan, "-o", "Broken"])
    assert broken.exit_code == 1
    assert f"{operations}:2:27: Cannot query field 'colour' on type 'Product'" in broken.output
    unknown = CliRunner().invoke(main, [*plan, "-o", "Other"])
    assert "has no operation 'Other' (it has: Listing, Broken)" in unknown.output


def test_router_plan_locates_syntax_errors(tmp_path: Path) -> None:
    supergraph = ROOT / "tests" / "fixtures" / "supergraphs" / "entities.graphql"
    operation = tmp_path / "broken.graphql"
    operation.write_text("query {\n  products {\n")
    result = CliRunner().invoke(main, ["router", "plan", str(supergraph), str(operation)])
    assert result.exit_code == 1
    assert f"{operation}:3:1: Syntax Error" in result.output
