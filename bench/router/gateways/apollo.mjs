// Apollo Gateway with Apollo Server's standalone HTTP server: `node gateways/apollo.mjs SUPERGRAPH PORT`.
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
