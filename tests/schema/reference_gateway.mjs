// Load a supergraph in Apollo's gateway, without contacting any subgraph, and check it as
// Apollo checks supergraphs for its router (the features Apollo Router supports, which include
// the authorization and demand-control specs the gateway refuses to serve).
//
//   node reference_gateway.mjs PACKAGES_DIR < {"supergraphSdl": "..."}
//     > {"error": null | "...", "routerError": null | "..."}
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { ApolloGateway } = require("@apollo/gateway");
const { Supergraph, ROUTER_SUPPORTED_SUPERGRAPH_FEATURES } = require("@apollo/federation-internals");

// The gateway logs through this; keep stdout for the answer.
const logger = {
  debug() {},
  info() {},
  warn: (message) => console.error(message),
  error: (message) => console.error(message),
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { supergraphSdl } = JSON.parse(input);

let error = null;
const gateway = new ApolloGateway({ supergraphSdl, logger });
try {
  await gateway.load();
} catch (caught) {
  error = String(caught?.message ?? caught);
} finally {
  await gateway.stop().catch(() => {});
}
let routerError = null;
try {
  const supergraph = Supergraph.build(supergraphSdl, {
    supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  });
  supergraph.apiSchema();
  supergraph.subgraphs();
} catch (caught) {
  routerError = String(caught?.message ?? caught);
}
process.stdout.write(JSON.stringify({ error, routerError }));
