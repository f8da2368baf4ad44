"""``python -m router.http.serve --supergraph FILE [--config FILE] [--port N]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from observability.process import configure
from router.http.config import ConfigError, RouterConfig, load_config
from router.http.workers import DRAIN_SECONDS, serve_workers
from router.supergraph import SupergraphError, load_supergraph


def serve(
    config: RouterConfig,
    *,
    supergraph_path: str,
    config_path: str | None,
    host: str,
    port: int,
    log_level: str = "warning",
    access_log: bool = True,
) -> int:
    """Serve the router: in this process with one worker, else under a supervisor.

    Raises ``ConfigError`` for a configuration that cannot run with its ``workers``.
    """
    configure("router", config.telemetry, drivers=False)
    if config.workers > 1:
        return serve_workers(
            config,
            host=host,
            port=port,
            supergraph_path=supergraph_path,
            config_path=config_path,
            log_level=log_level,
            access_log=access_log,
        )
    # Imported here: a supervisor serves nothing, and stays smaller without the app.
    import uvicorn

    from observability.asgi import ObservedApp
    from router.http.app import create_app

    app = ObservedApp(create_app(config, supergraph_path=supergraph_path), service="router")
    # The router alone decides whose X-Forwarded-For it believes (rate_limit.trusted_proxies),
    # never uvicorn's default of trusting 127.0.0.1. Logging is observability's (log_config).
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        proxy_headers=False,
        log_config=None,
        # Requests in flight finish; subscriptions' streams are closed after this (WebSockets
        # with 1012 at once, which clients reconnect after).
        timeout_graceful_shutdown=DRAIN_SECONDS,
    )
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="router", description="Run the federation router.")
    parser.add_argument("--supergraph", required=True, help="Federation v2 supergraph SDL file")
    parser.add_argument("--config", help="router YAML configuration")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        load_supergraph(Path(args.supergraph).read_text())
    except (ConfigError, SupergraphError, OSError) as error:
        parser.exit(1, f"router: {args.supergraph}: {error}\n")
    try:
        status = serve(
            config,
            supergraph_path=args.supergraph,
            config_path=args.config,
            host=args.host or config.host,
            port=args.port if args.port is not None else config.port,
        )
    except (ConfigError, OSError) as error:
        parser.exit(1, f"router: {error}\n")
    sys.exit(status)


if __name__ == "__main__":
    main()
