"""Two web BFF instances behind one address share their sessions through Redis: a sign-in
started on one finishes on the other, and the session works on both."""

from __future__ import annotations

from pathlib import Path

import httpx

from bff_web.settings import POLICY_PATH
from tests.e2e.test_web_bff import through_the_provider
from tests.support.processes import emptied_redis, running
from tests.support.stack import Stack

REDIS_DB = 12


def test_a_sign_in_on_one_instance_works_on_the_other(
    stack: Stack, redis_url: str, tmp_path: Path
) -> None:
    shared = emptied_redis(redis_url, REDIS_DB)
    env = {  # what a load balancer's address and a shared Redis give every instance
        "SHOPGRAPH_BFF_WEB_PUBLIC_URL": stack.url("bff_web"),
        "SHOPGRAPH_BFF_WEB_ROUTER_URL": f"{stack.url('router')}/graphql",
        "SHOPGRAPH_BFF_WEB_DISCOVERY_URL":
            f"{stack.url('identity')}{POLICY_PATH}/v2.0/.well-known/openid-configuration",
        "SHOPGRAPH_BFF_WEB_COOKIE_SECURE": "false",
        "SHOPGRAPH_REDIS_URL": shared,
    }  # fmt: skip
    with (
        running(["bff", "web"], env, tmp_path / "web-a.log") as first,
        running(["bff", "web"], env, tmp_path / "web-b.log") as second,
        httpx.Client(timeout=10) as browser,  # one cookie jar: the same browser
    ):
        started = browser.get(first.url + "/auth/login")
        assert started.status_code == 302
        callback = through_the_provider(started.headers["location"], "alice@example.com")
        finished = browser.get(f"{second.url}/auth/callback?{callback}")
        assert finished.status_code == 302, finished.text

        for instance in (first, second):
            me = browser.get(instance.url + "/auth/me").json()
            assert me["signedIn"], instance.url
            assert me["user"]["name"] == "Alice Moreau"
            answer = browser.post(instance.url + "/graphql", headers={"x-shopgraph-csrf": "1"},
                                  json={"query": "{ me { name } }"}).json()  # fmt: skip
            assert answer == {"data": {"me": {"name": "Alice Moreau"}}}
        signed_out = browser.post(second.url + "/auth/logout", headers={"x-shopgraph-csrf": "1"})
        assert signed_out.status_code == 200
        assert browser.get(first.url + "/auth/me").json() == {"signedIn": False}
