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

async function showOrders() {
  if (!signedIn) { $("orders").replaceChildren(item("Sign in to see your orders")); return; }
  const data = await gql("query Orders { me { orders(first: 10) { edges { node { id status total { amount currency } } } } } }");
  $("orders").replaceChildren(...data.me.orders.edges.map(({node}) =>
    item(`${node.id} ${node.status} ${(node.total.amount / 100).toFixed(2)} ${node.total.currency}`)));
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
