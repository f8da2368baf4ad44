"""The demo product images: a JPEG drawn from an image key alone, the same bytes every time.

Every image is 4:3 (``height = width * 3 // 4``: 120x90, 320x240, 640x480, 1280x960). Its
colours come from a stable hash of the product's category (so a category's products look
alike) or, for a key that names no demo product, of the key. It shows the category and the
product's name (or the product id, or the file name) from 320 pixels up; the 120-pixel
thumbnail keeps only the colours and shapes, where text would be too small to read.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

DRAWING_VERSION = "1"
"""Changes whenever the same key would draw different pixels (it is part of the ETag)."""
WIDTHS = (120, 320, 640, 1280)
"""The widths the products subgraph's ``ImageSize`` asks for; no other is drawn."""
TEXT_FROM_WIDTH = 320
JPEG_QUALITY = 85
MAX_LINES = 3


def height_for(width: int) -> int:
    """The height of an image ``width`` pixels wide (4:3)."""
    return width * 3 // 4


@dataclass(frozen=True)
class Subject:
    """What an image shows: a title, an optional label above it, and the seed of its colours."""

    title: str
    label: str
    palette_seed: str


@functools.cache
def _demo_products() -> dict[str, tuple[str, str, str]]:
    """Demo product id -> (name, category name, category id), built once from the seed."""
    from datastores.seed import build_catalog

    catalog = build_catalog()
    names = {category.id: category.name for category in catalog.categories}
    return {p.id: (p.name, names.get(p.category_id, ""), p.category_id) for p in catalog.products}


def subject_for(key: str) -> Subject:
    """The subject of ``key``: a demo product's name and category when ``key`` is
    ``products/<id>/…`` of a demo product, else the product id or the file name."""
    parts = key.split("/")
    if len(parts) >= 3 and parts[0] == "products":
        product_id = parts[1]
        demo = _demo_products().get(product_id)
        if demo is not None:
            name, category, category_id = demo
            return Subject(title=name, label=category, palette_seed=category_id)
        return Subject(title=product_id, label="Product", palette_seed=key)
    stem = parts[-1].rsplit(".", 1)[0]
    return Subject(title=stem, label="", palette_seed=key)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _colour(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled font: the same glyphs on every machine, no system fonts needed.
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("drawing the demo images needs Pillow built with FreeType")
    return font


def draw_image(key: str, width: int) -> bytes:
    """The JPEG for ``key`` at ``width`` (one of :data:`WIDTHS`); deterministic bytes."""
    if width not in WIDTHS:
        raise ValueError(f"no image is drawn {width} pixels wide")
    subject = subject_for(key)
    height = height_for(width)
    palette = _digest(subject.palette_seed)
    shapes = _digest(key)
    hue = palette[0] / 256
    image = _background(width, height, hue)
    _draw_shapes(image, shapes, hue)
    if width >= TEXT_FROM_WIDTH:
        _draw_text(image, subject, _colour(hue, 0.16, 0.45))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
    return out.getvalue()


def _background(width: int, height: int, hue: float) -> Image.Image:
    """A soft vertical gradient, light at the top."""
    top = Image.new("RGB", (width, height), _colour(hue, 0.90, 0.55))
    bottom = Image.new("RGB", (width, height), _colour(hue + 0.04, 0.72, 0.50))
    mask = Image.linear_gradient("L").resize((width, height))
    return Image.composite(bottom, top, mask).convert("RGBA")


def _draw_shapes(image: Image.Image, seed: bytes, hue: float) -> None:
    """Three translucent circles placed by ``seed``: products of one category differ."""
    width, height = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for n in range(3):
        x = seed[1 + 3 * n] / 255 * width
        y = seed[2 + 3 * n] / 255 * height
        radius = (0.18 + seed[3 + 3 * n] / 255 * 0.30) * height
        colour = _colour(hue + (n - 1) * 0.06, 0.60 + 0.08 * n, 0.55)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, 70))
    image.alpha_composite(overlay)


def _draw_text(image: Image.Image, subject: Subject, ink: tuple[int, int, int]) -> None:
    """The label (small capitals) above the title (wrapped, up to three lines), centred on a
    light panel so they read on any background."""
    width, height = image.size
    title_font = _font(max(12, width // 12))
    label_font = _font(max(10, width // 24))
    lines = _wrap(subject.title, title_font, width * 0.80)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], _cut(lines[MAX_LINES - 1], title_font, width * 0.80)]
    label = subject.label.upper()
    line_height = round(title_font.size * 1.2)
    gap = round(label_font.size * 0.9) if label else 0
    block = len(lines) * line_height + (label_font.size + gap if label else 0)
    top = (height - block) // 2
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    pad = width // 20
    draw.rounded_rectangle((pad, top - pad, width - pad, top + block + pad),
                           radius=width // 30, fill=(255, 255, 255, 150))  # fmt: skip
    image.alpha_composite(overlay)
    draw = ImageDraw.Draw(image)
    y = top
    if label:
        draw.text((width / 2, y), label, font=label_font, fill=(*ink, 200), anchor="ma")
        y += label_font.size + gap
    for line in lines:
        draw.text((width / 2, y), line, font=title_font, fill=ink, anchor="ma",
                  stroke_width=width // 640, stroke_fill=ink)  # fmt: skip
        y += line_height


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``max_width`` (a longer word is cut
    with an ellipsis)."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= max_width:
            lines[-1] = candidate
        else:
            fits = font.getlength(word) <= max_width
            lines.append(word if fits else _cut(word, font, max_width))
    return lines or [""]


def _cut(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    """``text`` shortened to end in an ellipsis within ``max_width``."""
    while text and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text.rstrip() + "…"
