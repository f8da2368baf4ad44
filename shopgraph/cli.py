"""The ``shopgraph`` command."""

from __future__ import annotations

import sys

import click
import uvicorn

from shopgraph.services import SUBGRAPHS, Service, service


def _not_in_this_build(command: str) -> click.ClickException:
    return click.ClickException(f"`shopgraph {command}` is not part of this build yet")


def _serve(svc: Service, host: str, port: int | None) -> None:
    if not svc.available:
        raise _not_in_this_build(svc.name)
    uvicorn.run(svc.create_app(), host=host, port=port or svc.port)


host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
)
port_option = click.option(
    "--port", type=int, envvar="PORT", help="Port to listen on (default: the service's dev port)."
)


@click.group()
@click.version_option(package_name="shopgraph")
def main() -> None:
    """shopgraph: a federated GraphQL backend for an e-commerce platform."""


@main.command()
def dev() -> None:
    """Run every service in one process on fixed local ports, with seeded embedded stores."""
    from shopgraph.dev import run_dev

    sys.exit(run_dev())


@main.group(invoke_without_command=True)
@click.option("--supergraph", type=click.Path(exists=True, dir_okay=False), help="Supergraph SDL.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="Router YAML configuration.")  # fmt: skip
@click.option("--host", help="Interface to listen on (default: from the config, 127.0.0.1).")
@port_option
@click.pass_context
def router(ctx: click.Context, supergraph: str | None, config_file: str | None,
           host: str | None, port: int | None) -> None:  # fmt: skip
    """Run the federation router over a Federation v2 supergraph."""
    if ctx.invoked_subcommand is not None:
        return
    if supergraph is None:
        raise click.UsageError("--supergraph FILE is required")
    from pathlib import Path

    from router.http.app import create_app
    from router.http.config import ConfigError, load_config
    from router.supergraph import SupergraphError, load_supergraph

    try:
        config = load_config(config_file)
        load_supergraph(Path(supergraph).read_text())  # fail now, not at the first request
    except (ConfigError, SupergraphError) as error:
        raise click.ClickException(f"{supergraph}: {error.message}") from error
    app = create_app(config, supergraph_path=supergraph)
    uvicorn.run(app, host=host or config.host, port=port or config.port, log_level="info",
                access_log=False)


@router.command("plan")
@click.argument("supergraph", type=click.Path(exists=True, dir_okay=False))
@click.argument("operation", type=click.Path(exists=True, dir_okay=False))
def router_plan(supergraph: str, operation: str) -> None:
    """Print every planning stage of OPERATION over SUPERGRAPH."""
    from pathlib import Path

    from graphql import GraphQLError, parse, validate

    from router.planning import PlanningError
    from router.planning.explain import explain_plan
    from router.supergraph import SupergraphError, load_supergraph

    try:
        loaded = load_supergraph(Path(supergraph).read_text())
        document = parse(Path(operation).read_text())
    except (SupergraphError, GraphQLError) as error:
        raise click.ClickException(str(error)) from error
    errors = validate(loaded.api_schema, document)
    if errors:
        raise click.ClickException("\n".join(e.message for e in errors))
    try:
        click.echo(explain_plan(loaded, document))
    except PlanningError as error:
        raise click.ClickException(f"planning failed: {error.message}") from error


@main.command()
@click.argument("name", type=click.Choice(SUBGRAPHS))
@host_option
@port_option
def subgraph(name: str, host: str, port: int | None) -> None:
    """Run one subgraph."""
    _serve(service(name), host, port)


@main.command()
@click.argument("kind", type=click.Choice(["web", "mobile"]))
@host_option
@port_option
def bff(kind: str, host: str, port: int | None) -> None:
    """Run the web or the mobile BFF."""
    _serve(service(f"bff_{kind}"), host, port)


@main.command()
@host_option
@port_option
def identity(host: str, port: int | None) -> None:
    """Run the local B2C-style OpenID Connect provider (development and tests)."""
    _serve(service("identity"), host, port)


@main.command()
@click.option("--from-running", is_flag=True, help="Read each subgraph's SDL from _service.")
def compose(from_running: bool) -> None:
    """Compose the subgraph SDLs into schema/supergraph.graphql."""
    raise _not_in_this_build("compose")


@main.group()
def schema() -> None:
    """Schema tooling."""


@schema.command("check")
def schema_check() -> None:
    """Fail on composition errors, SDL drift and breaking changes."""
    raise _not_in_this_build("schema check")


@main.command()
def seed() -> None:
    """Load the deterministic demo data into the configured stores."""
    raise _not_in_this_build("seed")


@main.group()
def search() -> None:
    """Search index tooling."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index behind its alias, with no downtime."""
    raise _not_in_this_build("search reindex")


if __name__ == "__main__":
    main()
