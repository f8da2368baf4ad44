// The page the provider redirects to after signing in: finish, then back to GraphiQL.
"use strict";

(function () {
  const config = PlaygroundSignIn.readConfig();
  const status = document.getElementById("sign-in-status");
  PlaygroundSignIn.finish(config.signIn).then(
    () => location.replace(config.endpoint),
    (error) => {
      status.textContent = `Sign-in failed: ${error.message}.`;
      status.classList.add("playground-error");
    },
  );
})();
