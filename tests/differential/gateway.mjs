// Serve supergraphs with @apollo/gateway behind @apollo/server, one loopback port each.
//
//   node gateway.mjs PACKAGES_DIR < {"gateways": [{"name": "...", "supergraphSdl": "...",
//                                                   "urls": {"<subgraph>": "http://..."}}]}
//     > {"<name>": {"url": "http://127.0.0.1:PORT/"} | {"error": "..."}}   (one line)
//
// Subgraph URLs come from "urls" (by subgraph name), not from the supergraph, so a supergraph
// composed once serves subgraphs on ports chosen at run time. Runs until it is terminated.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { ApolloGateway, RemoteGraphQLDataSource } = require("@apollo/gateway");
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");

// The gateway and the server log through this; keep stdout for the answer.
const logger = {
  debug() {},
  info() {},
  warn: (message) => console.error(message),
  error: (message) => console.error(message),
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { gateways } = JSON.parse(input);

async function serve({ supergraphSdl, urls }) {
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger,
    buildService: ({ name, url }) => new RemoteGraphQLDataSource({ url: urls[name] ?? url }),
  });
  const server = new ApolloServer({ gateway, logger, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
  return { url };
}

const answer = {};
for (const spec of gateways) {
  try {
    answer[spec.name] = await serve(spec);
  } catch (caught) {
    answer[spec.name] = { error: String(caught?.message ?? caught) };
  }
}
process.stdout.write(JSON.stringify(answer) + "\n");
