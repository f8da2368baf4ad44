"""Where composition reads its inputs: the subgraph list, the checked-in SDL files or the
running subgraphs."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from schema.composition import SubgraphInput

ROOT = Path(__file__).resolve().parent
CONFIG = ROOT / "subgraphs.yaml"
SDL_DIR = ROOT / "subgraphs"
SUPERGRAPH = ROOT / "supergraph.graphql"
SERVICE_QUERY = "{ _service { sdl } }"


class WorkspaceError(Exception):
    pass


def read_config(path: Path = CONFIG) -> dict[str, str]:
    """Subgraph name → routing URL."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise WorkspaceError(f"{path}: {error}") from error
    subgraphs = raw.get("subgraphs") if isinstance(raw, dict) else None
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise WorkspaceError(f"{path}: expected a non-empty 'subgraphs:' mapping")
    config: dict[str, str] = {}
    for name, entry in subgraphs.items():
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise WorkspaceError(f"{path}: subgraph {name!r} needs an http(s) 'url'")
        config[str(name)] = url
    return config


def from_files(config: dict[str, str], sdl_dir: Path = SDL_DIR) -> list[SubgraphInput]:
    inputs = []
    for name, url in config.items():
        path = sdl_dir / f"{name}.graphql"
        try:
            inputs.append(SubgraphInput(name, url, path.read_text()))
        except OSError as error:
            raise WorkspaceError(f"subgraph {name!r}: cannot read {path}: {error}") from error
    return inputs


def from_running(config: dict[str, str], timeout: float = 10.0) -> list[SubgraphInput]:
    """Each subgraph's SDL as it serves it now (``_service { sdl }``)."""
    inputs = []
    with httpx.Client(timeout=timeout) as client:
        for name, url in config.items():
            try:
                response = client.post(url, json={"query": SERVICE_QUERY})
                sdl = response.json()["data"]["_service"]["sdl"]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                raise WorkspaceError(f"subgraph {name!r} at {url}: no SDL from _service "
                                     f"({type(error).__name__}: {error})") from error  # fmt: skip
            inputs.append(SubgraphInput(name, url, str(sdl)))
    return inputs
