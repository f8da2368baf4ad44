// Load a supergraph in Apollo's gateway, without contacting any subgraph.
//
//   node reference_gateway.mjs PACKAGES_DIR < {"supergraphSdl": "..."} > {"error": null | "..."}
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { ApolloGateway } = require("@apollo/gateway");

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
process.stdout.write(JSON.stringify({ error }));
