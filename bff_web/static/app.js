// The storefront's script. Pages are rendered on the server and work without it; this adds
// what needs the API from the browser: changes (cart, reviews, checkout, account, the vendor's
// catalogue) through POST /graphql with the CSRF header, autocomplete, and live updates
// (order status, stock, a vendor's new orders) relayed by the BFF as Server-Sent Events.
"use strict";

// What a shopper reads instead of an error code.
const WORDS = {
  PAYMENT_DECLINED: "Your card was declined. Check the number or use another card.",
  OUT_OF_STOCK: "Some of these products are no longer in stock in that quantity. Check your cart.",
  CART_ALREADY_ORDERED: "This cart has just been ordered. See your orders.",
  DUPLICATE_ORDER: "This order was already placed. See your orders.",
  DUPLICATE_REVIEW: "You have already reviewed this product.",
  DUPLICATE_SKU: "Another product already has this SKU.",
  UNAUTHENTICATED: "Please sign in again.",
  SESSION_EXPIRED: "Your session has ended. Please sign in again.",
  FORBIDDEN: "You are not allowed to do this.",
  NOT_FOUND: "This item no longer exists.",
  RATE_LIMITED: "Too many requests at once. Wait a moment and try again.",
  ROUTER_UNAVAILABLE: "The shop cannot be reached right now. Try again in a moment.",
  CSRF_REJECTED: "Reload the page and try again.",
};
const DECLINES = {
  card_declined: "Your card was declined by its bank. Use another card.",
  insufficient_funds: "The card has insufficient funds. Use another card.",
};

class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
  get code() { return this.errors[0]?.extensions?.code; }
  get words() {
    const first = this.errors[0] ?? {};
    if (this.code === "PAYMENT_DECLINED") {
      const reason = Object.keys(DECLINES).find((r) => first.message?.includes(r));
      return reason ? DECLINES[reason] : WORDS.PAYMENT_DECLINED;
    }
    // These messages are written for people ("a shipped order can no longer be cancelled").
    if (this.code === "BAD_USER_INPUT" || this.code === "ORDER_TRANSITION") {
      return sentence(first.message ?? "Check what you entered.");
    }
    return WORDS[this.code] ?? "Something went wrong. Try again.";
  }
}

function sentence(text) {
  const clean = text.replace(/^[a-z]+\.(?=[a-zA-Z])/, "").replace(/^\w/, (c) => c.toUpperCase());
  return clean.endsWith(".") ? clean : clean + ".";
}

async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST", credentials: "same-origin",
      headers: {"content-type": "application/json", "x-shopgraph-csrf": "1"},
      body: JSON.stringify({query, variables}),
    });
  } catch {
    throw new ApiError([{message: "offline", extensions: {code: "ROUTER_UNAVAILABLE"}}]);
  }
  let body;
  try { body = await response.json(); } catch {
    throw new ApiError([{message: `HTTP ${response.status}`, extensions: {code: "ROUTER_UNAVAILABLE"}}]);
  }
  if (body.errors?.length) throw new ApiError(body.errors);
  return body.data;
}

const signedIn = () => document.body.dataset.signedIn === "true";
let anonymousCart = null;

async function cartId() {
  if (signedIn()) return null;
  if (!anonymousCart) {
    const response = await fetch("/cart/id", {method: "POST", headers: {"x-shopgraph-csrf": "1"}});
    anonymousCart = (await response.json()).cartId;
  }
  return anonymousCart;
}

function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("shown"), 4000);
}

function showCartCount(cart) {
  const count = cart.items.reduce((sum, item) => sum + item.quantity, 0);
  for (const badge of document.querySelectorAll("[data-cart-count]")) {
    badge.textContent = String(count);
    badge.setAttribute("aria-label", `${count} items`);
  }
}

// A form's submit runs `action(form)`; an ApiError is shown in its [data-form-error].
function onSubmit(selector, action) {
  for (const form of document.querySelectorAll(selector)) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = form.querySelector("[data-form-error]");
      if (error) error.textContent = "";
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      try {
        await action(form);
      } catch (failure) {
        const words = failure instanceof ApiError ? failure.words : String(failure.message ?? failure);
        if (error) error.textContent = words; else toast(words);
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
}

function onClick(selector, action) {
  for (const element of document.querySelectorAll(selector)) {
    element.addEventListener("click", async () => {
      try { await action(element); } catch (failure) {
        toast(failure instanceof ApiError ? failure.words : String(failure.message ?? failure));
      }
    });
  }
}

// Checks the fields the browser knows how to check and says what is wrong in words.
function invalid(form) {
  for (const field of form.querySelectorAll("input, select, textarea")) {
    if (field.checkValidity()) continue;
    const label = form.querySelector(`label[for="${field.id}"]`)?.textContent.trim()
      ?? field.closest("fieldset")?.querySelector("legend")?.textContent ?? field.name;
    const what = label.replace(/\s*\(optional\)$/, "");
    field.focus();
    if (field.validity.valueMissing) return `${what}: this is needed.`;
    if (field.validity.patternMismatch) return `${what}: check the format.`;
    if (field.validity.rangeUnderflow || field.validity.rangeOverflow) {
      return `${what}: choose between ${field.min || 0} and ${field.max}.`;
    }
    return `${what}: ${field.validationMessage}`;
  }
  return null;
}

function checked(form) {
  const problem = invalid(form);
  if (problem) throw new Error(problem);
  return Object.fromEntries(new FormData(form));
}

// Minor units from what a person types as a price ("12", "12.5", "12,50").
function minorUnits(text) {
  const value = Number(String(text).trim().replace(",", "."));
  if (!Number.isFinite(value) || value < 0 || value > 1e7) throw new Error("Price: enter an amount such as 12.50.");
  return Math.round(value * 100);
}

// --- search autocomplete -------------------------------------------------------------------

function autocomplete() {
  const input = document.querySelector("[data-suggest]");
  const list = document.getElementById("suggestions");
  if (!input || !list) return;
  let timer = null, asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const prefix = input.value.trim();
    if (prefix.length < 2 || prefix === asked) return;
    timer = setTimeout(async () => {
      asked = prefix;
      try {
        const data = await gql("query Suggest($prefix: String!) { suggest(prefix: $prefix, first: 8) }",
                               {prefix: prefix.slice(0, 100)});
        list.replaceChildren(...data.suggest.map((name) => new Option(name)));
      } catch { /* autocomplete is a nicety: searching still works */ }
    }, 150);
  });
}

// --- cart ----------------------------------------------------------------------------------

const CART = "id items { quantity product { id } }";

function cartPage() {
  onSubmit("[data-add-to-cart]", async (form) => {
    const {quantity} = checked(form);
    const data = await gql(`mutation AddToCart($productId: ID!, $quantity: Int!, $cartId: ID) {
      addToCart(productId: $productId, quantity: $quantity, cartId: $cartId) { ${CART} } }`,
    {productId: form.dataset.addToCart, quantity: Number(quantity), cartId: await cartId()});
    showCartCount(data.addToCart);
    toast(`Added to your cart (${quantity}).`);
  });
  const setQuantity = async (productId, quantity) => {
    await gql(`mutation SetCartQuantity($productId: ID!, $quantity: Int!, $cartId: ID) {
      setCartQuantity(productId: $productId, quantity: $quantity, cartId: $cartId) { id } }`,
    {productId, quantity, cartId: await cartId()});
    location.reload();
  };
  for (const input of document.querySelectorAll("[data-cart-quantity]")) {
    input.addEventListener("change", async () => {
      const quantity = Math.max(0, Math.min(99, Math.floor(Number(input.value) || 0)));
      try { await setQuantity(input.dataset.cartQuantity, quantity); } catch (failure) {
        toast(failure instanceof ApiError ? failure.words : String(failure));
      }
    });
  }
  onClick("[data-cart-remove]", (button) => setQuantity(button.dataset.cartRemove, 0));
}

// --- checkout ------------------------------------------------------------------------------

function checkout() {
  const form = document.querySelector("[data-checkout]");
  if (!form) return;
  // One key per checkout page: a retried submit (a lost answer) cannot order twice.
  form.elements.idempotencyKey.value = crypto.randomUUID();
  onSubmit("[data-checkout]", async () => {
    const values = checked(form);
    const shipping = {recipient: values.recipient, line1: values.line1, line2: values.line2 ?? "",
                      city: values.city, postalCode: values.postalCode, country: values.country};
    const data = await gql(`mutation PlaceOrder($input: PlaceOrderInput!) {
      placeOrder(input: $input) { id status } }`, {input: {
      idempotencyKey: values.idempotencyKey, shipping, payment: {cardNumber: values.cardNumber},
    }});
    location.href = `/orders/${encodeURIComponent(data.placeOrder.id)}?placed=1`;
  });
}

// --- live updates --------------------------------------------------------------------------

const STATUS = {PLACED: "Placed", SHIPPED: "Shipped", DELIVERED: "Delivered", CANCELLED: "Cancelled"};

// Runs a subscription through the BFF; each event's data goes to `next`. Reconnects after a
// dropped stream, a little later each time.
async function subscribe(query, variables, next, attempt = 0) {
  try {
    const response = await fetch("/graphql", {
      method: "POST", credentials: "same-origin",
      headers: {"content-type": "application/json", "accept": "text/event-stream",
                "x-shopgraph-csrf": "1"},
      body: JSON.stringify({query, variables}),
    });
    if (!response.ok || !response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      attempt = 0;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("");
        if (block.startsWith("event: next") && data) {
          const payload = JSON.parse(data);
          if (payload.data) next(payload.data);
        }
      }
    }
  } catch (error) {
    console.info("live updates paused:", error.message);
  }
  const delay = Math.min(30_000, 1000 * 2 ** attempt);
  setTimeout(() => subscribe(query, variables, next, attempt + 1), delay);
}

function formatWhen(iso) {
  const date = new Date(iso);
  const day = date.getUTCDate();
  const month = date.toLocaleString("en-GB", {month: "short", timeZone: "UTC"});
  const time = date.toLocaleString("en-GB", {hour: "2-digit", minute: "2-digit", timeZone: "UTC"});
  return `${day} ${month} ${date.getUTCFullYear()}, ${time}`;
}

function orderPage() {
  const section = document.querySelector("[data-follow-order]");
  if (!section) return;
  const orderId = section.dataset.followOrder;
  const status = document.getElementById("order-status");
  const history = document.getElementById("history");
  if (new URLSearchParams(location.search).has("placed")) toast("Thank you: your order is placed.");
  subscribe(`subscription OrderStatus($id: ID!) {
    orderStatusChanged(orderId: $id) { id status history { status at note } } }`, {id: orderId},
  ({orderStatusChanged: order}) => {
    status.textContent = STATUS[order.status] ?? order.status;
    status.className = `status status-${order.status.toLowerCase()}`;
    history.replaceChildren(...order.history.map((change) => {
      const item = document.createElement("li");
      const strong = document.createElement("strong");
      strong.textContent = STATUS[change.status] ?? change.status;
      const when = document.createElement("span");
      when.className = "muted";
      when.textContent = ` ${formatWhen(change.at)}`;
      item.append(strong, when);
      if (change.note) item.append(` · ${change.note}`);
      return item;
    }));
    if (order.status !== "PLACED") document.querySelector("[data-cancel-order]")?.remove();
  });
  // The status on the page changes when the subscription says so, not when Cancel answers.
  onClick("[data-cancel-order]", async (button) => {
    button.disabled = true;
    try {
      await gql("mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { id status } }",
                {id: button.dataset.cancelOrder});
    } catch (failure) {
      button.disabled = false;
      throw failure;
    }
  });
}

function stockLive() {
  const stock = document.querySelector("[data-follow-stock]");
  if (!stock) return;
  subscribe(`subscription StockChanged($id: ID!) {
    stockChanged(productId: $id) { id stock { available inStock } } }`,
  {id: stock.dataset.followStock}, ({stockChanged: product}) => {
    const level = product.stock;
    if (!level) return;
    stock.textContent = !level.inStock ? "Out of stock"
      : level.available < 10 ? `In stock: only ${level.available} left` : "In stock";
    const quantity = document.getElementById("quantity");
    if (quantity) quantity.max = String(Math.min(99, level.available));
    const add = document.getElementById("add-to-cart");
    if (add) add.disabled = !level.inStock;
  });
}

// --- product page: reviews, recently viewed ------------------------------------------------

function productPage() {
  const product = document.querySelector("[data-product-id]");
  if (product && signedIn()) {
    gql("mutation RecordView($id: ID!) { recordProductView(productId: $id) }",
        {id: product.dataset.productId}).catch(() => {});
  }
  onSubmit("[data-review]", async (form) => {
    const values = checked(form);
    await gql(`mutation AddReview($productId: ID!, $rating: Int!, $title: String!, $body: String!) {
      addReview(productId: $productId, rating: $rating, title: $title, body: $body) { id } }`,
    {productId: form.dataset.review, rating: Number(values.rating), title: values.title.trim(),
     body: values.body.trim()});
    location.hash = "reviews";
    location.reload();
  });
}

// --- account -------------------------------------------------------------------------------

function accountPage() {
  onSubmit("[data-preferences]", async (form) => {
    const values = checked(form);
    await gql(`mutation UpdatePreferences($input: PreferencesInput!) {
      updatePreferences(input: $input) { language currency newsletter } }`,
    {input: {language: values.language, currency: values.currency, newsletter: "newsletter" in values}});
    toast("Preferences saved.");
  });
  onSubmit("[data-add-address]", async (form) => {
    const values = checked(form);
    await gql("mutation AddAddress($input: AddressInput!) { addAddress(input: $input) { id } }",
              {input: values});
    location.reload();
  });
  onClick("[data-address-remove]", async (button) => {
    await gql("mutation RemoveAddress($id: ID!) { removeAddress(id: $id) }",
              {id: button.dataset.addressRemove});
    location.reload();
  });
  onClick("[data-address-default]", async (button) => {
    await gql("mutation DefaultAddress($id: ID!) { setDefaultAddress(id: $id) { id } }",
              {id: button.dataset.addressDefault});
    location.reload();
  });
}

// --- vendor console ------------------------------------------------------------------------

function vendorConsole() {
  onSubmit("[data-set-price]", async (form) => {
    const {price} = checked(form);
    await gql(`mutation SetPrice($id: ID!, $price: MoneyInput!) {
      setProductPrice(id: $id, price: $price) { id price { amount currency } } }`,
    {id: form.dataset.setPrice, price: {amount: minorUnits(price), currency: form.dataset.currency}});
    toast("Price saved.");
  });
  onSubmit("[data-set-stock]", async (form) => {
    const {available} = checked(form);
    await gql("mutation SetStock($id: ID!, $available: Int!) { setStock(productId: $id, available: $available) { available } }",
              {id: form.dataset.setStock, available: Number(available)});
    toast("Stock saved.");
  });
  onSubmit("[data-edit-product]", async (form) => {
    const values = checked(form);
    await gql(`mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) {
      updateProduct(id: $id, input: $input) { id name } }`,
    {id: form.dataset.editProduct, input: {name: values.name.trim(), brand: values.brand.trim(),
                                           description: values.description.trim()}});
    location.reload();
  });
  onSubmit("[data-create-product]", async (form) => {
    const values = checked(form);
    const data = await gql(`mutation CreateProduct($input: CreateProductInput!) {
      createProduct(input: $input) { id } }`, {input: {
      sku: values.sku.trim(), name: values.name.trim(), brand: values.brand.trim(),
      description: values.description.trim(), categoryIds: [values.category],
      price: {amount: minorUnits(values.price), currency: "EUR"}, vendorId: form.dataset.createProduct,
    }});
    const available = Number(values.available || 0);
    if (available > 0) {
      await gql("mutation SetStock($id: ID!, $available: Int!) { setStock(productId: $id, available: $available) { available } }",
                {id: data.createProduct.id, available});
    }
    location.href = `/vendor?created=${encodeURIComponent(data.createProduct.id)}`;
  });
  const lines = document.querySelector("[data-vendor-orders]");
  if (!lines) return;
  subscribe(`subscription VendorOrderPlaced { vendorOrderPlaced {
    id status createdAt total { amount currency } items { quantity product { name sku } } } }`, {},
  ({vendorOrderPlaced: order}) => {
    lines.querySelector("tr.none")?.remove();
    const row = document.createElement("tr");
    row.dataset.orderId = order.id;
    row.className = "arrived";
    const cells = [order.id, formatWhen(order.createdAt), STATUS[order.status] ?? order.status,
      order.items.map((i) => `${i.quantity} × ${i.product.name} (${i.product.sku})`).join("; "),
      new Intl.NumberFormat("en-IE", {style: "currency", currency: order.total.currency}).format(order.total.amount / 100)];
    for (const [n, text] of cells.entries()) {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (n === 4) cell.className = "num";
      row.append(cell);
    }
    lines.prepend(row);
    toast(`New order ${order.id}.`);
  });
}

// --- page-wide -----------------------------------------------------------------------------

function signOut() {
  onClick("[data-sign-out]", async () => {
    const response = await fetch("/auth/logout", {method: "POST", headers: {"x-shopgraph-csrf": "1"}});
    location.href = (await response.json()).logoutUrl;
  });
}

function autosubmit() {
  for (const select of document.querySelectorAll("[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
}

for (const start of [autocomplete, cartPage, checkout, orderPage, stockLive, productPage,
  accountPage, vendorConsole, signOut, autosubmit]) {
  start();
}
