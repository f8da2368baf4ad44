"""The browser-facing BFF: OIDC sign-in, server-side sessions, GraphQL forwarding."""
