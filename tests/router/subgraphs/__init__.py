"""Small strawberry subgraphs the router's execution tests run as real processes.

``python -m tests.router.subgraphs NAME PORT`` serves one of them. Each records the GraphQL
requests it receives: ``GET /requests`` lists them, ``DELETE /requests`` forgets them.
``POST /garbage`` answers like a broken proxy would: HTML with a 502.
"""
