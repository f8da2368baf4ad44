// Apollo Client (from the npm registry) against a running router: automatic persisted
// queries over GET, then a batch through BatchHttpLink. Usage: node apollo_client.mjs DIR,
// with {"url": "..."} on stdin; prints what each client saw as JSON.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { ApolloClient, InMemoryCache, HttpLink, gql } = require("@apollo/client/core");
const { createPersistedQueryLink } = require("@apollo/client/link/persisted-queries");
const { BatchHttpLink } = require("@apollo/client/link/batch-http");

const { url } = JSON.parse(readFileSync(0, "utf8"));
// CSRF prevention: a GET must carry a header a browser would preflight.
const headers = { "apollo-require-preflight": "true" };
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

function recordingFetch(requests) {
  return async (input, init) => {
    const response = await fetch(input, init);
    const body = await response.clone().text();
    requests.push({
      method: init?.method ?? "GET",
      hasQuery: init?.body ? JSON.parse(init.body).query !== undefined
        : new URL(String(input)).searchParams.has("query"),
      status: response.status,
      body: body.slice(0, 400),
    });
    return response;
  };
}

async function apq() {
  const requests = [];
  const client = () => new ApolloClient({
    cache: new InMemoryCache(),
    link: createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: url, headers, fetch: recordingFetch(requests) })),
  });
  const query = gql`query ApqProducts { products { id name } }`;
  const first = await client().query({ query });
  const second = await client().query({ query });
  return { first: first.data, second: second.data, requests };
}

async function batch() {
  const requests = [];
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: new BatchHttpLink({ uri: url, headers, batchMax: 3, batchInterval: 20,
                              fetch: recordingFetch(requests) }),
  });
  const queries = [
    gql`query One { product(id: "p1") { name } }`,
    gql`query Two { product(id: "p2") { name price } }`,
    gql`query Three { reviewCount }`,
  ];
  const results = await Promise.all(queries.map((query) => client.query({ query })));
  return { results: results.map((r) => r.data), requests };
}

const out = { apq: await apq(), batch: await batch() };
process.stdout.write(JSON.stringify(out));
