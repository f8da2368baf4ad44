"""The media service draws the demo images at the four widths, the same bytes each time, and
answers anything else with a 404 before drawing."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.types import Message

from shopgraph.media.app import ImageRenderer, create_app, valid_key
from shopgraph.media.drawing import WIDTHS, draw_image, height_for, subject_for
from shopgraph.media.settings import MediaSettings

DEMO = "products/p-0001/main.jpg"


def client(app: Starlette | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app or create_app(MediaSettings()))
    return httpx.AsyncClient(transport=transport, base_url="http://media.test")


@pytest.mark.parametrize("width", WIDTHS)
async def test_each_width_is_a_4_by_3_jpeg_of_that_width(width: int) -> None:
    async with client() as http:
        response = await http.get(f"/images/w_{width}/{DEMO}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "public, max-age=86400, immutable"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG"
    assert image.size == (width, height_for(width)) == (width, width * 3 // 4)


async def test_the_same_key_gives_the_same_bytes_and_other_keys_other_bytes() -> None:
    async with client() as first, client() as second:
        a = (await first.get(f"/images/w_320/{DEMO}")).content
        b = (await second.get(f"/images/w_320/{DEMO}")).content
        other = (await first.get("/images/w_320/products/p-0002/main.jpg")).content
    assert a == b == draw_image(DEMO, 320)
    assert other != a


def test_a_demo_product_shows_its_name_and_category_and_others_their_id() -> None:
    demo = subject_for(DEMO)
    assert (demo.title, demo.label) == ("Aurora Noise-Cancelling Headphones", "Audio")
    vendor = subject_for("products/p-0123456789ab/front.jpeg")
    assert (vendor.title, vendor.label) == ("p-0123456789ab", "Product")
    assert subject_for("banners/spring-sale.jpg").title == "spring-sale"
    # A category's products share their colours.
    assert subject_for("products/p-0021/main.jpg").palette_seed.startswith("c-")


@pytest.mark.parametrize(
    "path",
    [
        f"/images/w_100/{DEMO}",
        f"/images/w_0320/{DEMO}",
        f"/images/w_-320/{DEMO}",
        f"/images/w_abc/{DEMO}",
        f"/images/320/{DEMO}",
        "/images/w_320/products/p-0001/main.png",
        "/images/w_320/products/p-0001/main",
        "/images/w_320/products/%2e%2e/%2e%2e/etc/passwd.jpg",
        "/images/w_320/products/..%2f..%2fsecrets.jpg",
        "/images/w_320//etc/hosts.jpg",
        "/images/w_320/products//p-0001/main.jpg",
        "/images/w_320/.hidden.jpg",
        "/images/w_320/products/p 0001/main.jpg",
        "/images/w_320/products/p%000001/main.jpg",
        "/images/w_320/produits/caf%C3%A9.jpg",
        "/images/w_320/" + "a" * 197 + ".jpg",
        "/images/w_320/",
    ],
)
async def test_bad_widths_and_keys_are_not_found(path: str) -> None:
    async with client() as http:
        response = await http.get(path)
    assert response.status_code == 404, path
    assert response.headers.get("content-type") != "image/jpeg"


@pytest.mark.parametrize(
    "path", ["/images/w_320/products/../secrets.jpg", "/images/w_320/../../etc/passwd.jpg"]
)
async def test_dot_segments_that_a_client_sends_as_they_are_are_not_found(path: str) -> None:
    # httpx would remove them from the URL; uvicorn passes them on as they came.
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "headers": [],
             "client": ("127.0.0.1", 1), "server": ("media.test", 80)}  # fmt: skip
    await create_app(MediaSettings())(scope, receive, send)
    assert sent[0]["status"] == 404


def test_valid_keys_are_short_plain_paths_to_jpegs() -> None:
    assert valid_key(DEMO)
    assert valid_key("products/p-0123456789ab/front_2.JPEG".lower())
    assert valid_key("a" * 196 + ".jpg")  # 200 characters
    assert not valid_key("a" * 197 + ".jpg")
    assert not valid_key("products/p-0001/a..b.jpg")
    assert not valid_key("/products/p-0001/main.jpg")
    assert not valid_key("products/p-0001/main.jpg/")


async def test_if_none_match_with_the_etag_is_a_304() -> None:
    async with client() as http:
        first = await http.get(f"/images/w_640/{DEMO}")
        etag = first.headers["etag"]
        again = await http.get(f"/images/w_640/{DEMO}", headers={"if-none-match": etag})
        listed = await http.get(
            f"/images/w_640/{DEMO}", headers={"if-none-match": f'"other", W/{etag}'}
        )
        stale = await http.get(f"/images/w_640/{DEMO}", headers={"if-none-match": '"other"'})
        other_width = await http.get(f"/images/w_320/{DEMO}")
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert again.status_code == listed.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=86400, immutable"
    assert stale.status_code == 200
    assert other_width.headers["etag"] != etag


async def test_head_gives_the_headers_of_get_without_a_body() -> None:
    async with client() as http:
        head = await http.head(f"/images/w_1280/{DEMO}")
        get = await http.get(f"/images/w_1280/{DEMO}")
        missing = await http.head(f"/images/w_1000/{DEMO}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    for name in ("content-type", "etag", "cache-control"):
        assert head.headers[name] == get.headers[name]
    assert missing.status_code == 404


async def test_the_cache_stays_within_its_byte_budget() -> None:
    budget = 200_000
    renderer = ImageRenderer(MediaSettings(cache_bytes=budget, concurrent_renders=1))
    sizes = []
    for n in range(1, 40):
        sizes.append(len(await renderer.render(f"products/p-{n:04d}/main.jpg", 640)))
        assert renderer.cache.size_bytes <= budget
    assert renderer.cache.evictions > 0
    assert 0 < len(renderer.cache) < 39
    assert renderer.cache.size_bytes > budget - max(sizes)
    # What it still holds comes from the cache, the same bytes as a fresh drawing.
    newest = "products/p-0039/main.jpg"
    assert renderer.cache.get((newest, 640)) == draw_image(newest, 640)


async def test_health_says_up() -> None:
    async with client() as http:
        response = await http.get("/health")
    assert response.json() == {"status": "UP"}


def test_no_other_width_is_drawn() -> None:
    with pytest.raises(ValueError, match="no image is drawn 100 pixels wide"):
        draw_image(DEMO, 100)
