// GraphiQL's "Sign in": OAuth 2.0 authorization code with PKCE (S256), run by the browser as
// a public client (no secret). The access token lives in this tab's sessionStorage only.
"use strict";

(function () {
  const TOKEN_KEY = "graphiql.signIn.token";
  const PENDING_KEY = "graphiql.signIn.pending";

  function readConfig() {
    return JSON.parse(document.getElementById("playground-config").textContent);
  }

  function readStored(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "null");
    } catch {
      sessionStorage.removeItem(key);
      return null;
    }
  }

  function base64url(bytes) {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomValue(length) {
    return base64url(crypto.getRandomValues(new Uint8Array(length)));
  }

  async function challengeFor(verifier) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    return base64url(new Uint8Array(digest));
  }

  function redirectUri(signIn) {
    return location.origin + signIn.redirectPath;
  }

  // Claims of an ID token received straight from the token endpoint, for display only.
  function claimsOf(jwt) {
    try {
      const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return {};
    }
  }

  async function start(signIn) {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
      throw new Error("signing in needs https, or http on 127.0.0.1 or localhost");
    }
    const pending = { state: randomValue(32), verifier: randomValue(32), nonce: randomValue(16) };
    const url = new URL(signIn.authorizeUrl);
    const params = {
      response_type: "code",
      client_id: signIn.clientId,
      redirect_uri: redirectUri(signIn),
      scope: signIn.scopes.join(" "),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await challengeFor(pending.verifier),
      code_challenge_method: "S256",
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    location.assign(url.toString());
  }

  async function exchange(signIn, code, verifier) {
    const response = await fetch(signIn.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri(signIn),
        client_id: signIn.clientId,
        code_verifier: verifier,
      }),
      credentials: "omit",
      cache: "no-store",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.access_token !== "string") {
      const reason = [body.error || `HTTP ${response.status}`, body.error_description || ""];
      throw new Error(`the token endpoint refused the code: ${reason.join(" ").trim()}`);
    }
    return body;
  }

  // On the redirect page: check state, exchange the code, keep the access token.
  async function finish(signIn) {
    const query = new URLSearchParams(location.search);
    history.replaceState(null, "", signIn.redirectPath); // the code stays out of history
    const pending = readStored(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY); // one use, whatever happens next
    if (query.get("error")) {
      const description = query.get("error_description") || "";
      throw new Error(`the provider answered ${query.get("error")} ${description}`.trim());
    }
    if (!pending || !query.get("state") || query.get("state") !== pending.state) {
      throw new Error("the state does not match a sign-in started from GraphiQL in this tab");
    }
    if (!query.get("code")) throw new Error("the provider sent no authorization code");
    const body = await exchange(signIn, query.get("code"), pending.verifier);
    const claims = body.id_token ? claimsOf(body.id_token) : {};
    if (body.id_token && claims.nonce !== pending.nonce) {
      throw new Error("the ID token's nonce does not match this sign-in");
    }
    const lifetime = Number(body.expires_in) > 0 ? Number(body.expires_in) : 3600;
    const token = {
      accessToken: body.access_token,
      expiresAt: Date.now() + lifetime * 1000,
      name: claims.name || null,
      email: (Array.isArray(claims.emails) && claims.emails[0]) || claims.email || null,
    };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(token));
  }

  // The signed-in token, or null; an expired one is forgotten.
  function current() {
    const token = readStored(TOKEN_KEY);
    if (token && typeof token.accessToken === "string" && token.expiresAt > Date.now()) {
      return token;
    }
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  }

  window.PlaygroundSignIn = { readConfig, start, finish, current, signOut };
})();
