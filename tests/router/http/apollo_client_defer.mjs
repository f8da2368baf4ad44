// Apollo Client (from the npm registry) reading @defer responses from a running router over
// multipart/mixed. Usage: node apollo_client_defer.mjs DIR, with {"url": "..."} on stdin;
// prints each result the client gave, with when it came, as JSON.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { ApolloClient, InMemoryCache, HttpLink, gql } = require("@apollo/client/core");

const { url } = JSON.parse(readFileSync(0, "utf8"));

function client(requests) {
  const recordingFetch = async (input, init) => {
    const response = await fetch(input, init);
    requests.push({
      accept: new Headers(init?.headers).get("accept"),
      contentType: response.headers.get("content-type"),
      status: response.status,
    });
    return response;
  };
  return new ApolloClient({
    cache: new InMemoryCache(),
    link: new HttpLink({ uri: url, fetch: recordingFetch }),
  });
}

// Every result the client gives for a query, until one has `done(data)`.
function results(apollo, query, done) {
  const start = Date.now();
  const seen = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(seen), 20000);
    apollo.watchQuery({ query, fetchPolicy: "no-cache", errorPolicy: "all" }).subscribe({
      next(result) {
        seen.push({ at: Date.now() - start, data: result.data ?? null,
                    errors: (result.errors ?? []).map((e) => e.message) });
        if (result.data && done(result.data)) {
          clearTimeout(timer);
          resolve(seen);
        }
      },
      error(error) {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
}

async function slowPart() {
  const requests = [];
  const query = gql`
    query Deferred {
      products { id name ...Price @defer(label: "price") }
      ... @defer { slow(seconds: 1.5) }
    }
    fragment Price on Product { price }
  `;
  const seen = await results(client(requests), query,
    (data) => data.slow !== undefined && data.products.every((p) => p.price !== undefined));
  return { seen, requests };
}

async function failingPart() {
  const requests = [];
  const query = gql`
    query Failing {
      product(id: "p2") { id name ... @defer { reviews { body author { id name } } } }
    }
  `;
  const seen = await results(client(requests), query, (data) => data.product?.reviews);
  return { seen, requests };
}

const out = { slow: await slowPart(), failing: await failingPart() };
process.stdout.write(JSON.stringify(out));
