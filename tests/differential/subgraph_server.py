"""One process serving every subgraph of every fixture: ``/<fixture>/<subgraph>/graphql``.

``python -m tests.differential.subgraph_server MANIFEST PORT``; the manifest is JSON::

    {"seed": 1, "rates": {"null": 9, "error": 41, "missing": 23},
     "fixtures": {"<fixture>": {"supergraph": "...", "subgraphs": {"<name>": "<sdl>"}}}}

``GET /requests`` lists the requests received since the last ``DELETE /requests``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.differential.subgraph_data import ROOT, Rates, SubgraphData
from tests.differential.subgraph_schema import build_subgraph_schema
from tests.differential.world import read_world


class Subgraph:
    """One generic subgraph: its schema, its data and a cache of validated documents."""

    def __init__(self, data: SubgraphData) -> None:
        self.data = data
        self.documents: dict[str, DocumentNode | list[GraphQLError]] = {}

    @property
    def schema(self) -> GraphQLSchema:
        return self.data.schema

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        query = str(body.get("query") or "")
        document = self.documents.get(query)
        if document is None:
            try:
                parsed = parse(query)
            except GraphQLError as error:
                return {"errors": [error.formatted]}
            errors = validate(self.schema, parsed)
            document = errors or parsed
            self.documents[query] = document
        if isinstance(document, list):
            return {"errors": [error.formatted for error in document]}
        result = execute(
            self.schema,
            document,
            root_value=ROOT,
            variable_values=body.get("variables") or {},
            operation_name=body.get("operationName"),
            field_resolver=self.data.resolve_field,
            type_resolver=self.data.resolve_type,
        )
        assert isinstance(result, ExecutionResult)
        return dict(result.formatted)


def load_subgraphs(manifest: dict[str, Any]) -> dict[tuple[str, str], Subgraph]:
    rates = Rates(**manifest.get("rates", {}))
    seed = int(manifest["seed"])
    subgraphs: dict[tuple[str, str], Subgraph] = {}
    for fixture, spec in manifest["fixtures"].items():
        world = read_world(spec["supergraph"])
        for name, sdl in spec["subgraphs"].items():
            schema = build_subgraph_schema(sdl, world)
            data = SubgraphData(name, sdl, schema, world, seed, rates)
            subgraphs[fixture, name] = Subgraph(data)
    return subgraphs


def create_app(manifest: dict[str, Any]) -> Starlette:
    subgraphs = load_subgraphs(manifest)
    log: list[dict[str, Any]] = []

    async def graphql(request: Request) -> Response:
        key = (request.path_params["fixture"], request.path_params["subgraph"])
        subgraph = subgraphs.get(key)
        if subgraph is None:
            return JSONResponse({"errors": [{"message": f"no subgraph {key}"}]}, 404)
        body = orjson.loads(await request.body())
        answer = subgraph.run(body)
        log.append({"subgraph": "/".join(key), "request": body, "response": answer})
        return Response(orjson.dumps(answer), media_type="application/json")

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            log.clear()
            return Response(status_code=204)
        return JSONResponse(log)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "UP"})

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/requests", requests, methods=["GET", "DELETE"]),
            Route("/{fixture}/{subgraph}/graphql", graphql, methods=["POST"]),
        ]
    )


if __name__ == "__main__":
    manifest_path, port = Path(sys.argv[1]), int(sys.argv[2])
    app = create_app(json.loads(manifest_path.read_text()))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
