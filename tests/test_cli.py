"""The ``shopgraph`` command registers every subcommand of the design."""

from click.testing import CliRunner

from shopgraph.cli import main


def test_every_subcommand_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "router", "subgraph", "bff", "compose", "schema", "seed", "search"):
        assert f"  {command} " in result.output


def test_unknown_subgraph_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["subgraph", "payments"])
    assert result.exit_code == 2
    assert "'payments' is not one of" in result.output
