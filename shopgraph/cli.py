"""The ``shopgraph`` command."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import uvicorn

from shopgraph.services import SUBGRAPHS, Service, service

F = TypeVar("F", bound=Callable[..., Any])


def _not_in_this_build(command: str) -> click.ClickException:
    return click.ClickException(f"`shopgraph {command}` is not part of this build yet")


def _serve(svc: Service, host: str, port: int | None) -> None:
    if not svc.available:
        raise _not_in_this_build(svc.name)
    from observability.process import configure

    configure(svc.name)
    # Our logging set-up and access log (observability) stand in for uvicorn's.
    uvicorn.run(svc.create_app(), host=host, port=port or svc.port, log_config=None,
                access_log=False)  # fmt: skip


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

    from router.http.config import ConfigError, load_config
    from router.http.serve import serve
    from router.supergraph import SupergraphError, load_supergraph

    try:
        config = load_config(config_file)
        load_supergraph(Path(supergraph).read_text())  # fail now, not at the first request
    except (ConfigError, SupergraphError) as error:
        raise click.ClickException(f"{supergraph}: {error.message}") from error
    try:
        status = serve(
            config,
            supergraph_path=supergraph,
            config_path=config_file,
            host=host or config.host,
            port=port or config.port,
            log_level="info",
            access_log=False,
        )
    except ConfigError as error:
        raise click.ClickException(error.message) from error
    sys.exit(status)


@router.command("plan")
@click.argument("supergraph", type=click.Path(exists=True, dir_okay=False))
@click.argument("operation", type=click.Path(exists=True, dir_okay=False))
@click.option("--operation-name", "-o", help="Which operation of a file with several.")
def router_plan(supergraph: str, operation: str, operation_name: str | None) -> None:
    """Print every planning stage of OPERATION over SUPERGRAPH."""
    from pathlib import Path

    from graphql import (
        DocumentNode,
        GraphQLError,
        NoUnusedFragmentsRule,
        OperationDefinitionNode,
        Source,
        parse,
        specified_rules,
        validate,
    )

    from router.planning import PlanningError
    from router.planning.explain import explain_plan
    from router.supergraph import SupergraphError, load_supergraph

    try:
        loaded = load_supergraph(Path(supergraph).read_text())
        document = parse(Source(Path(operation).read_text(), operation))
    except SupergraphError as error:
        raise click.ClickException(str(error)) from error
    except GraphQLError as error:
        raise click.ClickException(_located(error, operation)) from error
    names = [d.name.value if d.name else None for d in document.definitions
             if isinstance(d, OperationDefinitionNode)]  # fmt: skip
    if operation_name is None and len(names) > 1:
        raise click.ClickException(
            f"{operation} has {len(names)} operations ({', '.join(map(str, names))}): "
            "choose one with --operation-name"
        )
    if operation_name is not None and operation_name not in names:
        raise click.ClickException(
            f"{operation} has no operation {operation_name!r} (it has: "
            f"{', '.join(map(str, names))})"
        )
    if operation_name is not None:  # the others need not be valid
        chosen = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)
                  or (d.name is not None and d.name.value == operation_name)]  # fmt: skip
        document = DocumentNode(definitions=tuple(chosen))
    rules = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]
    errors = validate(loaded.api_schema, document, rules)
    if errors:
        raise click.ClickException("\n".join(_located(e, operation) for e in errors))
    try:
        click.echo(explain_plan(loaded, document, operation_name))
    except PlanningError as error:
        raise click.ClickException(f"planning failed: {error.message}") from error


def _located(error: Exception, path: str) -> str:
    """``path:line:column: message``, as compilers write it."""
    from graphql import GraphQLError

    if isinstance(error, GraphQLError) and error.locations:
        where = error.locations[0]
        return f"{path}:{where.line}:{where.column}: {error.message}"
    return f"{path}: {error}"


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
@click.option(
    "--from-running",
    is_flag=True,
    help="Read each subgraph's SDL from its running _service { sdl }.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The subgraph list (default: schema/subgraphs.yaml).",
)
@click.option("--out", type=click.Path(dir_okay=False),
              help="Where to write it (default: schema/supergraph.graphql).")  # fmt: skip
def compose(from_running: bool, config_file: str | None, out: str | None) -> None:
    """Compose the subgraph SDLs into schema/supergraph.graphql."""
    from pathlib import Path

    from schema.workspace import CONFIG, SUPERGRAPH, WorkspaceError
    from shopgraph.schema_commands import compose_supergraph

    config = Path(config_file) if config_file else CONFIG
    try:
        supergraph, errors = compose_supergraph(from_running_subgraphs=from_running, config=config)
    except WorkspaceError as error:
        raise click.ClickException(str(error)) from error
    if supergraph is None:
        for problem in errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"composition failed with {len(errors)} error(s)")
    target = Path(out) if out else SUPERGRAPH
    target.write_text(supergraph)
    click.echo(f"wrote {target}")


@main.group()
def schema() -> None:
    """Schema tooling."""


@schema.command("check")
@click.option("--against", help="Git revision whose supergraph to compare with (default: HEAD "
              "if schema/supergraph.graphql has uncommitted changes, else HEAD~1).")  # fmt: skip
def schema_check(against: str | None) -> None:
    """Fail on composition errors, SDL drift, a stale supergraph and breaking changes."""
    from shopgraph.schema_commands import check_schema

    report = check_schema(against=against)
    for note in report.notes:
        click.echo(f"note: {note}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    for failure in report.failures:
        click.echo(f"error: {failure}", err=True)
    if report.failures:
        raise click.ClickException(f"schema check failed ({len(report.failures)} problem(s))")
    click.echo("schema check passed")


@main.command()
@click.option(
    "--products",
    "product_count",
    type=click.IntRange(20, 100_000),
    default=2000,
    show_default=True,
    help="How many products (the first 20 are hand-written).",
)
def seed(product_count: int) -> None:
    """Load the deterministic demo catalog into the configured stores and index it.

    Stores come from SHOPGRAPH_MONGO_URL, SHOPGRAPH_ELASTICSEARCH_URL (the embedded SQLite
    stores under SHOPGRAPH_DATA_DIR when unset). Running it again adds only what is missing.
    """
    from shopgraph.catalog import open_catalog_stores, open_order_store
    from shopgraph.catalog import seed as seed_catalog
    from shopgraph.progress import ProgressReporter

    async def run() -> None:
        async with open_catalog_stores() as (store, index, _), open_order_store() as orders:
            with ProgressReporter("seed") as reporter:
                report = await seed_catalog(store, index, product_count=product_count,
                                            progress=reporter.stage, orders=orders)  # fmt: skip
        click.echo(
            f"products: {report.products_added} added, {report.products_present} already there; "
            f"reviews: {report.reviews_added} added; search index: {report.indexed} products; "
            f"stock: {report.stocked} products; "
            f"orders: {report.orders_added} demo orders placed, "
            f"{report.orders_present} already there"
        )

    asyncio.run(run())


@main.command()
def migrate() -> None:
    """Migrate every configured store: SQL schemas, MongoDB indexes, the search index.

    Stores come from SHOPGRAPH_POSTGRES_URL, SHOPGRAPH_MONGO_URL and
    SHOPGRAPH_ELASTICSEARCH_URL (the embedded SQLite stores under SHOPGRAPH_DATA_DIR when
    unset). Safe to run again; the Helm chart runs it before every install and upgrade.
    """
    from datastores.settings import StoreSettings
    from observability.process import configure
    from shopgraph.migrate import migrate_stores

    configure("migrate")
    asyncio.run(migrate_stores(StoreSettings(), click.echo))
    click.echo("stores migrated")


def metrics_options(default_port: int) -> Callable[[F], F]:
    """``--metrics-host`` and ``--metrics-port`` of a worker command that serves only
    ``/metrics`` (the probes of its pods use it too)."""

    def add(command: F) -> F:
        host = click.option("--metrics-host", default="127.0.0.1", show_default=True,
                            help="Interface of the /metrics endpoint.")  # fmt: skip
        port = click.option("--metrics-port", type=int, default=default_port, show_default=True,
                            envvar="SHOPGRAPH_METRICS_PORT",
                            help="Port of the /metrics endpoint (0: none).")  # fmt: skip
        return host(port(command))

    return add


@main.group()
def orders() -> None:
    """Orders tooling."""


@orders.command("relay")
@metrics_options(default_port=9465)
def orders_relay(metrics_host: str, metrics_port: int) -> None:
    """Publish the orders outbox to its Redis stream (stop with SIGTERM or Ctrl-C).

    For running the relay on its own; each orders subgraph instance runs one too unless
    SHOPGRAPH_ORDERS_RUN_RELAY=false; relays side by side take turns. The store comes from
    SHOPGRAPH_POSTGRES_URL (embedded SQLite when unset), the stream from SHOPGRAPH_REDIS_URL;
    the relay's metrics (published events, backlog) are served on
    http://METRICS_HOST:METRICS_PORT/metrics.
    """
    from prometheus_client import start_http_server

    from datastores.settings import StoreSettings
    from observability.metrics import service_registry
    from observability.process import configure
    from shopgraph.outbox import relay_outbox

    configure("orders-relay")
    if metrics_port:
        # The orders registry: the relay's metrics are the orders service's own.
        start_http_server(metrics_port, metrics_host, registry=service_registry("orders"))
    asyncio.run(relay_outbox(StoreSettings()))


@main.group()
def search() -> None:
    """Search index tooling."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the catalog behind its alias, with no downtime.

    Searches keep answering from the old index until the new one is swapped in.
    """
    from shopgraph.catalog import count_products, open_catalog_stores, reindex
    from shopgraph.progress import ProgressReporter

    async def run() -> None:
        async with open_catalog_stores() as (store, index, redis):
            with ProgressReporter("reindex") as reporter:
                products = reporter.stage("products", await count_products(store))
                count = await reindex(store, index, redis, progress=products)
        click.echo(f"search index rebuilt: {count} products")

    asyncio.run(run())


@search.command("indexer")
@metrics_options(default_port=9464)
def search_indexer(metrics_host: str, metrics_port: int) -> None:  # fmt: skip
    """Follow the catalog event stream into the search index (stop with Ctrl-C).

    For running the indexer on its own; the search subgraph runs one itself unless
    SHOPGRAPH_SEARCH_RUN_INDEXER=false. Its metrics (lag, backlog, dead letters, store
    calls) are served on http://METRICS_HOST:METRICS_PORT/metrics.
    """
    from prometheus_client import start_http_server

    from datastores.embedded import redis_client
    from datastores.settings import StoreSettings
    from observability.metrics import service_registry
    from observability.process import configure
    from subgraphs.common.streams import stream_metrics
    from subgraphs.search.app import open_index
    from subgraphs.search.indexer import CatalogIndexer
    from subgraphs.search.settings import SearchSettings

    configure("search-indexer")
    stream_metrics("search-indexer")
    if metrics_port:
        start_http_server(metrics_port, metrics_host, registry=service_registry("search-indexer"))

    async def run() -> None:
        stores, settings = StoreSettings(), SearchSettings()
        index = await open_index(stores, settings)
        redis = redis_client(stores)
        try:
            await CatalogIndexer(redis, index, consumer=settings.search_indexer_consumer).run()
        finally:
            await index.close()
            await redis.aclose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
