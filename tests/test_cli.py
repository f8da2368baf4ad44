"""The ``shopgraph`` command registers every subcommand of the design."""

from pathlib import Path

from click.testing import CliRunner

from shopgraph.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_subcommand_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "router", "subgraph", "bff", "compose", "schema", "seed", "search"):
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
