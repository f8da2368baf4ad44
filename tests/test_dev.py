"""``shopgraph dev`` runs what this build has on fixed ports and stops cleanly on Ctrl-C."""

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shopgraph.catalog import SeedReport, open_catalog_stores
from shopgraph.dev import _load_demo_catalog, _use_local_media, run_dev
from shopgraph.services import SERVICES, Service
from subgraphs.products.settings import ProductsSettings

ROOT = Path(__file__).resolve().parents[1]
OFFSET = 20000  # away from the ports a developer's own `make dev` uses


def test_dev_serves_the_router_and_stops_on_sigint(tmp_path: Path) -> None:
    # Without traces: their port moved by OFFSET (36686) is among the ephemeral ones, which
    # any client socket on the machine may hold.
    env = {**os.environ, "SHOPGRAPH_DEV_PORT_OFFSET": str(OFFSET),
           "SHOPGRAPH_DATA_DIR": str(tmp_path), "SHOPGRAPH_DEV_WITHOUT": "traces"}  # fmt: skip
    with subprocess.Popen(
        [sys.executable, "-m", "shopgraph.cli", "dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        _check_running_then_stop(process)


def _check_the_demo_catalog() -> None:
    """The catalog is seeded and indexed: the search subgraph finds a demo product, and the
    products subgraph knows it."""
    search = f"http://127.0.0.1:{4003 + OFFSET}/graphql"
    query = '{ search(query: "noise cancelling headphones") { hits { product { id } } } }'
    found = httpx.post(search, json={"query": query}).json()["data"]["search"]
    assert found["hits"][0] == {"product": {"id": "p-0001"}}
    products = f"http://127.0.0.1:{4001 + OFFSET}/graphql"
    product = httpx.post(products, json={"query": '{ product(id: "p-0001") { name } }'}).json()
    assert product == {"data": {"product": {"name": "Aurora Noise-Cancelling Headphones"}}}
    # Through the router over the composed supergraph: search, products and orders at once.
    router = f"http://127.0.0.1:{4000 + OFFSET}/graphql"
    across = """{ search(query: "noise cancelling headphones", first: 1) {
      hits { product { name price { currency } stock { inStock } } } } }"""
    body = httpx.post(router, json={"query": across}).json()
    [hit] = body["data"]["search"]["hits"]
    assert hit["product"]["name"] == "Aurora Noise-Cancelling Headphones"
    assert hit["product"]["price"] == {"currency": "EUR"}
    assert isinstance(hit["product"]["stock"]["inStock"], bool)
    _check_the_demo_images()


def _check_the_demo_images() -> None:
    """Product image URLs point at the media service, which draws them."""
    products = f"http://127.0.0.1:{4001 + OFFSET}/graphql"
    query = '{ product(id: "p-0001") { images { url(size: SMALL) } } }'
    body = httpx.post(products, json={"query": query}).json()
    [image] = body["data"]["product"]["images"]
    assert image["url"] == f"http://127.0.0.1:{4500 + OFFSET}/images/w_320/products/p-0001/main.jpg"
    response = httpx.get(image["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"


def _check_running_then_stop(process: "subprocess.Popen[str]") -> None:
    try:
        deadline = time.monotonic() + 30
        lines: list[str] = []
        while time.monotonic() < deadline:
            assert process.stdout is not None
            line = process.stdout.readline()
            lines.append(line)
            if "router" in line and "http://127.0.0.1" in line:
                break
        router = f"http://127.0.0.1:{4000 + OFFSET}"
        assert any(router in line for line in lines), lines
        page = httpx.get(f"{router}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert httpx.get(f"{router}/health").json() == {"status": "UP"}
        _check_the_demo_catalog()
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_dev_points_image_urls_at_the_media_service_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOPGRAPH_DEV_PORT_OFFSET", "900")
    monkeypatch.delenv("SHOPGRAPH_CDN_BASE_URL", raising=False)
    without_media = [s for s in SERVICES if s.name != "media"]
    _use_local_media(without_media)
    assert "SHOPGRAPH_CDN_BASE_URL" not in os.environ
    _use_local_media(SERVICES)
    assert os.environ["SHOPGRAPH_CDN_BASE_URL"] == "http://127.0.0.1:5400/images"
    assert ProductsSettings().cdn_base_url == "http://127.0.0.1:5400/images"
    monkeypatch.setenv("SHOPGRAPH_CDN_BASE_URL", "https://cdn.example.com/img")
    _use_local_media(SERVICES)
    assert os.environ["SHOPGRAPH_CDN_BASE_URL"] == "https://cdn.example.com/img"


def test_a_service_that_fails_to_start_stops_the_others_with_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = [
        Service("fine", 4900 + OFFSET, "tests.support.dev_apps:create_app", "starts"),
        Service("broken", 4901 + OFFSET, "tests.support.dev_apps:create_failing_app", "fails"),
    ]
    assert run_dev(services) == 1
    err = capsys.readouterr().err
    assert "shopgraph dev: broken failed: startup failed (exit status 3)" in err
    assert "fine failed" not in err


def test_the_catalog_line_on_start_counts_the_whole_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPGRAPH_DATA_DIR", str(tmp_path))
    for name in ("MONGO", "POSTGRES", "ELASTICSEARCH", "REDIS"):
        monkeypatch.delenv(f"SHOPGRAPH_{name}_URL", raising=False)
    asyncio.run(_load_demo_catalog())
    first = capsys.readouterr().out
    assert "  catalog     seeded 2000 demo products, 2000 in the search index\n" in first
    assert "  orders      placed 6 demo orders\n" in first

    async def add_a_product() -> None:
        async with open_catalog_stores() as (store, _, _):
            [demo] = await store.products_by_ids(["p-0001"])
            assert demo is not None
            await store.create_product(dataclasses.replace(demo, id="p-9001", sku="SG-09001"))

    asyncio.run(add_a_product())
    asyncio.run(_load_demo_catalog())
    again = capsys.readouterr().out
    assert (
        "  catalog     2001 products (2000 demo products already present, 1 added since), "
        "2001 in the search index\n"
    ) in again
    assert "  orders      6 demo orders (6 already present, 0 placed now)\n" in again


def test_a_seed_summary_says_what_was_there_and_what_was_seeded() -> None:
    assert SeedReport(60, 0, 10, 60, products_total=60).summary() == "seeded 60 demo products"
    assert SeedReport(0, 60, 0, 61, products_total=61).summary() == (
        "61 products (60 demo products already present, 1 added since)"
    )
    assert SeedReport(20, 40, 3, 65, products_total=65).summary() == (
        "65 products (40 demo products already present, 20 seeded now, 5 added since)"
    )
    assert SeedReport(60, 0, 10, 62, products_total=62).summary() == (
        "62 products (0 demo products already present, 60 seeded now, 2 added since)"
    )
    assert SeedReport(60, 0, 10, 60, orders_added=6).orders_summary() == "placed 6 demo orders"
    assert SeedReport(0, 60, 0, 60, orders_added=1, orders_present=5).orders_summary() == (
        "6 demo orders (5 already present, 1 placed now)"
    )
