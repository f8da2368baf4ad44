"""deploy/chart: the Helm chart lints and renders for every values file, the rendered
manifests are valid Kubernetes objects (kubeconform, strict, against the API of
``KUBERNETES_VERSION``), and they say what the platform needs: probes on the services' health
endpoints, requests and limits, an autoscaler with the platform's behaviour, a disruption
budget, network policies with exactly the architecture's paths, and every setting the
services read."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from bff_mobile.settings import MobileSettings
from bff_web.settings import WebSettings
from datastores.settings import StoreSettings
from observability.settings import TelemetrySettings
from router.http.config import load_config
from subgraphs.common.settings import IdentitySettings
from subgraphs.orders.settings import OrdersSettings
from subgraphs.products.settings import ProductsSettings
from subgraphs.search.settings import SearchSettings
from subgraphs.users.identity.settings import ProviderSettings
from tests.deploy.chart_tools import (
    KUBERNETES_VERSION,
    SCHEMA_LOCATION,
    ChartTools,
    chart_tools,
)

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "chart"
VALUES = {"default": None, "production": "values-production.yaml", "dev": "values-dev.yaml"}
RELEASE = "shop"
SUBGRAPHS = ("products", "orders", "search", "users")
BFFS = ("bff-web", "bff-mobile")

Manifest = dict[str, Any]

# What each workload reads: its settings classes (pydantic-settings) and its stores.
WORKLOAD_SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "router": (TelemetrySettings,),  # and its YAML file: test_the_router_configuration_loads
    "products": (StoreSettings, ProductsSettings, TelemetrySettings),
    "orders": (StoreSettings, OrdersSettings, TelemetrySettings),
    "search": (StoreSettings, SearchSettings, TelemetrySettings),
    "users": (StoreSettings, IdentitySettings, TelemetrySettings),
    "bff-web": (WebSettings, TelemetrySettings),
    "bff-mobile": (MobileSettings, TelemetrySettings),
    "search-indexer": (StoreSettings, SearchSettings, TelemetrySettings),
    "orders-relay": (StoreSettings, TelemetrySettings),
    "identity": (ProviderSettings, TelemetrySettings),
    "migrate": (StoreSettings, TelemetrySettings),  # and SearchSettings' alias alone
}
NOT_DEPLOYED = {
    "MediaSettings": "the demo image service of `shopgraph dev`; production has a CDN",
    "RouterTelemetrySettings": "TelemetrySettings as the router's YAML section reads it",
}
WORKLOAD_STORES = {
    "router": {"redis"}, "products": {"mongo", "redis"}, "orders": {"postgres", "redis"},
    "search": {"elasticsearch", "redis"}, "users": {"postgres", "redis"},
    "bff-web": {"redis"}, "bff-mobile": set(), "search-indexer": {"elasticsearch", "redis"},
    "orders-relay": {"postgres", "redis"},
    "identity": set(), "migrate": {"postgres", "mongo", "elasticsearch"},
}  # fmt: skip
STORE_URLS = {store: f"SHOPGRAPH_{store.upper()}_URL"
              for store in ("postgres", "mongo", "elasticsearch", "redis")}  # fmt: skip
CODE_DEFAULTS = {
    "SHOPGRAPH_DATA_DIR": "the embedded stores' folder; the chart always names real stores",
    "SHOPGRAPH_DEV_PORT_OFFSET": "moves the dev ports of `shopgraph dev`",
    "SHOPGRAPH_TRACES_ENDPOINT": "from a Secret when set; else OTel's OTEL_EXPORTER_OTLP_*",
    "SHOPGRAPH_TRACES_HEADERS": "from a Secret when set (an API key)",
    "SHOPGRAPH_IDENTITY_FORM_SECRET": "from a Secret when set; one provider pod needs none",
    "SHOPGRAPH_IDENTITY_KEY_DIR": "the provider keeps its keys in memory (one pod, dev only)",
    "SHOPGRAPH_IDENTITY_TENANT": "the local provider's tenant and user flow are B2C's demo ones",
    "SHOPGRAPH_IDENTITY_TENANT_ID": "as above",
    "SHOPGRAPH_IDENTITY_POLICY": "as above",
    "SHOPGRAPH_IDENTITY_ACCESS_TOKEN_LIFETIME_SECONDS": "the local provider's lifetimes are B2C's",
    "SHOPGRAPH_IDENTITY_ID_TOKEN_LIFETIME_SECONDS": "as above",
    "SHOPGRAPH_IDENTITY_REFRESH_TOKEN_LIFETIME_SECONDS": "as above",
    "SHOPGRAPH_IDENTITY_AUTHORIZATION_CODE_LIFETIME_SECONDS": "as above",
    "SHOPGRAPH_IDENTITY_SIGN_IN_FORM_LIFETIME_SECONDS": "as above",
    "SHOPGRAPH_IDENTITY_CLOCK_SKEW_SECONDS": "as above",
    "SHOPGRAPH_POSTGRES_REPLICA_URL": "from a Secret when one is named; else all on the primary",
    "SHOPGRAPH_MONGO_READ_PREFERENCE": "set for the products pods; the Job reads the primary",
    "SHOPGRAPH_MONGO_WRITE_CONCERN_W": "when set in the values; else the server's default",
    "SHOPGRAPH_MONGO_WRITE_CONCERN_J": "as above",
}
CHART_ONLY = {
    "PORT": "the port every service command listens on (click's --port)",
    "SHOPGRAPH_METRICS_PORT": "--metrics-port of `shopgraph search indexer`, `… orders relay`",
}
NO_AUTOSCALER = {
    "identity": "its signing keys and grants live in one process's memory",
    "orders-relay": "two for availability; store round trips bound its rate, not CPU",
}
WORKERS = ("search-indexer", "orders-relay")
"""Workloads without an HTTP app: their metrics server answers the probes."""


@pytest.fixture(scope="session")
def tools() -> ChartTools:
    return chart_tools(print)


def helm_args(values: str | None) -> list[str]:
    files = ["-f", str(CHART / "values.yaml")]
    if values is not None:
        files += ["-f", str(CHART / values)]
    return files


def run(argv: list[str], stdin: str | None = None) -> str:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(argv)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass(frozen=True)
class Rendered:
    text: str
    objects: list[Manifest]

    def of_kind(self, kind: str) -> dict[str, Manifest]:
        """``{component: object}`` of one kind."""
        found = {}
        for item in self.objects:
            if item["kind"] == kind:
                component = item["metadata"]["labels"]["app.kubernetes.io/component"]
                found[component] = item
        return found

    def workloads(self) -> dict[str, Manifest]:
        """Every pod template, Deployments' and the migration Job's, by component."""
        pods = {c: d["spec"]["template"] for c, d in self.of_kind("Deployment").items()}
        pods.update({c: j["spec"]["template"] for c, j in self.of_kind("Job").items()})
        return pods


_rendered: dict[str, Rendered] = {}


def render(tools: ChartTools, name: str) -> Rendered:
    if name not in _rendered:
        text = run([str(tools.helm), "template", RELEASE, str(CHART), "--namespace", "shopgraph",
                    "--kube-version", KUBERNETES_VERSION, *helm_args(VALUES[name])])  # fmt: skip
        objects = [o for o in yaml.safe_load_all(text) if o]
        _rendered[name] = Rendered(text, objects)
    return _rendered[name]


every_values_file = pytest.mark.parametrize("name", list(VALUES))


@every_values_file
def test_helm_lint(tools: ChartTools, name: str) -> None:
    output = run([str(tools.helm), "lint", "--strict", str(CHART), *helm_args(VALUES[name])])
    assert "0 chart(s) failed" in output


@every_values_file
def test_kubeconform_strict_accepts_every_manifest(tools: ChartTools, name: str) -> None:
    rendered = render(tools, name)
    output = run([str(tools.kubeconform), "-strict", "-summary", "-output", "json",
                  "-kubernetes-version", KUBERNETES_VERSION,
                  "-schema-location", str(tools.schemas / SCHEMA_LOCATION), "-"],
                 stdin=rendered.text)  # fmt: skip
    summary = json.loads(output)["summary"]
    assert summary == {"valid": len(rendered.objects), "invalid": 0, "errors": 0, "skipped": 0}


@every_values_file
def test_every_workload_has_probes_on_its_health_endpoints_and_resources(
    tools: ChartTools, name: str
) -> None:
    deployments = render(tools, name).of_kind("Deployment")
    expected = {"router", *SUBGRAPHS, *BFFS}
    assert expected <= set(deployments)
    for component, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        port = container["ports"][0]["containerPort"]
        live, ready = ("/metrics", "/metrics") if component in WORKERS else (
            "/health", "/health/ready")  # fmt: skip
        assert container["startupProbe"]["httpGet"] == {"path": live, "port": port}, component
        assert container["livenessProbe"]["httpGet"] == {"path": live, "port": port}, component
        assert container["readinessProbe"]["httpGet"] == {"path": ready, "port": port}
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}, component
        assert container["lifecycle"]["preStop"]["sleep"]["seconds"] > 0
        assert pod["terminationGracePeriodSeconds"] > 30  # the router drains for 30 s
        if component != "identity":
            assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        zones = [c["topologyKey"] for c in pod["topologySpreadConstraints"]]
        assert zones == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]


@every_values_file
def test_every_workload_has_an_autoscaler_with_the_platforms_behaviour_and_a_budget(
    tools: ChartTools, name: str
) -> None:
    rendered = render(tools, name)
    deployments = rendered.of_kind("Deployment")
    autoscalers = rendered.of_kind("HorizontalPodAutoscaler")
    budgets = rendered.of_kind("PodDisruptionBudget")
    for component, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        budget = budgets[component]["spec"]
        assert budget["selector"]["matchLabels"].items() <= labels.items()
        if component in NO_AUTOSCALER or name == "dev":  # dev: one pod of each, by design
            assert component not in autoscalers
            continue
        hpa = autoscalers[component]["spec"]
        assert hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
        targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
                   for m in hpa["metrics"] if m["type"] == "Resource"}  # fmt: skip
        assert targets == {"cpu": 70, "memory": 80}
        pods = [m["pods"]["metric"]["name"] for m in hpa["metrics"] if m["type"] == "Pods"]
        if name == "production" and component not in WORKERS:
            assert pods == ["http_server_requests_per_second"]
        up, down = hpa["behavior"]["scaleUp"], hpa["behavior"]["scaleDown"]
        assert up["stabilizationWindowSeconds"] == 30
        assert up["policies"] == [{"type": "Percent", "value": 50, "periodSeconds": 30}]
        assert down["stabilizationWindowSeconds"] == 300
        assert down["policies"] == [{"type": "Percent", "value": 10, "periodSeconds": 300}]


def test_the_request_rate_metric_is_one_the_services_export() -> None:
    """The adapter's rule turns each pod's request counter into a rate (docs/deploy.md)."""
    from observability.metrics import ServiceMetrics

    exposition = ServiceMetrics("products")
    exposition.observe_request("POST", "/graphql", 200, 0.01)
    assert "http_server_request_duration_seconds_count{" in exposition.exposition().decode()
    docs = (ROOT / "docs" / "deploy.md").read_text()
    assert "http_server_request_duration_seconds_count" in docs
    assert "http_server_requests_per_second" in docs


# ---- network policies -------------------------------------------------------------------


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items() and not selector.get(
        "matchExpressions"
    )


def _rule_admits(rule: dict[str, Any], side: str, labels: dict[str, str], port: int) -> bool:
    """Whether one ingress (``from``) or egress (``to``) rule admits a pod of this release's
    namespace with ``labels`` on ``port``."""
    ports = rule.get("ports")
    if ports is not None and all(p.get("port") != port for p in ports):
        return False
    peers = rule.get(side)
    if peers is None:
        return True
    for peer in peers:
        if "ipBlock" in peer:
            return True  # some network plugins match pod addresses by CIDR too: assume so
        namespaces = peer.get("namespaceSelector")
        if namespaces is not None and namespaces != {}:
            continue  # another namespace
        if _matches(peer.get("podSelector", {}), labels):
            return True
    return False


def _allowed(policies: list[Manifest], labels: dict[str, str], kind: str) -> list[Manifest]:
    return [p for p in policies if _matches(p["spec"]["podSelector"], labels)
            and kind in p["spec"]["policyTypes"]]  # fmt: skip


def reachable(rendered: Rendered) -> set[tuple[str, str]]:
    """Every (source, destination) pair of the release's pods that the policies let connect
    on the destination's port."""
    policies = list(rendered.of_kind("NetworkPolicy").values())
    pods = rendered.workloads()
    containers = {c: d["spec"]["containers"][0] for c, d in pods.items()}
    ports = {c: container["ports"][0]["containerPort"]
             for c, container in containers.items() if "ports" in container}  # fmt: skip
    pairs = set()
    for source, source_pod in pods.items():
        for destination, port in ports.items():
            if source == destination:
                continue
            source_labels = source_pod["metadata"]["labels"]
            target_labels = pods[destination]["metadata"]["labels"]
            out = any(_rule_admits(rule, "to", target_labels, port)
                      for p in _allowed(policies, source_labels, "Egress")
                      for rule in p["spec"].get("egress", []))  # fmt: skip
            into = any(_rule_admits(rule, "from", source_labels, port)
                       for p in _allowed(policies, target_labels, "Ingress")
                       for rule in p["spec"].get("ingress", []))  # fmt: skip
            if out and into:
                pairs.add((source, destination))
    return pairs


@every_values_file
def test_network_policies_allow_exactly_the_architectures_paths(
    tools: ChartTools, name: str
) -> None:
    rendered = render(tools, name)
    expected = {("router", s) for s in SUBGRAPHS} | {(b, "router") for b in BFFS}
    pods = set(rendered.workloads())
    if "identity" in pods:  # keys, discovery and tokens, for every service that verifies
        expected |= {(p, "identity") for p in pods if p not in ("identity", "migrate")}
    assert reachable(rendered) == expected
    default_deny = rendered.of_kind("NetworkPolicy")["network"]["spec"]
    assert default_deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in default_deny
    assert "egress" not in default_deny


@every_values_file
def test_only_the_router_and_the_metrics_scraper_reach_a_subgraph(
    tools: ChartTools, name: str
) -> None:
    """From other namespaces, only the Prometheus peers of the values (an L4 policy cannot
    tell /metrics from /graphql on one port; the subgraphs verify every token themselves)."""
    rendered = render(tools, name)
    values = yaml.safe_load((CHART / "values.yaml").read_text())["networkPolicy"]
    policies = rendered.of_kind("NetworkPolicy")
    for subgraph in SUBGRAPHS:
        peers = [peer for rule in policies[subgraph]["spec"]["ingress"] for peer in rule["from"]]
        router = {"podSelector": {"matchLabels": {
            "app.kubernetes.io/name": "shopgraph", "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": "router"}}}  # fmt: skip
        assert peers == [router, *values["prometheus"]]


# ---- settings -----------------------------------------------------------------------------


def env_names(cls: type[BaseSettings]) -> list[tuple[str, ...]]:
    """Each field's environment variables: one name, or the names of its alias choices."""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    fields: list[tuple[str, ...]] = []
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, str):
            fields.append((alias.upper(),))
        elif isinstance(alias, AliasChoices):
            fields.append(tuple(str(c).upper() for c in alias.choices
                                if str(c).upper().startswith("SHOPGRAPH_")))  # fmt: skip
        else:
            fields.append((prefix + field_name.upper(),))
    return fields


def workload_env(rendered: Rendered, component: str) -> set[str]:
    """The variables a workload's container gets: its ConfigMap and its own env entries."""
    container = rendered.workloads()[component]["spec"]["containers"][0]
    configmaps = {c["metadata"]["name"]: c for c in rendered.objects if c["kind"] == "ConfigMap"}
    names = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= set(configmaps[source["configMapRef"]["name"]]["data"])
    return names


def _settings_classes() -> Iterator[type[BaseSettings]]:
    for package in ("shopgraph", "subgraphs", "bff_web", "bff_mobile", "datastores",
                    "observability", "router"):  # fmt: skip
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations." in module.name or module.name.endswith("__main__"):
                continue
            for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
                if issubclass(cls, BaseSettings) and cls.__module__ == module.name:
                    yield cls


def test_every_settings_class_belongs_to_a_workload() -> None:
    assigned = {cls for classes in WORKLOAD_SETTINGS.values() for cls in classes}
    unassigned = {c.__name__ for c in _settings_classes() if c not in assigned}
    assert unassigned <= set(NOT_DEPLOYED), unassigned - set(NOT_DEPLOYED)


@every_values_file
def test_every_variable_the_services_read_is_set_or_deliberately_defaulted(
    tools: ChartTools, name: str
) -> None:
    rendered = render(tools, name)
    read_anywhere: set[str] = set()
    for component in rendered.workloads():
        set_here = workload_env(rendered, component)
        unused_stores = {url for store, url in STORE_URLS.items()
                         if store not in WORKLOAD_STORES[component]}  # fmt: skip
        missing = []
        for cls in WORKLOAD_SETTINGS[component]:
            for choices in env_names(cls):
                read_anywhere.update(choices)
                if set_here.isdisjoint(choices) and not (
                    set(choices) & (set(CODE_DEFAULTS) | unused_stores)
                ):
                    missing.append("|".join(choices))
        assert not missing, f"{component} reads {missing}: set them in the chart"
    set_by_chart = {n for c in rendered.workloads() for n in workload_env(rendered, c)}
    unknown = {n for n in set_by_chart - read_anywhere - set(CHART_ONLY)
               if not n.startswith("SHOPGRAPH_ROUTER__")}  # fmt: skip
    assert not unknown, f"the chart sets variables no service reads: {sorted(unknown)}"


@every_values_file
def test_the_router_configuration_loads(tools: ChartTools, name: str, tmp_path: Path) -> None:
    rendered = render(tools, name)
    (config_map,) = [c for c in rendered.objects if c["kind"] == "ConfigMap"
                     and c["metadata"]["name"] == f"{RELEASE}-router-config"]  # fmt: skip
    path = tmp_path / "router.yaml"
    path.write_text(config_map["data"]["router.yaml"])
    container = rendered.workloads()["router"]["spec"]["containers"][0]
    secrets = {e["name"]: "redis://redis.example:6379/1" for e in container["env"]
               if e["name"].startswith("SHOPGRAPH_ROUTER__")}  # fmt: skip
    config = load_config(path, secrets)
    assert {n: s.url for n, s in config.subgraphs.items()} == {
        s: f"http://{RELEASE}-{s}:{4001 + i}/graphql" for i, s in enumerate(SUBGRAPHS)
    }
    assert config.apq.redis_url
    assert config.entity_cache.redis_url
    assert config.rate_limit is not None
    assert config.rate_limit.redis_url
    cpus = container["resources"]["limits"]["cpu"]
    assert config.workers <= float(cpus), "one worker per CPU of the limit at most"
    assert config.authentication is not None
