"""The GraphiQL playground page; its scripts and styles are served by the router itself."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

ASSETS_PATH = "/graphiql/assets"
ASSETS_DIR = Path(
    os.environ.get("SHOPGRAPH_GRAPHIQL_ASSETS", Path(__file__).parent / "graphiql" / "node_modules")
)
# Served name -> file inside the npm packages installed from router/http/graphiql/package.json.
ASSETS = {
    "graphiql.min.js": ("graphiql/graphiql.min.js", "text/javascript"),
    "graphiql.min.css": ("graphiql/graphiql.min.css", "text/css"),
    "react.production.min.js": ("react/umd/react.production.min.js", "text/javascript"),
    "react-dom.production.min.js": ("react-dom/umd/react-dom.production.min.js", "text/javascript"),
}


async def graphiql_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        return PlainTextResponse("not found", status_code=404)
    relative, media_type = ASSETS[name]
    path = ASSETS_DIR / relative
    if not path.is_file():
        return PlainTextResponse(
            f"GraphiQL asset {relative} is not installed: run `make dev` (npm ci in "
            "router/http/graphiql)",
            status_code=503,
        )
    return FileResponse(path, media_type=media_type, headers={"cache-control": "max-age=86400"})


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>shopgraph · GraphiQL</title>
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: {endpoint!r} }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultQuery: {default_query!r} }})
    );
  </script>
</body>
</html>
"""

DEFAULT_QUERY = "# Welcome to shopgraph.\\n{\\n  __typename\\n}\\n"


def graphiql_html(endpoint: str, default_query: str = DEFAULT_QUERY) -> str:
    return _PAGE.format(assets=ASSETS_PATH, endpoint=endpoint, default_query=default_query)
