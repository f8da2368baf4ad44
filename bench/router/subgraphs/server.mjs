// One benchmark subgraph over plain node:http: `node subgraphs/server.mjs NAME PORT`.
//
// Memoized on purpose: the data never changes and a gateway sends the same request body
// (document + variables) for the same operation every time, so the first answer to a body
// is kept as a JSON string and sent again for every identical body. A repeated request
// then costs only reading the body and one Map lookup, which keeps the subgraphs far from
// being the bottleneck; run.py reports their CPU to show it. Each new body is logged, so the
// log shows how many distinct requests a run made.
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
const answers = new Map(); // raw request body -> JSON response string

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

async function respond(body, response) {
  let payload = answers.get(body);
  if (payload === undefined) {
    try {
      payload = await answer(body);
    } catch (error) {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ errors: [{ message: String(error) }] }));
      return;
    }
    answers.set(body, payload);
    console.log(`${name}: answered new request body #${answers.size} (${body.length} bytes)`);
  }
  response.writeHead(200, { "content-type": "application/json" }).end(payload);
}

createServer((request, response) => {
  if (request.method !== "POST") {
    response.writeHead(200, { "content-type": "text/plain" }).end("OK");
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => respond(Buffer.concat(chunks).toString(), response));
}).listen(Number(port), "127.0.0.1", () => console.log(`${name} subgraph on port ${port}`));
