"""Each subgraph's SDL as its code prints it.

``python -m subgraphs.sdl`` writes them to ``schema/subgraphs/``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDL_DIR = ROOT / "schema" / "subgraphs"
# Subgraph name -> "module:attribute" of a schema with a ``as_str()`` (strawberry) or an SDL string.
SCHEMAS = {
    "products": "subgraphs.products.schema:schema",
    "search": "subgraphs.search.schema:SDL",
    "orders": "subgraphs.orders.schema:schema",
    "users": "subgraphs.users.schema:schema",
}


def subgraph_sdl(name: str) -> str:
    module_name, _, attribute = SCHEMAS[name].partition(":")
    schema = getattr(importlib.import_module(module_name), attribute)
    text = schema if isinstance(schema, str) else schema.as_str()
    return text.strip() + "\n"


def main() -> int:
    SDL_DIR.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        path = SDL_DIR / f"{name}.graphql"
        path.write_text(subgraph_sdl(name))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
