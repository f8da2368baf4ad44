"""The GraphiQL playground page; its scripts and styles are served by the router itself."""

from __future__ import annotations

ASSETS_PATH = "/graphiql/assets"

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
