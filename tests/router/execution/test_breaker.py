"""Circuit breakers per subgraph: the platform's rule, and the router under a dead subgraph."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.execution.breaker import BreakerSettings, CircuitBreaker
from router.http.app import create_app
from router.http.config import CircuitBreakerSettings, RetrySettings, SubgraphSettings
from router.telemetry.metrics import REGISTRY
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config


def _state(breaker: CircuitBreaker) -> str:
    return breaker.state  # read anew each time (mypy would narrow the attribute)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_it_opens_after_five_failures_probes_after_30_s_and_closes_after_two_successes() -> None:
    clock = _Clock()
    changes: list[str] = []
    breaker = CircuitBreaker(clock=clock, on_change=changes.append)
    for _ in range(4):
        assert breaker.allow()
        breaker.failed()
    assert _state(breaker) == "closed"
    breaker.succeeded()  # a success between failures starts the count again
    for _ in range(5):
        assert breaker.allow()
        breaker.failed()
    assert _state(breaker) == "open"
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()  # the probe
    assert _state(breaker) == "half_open"
    assert not breaker.allow()  # one probe at a time
    breaker.succeeded()
    assert breaker.allow()
    breaker.succeeded()
    assert _state(breaker) == "closed"
    assert changes == ["open", "half_open", "closed"]


def test_a_failed_probe_opens_it_again_for_another_wait() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(BreakerSettings(failures=1, probe_after_seconds=10), clock=clock)
    breaker.failed()
    clock.now += 10
    assert breaker.allow()
    breaker.failed()
    assert _state(breaker) == "open"
    clock.now += 9
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()


def test_a_probe_that_is_abandoned_lets_another_probe() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(BreakerSettings(failures=1), clock=clock)
    breaker.failed()
    clock.now += 30
    assert breaker.allow()
    breaker.abandoned()
    assert breaker.allow()


def _circuit_state(subgraph: str) -> float | None:
    return REGISTRY.get_sample_value(
        "shopgraph_router_subgraph_circuit_state", {"subgraph": subgraph}
    )


def test_a_dead_subgraph_is_not_called_once_its_circuit_opens(subgraphs: Subgraphs) -> None:
    dead = f"http://127.0.0.1:{free_port()}/graphql"  # nothing listens there
    # Without retries each request is one attempt, so one failure (with them, every attempt
    # counts: see test_client_retries).
    breaker, retry = CircuitBreakerSettings(failures=3), RetrySettings(enabled=False)
    config = router_config(
        subgraphs, {"reviews": SubgraphSettings(url=dead, circuit_breaker=breaker, retry=retry)}
    )
    query = '{ product(id: "p1") { name reviews { body } } }'
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        codes = []
        for _ in range(4):
            body = client.post("/graphql", json={"query": query}).json()
            codes.append(body["errors"][0]["extensions"]["code"])
            # The products subgraph still answers: partial data, not a failed request.
            assert body["data"] == {"product": None} or body["data"]["product"]["name"]
        assert codes == ["SUBREQUEST_HTTP_ERROR"] * 3 + ["SUBREQUEST_CIRCUIT_OPEN"]
        assert _circuit_state("reviews") == 2
        assert client.get("/health/ready").json()["circuits"]["reviews"] == "open"
        # Fields that do not need the dead subgraph are unaffected.
        started = time.monotonic()
        ok = client.post("/graphql", json={"query": '{ product(id: "p1") { name } }'}).json()
        assert ok == {"data": {"product": {"name": "Kettle"}}}
        assert time.monotonic() - started < 5
