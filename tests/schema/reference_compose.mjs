// Compose subgraphs with Apollo's composition, as the reference for our composer.
//
//   node reference_compose.mjs PACKAGES_DIR < cases.json > results.json
//
// stdin: a JSON list of cases, each a list of subgraphs {name, url, sdl}.
// stdout: a JSON list, one entry per case: {supergraphSdl, errors: [{code, message}],
// hints: [{code, message}]}, or {crash} when composition threw instead of reporting errors.
// The packages are loaded with require() from PACKAGES_DIR, so that composition and this
// script share one copy of graphql (the CommonJS one).
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { composeServices } = require("@apollo/composition");
const { parse, GraphQLError } = require("graphql");

function composeCase(subgraphs) {
  const services = [];
  const errors = [];
  for (const { name, url, sdl } of subgraphs) {
    try {
      services.push({ name, url, typeDefs: parse(sdl) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      errors.push({ code: "INVALID_GRAPHQL", message: `[${name}] ${error.message}` });
    }
  }
  if (errors.length > 0) return { supergraphSdl: null, errors, hints: [] };
  const result = composeServices(services);
  return {
    supergraphSdl: result.supergraphSdl ?? null,
    errors: (result.errors ?? []).map((error) => ({
      code: String(error.extensions?.code ?? "UNKNOWN"),
      message: error.message,
    })),
    hints: (result.hints ?? []).map((hint) => ({
      code: String(hint.definition?.code ?? "UNKNOWN"),
      message: hint.message,
    })),
  };
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((subgraphs) => {
  try {
    return composeCase(subgraphs);
  } catch (error) {
    return { crash: String(error?.stack ?? error) };
  }
});
process.stdout.write(JSON.stringify(results));
