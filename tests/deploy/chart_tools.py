"""The chart's validation tools: Helm and kubeconform, built from the Go module proxy, and the
Kubernetes JSON schemas kubeconform reads.

``python -m tests.deploy.chart_tools`` (a step of ``make test``'s set-up) builds what is
missing; later runs find everything in ``~/.cache/shopgraph`` at once:

- ``deploy/tools/go.mod`` requires Helm and kubeconform as tools; ``go build`` writes both
  into ``~/.cache/shopgraph/bin/chart-tools-<digest of go.mod and go.sum>/``.
- The schemas: kubeconform reads one JSON schema per kind, which Kubernetes does not publish
  as such. Its OpenAPI document does (``api/openapi-spec/swagger.json`` of the
  ``k8s.io/kubernetes`` module, downloaded by ``go mod download``); :func:`write_schemas`
  turns each kind's definition into a standalone, strict schema (references inlined, no
  property outside the API) under kubeconform's file names.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GO_MODULE = ROOT / "deploy" / "tools"
KUBERNETES_VERSION = "1.34.4"
"""The oldest Kubernetes release the chart targets (AKS's oldest supported one): its API is
what the rendered manifests are checked against, and what ``helm template`` assumes."""
SCHEMA_LOCATION = "{{ .ResourceKind }}{{ .KindSuffix }}.json"

INT_OR_STRING = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
QUANTITY = {"oneOf": [{"type": "string"}, {"type": "number"}]}
QUANTITY_DEFINITION = "io.k8s.apimachinery.pkg.api.resource.Quantity"


Say = Callable[[str], None]
"""Where progress lines go."""


class ChartToolsError(Exception):
    """A tool could not be built or the schemas could not be made."""


@dataclass(frozen=True)
class ChartTools:
    helm: Path
    kubeconform: Path
    schemas: Path
    """A directory of ``<kind>[-<group>]-<version>.json`` files (kubeconform's names)."""


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "shopgraph"


def chart_tools(say: Say | None = None) -> ChartTools:
    """Helm, kubeconform and the schemas, each built only when missing."""
    say = say or (lambda line: None)
    binaries = build_binaries(say)
    return ChartTools(binaries / "helm", binaries / "kubeconform", build_schemas(say))


def build_binaries(say: Say) -> Path:
    digest = _digest([GO_MODULE / "go.mod", GO_MODULE / "go.sum"])
    target = cache_dir() / "bin" / f"chart-tools-{digest}"
    if (target / "helm").exists() and (target / "kubeconform").exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise ChartToolsError("the Go toolchain is needed to build helm and kubeconform")
    began = time.monotonic()
    say("building helm and kubeconform (go build; a few minutes the first time)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="chart-tools-", dir=target.parent))
    partial.chmod(0o755)
    tools = ["helm.sh/helm/v4/cmd/helm", "github.com/yannh/kubeconform/cmd/kubeconform"]
    try:
        _run([go, "build", "-trimpath", "-ldflags=-s -w", "-o", f"{partial}/", *tools], GO_MODULE)
    except BaseException:
        shutil.rmtree(partial)
        raise
    partial.rename(target)
    say(f"helm and kubeconform built in {time.monotonic() - began:.1f}s")
    return target


def build_schemas(say: Say) -> Path:
    digest = _digest([Path(__file__)])
    target = cache_dir() / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-{digest}"
    if (target / "deployment-apps-v1.json").exists():
        return target
    began = time.monotonic()
    say(f"writing the JSON schemas of Kubernetes v{KUBERNETES_VERSION}")
    spec = kubernetes_module() / "api" / "openapi-spec" / "swagger.json"
    swagger = json.loads(spec.read_text())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="schemas-", dir=target.parent))
    count = 0
    try:
        for name, schema in standalone_schemas(swagger["definitions"]):
            (partial / name).write_text(json.dumps(schema))
            count += 1
    except BaseException:
        shutil.rmtree(partial)
        raise
    partial.rename(target)
    say(f"{count} schemas written in {time.monotonic() - began:.1f}s")
    return target


def kubernetes_module() -> Path:
    """The ``k8s.io/kubernetes`` module's source, from the Go module proxy (or its cache)."""
    go = shutil.which("go")
    if go is None:
        raise ChartToolsError("the Go toolchain is needed to download k8s.io/kubernetes")
    with tempfile.TemporaryDirectory() as outside_any_module:
        output = _run([go, "mod", "download", "-json", f"k8s.io/kubernetes@v{KUBERNETES_VERSION}"],
                      Path(outside_any_module))  # fmt: skip
    return Path(json.loads(output)["Dir"])


def standalone_schemas(definitions: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file name, schema)`` for every kind of the API, as kubeconform looks them up."""
    inliner = _Inliner(definitions)
    for name, definition in sorted(definitions.items()):
        kinds = definition.get("x-kubernetes-group-version-kind", [])
        if len(kinds) != 1 or name.endswith("List"):
            continue  # shared types (DeleteOptions, WatchEvent) and lists are never rendered
        kind = kinds[0]
        group = kind["group"].split(".")[0]
        suffix = f"-{group}-{kind['version']}" if group else f"-{kind['version']}"
        schema = inliner.resolve(name)
        yield (
            f"{kind['kind'].lower()}{suffix}.json",
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                **schema,
            },
        )


class _Inliner:
    """Swagger definitions with every ``$ref`` replaced by its target, strict: an object
    with properties admits no others."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.done: dict[str, dict[str, Any]] = {}
        self.resolving: set[str] = set()

    def resolve(self, name: str) -> dict[str, Any]:
        if name in self.done:
            return self.done[name]
        if name in self.resolving:
            return {}  # recursive types (CRDs' JSONSchemaProps): anything below this point
        self.resolving.add(name)
        resolved: dict[str, Any] = self.convert(self.definitions[name])
        if name == QUANTITY_DEFINITION:
            resolved = {"description": resolved.get("description", ""), **QUANTITY}
        self.resolving.discard(name)
        self.done[name] = resolved
        return resolved

    def convert(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            return self.resolve(node["$ref"].removeprefix("#/definitions/"))
        if node.get("format") == "int-or-string":
            return {"description": node.get("description", ""), **INT_OR_STRING}
        converted = {key: self.convert(value) for key, value in node.items()
                     if not key.startswith("x-kubernetes-")}  # fmt: skip
        if "properties" in node and "additionalProperties" not in node:
            converted["additionalProperties"] = False
        return converted


def _digest(paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def _run(argv: list[str], cwd: Path) -> str:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-4000:]
        raise ChartToolsError(f"{' '.join(argv)} failed:\n{output}")
    return result.stdout


def main() -> int:
    began = time.monotonic()

    def say(line: str) -> None:
        print(f"[chart-tools] {line}", flush=True)

    try:
        tools = chart_tools(say)
    except ChartToolsError as error:
        print(f"[chart-tools] {error}", file=sys.stderr)
        return 1
    say(f"helm, kubeconform and the schemas present ({time.monotonic() - began:.1f}s): "
        f"{tools.helm.parent}, {tools.schemas}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
