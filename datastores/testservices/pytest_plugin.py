"""pytest plugin: starts the test servers the collected tests need, in parallel, once.

Fixtures: ``postgres_url``, ``redis_url``, ``mongo_url``, ``elasticsearch_url``. A server
that cannot start makes every test that needs it fail with the reason; a server that dies
mid-run makes the next test that needs it fail, naming the server and its exit code.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from datastores.testservices.base import ServerHandle, TestServiceError, log_dir
from datastores.testservices.registry import SERVERS, start_server

_KEY = pytest.StashKey["TestServers"]()


class TestServers:
    """The servers of one pytest session."""

    __test__ = False

    def __init__(self) -> None:
        self.handles: dict[str, ServerHandle] = {}
        self.failures: dict[str, str] = {}
        self.setup_seconds = 0.0

    def start(self, names: set[str]) -> None:
        wanted = sorted(names - self.handles.keys() - self.failures.keys())
        if not wanted:
            return
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            futures = {name: pool.submit(start_server, name) for name in wanted}
            for name, future in futures.items():
                try:
                    self.handles[name] = future.result()
                except TestServiceError as error:
                    self.failures[name] = str(error)
                except Exception as error:  # any other failure is still that server's
                    self.failures[name] = f"{name}: {type(error).__name__}: {error}"
        self.setup_seconds += time.monotonic() - began

    def get(self, name: str) -> ServerHandle:
        if name in self.failures:
            raise TestServiceError(
                f"{name} test server could not be started: {self.failures[name]}"
            )
        if name not in self.handles:
            self.start({name})
            return self.get(name)
        handle = self.handles[name]
        handle.ensure_running()
        return handle

    def stop(self) -> None:
        for handle in self.handles.values():
            handle.stop()

    def summary(self) -> list[str]:
        lines = [f"test servers: set up in {self.setup_seconds:.1f}s"]
        for name, handle in sorted(self.handles.items()):
            if handle.external:
                lines.append(f"  {name:<14} {handle.url} (external, from the environment)")
            else:
                assert handle.process is not None
                lines.append(
                    f"  {name:<14} {handle.url} pid {handle.process.pid}, "
                    f"started in {handle.started_in:.1f}s, log {handle.log_path}"
                )
        for name, reason in sorted(self.failures.items()):
            first_line = reason.splitlines()[0] if reason else ""
            lines.append(f"  {name:<14} FAILED TO START: {first_line}")
        return lines


def _servers(config: pytest.Config) -> TestServers:
    return config.stash[_KEY]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_KEY] = TestServers()
    for old in log_dir().glob("*.log"):  # keep only this session's logs
        old.unlink()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.option.collectonly:
        return
    needed = {
        name
        for item in items
        for name in SERVERS
        if f"{name}_url" in getattr(item, "fixturenames", ())
    }
    _servers(config).start(needed)


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    servers = _servers(config)
    if not servers.handles and not servers.failures:
        return []
    return servers.summary()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    servers = _servers(terminalreporter.config)
    if servers.handles or servers.failures:
        terminalreporter.section("test servers")
        for line in servers.summary():
            terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _KEY in config.stash:
        _servers(config).stop()


def _url_fixture(name: str) -> object:
    # Session-scoped: a server lives for the session, so fixtures of any scope may use it.
    @pytest.fixture(scope="session")
    def fixture(request: pytest.FixtureRequest) -> str:
        return _servers(request.config).get(name).url

    fixture.__name__ = f"{name}_url"
    return fixture


postgres_url = _url_fixture("postgres")
redis_url = _url_fixture("redis")
mongo_url = _url_fixture("mongo")
elasticsearch_url = _url_fixture("elasticsearch")
