"""The usage log keeps each suggestion's reply language and why it was chosen (null on
a one-language base), and a log written before it did is migrated and keeps working:
on real SQLite and on the real PostgreSQL server the tests start."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import KnowledgeBase
from replykb.cli import cli
from replykb.errors import UsageLogError
from replykb.learn import open_log
from replykb.learn.events import LoggedSuggestion
from replykb.learn.postgres_store import MIGRATIONS as PG_MIGRATIONS
from replykb.learn.postgres_store import SCHEMA_VERSION as PG_SCHEMA_VERSION
from replykb.learn.postgres_store import redacted
from replykb.learn.sqlite_store import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import EXAMPLE_BASE

_OLD_ROW = (
    "(at, fingerprint, channel, status, answer_id, score, candidates, latency_ms, message) "
    "VALUES ({at}, 'f', 'x', 'ambiguous', 'return-window', 0.5, {candidates}, 3.0, "
    "'voglio fare il reso')"
)


def _new(at: datetime) -> LoggedSuggestion:
    return LoggedSuggestion(
        at=at,
        fingerprint="f",
        channel="sms",
        status="confident",
        answer_id="order-tracking",
        score=0.9,
        candidates=[("order-tracking", 0.9)],
        latency_ms=2.0,
        message="dov'è il mio ordine?",
        language="it",
        language_reason="detected",
    )


def _old_sqlite_log(path: Path) -> None:
    """A log as the replykb before languages wrote it (schema 2), with one event."""
    old = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:  # the schema of the replykb before languages
        old.executescript(script)
    old.execute("PRAGMA user_version = 2")
    old.execute(
        "INSERT INTO suggestions "
        + _OLD_ROW.format(at="?", candidates="'[[\"return-window\", 0.5]]'"),
        (datetime(2026, 11, 1, tzinfo=UTC).isoformat(),),
    )
    old.commit()
    old.close()


def _old_postgres_log(url: str) -> None:
    """The same in a PostgreSQL database (schema 2)."""
    import psycopg

    with psycopg.connect(url) as old:
        old.execute("CREATE TABLE replykb_log_schema (version INTEGER NOT NULL)")
        old.execute("INSERT INTO replykb_log_schema VALUES (2)")
        for script in PG_MIGRATIONS[:2]:
            for statement in script.split(";"):
                if statement.strip():
                    old.execute(statement.encode())
        old.execute(
            "INSERT INTO replykb_suggestions "
            + _OLD_ROW.format(
                at="now() - interval '1 day'", candidates="'[[\"return-window\", 0.5]]'"
            )
        )


def test_a_sqlite_log_without_languages_is_migrated_and_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    _old_sqlite_log(path)
    with open_log(path) as log:
        log.record([_new(datetime.now(UTC))])
        rows = [(r.message, r.status, r.language, r.language_reason) for r in log.suggestions()]
    assert rows == [
        ("voglio fare il reso", "ambiguous", None, None),
        ("dov'è il mio ordine?", "confident", "it", "detected"),
    ]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        stored = connection.execute("SELECT language, language_reason FROM suggestions").fetchall()
    assert stored == [(None, None), ("it", "detected")]
    # A reader (replykb usage) reads the migrated file too.
    with open_log(path, create=False) as reader:
        assert [r.language for r in reader.suggestions()] == [None, "it"]


def test_a_postgres_log_without_languages_is_migrated_and_keeps_its_events(postgres_server) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    url = postgres_server.new_database()
    _old_postgres_log(url)
    with open_log(url) as log:
        log.record([_new(datetime.now(UTC))])
        rows = [(r.message, r.language, r.language_reason) for r in log.suggestions()]
    assert rows == [
        ("voglio fare il reso", None, None),
        ("dov'è il mio ordine?", "it", "detected"),
    ]
    with psycopg.connect(url) as connection:
        version = connection.execute("SELECT version FROM replykb_log_schema").fetchone()
    assert version == (PG_SCHEMA_VERSION,) == (3,)


@pytest.fixture(params=["sqlite", "postgres"])
def log_url(request, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return str(tmp_path / "usage.db")
    return str(request.getfixturevalue("postgres_server").new_database())


@pytest.mark.parametrize(
    ("message", "language", "expected"),
    [
        ("dov'è il mio ordine? non è ancora arrivato", None, ("it", "detected")),
        ("where is my order? it has not arrived yet", None, ("en", "detected")),
        ("where is my order?", "it", ("it", "requested")),
    ],
    ids=["it-detected", "en-detected", "it-requested"],
)
def test_a_suggestion_on_a_bilingual_base_is_logged_with_its_language(
    example_kb, log_url: str, message: str, language: str | None, expected: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    with open_log(log_url) as log:
        kb = KnowledgeBase(example_kb.base, example_kb.embedder, example_kb.index, observers=[log])
        suggestion = kb.suggest(message, channel="x", language=language)
        assert suggestion.language is not None
        assert (suggestion.language.language, suggestion.language.reason) == expected
        (row,) = log.suggestions()
    assert (row.language, row.language_reason) == expected


def test_a_one_language_base_logs_no_language(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with open_log(tmp_path / "usage.db") as log:
        kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
        kb.suggest("my refund hasn't arrived yet", channel="x")
        (row,) = log.suggestions()
    assert (row.language, row.language_reason) == (None, None)


# --- a reader (replykb usage) of a log the previous version wrote, which it never migrates ---


@pytest.fixture(params=["sqlite", "postgres"])
def old_log(request, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        path = tmp_path / "usage.db"
        _old_sqlite_log(path)
        return str(path)
    url = str(request.getfixturevalue("postgres_server").new_database())
    _old_postgres_log(url)
    return url


def _schema_version(url: str) -> int:
    if "://" not in url:
        with sqlite3.connect(url) as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT version FROM replykb_log_schema").fetchone()
    return int(row[0])


def test_replykb_usage_reads_a_log_of_the_previous_version_without_a_writer(old_log: str) -> None:
    result = CliRunner().invoke(
        cli, ["usage", "--kb", str(EXAMPLE_BASE), "--log", old_log, "--json"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["totals"]["total"], report["totals"]["ambiguous"]) == (1, 1)
    assert [(a["answer_id"], a["suggested"]) for a in report["answers"]] == [("return-window", 1)]
    # No event has a language: no per-language rows, as for a one-language log.
    assert report["languages"] == []
    text = CliRunner().invoke(cli, ["usage", "--kb", str(EXAMPLE_BASE), "--log", old_log])
    assert text.exit_code == 0, text.stderr
    assert "Messages: 1  confident 0  ambiguous 1 (100.0%)" in text.stdout
    assert re.search(r"^return-window +1 +0 +1 ", text.stdout, re.M)
    # The reader changed nothing: a writer migrates it later, as before.
    assert _schema_version(old_log) == 2
    with open_log(old_log, create=False) as reader:
        rows = [(r.message, r.language, r.language_reason) for r in reader.suggestions()]
    assert rows == [("voglio fare il reso", None, None)]


def test_a_reader_still_refuses_a_log_of_a_newer_replykb(old_log: str) -> None:
    if "://" not in old_log:
        with sqlite3.connect(old_log) as connection:
            connection.execute("PRAGMA user_version = 99")
    else:
        import psycopg

        with psycopg.connect(old_log) as connection:
            connection.execute("UPDATE replykb_log_schema SET version = 99")
    shown = old_log if "://" not in old_log else redacted(old_log)
    words = f"usage log {shown} was written by a newer replykb (schema 99, this one knows up to "
    with pytest.raises(UsageLogError, match=re.escape(words)):
        open_log(old_log, create=False)
    result = CliRunner().invoke(cli, ["usage", "--kb", str(EXAMPLE_BASE), "--log", old_log])
    assert result.exit_code != 0
    assert words in result.stderr and "upgrade replykb" in result.stderr
    assert "Traceback" not in result.stderr
