"""``@defer`` over HTTP, against router processes over real subgraph processes: both
multipart formats byte for byte, the refusal of a client that reads JSON only, ``if: false``,
errors in a deferred part, a slow deferred part that arrives after the primary, the client
going away mid-stream, the response's deadline, identical streams in flight, and the router
with ``defer_support`` off."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.router.conftest import NAMES, Subgraphs, router_process

LEGACY = "multipart/mixed;deferSpec=20220824"
V02 = "multipart/mixed;incrementalSpec=v0.2"
PART = "content-type: application/json; charset=utf-8\r\n\r\n"
REVIEWS = '{ product(id: "p1") { name ... @defer(label: "r") { reviews { body } } } }'
SLOW = "{ products { name } ... @defer { slow(seconds: %s) } }"


def _config(subgraphs: Subgraphs, **options: Any) -> dict[str, Any]:
    return {"subgraphs": {n: {"url": subgraphs.url(n)} for n in NAMES}, "workers": 1, **options}


@pytest.fixture(scope="module")
def url(subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from router_process(_config(subgraphs), tmp_path_factory.mktemp("defer"))


def post(url: str, query: str, accept: str, **variables: Any) -> httpx.Response:
    body = {"query": query, "variables": variables}
    return httpx.post(url, json=body, headers={"accept": accept}, timeout=30)


def parts(body: bytes) -> list[Any]:
    """The JSON payloads of a multipart body with boundary ``-``, checking its framing."""
    text = body.decode()
    assert text.startswith("\r\n---\r\n")
    assert text.endswith("\r\n-----\r\n")
    chunks = text[len("\r\n---\r\n") : -len("\r\n-----\r\n")].split("\r\n---\r\n")
    assert all(chunk.startswith(PART) for chunk in chunks)
    return [orjson.loads(chunk[len(PART) :]) for chunk in chunks]


def test_the_legacy_format_byte_for_byte(url: str) -> None:
    response = post(url, REVIEWS, LEGACY)
    assert response.status_code == 200
    assert response.headers["content-type"] == 'multipart/mixed;boundary="-";deferSpec=20220824'
    first = b'{"data":{"product":{"name":"Kettle"}},"hasNext":true}'
    rest = (
        b'{"hasNext":false,"incremental":[{"data":{"reviews":[{"body":"Boils fast"},'
        b'{"body":"Loud"},{"body":"Fine"}]},"path":["product"],"label":"r"}]}'
    )
    part = PART.encode()
    assert response.content == b"\r\n---\r\n" + part + first + b"\r\n---\r\n" + part + rest + (
        b"\r\n-----\r\n"
    )


def test_the_incremental_v0_2_format(url: str) -> None:
    response = post(url, REVIEWS, V02)
    assert response.headers["content-type"] == 'multipart/mixed;boundary="-";incrementalSpec=v0.2'
    assert parts(response.content) == [
        {
            "data": {"product": {"name": "Kettle"}},
            "pending": [{"id": "0", "path": ["product"], "label": "r"}],
            "hasNext": True,
        },
        {
            "incremental": [
                {
                    "id": "0",
                    "data": {
                        "reviews": [{"body": "Boils fast"}, {"body": "Loud"}, {"body": "Fine"}]
                    },
                }
            ],
            "completed": [{"id": "0"}],
            "hasNext": False,
        },
    ]


def test_graphiqls_bare_multipart_accept_gets_the_legacy_format(url: str) -> None:
    response = post(url, REVIEWS, "application/json, multipart/mixed")
    assert response.headers["content-type"] == 'multipart/mixed;boundary="-";deferSpec=20220824'
    assert [sorted(part) for part in parts(response.content)] == [
        ["data", "hasNext"],
        ["hasNext", "incremental"],
    ]


def test_deferred_parts_under_a_list_have_one_entry_per_item(url: str) -> None:
    query = "{ products { name ... @defer { price } } }"
    initial, rest = parts(post(url, query, LEGACY).content)
    assert initial == {"data": {"products": [{"name": n} for n in ("Kettle", "Teapot", "Mug")]},
                       "hasNext": True}  # fmt: skip
    assert rest == {
        "hasNext": False,
        "incremental": [
            {"data": {"price": price}, "path": ["products", index]}
            for index, price in enumerate((2999, 1999, 599))
        ],
    }


def test_a_client_that_reads_only_json_is_refused_as_apollo_router_refuses_it(url: str) -> None:
    for accept in ("application/json", "application/graphql-response+json"):
        response = post(url, REVIEWS, accept)
        assert response.status_code == 406
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "DEFER_BAD_HEADER"}
        assert "Accept: multipart/mixed;deferSpec=20220824" in error["message"]


def test_if_false_gets_one_json_response_like_a_query_without_defer(url: str) -> None:
    query = 'query($d: Boolean!) { product(id: "p1") { name ... @defer(if: $d) { price } } }'
    for accept in (LEGACY, "application/json"):
        response = post(url, query, accept, d=False)
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"data": {"product": {"name": "Kettle", "price": 2999}}}
    literal = '{ product(id: "p1") { name ... @defer(if: false) { price } } }'
    assert post(url, literal, LEGACY).json() == post(url, query, LEGACY, d=False).json()
    assert len(parts(post(url, query, LEGACY, d=True).content)) == 2


def test_a_failing_deferred_part_gives_its_errors_in_its_own_payload(url: str) -> None:
    query = '{ product(id: "p2") { name ... @defer { reviews { body author { name } } } } }'
    initial, rest = parts(post(url, query, LEGACY).content)
    assert initial == {"data": {"product": {"name": "Teapot"}}, "hasNext": True}
    (item,) = rest["incremental"]
    assert item["data"] == {"reviews": [{"body": "Lovely", "author": {"name": "Grace"}},
                                        {"body": "Cracked", "author": None}]}  # fmt: skip
    assert item["path"] == ["product"]
    # Masked as any subgraph error is, with the client's path.
    assert item["errors"] == [
        {"message": "Subgraph errors redacted",
         "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "users"},
         "path": ["product", "reviews", 1, "author", "name"]}
    ]  # fmt: skip


def test_a_null_reaching_the_fragment_nulls_its_data_in_v0_2_it_completes_with_errors(
    url: str,
) -> None:
    # `name: String!` of the broken user nulls `author`; in a fragment on User itself the
    # null reaches the fragment.
    query = '{ product(id: "p2") { reviews { author { id ... @defer { name } } } } }'
    legacy = parts(post(url, query, LEGACY).content)
    failed = [i for i in legacy[1]["incremental"] if i["data"] is None]
    assert [i["path"] for i in failed] == [["product", "reviews", 1, "author"]]
    assert failed[0]["errors"][0]["extensions"]["code"] == "DOWNSTREAM_SERVICE_ERROR"
    v02 = parts(post(url, query, V02).content)
    assert {"id": "1", "errors": failed[0]["errors"]} in v02[1]["completed"]


def _arrivals(url: str, query: str, accept: str = LEGACY) -> list[tuple[float, Any]]:
    """Each part of the response with the time it arrived, from when the request was sent."""
    arrived: list[tuple[float, Any]] = []
    buffer = b""
    start = time.monotonic()
    with httpx.stream("POST", url, json={"query": query}, headers={"accept": accept},
                      timeout=30) as response:  # fmt: skip
        for chunk in response.iter_raw():
            buffer += chunk
            while (end := re.search(rb"\r\n---(--)?\r\n", buffer[5:])) is not None:
                part, buffer = buffer[: end.start() + 5], buffer[end.start() + 5 :]
                payload = part.split(b"\r\n\r\n", 1)[1]
                arrived.append((time.monotonic() - start, orjson.loads(payload)))
    return arrived


def test_a_slow_deferred_part_arrives_after_the_primary(url: str) -> None:
    seconds = 1.5
    (first_at, first), (last_at, last) = _arrivals(url, SLOW % seconds)
    assert first == {"data": {"products": [{"name": "Kettle"}, {"name": "Teapot"},
                                           {"name": "Mug"}]}, "hasNext": True}  # fmt: skip
    assert last == {"hasNext": False, "incremental": [{"data": {"slow": "slept 1.5s"}, "path": []}]}
    # The primary did not wait for the slow call; the deferred part could not come before it.
    assert first_at < seconds <= last_at


def test_the_primary_does_not_wait_for_a_slow_deferred_entity_part(url: str) -> None:
    query = '{ product(id: "p1") { name ... @defer { reviews { body } } } ... @defer { slow } }'
    arrived = _arrivals(url, query, V02)
    assert [sorted(p) for _, p in arrived] == [
        ["data", "hasNext", "pending"],
        ["completed", "hasNext", "incremental"],
        ["completed", "hasNext", "incremental"],
    ]
    # The reviews (fast) come before the slow root part, in their own payload.
    assert arrived[1][1]["incremental"][0]["data"] == {
        "reviews": [{"body": "Boils fast"}, {"body": "Loud"}, {"body": "Fine"}]
    }
    assert arrived[2][1]["incremental"][0]["data"] == {"slow": "slept 0.5s"}
    assert arrived[0][0] < arrived[2][0]


def _metric(url: str, sample: str) -> float:
    metrics = httpx.get(url.replace("/graphql", "/metrics"), timeout=5).text
    found = re.search(re.escape(sample) + r" (\S+)", metrics)
    return float(found.group(1)) if found else 0.0


CANCELLED = 'shopgraph_router_deferred_parts_total{outcome="cancelled"}'
PRODUCTS_IN_FLIGHT = 'shopgraph_router_subgraph_in_flight{subgraph="products"}'


def test_a_client_going_away_cancels_the_remaining_work(url: str) -> None:
    before = _metric(url, CANCELLED)
    seconds = 4
    started = time.monotonic()
    with httpx.stream("POST", url, json={"query": SLOW % seconds}, headers={"accept": LEGACY},
                      timeout=30) as response:  # fmt: skip
        chunks = response.iter_raw()
        assert b'"hasNext":true' in next(chunks)
        while _metric(url, PRODUCTS_IN_FLIGHT) != 1:  # the slow call (metrics may lag a bit)
            assert time.monotonic() - started < seconds, "the slow call is not in flight"
            time.sleep(0.05)
    # Closed after the first part: the router gives the deferred part up, and the slow
    # subgraph call with it, at once, not when the call would have answered.
    while _metric(url, CANCELLED) == before or _metric(url, PRODUCTS_IN_FLIGHT) != 0:
        assert time.monotonic() - started < seconds, "the deferred part was not cancelled"
        time.sleep(0.05)
    assert httpx.get(url.replace("/graphql", "/health/ready"), timeout=5).status_code == 200


def test_identical_streams_in_flight_are_not_shared(url: str) -> None:
    results: list[list[Any]] = []

    def run() -> None:
        results.append([payload for _, payload in _arrivals(url, SLOW % 0.5)])

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 3
    assert results[0] == results[1] == results[2]
    assert [p["hasNext"] for p in results[0]] == [True, False]


def test_a_batch_answers_a_deferred_query_whole(
    subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = _config(subgraphs, batching={"enabled": True, "max_batch_size": 2})
    for batch_url in router_process(config, tmp_path_factory.mktemp("defer-batch")):
        body = [{"query": REVIEWS}, {"query": "{ reviewCount }"}]
        response = httpx.post(batch_url, json=body, headers={"accept": LEGACY}, timeout=30)
        reviews = [{"body": "Boils fast"}, {"body": "Loud"}, {"body": "Fine"}]
        assert response.json() == [
            {"data": {"product": {"name": "Kettle", "reviews": reviews}}},
            {"data": {"reviewCount": 5}},
        ]


def test_the_response_has_one_deadline(
    subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = _config(subgraphs, defer_deadline_seconds=1)
    for deadline_url in router_process(config, tmp_path_factory.mktemp("defer-deadline")):
        query = (
            '{ product(id: "p1") { name ... @defer { price } } ... @defer { slow(seconds: 5) } }'
        )
        arrived = _arrivals(deadline_url, query)
        assert [p for _, p in arrived][1] == {
            "hasNext": True, "incremental": [{"data": {"price": 2999}, "path": ["product"]}]
        }  # fmt: skip
        last_at, last = arrived[-1]
        assert last == {"hasNext": False, "incremental": [{"data": None, "path": [], "errors": [
            {"message": "the response's deadline passed before this part was ready",
             "extensions": {"code": "DEFER_DEADLINE_EXCEEDED"}}]}]}  # fmt: skip
        assert last_at < 5


def test_with_defer_support_off_defer_is_an_unknown_directive(
    subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = _config(subgraphs, defer_support=False)
    for off_url in router_process(config, tmp_path_factory.mktemp("defer-off")):
        response = post(off_url, REVIEWS, f"{LEGACY}, application/json")
        assert response.headers["content-type"] == "application/json"
        (error,) = response.json()["errors"]
        assert error["message"] == "Unknown directive '@defer'."
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
