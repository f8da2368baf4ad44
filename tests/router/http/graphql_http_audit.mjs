// Run graphql-http's GraphQL over HTTP server audits against running routers.
//
//   node graphql_http_audit.mjs PACKAGES_DIR < {"runs": [{"name", "url", "headers"}]}
//     > [{"run", "id", "name", "status", "reason", "httpStatus", "contentType", "body"}]
//
// "headers" are added to every request of that run (the audits' own headers win), for a
// setting a client has to make, such as a CSRF preflight header. Audits run one at a time.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { serverAudits } = require("graphql-http");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { runs } = JSON.parse(input);

function fetchWith(extra) {
  return (resource, init = {}) =>
    fetch(resource, { ...init, headers: { ...extra, ...(init.headers ?? {}) } });
}

async function described(response) {
  if (!response) return {};
  let body = null;
  try {
    body = (await response.clone().text()).slice(0, 500);
  } catch {
    // The audit already read the body; its status and type still say enough.
  }
  return {
    httpStatus: response.status,
    contentType: response.headers.get("content-type"),
    body,
  };
}

const results = [];
for (const run of runs) {
  const audits = serverAudits({ url: run.url, fetchFn: fetchWith(run.headers ?? {}) });
  for (const audit of audits) {
    let result;
    try {
      result = await audit.fn();
    } catch (error) {
      result = { id: audit.id, name: audit.name, status: "fatal", reason: String(error) };
    }
    results.push({
      run: run.name,
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason ?? null,
      ...(await described(result.response)),
    });
  }
}
process.stdout.write(JSON.stringify(results));
