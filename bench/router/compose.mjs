// Compose the benchmark subgraphs into a supergraph: `node compose.mjs OUT USERS REVIEWS PRODUCTS INVENTORY`
// (the four arguments after OUT are the subgraphs' ports).
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
