// Compose the four benchmark subgraphs into a Federation v2 supergraph and write it to OUT:
// `node compose.mjs OUT USERS_PORT REVIEWS_PORT PRODUCTS_PORT INVENTORY_PORT`; each subgraph's
// routing URL is http://127.0.0.1:PORT/graphql.
import { composeServices } from "@apollo/composition";
import { writeFileSync } from "node:fs";
import { subgraphs } from "./subgraphs/schemas.mjs";

const [out, ...ports] = process.argv.slice(2);
const names = ["users", "reviews", "products", "inventory"];
const result = composeServices(
  names.map((name, i) => ({
    name,
    typeDefs: subgraphs[name].typeDefs,
    url: `http://127.0.0.1:${ports[i]}/graphql`,
  })),
);
if (result.errors) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
