// graphql-ws (WebSocket, graphql-transport-ws) and graphql-sse (Server-Sent Events, distinct
// connections mode), from the npm registry, subscribing through the router to an order's
// status, then cancelling it. Usage: node subscription_clients.mjs DIR, with
// {"http": "...", "ws": "...", "token": "...", "orders": {"ws": id, "sse": id}} on stdin.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.argv[2], "package.json"));
const { createClient: wsClient } = require("graphql-ws");
const { createClient: sseClient } = require("graphql-sse");
const WebSocket = require("ws");

const input = JSON.parse(readFileSync(0, "utf8"));
const authorization = `Bearer ${input.token}`;
const query = `subscription ($id: ID!) { orderStatusChanged(orderId: $id) { id status } }`;

async function cancel(id) {
  const response = await fetch(input.http, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ query: "mutation ($id: ID!) { cancelOrder(id: $id) { status } }",
                           variables: { id } }),
  });
  return response.json();
}

async function firstEvent(client, id) {
  const events = client.iterate({ query, variables: { id } });
  const first = events.next();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const cancelled = await cancel(id);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no event")), 20000));
  const { value } = await Promise.race([first, timeout]);
  await events.return?.();
  return { cancelled, event: value };
}

const ws = wsClient({ url: input.ws, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0,
                      connectionParams: { Authorization: authorization } });
const viaWs = await firstEvent(ws, input.orders.ws);
await ws.dispose();

const sse = sseClient({ url: input.http, headers: { authorization }, retryAttempts: 0 });
const viaSse = await firstEvent(sse, input.orders.sse);
sse.dispose();

process.stdout.write(JSON.stringify({ ws: viaWs, sse: viaSse }));
