"""`replykb suggest --log`: the command line records suggestions on request only, one
event per message (a batch: one per row triaged)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from replykb.cli import cli
from replykb.learn import open_log

from .conftest import SHOP_BASE


@pytest.fixture(scope="module")
def shop_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop base in a folder of its own: the command line builds its cache there."""
    root = tmp_path_factory.mktemp("log-cli") / "shop"
    shutil.copytree(SHOP_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


@pytest.mark.parametrize("form", ["path", "sqlite-url"])
def test_suggest_log_records_the_suggestion(shop_copy: Path, tmp_path: Path, form: str) -> None:
    path = tmp_path / "usage.db"
    target = str(path) if form == "path" else f"sqlite:///{path}"
    result = invoke(
        "suggest",
        "my refund hasn't arrived, I'm on 347 123 4567",
        "--kb",
        shop_copy,
        "-c",
        "x",
        "--agent",
        "paola",
        "--conversation",
        "c-1",
        "--log",
        target,
        "-q",
    )
    assert result.exit_code == 0, result.output
    with open_log(path, create=False) as log:
        (row,) = log.suggestions()
    assert (row.channel, row.status, row.answer_id) == ("x", "confident", "refund-timing")
    assert (row.agent, row.conversation_id) == ("paola", "c-1")
    assert row.message == "my refund hasn't arrived, I'm on <phone>"


def test_suggest_without_log_records_nothing(shop_copy: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = invoke("suggest", "where is my refund", "--kb", shop_copy, "-c", "x", "-q")
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []


def test_batch_log_records_one_event_per_row(shop_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "backlog.jsonl"
    source.write_text(
        '{"id": 1, "message": "my refund hasn\'t arrived yet", "conversation_id": "a"}\n'
        '{"id": 2, "message": ""}\n'
        '{"id": 3, "message": "I forgot my password", "channel": "email"}\n'
        '{"id": 4, "message": "who won the football last night", "channel": "sms"}\n',
        encoding="utf-8",
    )
    path = tmp_path / "usage.db"
    result = invoke(
        "suggest",
        "--input",
        source,
        "--output",
        tmp_path / "out.jsonl",
        "--kb",
        shop_copy,
        "-c",
        "x",
        "--log",
        path,
    )
    assert result.exit_code == 0, result.output
    with open_log(path, create=False) as log:
        rows = list(log.suggestions())
    # The empty message is an error row: nothing was suggested, so nothing is logged.
    assert [(r.channel, r.status, r.answer_id) for r in rows] == [
        ("x", "confident", "refund-timing"),
        ("email", "confident", "reset-password"),
        ("sms", "no_match", None),
    ]
    assert rows[0].conversation_id == "a"


def test_log_alone_uses_the_bases_setting(shop_copy: Path, tmp_path: Path) -> None:
    base = tmp_path / "with-log"
    shutil.copytree(shop_copy, base)
    settings = base / "replykb.yaml"
    settings.write_text(settings.read_text() + "log:\n  url: usage.db\n  keep_text: false\n")
    result = invoke("suggest", "I forgot my password", "--kb", base, "-c", "email", "--log", "-q")
    assert result.exit_code == 0, result.output
    with open_log(base / "usage.db", create=False) as log:
        (row,) = log.suggestions()
    assert row.answer_id == "reset-password" and row.message is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["where is my refund", "-c", "x", "--log"], "has no `log:` in replykb.yaml; give the log"),
        (["--log", "where is my refund", "-c", "x"], "--log took 'where is my refund' as the log"),
        (["refund", "-c", "x", "--log", "mysql://db/x"], "unknown kind of log"),
    ],
    ids=["base-without-log", "message-after-log", "unknown-scheme"],
)
def test_log_usage_errors(shop_copy: Path, args: list[str], words: str) -> None:
    result = invoke("suggest", *args, "--kb", shop_copy)
    assert result.exit_code == 2 and words in result.output, result.output
    assert "Traceback" not in result.output


def test_a_corrupt_log_file_is_one_clear_line(shop_copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    path.write_bytes(b"not a database at all\n" * 100)
    result = invoke("suggest", "refund", "--kb", shop_copy, "-c", "x", "--log", path)
    assert result.exit_code == 2, result.output
    assert f"usage log {path} is not a SQLite file replykb can read" in result.output
    assert "move it aside" in result.output
