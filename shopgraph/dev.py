"""``shopgraph dev``: every service in one process, on fixed local ports, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Generator, Sequence
from pathlib import Path

import click
import uvicorn

from shopgraph.services import SERVICES, Service


class _SupervisedServer(uvicorn.Server):
    """A uvicorn server whose shutdown signal comes from the supervisor, not its own handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def run_dev(services: Sequence[Service] = SERVICES, host: str = "127.0.0.1") -> int:
    """Run every available service until SIGINT/SIGTERM; return the exit status."""
    # A developer's mobile BFF runs documents too, not only the app's persisted operations.
    os.environ.setdefault("SHOPGRAPH_BFF_MOBILE_MODE", "development")
    _configure_telemetry()
    # SHOPGRAPH_DEV_WITHOUT=traces,…: services to leave out (the test stacks need no trace
    # viewer, whose moved port would land among the kernel's ephemeral ports).
    without = {name.strip() for name in os.environ.get("SHOPGRAPH_DEV_WITHOUT", "").split(",")}
    runnable = [s for s in services if s.available and s.name not in without]
    _use_local_media(runnable)
    for missing in (s for s in services if not s.available):
        click.echo(f"  {missing.name:<11} (not part of this build yet)")
    if not runnable:
        click.echo("shopgraph dev: no service is available to run", err=True)
        return 1
    busy = busy_ports(runnable, host)
    if busy:
        for s in busy:
            click.echo(f"shopgraph dev: port {s.port} for {s.name} is already in use", err=True)
        return 1
    if any(s.name in {"products", "search", "orders"} for s in runnable):
        try:
            asyncio.run(_load_demo_catalog())
        except Exception as error:  # a store that can't be reached, a broken database
            click.echo(f"shopgraph dev: cannot load the demo catalog: {type(error).__name__}: "
                       f"{error}", err=True)  # fmt: skip
            return 1
    return asyncio.run(_supervise(runnable, host))


def _use_local_media(services: Sequence[Service]) -> None:
    """Product image URLs point at the media service when it runs, which draws the demo
    images no CDN serves in development (unless ``SHOPGRAPH_CDN_BASE_URL`` says otherwise)."""
    media = next((s for s in services if s.name == "media"), None)
    if media is not None:
        os.environ.setdefault("SHOPGRAPH_CDN_BASE_URL", f"{media.url}/images")


def _configure_telemetry() -> None:
    """Readable log lines, and every trace kept for the viewer (the ``traces`` service)
    unless an exporter is configured."""
    from observability.process import configure
    from observability.settings import TelemetrySettings
    from observability.viewer import RECENT

    os.environ.setdefault("SHOPGRAPH_LOG_FORMAT", "text")
    os.environ.setdefault("SHOPGRAPH_TRACES_EXPORTER", "viewer")
    settings = TelemetrySettings()
    configure(None, settings, RECENT if settings.traces_exporter == "viewer" else None)


async def _load_demo_catalog() -> None:
    """Seed the configured (by default embedded) catalog and search stores; quick when seeded."""
    from shopgraph.catalog import open_catalog_stores, open_order_store, seed
    from shopgraph.progress import ProgressReporter

    click.echo("shopgraph dev: loading the demo catalog…")
    async with open_catalog_stores() as (store, index, _), open_order_store() as orders:
        with ProgressReporter("seed") as reporter:
            report = await seed(store, index, orders=orders, progress=reporter.stage)
    click.echo(f"  catalog     {report.summary()}, {report.indexed} in the search index")
    click.echo(f"  orders      {report.orders_summary()}")


async def _supervise(services: Sequence[Service], host: str) -> int:
    servers = [
        _SupervisedServer(
            # Long-lived streams (subscriptions) may hold a stop for 5 s at most.
            uvicorn.Config(s.create_app(), host=host, port=s.port, log_level="warning",
                           lifespan="on", log_config=None, access_log=False,
                           timeout_graceful_shutdown=5)
        )
        for s in services
    ]  # fmt: skip
    loop = asyncio.get_running_loop()

    def stop_all() -> None:
        click.echo("\nshopgraph dev: stopping…")
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)

    tasks = [
        asyncio.create_task(_serve(server), name=s.name)
        for s, server in zip(services, servers, strict=True)
    ]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            stop_all()
            break
        await asyncio.sleep(0.05)
    else:
        click.echo("shopgraph dev: running (Ctrl-C to stop)")
        for s in services:
            click.echo(f"  {s.name:<11} {s.url:<24} {s.description}")

    results = await asyncio.gather(*tasks, return_exceptions=True)
    status = 0
    for s, server, result in zip(services, servers, results, strict=True):
        if isinstance(result, BaseException) or not server.started:
            click.echo(f"shopgraph dev: {s.name} failed: {result or 'did not start'}", err=True)
            status = 1
    return status


async def _serve(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit as exit_:  # uvicorn exits when an app's startup (lifespan) fails
        raise RuntimeError(f"startup failed (exit status {exit_.code})") from None


POLICY_HOOK = "shopgraph.authorization:decide_policies"
MOBILE_MANIFEST = (
    Path(__file__).resolve().parents[1] / "bff_mobile" / "persisted-query-manifest.json"
)


def create_router_app() -> object:
    """The router as ``shopgraph dev`` runs it: GraphiQL with sign-in through the local
    identity provider, introspection on, and the subgraphs at their dev ports (which
    ``SHOPGRAPH_DEV_PORT_OFFSET`` moves)."""
    from datastores.embedded import redis_client
    from datastores.settings import StoreSettings
    from router.auth.settings import AuthenticationSettings, JwtSettings
    from router.http.app import create_app
    from router.http.config import PlaygroundSignInSettings, SubgraphSettings, load_config
    from shopgraph.services import SUBGRAPHS, service
    from subgraphs.users.identity.settings import ProviderSettings

    config = load_config(os.environ.get("SHOPGRAPH_ROUTER_CONFIG"))
    subgraphs = {name: SubgraphSettings(url=f"{service(name).url}/graphql") for name in SUBGRAPHS}
    subgraphs.update(config.subgraphs)  # an explicit configuration wins
    provider = ProviderSettings()
    api = provider.api_base
    sign_in = config.playground_sign_in or PlaygroundSignInSettings(
        authorize_url=provider.endpoint("/oauth2/v2.0/authorize"),
        token_url=provider.endpoint("/oauth2/v2.0/token"),
        client_id="graphiql",
        scopes=["openid"] + [f"{api}/{scope}" for scope in (
            "orders.read", "orders.write", "profile.read", "profile.write", "catalog.write")],
        redirect_path="/auth/callback",
        hint="Demo accounts: alice@example.com (customer), vera@northwind.example (vendor "
             "v-01), admin@shopgraph.example; password shopgraph-demo",
    )  # fmt: skip
    # Tokens are verified at the edge too (the subgraphs verify them regardless), so the
    # supergraph's @authenticated and @policy fields are decided before planning.
    authentication = config.authentication or AuthenticationSettings(
        mode="optional",
        jwt=JwtSettings(
            discovery_url=provider.endpoint("/v2.0/.well-known/openid-configuration"),
            audiences=[provider.audience],
            policies=[provider.policy],
        ),
    )
    trusted = config.trusted_documents
    if not trusted.manifests:  # the mobile BFF's operations, which it sends by id
        trusted = trusted.model_copy(update={"manifests": [str(MOBILE_MANIFEST)]})
    authorization = config.authorization
    if authorization.policy_hook is None:
        authorization = authorization.model_copy(update={"policy_hook": POLICY_HOOK})
    config = config.model_copy(update={
        "playground": True, "introspection": True, "subgraphs": subgraphs,
        "playground_sign_in": sign_in, "authentication": authentication,
        "authorization": authorization, "trusted_documents": trusted,
        "batching": config.batching if "batching" in config.model_fields_set
        else config.batching.model_copy(update={"enabled": True}),
        # A developer's router shows what the subgraphs said.
        "subgraph_errors": config.subgraph_errors.model_copy(update={"include_messages": True}),
    })  # fmt: skip
    supergraph = os.environ.get("SHOPGRAPH_SUPERGRAPH", "schema/supergraph.graphql")
    # The entity cache shares the subgraphs' Redis (the embedded one unless
    # SHOPGRAPH_REDIS_URL is set), where they announce changed entities.
    cache_redis = None
    if "entity_cache" not in config.model_fields_set:
        cache_redis = redis_client(StoreSettings())
        entity_cache = config.entity_cache.model_copy(update={"enabled": True, "responses": True})
        config = config.model_copy(update={"entity_cache": entity_cache})
    return create_app(config, supergraph_path=supergraph, cache_redis=cache_redis)


def busy_ports(services: Sequence[Service], host: str) -> list[Service]:
    """The services whose port another process already holds."""
    busy = []
    for s in services:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, s.port))
            except OSError:
                busy.append(s)
    return busy
