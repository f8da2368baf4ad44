// GraphiQL with the router's example operations and, when configured, "Sign in": every
// request then carries the signed-in user's access token as a bearer token.
"use strict";

(function () {
  const config = PlaygroundSignIn.readConfig();
  const signIn = config.signIn || null;
  const container = document.getElementById("graphiql");
  let updateBar = () => {};

  function withBearer(init) {
    if (!signIn) return init;
    const token = PlaygroundSignIn.current();
    updateBar();
    const headers = new Headers((init && init.headers) || {});
    if (token && !headers.has("authorization")) {
      headers.set("authorization", `Bearer ${token.accessToken}`);
    }
    return { ...init, headers };
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  function signInBar() {
    const bar = element("div", { class: "playground-bar", id: "playground-sign-in" });
    const who = element("span", { class: "playground-who", id: "playground-who" });
    const hint = element("span", { class: "playground-hint" }, signIn.hint || "");
    const problem = element("span", { class: "playground-error", role: "alert" });
    const button = element("button", { type: "button", class: "playground-button" });
    bar.append(who, hint, problem, button);
    updateBar = () => {
      const token = PlaygroundSignIn.current();
      const name = token && [token.name, token.email && `(${token.email})`].filter(Boolean);
      who.textContent = token ? `Signed in as ${name.join(" ") || "a user"}` : "Signed out";
      hint.hidden = Boolean(token) || !signIn.hint;
      button.textContent = token ? "Sign out" : "Sign in";
    };
    button.addEventListener("click", () => {
      problem.textContent = "";
      if (PlaygroundSignIn.current()) {
        PlaygroundSignIn.signOut();
        updateBar();
        return;
      }
      PlaygroundSignIn.start(signIn).catch((error) => {
        problem.textContent = `Cannot sign in: ${error.message}.`;
      });
    });
    updateBar();
    return bar;
  }

  if (signIn) document.body.insertBefore(signInBar(), container);
  const fetcher = GraphiQL.createFetcher({
    url: config.endpoint,
    fetch: (input, init) => window.fetch(input, withBearer(init)),
  });
  const defaultTabs = config.tabs.map((query) => ({ query }));
  ReactDOM.createRoot(container).render(React.createElement(GraphiQL, { fetcher, defaultTabs }));
})();
