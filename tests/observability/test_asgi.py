from __future__ import annotations

import logging

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from observability.asgi import ObservedApp, internal_error
from observability.context import current_request, current_service, note_operation
from observability.metrics import BoundedLabel, service_metrics


def _app() -> Starlette:
    async def graphql(request: Request) -> Response:
        body = orjson.loads(await request.body())
        note_operation("query", body.get("operationName"))
        if body.get("operationName") == "Declined":
            current_request().add_error_code("PAYMENT_DECLINED")
            return JSONResponse({"errors": [{"extensions": {"code": "PAYMENT_DECLINED"}}]})
        return JSONResponse({"data": {"service": current_service()}})

    async def broken(_: Request) -> Response:
        raise RuntimeError("the database password is hunter2")

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/broken", broken)],
        exception_handlers={Exception: internal_error},
    )


def _client(service: str) -> httpx.AsyncClient:
    app = ObservedApp(_app(), service=service)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_each_request_is_one_access_line_with_its_operation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "shopgraph.access")
    async with _client("asgi-one") as client:
        response = await client.post(
            "/graphql", content=b'{"operationName": "MyOrders"}',
            headers={"authorization": "Bearer secret-token", "apollographql-client-name": "web"},
        )  # fmt: skip
    assert response.json() == {"data": {"service": "asgi-one"}}
    [line] = [r for r in caplog.records if r.name == "shopgraph.access"]
    assert line.getMessage().startswith("POST /graphql 200 ")
    assert line.getMessage().endswith(" query MyOrders")
    assert (line.operation_name, line.client, line.status) == ("MyOrders", "web", 200)  # type: ignore[attr-defined]
    assert "secret-token" not in str(vars(line))


async def test_requests_and_operations_are_counted_by_name_and_code() -> None:
    async with _client("asgi-two") as client:
        await client.post("/graphql", content=b'{"operationName": "MyOrders"}')
        await client.post("/graphql", content=b'{"operationName": "Declined"}')
        metrics = (await client.get("/metrics")).text
    assert (
        'http_server_request_duration_seconds_count{http_request_method="POST",'
        'http_response_status_code="200",http_route="/graphql"} 2.0'
    ) in metrics
    assert (
        'graphql_server_operation_duration_seconds_count{graphql_operation_name="MyOrders",'
        'graphql_operation_type="query"} 1.0'
    ) in metrics
    assert (
        'graphql_server_operation_errors_total{error_code="PAYMENT_DECLINED",'
        'graphql_operation_name="Declined"} 1.0'
    ) in metrics


async def test_an_unexpected_failure_gets_an_error_id_in_the_answer_and_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with _client("asgi-three") as client:
        response = await client.get("/broken")
    assert response.status_code == 500
    [error] = response.json()["errors"]
    error_id = error["extensions"]["errorId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "hunter2" not in response.text
    logged = [r for r in caplog.records if r.name == "shopgraph.errors"]
    assert len(logged) == 1  # once, though Starlette re-raises past its handler
    assert logged[0].error_id == error_id  # type: ignore[attr-defined]
    assert logged[0].exc_info is not None


async def test_an_unknown_path_is_not_a_new_metric_label() -> None:
    async with _client("asgi-four") as client:
        for n in range(5):
            await client.get(f"/no/such/path/{n}")
        metrics = (await client.get("/metrics")).text
    assert "/no/such" not in metrics
    assert 'http_route="unmatched"} 5.0' in metrics


def test_a_label_chosen_by_clients_keeps_a_bounded_number_of_values() -> None:
    label = BoundedLabel(limit=3, max_length=10)
    assert [label(f"Op{n}") for n in range(5)] == ["Op0", "Op1", "Op2", "other", "other"]
    assert label("Op1") == "Op1"
    assert label("x" * 50) == "other"
    assert len(BoundedLabel(limit=5, max_length=10)("y" * 50)) == 10


def test_each_service_has_its_own_registry() -> None:
    assert service_metrics("a-service") is service_metrics("a-service")
    assert service_metrics("a-service").registry is not service_metrics("b-service").registry
