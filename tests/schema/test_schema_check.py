"""``shopgraph compose`` and ``shopgraph schema check``: composing our subgraphs, reporting
composition errors, and catching a breaking change of the API schema."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner

from datastores.testservices.base import free_port
from schema.check import api_changes
from schema.composition import SubgraphInput, compose
from schema.workspace import CONFIG, SDL_DIR, SUPERGRAPH, from_files, read_config
from shopgraph.cli import main
from shopgraph.schema_commands import check_schema
from subgraphs.users.app import create_app as create_users_app


def our_subgraphs(**replace: tuple[str, str]) -> list[SubgraphInput]:
    """Our four subgraphs from their files; ``replace`` edits one's SDL (old text, new text)."""
    inputs = []
    for given in from_files(read_config()):
        if given.name in replace:
            old, new = replace[given.name]
            assert old in given.sdl
            given = SubgraphInput(given.name, given.url, given.sdl.replace(old, new))
        inputs.append(given)
    return inputs


def test_compose_writes_what_is_checked_in(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    result = CliRunner().invoke(main, ["compose", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == SUPERGRAPH.read_text()


def test_a_removed_field_is_a_breaking_change() -> None:
    removed = compose(our_subgraphs(products=("  brand: String!\n", "")))
    assert removed.ok, removed.errors
    assert removed.supergraph_sdl is not None
    changes = api_changes(SUPERGRAPH.read_text(), removed.supergraph_sdl)
    assert changes.breaking == ["FIELD_REMOVED: Product.brand was removed."]


def test_an_added_enum_value_is_dangerous_not_breaking() -> None:
    added = compose(our_subgraphs(search=("  RATING\n", "  RATING\n  BESTSELLING\n")))
    assert added.supergraph_sdl is not None
    changes = api_changes(SUPERGRAPH.read_text(), added.supergraph_sdl)
    assert changes.breaking == []
    assert changes.dangerous == [
        "VALUE_ADDED_TO_ENUM: BESTSELLING was added to enum type SearchSort."
    ]


def test_the_check_catches_a_breaking_change_against_the_previous_supergraph(
    tmp_path: Path,
) -> None:
    """A supergraph with an extra field stands for the previous one: ours drops that field."""
    previous = tmp_path / "previous.graphql"
    user = 'type User @cacheControl(scope: PRIVATE) @key(fields: "id") {\n  id: ID!\n'
    extended = compose(our_subgraphs(users=(user, user + "  nickname: String\n")))
    assert extended.supergraph_sdl is not None
    previous.write_text(extended.supergraph_sdl)
    changes = api_changes(previous.read_text(), SUPERGRAPH.read_text())
    assert changes.breaking == ["FIELD_REMOVED: User.nickname was removed."]


def test_the_check_passes_on_the_repository_and_flags_a_stale_supergraph(tmp_path: Path) -> None:
    report = check_schema(against="HEAD")
    assert report.failures == []
    # The check names files relative to the repository: the stale copy must be inside it.
    stale = SUPERGRAPH.parent / f".stale-{tmp_path.name}.graphql"
    stale.write_text(SUPERGRAPH.read_text().replace("  sku: String!", "  sku: String"))
    try:
        failures = check_schema(against="HEAD", supergraph_path=stale).failures
    finally:
        stale.unlink()
    assert any("is not what the subgraphs compose to" in f for f in failures)


def test_composition_errors_are_reported_with_codes_and_places(tmp_path: Path) -> None:
    sdl = tmp_path / "sdl"
    sdl.mkdir()
    for name in read_config():
        text = (SDL_DIR / f"{name}.graphql").read_text()
        if name == "search":  # a second, non-shareable `categories` root field
            text = text.replace("type Query {", "type Query {\n  categories: [Category!]!", 1)
        (sdl / f"{name}.graphql").write_text(text)
    config = tmp_path / "subgraphs.yaml"
    config.write_text(CONFIG.read_text())
    result = compose(from_files(read_config(config), sdl))
    assert not result.ok
    [error] = result.errors
    assert error.code == "INVALID_FIELD_SHARING"
    assert 'Non-shareable field "Query.categories"' in error.message
    assert {location.subgraph for location in error.locations} == {"products", "search"}
    assert all(location.line for location in error.locations)


def test_compose_fails_with_a_clear_message_for_a_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "subgraphs.yaml"
    config.write_text("subgraphs:\n  products: {url: ftp://nowhere}\n")
    result = CliRunner().invoke(main, ["compose", "--config", str(config)])
    assert result.exit_code == 1
    assert "subgraph 'products' needs an http(s) 'url'" in result.output


def test_compose_from_running_subgraphs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--from-running` reads `_service { sdl }` over HTTP: here the users subgraph, served by
    uvicorn on embedded stores."""
    monkeypatch.setenv("SHOPGRAPH_DATA_DIR", str(tmp_path))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_users_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    config = tmp_path / "subgraphs.yaml"
    config.write_text(f"subgraphs:\n  users: {{url: http://127.0.0.1:{port}/graphql}}\n")
    out = tmp_path / "supergraph.graphql"
    command = ["compose", "--from-running", "--config", str(config), "--out", str(out)]
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "the users subgraph did not start"
            time.sleep(0.05)
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, result.output
        assert 'USERS @join__graph(name: "users"' in out.read_text()
        assert "type User" in out.read_text()
    finally:
        server.should_exit = True
        thread.join(10)
    unreachable = CliRunner().invoke(main, command)
    assert unreachable.exit_code == 1
    assert "no SDL from _service" in unreachable.output
