"""``python -m router.http.serve --supergraph FILE [--config FILE] [--port N]``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from router.http.app import create_app
from router.http.config import ConfigError, load_config
from router.supergraph import SupergraphError, load_supergraph


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
    host = args.host or config.host
    port = args.port if args.port is not None else config.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(config, supergraph_path=args.supergraph)
    # The router alone decides whose X-Forwarded-For it believes (rate_limit.trusted_proxies).
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
