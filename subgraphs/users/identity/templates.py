"""The provider's HTML pages: sign-in, error and signed-out. Every value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from subgraphs.users.identity.accounts import DEMO_PASSWORD, Account

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
)

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f3f2f1; margin: 0; }
main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem 2.5rem;
       box-shadow: 0 2px 6px rgba(0, 0, 0, .2); }
h1 { font-size: 1.5rem; margin-top: 0; }
label { display: block; margin: 1rem 0 .25rem; }
input[type=email], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; }
button { margin-top: 1.5rem; width: 100%; padding: .6rem; background: #0067b8; color: #fff;
         border: 0; font-size: 1rem; }
.error { color: #a80000; background: #fde7e9; padding: .5rem .75rem; }
.muted { color: #605e5c; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
td, th { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #edebe9; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def sign_in_page(
    *,
    action: str,
    sign_in_request: str,
    client_name: str,
    email: str = "",
    error: str | None = None,
    demo_accounts: Sequence[Account] = (),
) -> str:
    """The username/password form; ``demo_accounts`` are listed below it when given."""
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    form = (
        f'<h1>Sign in</h1><p class="muted">to continue to {escape(client_name)}</p>'
        f"{error_html}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="sign_in_request" value="{escape(sign_in_request)}">'
        '<label for="email">Email address</label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required '
        f'autofocus value="{escape(email)}">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )
    return _page("Sign in - shopgraph", form + _demo_accounts(demo_accounts))


def _demo_accounts(accounts: Sequence[Account]) -> str:
    if not accounts:
        return ""
    rows = "".join(
        f"<tr><td>{escape(a.email)}</td><td>{escape(', '.join(a.roles))}"
        f"{escape(' ' + a.vendor_id) if a.vendor_id else ''}</td></tr>"
        for a in accounts
    )
    return (
        '<h2 class="muted">Demo accounts (local provider)</h2>'
        f'<p class="muted">Password for every account: <code>{escape(DEMO_PASSWORD)}</code></p>'
        f"<table><tr><th>email</th><th>roles</th></tr>{rows}</table>"
    )


def error_page(error: str, description: str) -> str:
    body = (
        "<h1>Sorry, we can't sign you in</h1>"
        f'<p class="error" role="alert"><strong>{escape(error)}</strong>: {escape(description)}</p>'
        '<p class="muted">Go back to the app and start again.</p>'
    )
    return _page("Error - shopgraph", body)


def signed_out_page() -> str:
    return _page("Signed out - shopgraph", "<h1>You have signed out</h1>")
