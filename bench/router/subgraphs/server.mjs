// One benchmark subgraph over plain node:http: `node subgraphs/server.mjs NAME PORT`.
//
// The data never changes, so each subgraph keeps the response it computed for a request body
// and answers the same body again from memory: the benchmark measures the gateways, and the
// subgraphs stay far from being the bottleneck (run.py reports their CPU).
import { createServer } from "node:http";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { execute, parse } from "graphql";
import { subgraphs } from "./schemas.mjs";

const [name, port] = process.argv.slice(2);
const definition = subgraphs[name];
if (!definition) {
  console.error(`unknown subgraph ${name}; one of ${Object.keys(subgraphs).join(", ")}`);
  process.exit(2);
}
const schema = buildSubgraphSchema([definition]);
const answers = new Map();

async function answer(body) {
  const { query, variables, operationName } = JSON.parse(body);
  const result = await execute({
    schema,
    document: parse(query),
    variableValues: variables,
    operationName,
  });
  return JSON.stringify(result);
}

createServer((request, response) => {
  if (request.method === "GET") {
    response.writeHead(200, { "content-type": "text/plain" }).end("OK");
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    const body = Buffer.concat(chunks).toString();
    let payload = answers.get(body);
    if (payload === undefined) {
      payload = await answer(body);
      answers.set(body, payload);
    }
    response.writeHead(200, { "content-type": "application/json" }).end(payload);
  });
}).listen(Number(port), "127.0.0.1", () => console.log(`${name} subgraph on ${port}`));
