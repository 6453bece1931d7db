"""`replykb serve -q` as a container runs it: the usage log named by $REPLYKB_LOG, and a
server log that holds only warnings and errors (no start-up lines, no access log)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.cli import cli

from .serve_helpers import ServerProcess, copy_example_base


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example_base(tmp_path_factory.mktemp("quiet"))


@pytest.fixture(scope="module")
def server(
    base: Path, example_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("quiet-log")
    env = {"REPLYKB_LOG": str(folder / "usage.db")}
    process = ServerProcess(base, example_cache, folder / "serve.log", "-q", token=None, env=env)
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def test_quiet_leaves_only_warnings_and_errors_and_logs_to_replykb_log(
    server: ServerProcess, base: Path
) -> None:
    from replykb.learn import open_log

    message = {"message": "where is my refund??", "channel": "x"}
    assert server.json("POST", "/v1/suggest", message)["match"]["answer_id"] == "refund-timing"
    assert server.log() == "", "a line before any warning"

    # A broken edit: the failed reload is an error, and -q still says it.
    (base / "returns" / "refund-timing.yaml").write_text("anwser: hi\n", encoding="utf-8")
    server.request("POST", "/v1/reload")
    deadline = time.monotonic() + 60
    while "reload failed" not in server.log():
        assert time.monotonic() < deadline, f"no reload error in the log:\n{server.log()}"
        time.sleep(0.2)

    assert server.stop() == 0
    log = server.log()
    assert "reload failed; still serving the base" in log and "refund-timing.yaml" in log
    for chatter in (f"serving {base}", "Uvicorn running", "Started server", "POST /v1/"):
        assert chatter not in log, log
    # $REPLYKB_LOG named the usage log: the suggestion is in it.
    with open_log(Path(server.log_path.parent / "usage.db"), create=False) as usage:
        logged = [(s.channel, s.answer_id) for s in usage.suggestions()]
    assert logged == [("x", "refund-timing")]


def test_help_names_the_log_variable_and_quiet() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "REPLYKB_LOG" in result.output and "-q, --quiet" in result.output
