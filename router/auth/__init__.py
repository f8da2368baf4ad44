"""Who is asking: bearer tokens (JWT) verified against the identity provider's keys."""
