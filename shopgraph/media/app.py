"""The media service's ASGI app: ``GET|HEAD /images/w_{width}/{key}`` and ``/health``.

Anything but one of the four widths and a well-formed ``.jpg`` key is a 404, before any
drawing. Images are immutable (the key and the drawing version decide every pixel), so they
carry a long ``Cache-Control``, an ETag that ``If-None-Match`` turns into a 304, and are kept
in a byte-bounded LRU; drawing runs in worker threads, a bounded number at a time.
"""

from __future__ import annotations

import hashlib
import re

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from router.cache.lru import BoundedCache
from shopgraph.media.drawing import DRAWING_VERSION, WIDTHS, draw_image
from shopgraph.media.settings import MediaSettings

MAX_KEY_LENGTH = 200
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*\.(jpg|jpeg)")
CACHE_CONTROL = "public, max-age=86400, immutable"
WIDTH_PARAMS = {str(width): width for width in WIDTHS}  # "0320" is not a width
NOT_FOUND_HEADERS = {"cache-control": "no-store"}


def valid_key(key: str) -> bool:
    """True for a key the service draws: at most 200 characters of letters, digits, ``.``,
    ``_``, ``-`` in ``/``-separated segments that each start with a letter or digit (no
    ``..``, no empty segment, no leading ``/``), ending in ``.jpg`` or ``.jpeg``."""
    return len(key) <= MAX_KEY_LENGTH and ".." not in key and KEY.fullmatch(key) is not None


def etag_for(key: str, width: int) -> str:
    digest = hashlib.sha256(f"{DRAWING_VERSION}\0{width}\0{key}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


class ImageRenderer:
    """Draws images in worker threads, at most ``concurrent_renders`` at once, and keeps the
    results in a byte-bounded LRU."""

    def __init__(self, settings: MediaSettings) -> None:
        self.cache: BoundedCache[tuple[str, int], bytes] = BoundedCache(
            max_entries=settings.cache_entries, max_bytes=settings.cache_bytes
        )
        self.limiter = anyio.CapacityLimiter(settings.concurrent_renders)

    async def render(self, key: str, width: int) -> bytes:
        cached = self.cache.get((key, width))
        if cached is not None:
            return cached
        body = await anyio.to_thread.run_sync(draw_image, key, width, limiter=self.limiter)
        self.cache.put((key, width), body, len(body))
        return body


def create_app(settings: MediaSettings | None = None) -> Starlette:
    """The app; its limits come from ``SHOPGRAPH_MEDIA_*`` settings unless given."""
    renderer = ImageRenderer(settings or MediaSettings())

    async def image(request: Request) -> Response:
        width = WIDTH_PARAMS.get(request.path_params["width"])
        key: str = request.path_params["key"]
        if width is None or not valid_key(key):
            return Response("not found\n", 404, media_type="text/plain",
                            headers=NOT_FOUND_HEADERS)  # fmt: skip
        etag = etag_for(key, width)
        headers = {"etag": etag, "cache-control": CACHE_CONTROL}
        if _matches(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers=headers)
        body = await renderer.render(key, width)
        if request.method == "HEAD":
            headers["content-length"] = str(len(body))
            return Response(media_type="image/jpeg", headers=headers)
        return Response(body, media_type="image/jpeg", headers=headers)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "UP"})

    app = Starlette(routes=[
        Route("/images/w_{width}/{key:path}", image, methods=["GET", "HEAD"]),
        Route("/health", health, methods=["GET"]),
    ])  # fmt: skip
    app.state.renderer = renderer
    return app
