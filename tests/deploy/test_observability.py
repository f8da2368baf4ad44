"""deploy/observability: the Grafana dashboard and the Prometheus rules are well formed, their
PromQL parses (promql-parser, the Rust parser of GreptimeDB), and every metric they name is
exported on ``GET /metrics`` by the job they select."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest
import yaml

from shopgraph.services import SERVICES, Service

FOLDER = Path(__file__).resolve().parents[2] / "deploy" / "observability"
DASHBOARD = FOLDER / "grafana-dashboard.json"
ALERTS = FOLDER / "alerts.yaml"
README = FOLDER / "README.md"
RUNBOOK_PREFIX = "deploy/observability/README.md#"

ROWS = ("Overview", "GraphQL operations", "Router → subgraphs", "Router caches", "Limits",
        "Stores", "DataLoader batch sizes", "Events", "Business")  # fmt: skip
SEVERITIES = {"warning", "critical"}
NOT_EXPORTED = {"up"}
"""Series Prometheus makes itself for each scrape target."""

Families = dict[str, str]
"""A job's metric families, as its ``# TYPE`` lines name them: name -> type."""

_GRAFANA_INTERVAL = re.compile(r"\$(?:__\w+|\{__\w+\})")
_GRAFANA_VARIABLE = re.compile(r"\$(?:\w+|\{\w+\})")
_COMPONENT = re.compile(r"_(bucket|sum|count)$")
_LITERAL_ALTERNATION = re.compile(r"\w+(?:\|\w+)*")
_LABEL_VALUES = re.compile(r"label_values\((?P<selector>.+),\s*\w+\)")


@dataclass(frozen=True)
class Query:
    where: str
    expr: str

    def parse(self) -> promql_parser.Expr:
        return promql_parser.parse(as_promql(self.expr))


def as_promql(expr: str) -> str:
    """Grafana's variables replaced: intervals by a duration, the others (all of them inside
    label matchers) by a regex that matches everything."""
    return _GRAFANA_VARIABLE.sub(".+", _GRAFANA_INTERVAL.sub("5m", expr))


def load_dashboard() -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return dashboard


def load_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    assert set(document) == {"groups"}
    groups = document["groups"]
    assert isinstance(groups, list)
    assert groups
    rules: list[dict[str, Any]] = []
    for group in groups:
        assert isinstance(group, dict)
        assert isinstance(group.get("name"), str)
        assert isinstance(group.get("rules"), list)
        assert group["rules"], group["name"]
        rules.extend(group["rules"])
    return rules


def panels_of(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, rows included, and the panels of collapsed rows."""
    found: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def queries() -> list[Query]:
    """Every PromQL expression: the panels' targets, the rules, the dashboard's variables."""
    dashboard = load_dashboard()
    found = [
        Query(f"panel {panel['title']!r} {target.get('refId')}", target["expr"])
        for panel in panels_of(dashboard)
        for target in panel.get("targets", [])
    ]
    found += [Query(f"alert {rule['alert']}", rule["expr"]) for rule in load_rules()]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            match = _LABEL_VALUES.fullmatch(variable["definition"])
            assert match, variable["definition"]
            found.append(Query(f"variable {variable['name']}", match["selector"]))
    return found


def readme_anchors() -> set[str]:
    """The anchors GitHub gives the README's headings (fenced code left out)."""
    anchors: set[str] = set()
    fenced = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = re.match(r"#{1,6}\s+(.+)", line)
        if fenced or not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


# -- what the services export ---------------------------------------------------------------


def families_in(exposition: str) -> Families:
    families: Families = {}
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            families[name] = kind
    return families


async def scrape(service: Service) -> Families:
    transport = httpx.ASGITransport(app=service.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200, service.name
    return families_in(response.text)


async def scrape_all() -> dict[str, Families]:
    return {service.name: await scrape(service) for service in SERVICES if service.observed}


@pytest.fixture(scope="module")
def exported() -> dict[str, Families]:
    """Job name (= service name) -> the metric families its ``/metrics`` serves today."""
    return asyncio.run(scrape_all())


def family(name: str, families: Families) -> tuple[str, str] | None:
    """The family a series name belongs to, and its type: ``x_bucket`` is histogram ``x``."""
    if name in families:
        return name, families[name]
    base = _COMPONENT.sub("", name)
    if base != name and families.get(base) in {"histogram", "summary"}:
        return base, families[base]
    if families.get(name.removesuffix("_total")) == "counter":
        return name.removesuffix("_total"), "counter"
    return None


# -- what the expressions select ------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    metric: str
    jobs: frozenset[str] | None
    """The jobs a ``job="…"`` or ``job=~"a|b"`` matcher names; None when it names none."""


def selector_of(node: promql_parser.VectorSelector) -> Selector:
    name = node.name
    jobs: frozenset[str] | None = None
    for matcher in node.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
            name = matcher.value
        if matcher.name != "job":
            continue
        named: frozenset[str] | None = None
        if matcher.op == promql_parser.MatchOp.Equal:
            named = frozenset({matcher.value})
        elif matcher.op == promql_parser.MatchOp.Re and _LITERAL_ALTERNATION.fullmatch(
            matcher.value
        ):
            named = frozenset(matcher.value.split("|"))
        if named is not None:
            jobs = named if jobs is None else jobs & named
    assert name, f"a selector without a metric name: {node}"
    return Selector(name, jobs)


def selectors_in(expr: promql_parser.Expr) -> list[Selector]:
    found: list[Selector] = []

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(selector_of(node))
        return True

    promql_parser.walk(expr, visit)
    return found


def export_problems(query: Query, exported: dict[str, Families]) -> list[str]:
    """Metrics ``query`` names that no service exports, or that the job it selects does not."""
    problems: list[str] = []
    for selector in selectors_in(query.parse()):
        jobs = selector.jobs or frozenset()
        unknown = sorted(jobs - set(exported))
        if unknown:
            problems.append(f"{query.where}: no service is named {unknown} (job label)")
        if selector.metric in NOT_EXPORTED:
            continue
        found = {job for job, families in exported.items() if family(selector.metric, families)}
        if not found:
            problems.append(f"{query.where}: no service exports {selector.metric}")
            continue
        if any(family(selector.metric, f) == (selector.metric, "histogram")
               for f in exported.values()):  # fmt: skip
            problems.append(f"{query.where}: {selector.metric} is a histogram: select its "
                            "_bucket, _sum or _count series")  # fmt: skip
        missing = sorted(jobs & set(exported) - found)
        if missing:
            problems.append(f"{query.where}: {selector.metric} is not exported by {missing}")
    return problems


def type_problems(query: Query, exported: dict[str, Families]) -> list[str]:
    """rate()/increase() over counters and histogram series only, deriv()/delta() over gauges,
    histogram_quantile() over ``_bucket`` series aggregated by ``le``."""
    problems: list[str] = []

    def kinds(metric: str) -> set[str]:
        return {found[1] for f in exported.values() if (found := family(metric, f))}

    def visit(node: promql_parser.Expr) -> bool:
        if not isinstance(node, promql_parser.Call):
            return True
        function = node.func.name
        names = [s.metric for a in node.args if isinstance(a, promql_parser.Expr)
                 for s in selectors_in(a)]  # fmt: skip
        for name in names:
            if function in {"rate", "irate", "increase"} and kinds(name) & {"gauge"}:
                problems.append(f"{query.where}: {function}() of gauge {name}")
            if function in {"deriv", "delta"} and kinds(name) - {"gauge"}:
                problems.append(f"{query.where}: {function}() of {name}, not a gauge")
        if function == "histogram_quantile":
            problems.extend(quantile_problems(query.where, node.args[1]))
        return True

    promql_parser.walk(query.parse(), visit)
    return problems


def quantile_problems(where: str, expr: promql_parser.Expr) -> list[str]:
    problems: list[str] = []

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.AggregateExpr):
            modifier = node.modifier
            keeps_le = modifier is not None and (
                "le" in modifier.labels
                if modifier.type == promql_parser.AggModifierType.By
                else "le" not in modifier.labels
            )
            if not keeps_le:
                problems.append(f"{where}: histogram_quantile() over {node.op} without le")
        if isinstance(node, promql_parser.VectorSelector) and not (node.name or "").endswith(
            "_bucket"
        ):
            problems.append(f"{where}: histogram_quantile() over {node.name}, not _bucket")
        return True

    promql_parser.walk(expr, visit)
    return problems


# -- the dashboard --------------------------------------------------------------------------


def test_dashboard_has_grafana_top_level_keys() -> None:
    dashboard = load_dashboard()
    for key in ("title", "uid", "schemaVersion", "panels", "templating", "time", "annotations"):
        assert key in dashboard, key
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 39
    assert dashboard["uid"]
    assert dashboard["title"]


def test_dashboard_variables_are_a_prometheus_data_source_and_job() -> None:
    variables = {v["name"]: v for v in load_dashboard()["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["job"]["type"] == "query"
    assert variables["job"]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert "job)" in variables["job"]["definition"]


def test_dashboard_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in panels_of(load_dashboard())]
    assert all(isinstance(i, int) for i in ids)
    assert len(ids) == len(set(ids))


def test_dashboard_has_its_rows_in_order() -> None:
    rows = [panel["title"] for panel in load_dashboard()["panels"] if panel["type"] == "row"]
    assert rows == list(ROWS)


def test_every_dashboard_panel_queries_prometheus_with_an_expr() -> None:
    for panel in panels_of(load_dashboard()):
        if panel["type"] == "row":
            continue
        where = f"panel {panel['title']!r}"
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
        assert panel["targets"], where
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), where
        for target in panel["targets"]:
            assert isinstance(target.get("expr"), str), where
            assert target["expr"].strip(), where


def test_circuit_state_panels_map_values_to_states() -> None:
    circuit = [p for p in panels_of(load_dashboard())
               if any("circuit_state" in t["expr"] for t in p.get("targets", []))]  # fmt: skip
    assert {p["type"] for p in circuit} >= {"state-timeline"}
    for panel in circuit:
        texts = {
            value: option["text"]
            for mapping in panel["fieldConfig"]["defaults"]["mappings"]
            for value, option in mapping["options"].items()
        }
        assert texts == {"0": "closed", "1": "half open", "2": "open"}


# -- the rules ------------------------------------------------------------------------------


def test_every_rule_is_a_complete_alert() -> None:
    anchors = readme_anchors()
    for rule in load_rules():
        name = rule.get("alert")
        assert isinstance(name, str), rule
        assert name
        assert isinstance(rule.get("expr"), str), name
        assert isinstance(rule.get("for"), str), name
        promql_parser.parse_duration(rule["for"])
        assert rule["labels"]["severity"] in SEVERITIES, name
        annotations = rule["annotations"]
        assert annotations["summary"].strip(), name
        assert annotations["description"].strip(), name
        runbook = annotations["runbook"]
        assert runbook.startswith(RUNBOOK_PREFIX), name
        assert runbook.removeprefix(RUNBOOK_PREFIX) in anchors, f"{name}: {runbook}"


def test_readme_anchor_slugs_follow_github() -> None:
    anchors = readme_anchors()
    assert "shopgraphservicedown" in anchors
    assert "jobs-scraping-every-service" in anchors
    assert "prometheusyml" not in anchors  # a comment in a code block is no heading


# -- PromQL and the metrics it names ----------------------------------------------------------


def test_every_expression_is_valid_promql() -> None:
    invalid: list[str] = []
    for query in queries():
        try:
            query.parse()
        except ValueError as error:
            invalid.append(f"{query.where}: {error}")
    assert not invalid, "\n".join(invalid)


def test_every_metric_is_exported_by_the_job_it_selects(exported: dict[str, Families]) -> None:
    assert set(exported) == {"router", "products", "orders", "search", "users", "bff_web",
                             "bff_mobile", "identity"}  # fmt: skip
    problems = [problem for query in queries() for problem in export_problems(query, exported)]
    assert not problems, "\n".join(problems)


def test_functions_fit_the_metric_types(exported: dict[str, Families]) -> None:
    problems = [problem for query in queries() for problem in type_problems(query, exported)]
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_are_for() -> None:
    exported = {
        "orders": {"shopgraph_orders_checkouts_total": "counter", "backlog": "gauge"},
        "router": {"http_client_request_duration_seconds": "histogram"},
    }

    def exports(expr: str) -> list[str]:
        return export_problems(Query("q", expr), exported)

    def types(expr: str) -> list[str]:
        return type_problems(Query("q", expr), exported)

    assert exports('shopgraph_orders_checkouts_total{job="orders"}') == []
    assert exports("rate(nope_total[$__rate_interval])") == ["q: no service exports nope_total"]
    assert exports('shopgraph_orders_checkouts_total{job=~"orders|router"}') == [
        "q: shopgraph_orders_checkouts_total is not exported by ['router']"
    ]
    assert exports('up{job="order"}') == ["q: no service is named ['order'] (job label)"]
    assert exports('http_client_request_duration_seconds{job=~"$job"}') == [
        "q: http_client_request_duration_seconds is a histogram: select its _bucket, _sum or "
        "_count series"
    ]
    assert types("rate(backlog[5m])") == ["q: rate() of gauge backlog"]
    assert types(
        "histogram_quantile(0.9, sum(rate(http_client_request_duration_seconds_bucket[5m])))"
    ) == ["q: histogram_quantile() over sum without le"]
