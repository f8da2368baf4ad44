const $ = (id) => document.getElementById(id);
let signedIn = false, anonymousCart = null;

async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST", credentials: "same-origin",
    headers: {"content-type": "application/json", "x-shopgraph-csrf": "1"},
    body: JSON.stringify({query, variables}),
  });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

async function cartId() {
  if (signedIn) return null;
  if (!anonymousCart) {
    const response = await fetch("/cart/id", {method: "POST", headers: {"x-shopgraph-csrf": "1"}});
    anonymousCart = (await response.json()).cartId;
  }
  return anonymousCart;
}

function item(text, button, onClick) {
  const li = document.createElement("li");
  li.textContent = text;
  if (button) {
    const b = document.createElement("button");
    b.textContent = button; b.onclick = onClick; li.append(b);
  }
  return li;
}

async function showWho() {
  const me = await (await fetch("/auth/me")).json();
  signedIn = me.signedIn;
  const who = $("who");
  who.textContent = "";
  if (signedIn) {
    who.append(`Signed in as ${me.user.name} `);
    const out = document.createElement("button");
    out.id = "sign-out"; out.textContent = "Sign out";
    out.onclick = async () => {
      const r = await fetch("/auth/logout", {method: "POST", headers: {"x-shopgraph-csrf": "1"}});
      location.href = (await r.json()).logoutUrl;
    };
    who.append(out);
  } else {
    const a = document.createElement("a");
    a.id = "sign-in"; a.href = "/auth/login?return_to=/"; a.textContent = "Sign in";
    who.append(a);
  }
}

async function showCart() {
  const data = await gql("query Cart($id: ID) { cart(id: $id) { items { product { id name } quantity } } }",
                         {id: await cartId()});
  $("cart").replaceChildren(...data.cart.items.map((i) => item(`${i.product.name} x ${i.quantity}`)));
}

const live = new Map();  // order id -> the AbortController of its status subscription

// Follows an order's status over Server-Sent Events (the BFF relays the router's
// subscription): each change calls render(status).
async function follow(orderId, render) {
  live.get(orderId)?.abort();
  const controller = new AbortController();
  live.set(orderId, controller);
  try {
    const response = await fetch("/graphql", {
      method: "POST", credentials: "same-origin", signal: controller.signal,
      headers: {"content-type": "application/json", "accept": "text/event-stream",
                "x-shopgraph-csrf": "1"},
      body: JSON.stringify({
        query: "subscription OrderStatus($id: ID!) { orderStatusChanged(orderId: $id) { id status } }",
        variables: {id: orderId}}),
    });
    if (!response.ok || !response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6)).join("");
        const order = block.startsWith("event: next") && data
          ? JSON.parse(data).data?.orderStatusChanged : null;
        if (order) render(order.status);
      }
    }
  } catch (error) {
    if (error.name !== "AbortError") console.warn("order status updates stopped:", error);
  }
}

async function showOrders() {
  for (const controller of live.values()) controller.abort();
  live.clear();
  if (!signedIn) { $("orders").replaceChildren(item("Sign in to see your orders")); return; }
  const data = await gql("query Orders { me { orders(first: 10) { edges { node { id status total { amount currency } } } } } }");
  $("orders").replaceChildren(...data.me.orders.edges.map(({node}) => {
    const total = `${(node.total.amount / 100).toFixed(2)} ${node.total.currency}`;
    const text = (status) => `${node.id} ${status} ${total}`;
    if (node.status !== "PLACED") return item(text(node.status));
    // The status shown changes when the subscription says so, not when Cancel answers.
    const li = item(text(node.status), "Cancel", async () => {
      await gql("mutation Cancel($id: ID!) { cancelOrder(id: $id) { id } }", {id: node.id});
    });
    li.dataset.orderId = node.id;
    follow(node.id, (status) => { li.firstChild.textContent = text(status); });
    return li;
  }));
}

$("search-form").onsubmit = async (event) => {
  event.preventDefault();
  const data = await gql("query Search($q: String!) { search(query: $q, first: 5) { hits { product { id name price { amount currency } } } } }",
                         {q: $("query").value});
  $("results").replaceChildren(...data.search.hits.map(({product}) =>
    item(`${product.name} ${(product.price.amount / 100).toFixed(2)} ${product.price.currency}`, "Add to cart", async () => {
      await gql("mutation Add($p: ID!, $c: ID) { addToCart(productId: $p, cartId: $c) { id } }",
                {p: product.id, c: await cartId()});
      await showCart();
    })));
};

$("checkout").onsubmit = async (event) => {
  event.preventDefault();
  try {
    const data = await gql("mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }", {input: {
      idempotencyKey: crypto.randomUUID(), cartId: await cartId(),
      shipping: {recipient: $("recipient").value, line1: $("line1").value, city: $("city").value,
                 postalCode: $("postal").value, country: $("country").value},
      payment: {cardNumber: $("card").value},
    }});
    $("order-result").textContent = `Order ${data.placeOrder.id}: ${data.placeOrder.status}`;
  } catch (error) { $("order-result").textContent = error.message; }
  await showCart(); await showOrders();
};

showWho().then(() => Promise.all([showCart(), showOrders()]));
