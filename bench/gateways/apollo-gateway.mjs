// Apollo Gateway in @apollo/server's standalone server, as the public gateway benchmark runs
// it: node:cluster forks availableParallelism() - 1 workers (none on one core), each serving
// SUPERGRAPH on PORT. `node apollo-gateway.mjs SUPERGRAPH PORT`.
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

const [supergraphPath, port] = process.argv.slice(2);
const forks = availableParallelism() - 1;

if (cluster.isPrimary && forks > 0) {
  console.log(`forking ${forks} workers`);
  for (let i = 0; i < forks; i++) cluster.fork();
} else {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, "utf8") });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: Number(port) },
  });
  console.log(`ready at ${url}`);
}
