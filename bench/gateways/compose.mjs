// Compose the benchmark's four subgraphs into a Federation v2 supergraph:
// `node compose.mjs BASE_URL OUT`. Each subgraph's SDL is read live from
// BASE_URL/<name> with `{ _service { sdl } }`; its routing URL in the supergraph is
// ROUTING_BASE/<name> (ROUTING_BASE defaults to BASE_URL).
import { composeServices } from "@apollo/composition";
import { writeFileSync } from "node:fs";
import { parse } from "graphql";

const [base, out] = process.argv.slice(2);
const routingBase = process.env.ROUTING_BASE ?? base;
const names = ["accounts", "inventory", "products", "reviews"];

async function sdlOf(name) {
  const response = await fetch(`${base}/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new Error(`${name}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.data._service.sdl;
}

const services = [];
for (const name of names) {
  services.push({ name, typeDefs: parse(await sdlOf(name)), url: `${routingBase}/${name}` });
}
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
