"""How each gateway is started and configured, on the public gateway benchmark's terms."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from router.http.config import RouterConfig

from .install import HERE, Tools

ROOT = HERE.parents[1]
GATEWAYS = ("shopgraph", "hive-gateway", "hive-router", "apollo-gateway")
TITLES = {
    "shopgraph": "shopgraph router",
    "hive-gateway": "Hive Gateway",
    "hive-router": "Hive Router",
    "apollo-gateway": "Apollo Gateway",
}


@dataclass(frozen=True)
class Launch:
    """One gateway in one setting: its command line, environment and configuration."""

    gateway: str
    dedup: bool | None
    """Inbound in-flight deduplication; None when the gateway cannot say (ours before it had
    the setting)."""
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    config: str
    """The configuration file's text (or how the gateway is configured), for RESULTS.md."""
    url: str

    @property
    def key(self) -> str:
        setting = {True: "on", False: "off", None: "unknown"}[self.dedup]
        return f"{self.gateway}-dedup-{setting}"


def ours_has_dedup_setting() -> bool:
    return "dedupe_inbound_requests" in RouterConfig.model_fields


def settings(gateway: str, dedup: list[bool]) -> list[bool | None]:
    """The dedup settings a gateway is run with: Apollo Gateway has no inbound dedup (off
    only); ours runs once, unknown, until its configuration has the setting."""
    if gateway == "apollo-gateway":
        return [False]
    if gateway == "shopgraph" and not ours_has_dedup_setting():
        return [None]
    return list(dedup)


def launch(
    gateway: str, dedup: bool | None, supergraph: Path, port: int, workdir: Path, tools: Tools
) -> Launch:
    """Write the gateway's configuration into ``workdir`` and say how to start it."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/graphql"
    node = shutil.which("node") or "node"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPGRAPH_ROUTER__")}
    production = {**base_env, "NODE_ENV": "production"}
    if gateway == "shopgraph":
        argv = [str(ROOT / ".venv" / "bin" / "shopgraph"), "router", "--supergraph",
                str(supergraph), "--port", str(port)]  # fmt: skip
        # Demand control refuses the heavy query by default (estimated cost 24,420 > 10,000);
        # no peer estimates costs, so it is off here.
        document: dict[str, object] = {"demand_control": {"enabled": False}}
        if dedup is not None:
            document["dedupe_inbound_requests"] = dedup
        config = yaml.safe_dump(document, sort_keys=False)
        (workdir / "router.yaml").write_text(config)
        argv += ["--config", str(workdir / "router.yaml")]
        return Launch(gateway, dedup, argv, base_env, ROOT, config, url)
    if gateway == "hive-gateway":
        # gateway.config.ts imports @graphql-hive/gateway: its folder must sit under node_modules'
        run_dir = tools.node_dir / "runs" / f"hive-gateway-dedup-{dedup}"
        run_dir.mkdir(parents=True, exist_ok=True)
        config = (HERE / "gateway.config.ts").read_text()
        if not dedup:
            config = config.replace(
                "inboundInflightRequestDeduplication: true",
                "inboundInflightRequestDeduplication: false",
            )
        (run_dir / "gateway.config.ts").write_text(config)
        cli = tools.node_dir / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
        argv = [node, str(cli), "supergraph", str(supergraph), "--jit",
                "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        return Launch(gateway, dedup, argv, production, run_dir, config, url)
    if gateway == "hive-router":
        router_document = {
            "supergraph": {"source": "file", "path": str(supergraph)},
            "http": {"host": "127.0.0.1", "port": port},
            "log": {"level": "info"},
            "traffic_shaping": {"router": {"dedupe": {"enabled": bool(dedup)}}},
        }
        config = yaml.safe_dump(router_document, sort_keys=False)
        (workdir / "router.config.yaml").write_text(config)
        # as the public benchmark starts it: an empty environment but RUST_LOG
        env = {"RUST_LOG": "info", "ROUTER_CONFIG_FILE_PATH": str(workdir / "router.config.yaml")}
        return Launch(gateway, dedup, [str(tools.hive_router)], env, workdir, config, url)
    if gateway == "apollo-gateway":
        argv = [node, str(tools.node_dir / "apollo-gateway.mjs"), str(supergraph), str(port)]
        config = (HERE / "apollo-gateway.mjs").read_text()
        return Launch(gateway, dedup, argv, production, tools.node_dir, config, url)
    raise ValueError(f"unknown gateway {gateway!r}")
