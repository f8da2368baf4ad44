// Apollo Gateway behind Apollo Server's standalone HTTP server, with their defaults:
// `node gateways/apollo.mjs SUPERGRAPH PORT`. It serves POST /graphql (and every other
// path); the standalone server has no health route of its own, so run.py polls the check
// Apollo Server documents instead: GET /graphql?query={__typename} with the
// apollo-require-preflight header.
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { readFileSync } from "node:fs";

const [supergraph, port] = process.argv.slice(2);
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraph, "utf8") });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(port) },
});
console.log(`Apollo Gateway at ${url}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.stop().finally(() => process.exit(0)));
}
