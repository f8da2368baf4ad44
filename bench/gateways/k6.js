// Constant load on one gateway: VUS virtual users (default 50) POST the document in
// QUERY_FILE to ENDPOINT for DURATION; a response passes when its status is 200 and its
// body holds no "errors". SUMMARY (a path) receives k6's end-of-test summary as JSON.
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";

const endpoint = __ENV.ENDPOINT;
const body = JSON.stringify({ query: open(__ENV.QUERY_FILE) });
const params = { headers: { "Content-Type": "application/json", Accept: "application/json" } };

const non200 = new Counter("non_200");
const graphqlErrors = new Counter("graphql_errors");

export const options = {
  vus: parseInt(__ENV.VUS || "50"),
  duration: __ENV.DURATION || "30s",
  summaryTrendStats: ["avg", "min", "med", "max", "p(50)", "p(95)", "p(99)"],
  discardResponseBodies: false,
};

export default function () {
  const response = http.post(endpoint, body, params);
  const ok200 = response.status === 200;
  const noErrors = !!response.body && !response.body.includes('"errors"');
  if (!ok200) non200.add(1);
  if (ok200 && !noErrors) graphqlErrors.add(1);
  check(response, {
    "status is 200": () => ok200,
    "no graphql errors": () => noErrors,
  });
}

export function handleSummary(data) {
  const out = {};
  if (__ENV.SUMMARY) out[__ENV.SUMMARY] = JSON.stringify(data);
  return out;
}
