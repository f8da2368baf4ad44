"""Which incremental format an ``Accept`` header asks for."""

import pytest

from router.http.multipart import incremental_spec


@pytest.mark.parametrize(
    ("accept", "spec"),
    [
        ("multipart/mixed;deferSpec=20220824", "20220824"),
        ("multipart/mixed; deferSpec=20220824, application/json", "20220824"),  # Apollo Client 3
        ('multipart/mixed;deferSpec="20220824";q=0.5', "20220824"),
        ("multipart/mixed;incrementalSpec=v0.2", "v0.2"),  # Apollo Client 4, graphql-js 17
        ("application/json, multipart/mixed;incrementalSpec=v0.2", "v0.2"),
        ("application/json, multipart/mixed", "20220824"),  # GraphiQL's fetcher
        ("multipart/mixed;incrementalSpec=v0.2, multipart/mixed;deferSpec=20220824", "v0.2"),
        ("multipart/mixed;deferSpec=20990101", None),  # a spec the router does not write
        ("multipart/mixed;deferSpec=20220824;q=0", None),
        ("application/json", None),
        ("*/*", None),
        ("", None),
        (None, None),
    ],
)
def test_the_format_a_client_asks_for(accept: str | None, spec: str | None) -> None:
    assert incremental_spec(accept) == spec
