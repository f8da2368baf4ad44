"""A local OpenID Connect provider shaped like Azure AD B2C, for development and tests.

It serves one tenant's user flow (``B2C_1_signupsignin`` by default) with B2C's paths, issuer
and claims, so the subgraphs and the BFFs verify its tokens exactly as they verify B2C's.
"""
