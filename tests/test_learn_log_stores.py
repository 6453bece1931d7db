"""The usage log's stores: several processes writing at once lose nothing (SQLite and a
real PostgreSQL), older schemas are migrated, a bad file is a clear error, retention
is enforced, and a team that keeps no text stores none."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from replykb.errors import UsageLogError
from replykb.learn import open_log
from replykb.learn.events import LoggedFeedback, LoggedSuggestion
from replykb.learn.log import UsageLog, open_store
from replykb.learn.postgres_store import MIGRATIONS as PG_MIGRATIONS
from replykb.learn.sqlite_store import MIGRATIONS, SCHEMA_VERSION
from replykb.models import LogSettings

from .unprivileged import NOBODY, shared_tmp  # noqa: F401  (a fixture)

PROCESSES, EACH = 4, 500


def suggestion(
    at: datetime, message: str | None = "where is my refund", **fields
) -> LoggedSuggestion:  # type: ignore[no-untyped-def]
    values = {
        "at": at,
        "fingerprint": "f" * 64,
        "channel": "x",
        "status": "confident",
        "answer_id": "refund-timing",
        "score": 0.61,
        "candidates": [("refund-timing", 0.61), ("reset-password", 0.2)],
        "latency_ms": 4.2,
        "message": message,
        **fields,
    }
    return LoggedSuggestion.model_validate(values)


def feedback(at: datetime, **fields) -> LoggedFeedback:  # type: ignore[no-untyped-def]
    return LoggedFeedback.model_validate({"at": at, "outcome": "sent", "channel": "x", **fields})


@pytest.fixture(params=["sqlite", "postgres"])
def log_url(request, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return str(tmp_path / "usage.db")
    return str(request.getfixturevalue("postgres_server").new_database())


# --- several processes at once --------------------------------------------------------------


def _write_many(url: str, worker: int) -> None:
    """One process: its own log, EACH events, one at a time as a server records them."""
    now = datetime.now(UTC)
    with open_log(url) as log:
        for number in range(EACH):
            log.record([suggestion(now, message=f"w{worker} n{number}")])
            if number % 50 == 0:
                log.record([feedback(now, conversation_id=f"w{worker}-{number}")])


def test_several_processes_writing_at_once_lose_nothing(log_url: str) -> None:
    # No log yet: the processes also race to create it (and its schema) at once.
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(log_url, n)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    with open_log(log_url, create=False) as log:
        messages = [row.message for row in log.suggestions()]
        outcomes = list(log.feedback())
    expected = {f"w{w} n{n}" for w in range(PROCESSES) for n in range(EACH)}
    assert len(messages) == PROCESSES * EACH and set(messages) == expected
    assert len(outcomes) == PROCESSES * (EACH // 50)


def test_processes_forked_from_a_log_write_through_their_own(tmp_path: Path) -> None:
    # A server started with --preload opens the log, then forks its workers.
    log = open_log(tmp_path / "usage.db")
    log.record([suggestion(datetime.now(UTC), message="parent")])
    log.flush()
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_forked_child, args=(log, n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    messages = sorted(row.message or "" for row in log.suggestions())
    log.close()
    assert messages == sorted(["parent"] + [f"child{n} {i}" for n in range(3) for i in range(100)])


def _forked_child(log: UsageLog, number: int) -> None:
    for index in range(100):
        log.record([suggestion(datetime.now(UTC), message=f"child{number} {index}")])
    log.close()


# --- schema versions ------------------------------------------------------------------------


def test_a_sqlite_log_of_an_older_schema_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0])
    old.execute("PRAGMA user_version = 1")
    old.execute(
        "INSERT INTO suggestions (at, fingerprint, channel, status, answer_id, score, "
        "candidates, latency_ms, message) VALUES (?, 'f', 'x', 'no_match', NULL, 0.2, "
        "'[[\"a\", 0.2]]', 3.0, 'an old question')",
        (datetime.now(UTC).isoformat(),),
    )
    old.execute(
        "INSERT INTO feedback (at, outcome, channel, edited_text) VALUES (?, 'edited', 'x', 'hi')",
        (datetime.now(UTC).isoformat(),),
    )
    old.commit()
    old.close()
    with open_log(path) as log:
        (row,) = log.suggestions()
        assert (row.message, row.candidates, row.status) == (
            "an old question",
            [("a", 0.2)],
            "no_match",
        )
        (outcome,) = log.feedback()
        assert (outcome.edited_text, outcome.message) == ("hi", None)
        log.record([feedback(datetime.now(UTC), message="new column")])
        assert [f.message for f in log.feedback()] == [None, "new column"]
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION == 3


def test_a_postgres_log_of_an_older_schema_is_migrated(postgres_server) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    url = postgres_server.new_database()
    with psycopg.connect(url) as old:
        old.execute("CREATE TABLE replykb_log_schema (version INTEGER NOT NULL)")
        old.execute("INSERT INTO replykb_log_schema VALUES (1)")
        for statement in PG_MIGRATIONS[0].split(";"):
            old.execute(statement.encode())
        old.execute(
            "INSERT INTO replykb_feedback (at, outcome, channel, used_answer_id) "
            "VALUES (now(), 'wrong', 'sms', 'reset-password')"
        )
    with open_log(url) as log:
        (outcome,) = log.feedback()
        assert (outcome.outcome, outcome.used_answer_id, outcome.message) == (
            "wrong",
            "reset-password",
            None,
        )
        log.record([feedback(datetime.now(UTC), message="after", fingerprint="abc")])
        assert [(f.message, f.fingerprint) for f in log.feedback()] == [
            (None, None),
            ("after", "abc"),
        ]
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT version FROM replykb_log_schema").fetchone() == (3,)


def test_a_log_from_a_newer_replykb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    open_log(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(UsageLogError, match=f"usage log {path} was written by a newer replykb"):
        open_log(path)


# --- files that are not a log, or cannot be written -------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"order_id,message\n1,hello\n" * 200, "is not a SQLite file replykb can read"),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "is not a SQLite file replykb can read"),
    ],
    ids=["csv", "corrupt"],
)
def test_a_file_that_is_not_a_log_is_a_clear_error(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "usage.db"
    path.write_bytes(content)
    with pytest.raises(UsageLogError) as caught:
        open_log(path)
    message = str(caught.value)
    assert str(path) in message and words in message and "move it aside" in message
    assert path.read_bytes() == content  # nothing written over it


def test_a_sqlite_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE customers (name TEXT)")
    with pytest.raises(UsageLogError, match="is a SQLite file of something else"):
        open_log(path)


def test_a_folder_is_not_a_log(tmp_path: Path) -> None:
    with pytest.raises(UsageLogError, match=f"usage log {tmp_path} is a folder; name a file"):
        open_log(tmp_path)


def test_a_reader_does_not_create_a_log(tmp_path: Path) -> None:
    with pytest.raises(UsageLogError, match="no usage log there"):
        open_log(tmp_path / "usage.db", create=False)
    assert not (tmp_path / "usage.db").exists()


_OPEN_AS_NOBODY = """
import sys
from replykb.errors import UsageLogError
from replykb.learn import open_log
try:
    open_log(sys.argv[1]).close()
except UsageLogError as error:
    print("UsageLogError:", error)
"""


@pytest.mark.parametrize("what", ["folder", "file"])
def test_an_unwritable_log_is_an_error_naming_it_and_the_fix(shared_tmp: Path, what: str) -> None:  # noqa: F811
    path = shared_tmp / "logs" / "usage.db"
    path.parent.mkdir()
    if what == "file":
        open_log(path).close()
        path.chmod(0o444)
    path.parent.chmod(0o555)
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is missing")
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    done = subprocess.run(
        [*prefix, sys.executable, "-c", _OPEN_AS_NOBODY, str(path)],
        capture_output=True,
        text=True,
        cwd=shared_tmp,
        env={**os.environ, "HOME": str(shared_tmp)},
        timeout=120,
    )
    if done.returncode != 0 and "ModuleNotFoundError" in done.stderr:
        pytest.skip(f"the unprivileged user cannot import replykb here: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"UsageLogError: cannot write the usage log {path}"), done.stdout
    assert "writable by the user running replykb, or set log.url (or --log)" in done.stdout


# --- retention and text ----------------------------------------------------------------------


def test_old_events_are_deleted_on_open(log_url: str) -> None:
    now = datetime.now(UTC)
    with open_log(log_url, settings=LogSettings(retention_days=None)) as log:
        log.record(
            [
                suggestion(now - timedelta(days=45), message="45 days"),
                suggestion(now - timedelta(days=20), message="20 days"),
                feedback(now - timedelta(days=31), source="31 days"),
                feedback(now - timedelta(days=1), source="1 day"),
            ]
        )
        log.flush()
    with open_log(log_url, settings=LogSettings(retention_days=30)) as log:
        assert [r.message for r in log.suggestions()] == ["20 days"]
        assert [r.source for r in log.feedback()] == ["1 day"]


def test_old_events_are_deleted_while_writing(tmp_path: Path) -> None:
    settings = LogSettings(retention_days=7)
    log = UsageLog(lambda: open_store(tmp_path / "usage.db"), settings, prune_every=0.0)
    now = datetime.now(UTC)
    log.record([suggestion(now - timedelta(days=8), message="old"), suggestion(now, message="new")])
    log.flush()
    log.record([suggestion(now, message="later")])  # the writer prunes after each batch here
    log.flush()
    raw = sqlite3.connect(tmp_path / "usage.db").execute("SELECT message FROM suggestions")
    assert [m for (m,) in raw] == ["new", "later"]
    log.close()


def test_a_team_that_keeps_no_text_stores_none(shop_kb, log_url: str) -> None:  # type: ignore[no-untyped-def]
    from replykb import KnowledgeBase

    with open_log(log_url, settings=LogSettings(keep_text=False)) as log:
        kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
        kb.suggest("my refund hasn't arrived yet, I'm Mario Rossi", channel="x")
        kb.feedback(
            {
                "outcome": "edited",
                "channel": "x",
                "answer_id": "refund-timing",
                "edited_text": "Hi Mario Rossi, refunds take 5 days",
                "message": "Mario Rossi here",
            }
        )
        (row,) = log.suggestions()
        (outcome,) = log.feedback()
    assert row.message is None and row.answer_id == "refund-timing"
    assert outcome.edited_text is None and outcome.message is None and outcome.outcome == "edited"
    assert "Mario" not in _everything_stored(log_url)


def _everything_stored(url: str) -> str:
    """Every value in the log's tables, as text: what a person with the file could read."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as connection:
            rows = [
                *connection.execute("SELECT * FROM replykb_suggestions"),
                *connection.execute("SELECT * FROM replykb_feedback"),
            ]
    else:
        with sqlite3.connect(url) as connection:
            rows = [
                *connection.execute("SELECT * FROM suggestions"),
                *connection.execute("SELECT * FROM feedback"),
            ]
    return json.dumps(rows, default=str)


def test_a_new_sqlite_log_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "usage.db"
    open_log(path).close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_dropped_postgres_connection_is_opened_again(postgres_server) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    url = postgres_server.new_database()
    with open_log(url) as log:
        log.record([suggestion(datetime.now(UTC), message="before")])
        log.flush()
        with psycopg.connect(postgres_server.url, autocommit=True) as admin:
            # What a database restart or a failover does to the writer's connection.
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (url.rsplit("/", 1)[1],),
            )
        log.record([suggestion(datetime.now(UTC), message="after")])
        assert [row.message for row in log.suggestions()] == ["before", "after"]
        assert log.dropped == 0


def test_a_postgres_log_that_cannot_connect_names_it_without_its_password() -> None:
    from .postgres_server import free_port

    url = f"postgresql://care:s3cr3t-pw@127.0.0.1:{free_port()}/care"
    with pytest.raises(UsageLogError) as caught:
        open_log(url)
    message = str(caught.value)
    assert message.startswith("cannot connect to the usage log postgresql://care:***@127.0.0.1:")
    assert "check that the server runs" in message and "s3cr3t" not in message


def test_a_full_queue_makes_events_wait_and_loses_none(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    # A queue of 5 events, filled far faster than the writer masks and stores them.
    log = UsageLog(lambda: open_store(tmp_path / "usage.db"), LogSettings(), queue_size=5)
    now = datetime.now(UTC)
    with caplog.at_level(logging.WARNING, logger="replykb.learn.log"):
        for number in range(1500):
            log.record([suggestion(now, message=f"call me on +39 347 123 {number:04d}")])
        log.close()
    with open_log(tmp_path / "usage.db", create=False) as reread:
        rows = list(reread.suggestions())
    assert len(rows) == 1500 and log.dropped == 0
    assert {row.message for row in rows} == {"call me on <phone>"}
    stalls = [r for r in caplog.records if "is behind" in r.getMessage()]
    # One warning per stall (until the writer is idle again), not one per event.
    assert 1 <= len(stalls) <= 20, len(stalls)
    assert "new events wait for the writer" in stalls[0].getMessage()


def test_a_reader_deletes_nothing(tmp_path: Path) -> None:
    # `replykb usage` opens the log with the base's settings only to read it.
    path = tmp_path / "usage.db"
    with open_log(path, settings=LogSettings(retention_days=None)) as log:
        log.record([suggestion(datetime.now(UTC) - timedelta(days=10), message="old")])
    with open_log(path, settings=LogSettings(retention_days=1), create=False) as reader:
        assert [row.message for row in reader.suggestions()] == ["old"]
        assert reader.prune() == 0
    with open_log(path, settings=LogSettings(retention_days=1)) as writer:
        assert list(writer.suggestions()) == []


# --- a damaged row ----------------------------------------------------------------------------

DAMAGED_ROWS = {
    "time": (
        "INSERT INTO suggestions (at,fingerprint,channel,status,candidates,latency_ms) "
        "VALUES ('2026-11-29 garbage','f','x','no_match','[]',1)",
        "suggestions row id 2: `at` '2026-11-29 garbage' is not a time",
    ),
    "candidates": (
        "INSERT INTO suggestions (at,fingerprint,channel,status,candidates,latency_ms) "
        "VALUES ('2026-11-29T10:00:00.000000+00:00','f','x','no_match','not json',1)",
        "suggestions row id 2: `candidates` 'not json' is not a JSON list of [answer id, score]",
    ),
    "status": (
        "INSERT INTO suggestions (at,fingerprint,channel,status,candidates,latency_ms) "
        "VALUES ('2026-11-29T10:00:00.000000+00:00','f','x','matched','[]',1)",
        "suggestions row id 2: `status` 'matched' is not one of confident, ambiguous, no_match",
    ),
    "outcome": (
        "INSERT INTO feedback (at,outcome,channel) "
        "VALUES ('2026-11-29T10:00:00.000000+00:00','meh','x')",
        "feedback row id 2: `outcome` 'meh' is not one of sent, edited, wrong, unused",
    ),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_ROWS))
@pytest.mark.parametrize("command", ["usage", "gaps"])
def test_a_damaged_row_is_a_clear_error_naming_the_row(
    damage: str, command: str, tmp_path: Path, example_cache: Path
) -> None:
    """A row another tool (or a hand edit) wrote badly: one line naming the log, the
    table, the row id and the fix; never "unexpected ValueError ... a bug in replykb"."""
    from click.testing import CliRunner

    from replykb.cli import cli
    from tests.conftest import EXAMPLE_BASE

    path = tmp_path / "bad.db"
    with open_log(path) as log:
        log.record(
            [
                suggestion(datetime(2026, 11, 28, tzinfo=UTC)),
                feedback(datetime(2026, 11, 28, tzinfo=UTC)),
            ]
        )
    insert, message = DAMAGED_ROWS[damage]
    with sqlite3.connect(path) as connection:
        connection.execute(insert)
    connection.close()
    result = CliRunner().invoke(
        cli,
        [command, "--kb", str(EXAMPLE_BASE), "--cache-dir", str(example_cache), "--log", str(path)],
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("replykb: error:")]
    assert len(errors) == 1 and "bug" not in result.stderr, result.stderr
    assert errors[0].startswith(f"replykb: error: usage log {path}: {message}; fix or delete")
    assert "DELETE FROM" in errors[0]


# --- nothing lost to one bad event --------------------------------------------------------------


def test_a_nul_character_loses_nothing(log_url: str) -> None:
    """PostgreSQL refuses U+0000 in text: the one event carrying it used to fail its whole
    batch (A1: 5 of 11 suggestions stored). Every event is stored, the NUL shown as U+FFFD."""
    now = datetime.now(UTC)
    with open_log(log_url) as log:
        log.record(
            [
                *(suggestion(now, message=f"where is my refund {i}") for i in range(5)),
                suggestion(now, message="where is my refund\x00 please", conversation_id="nul"),
                *(suggestion(now, message=f"where is my order {i}") for i in range(5)),
                feedback(now, outcome="edited", edited_text="a\x00b", conversation_id="n\x00l"),
            ]
        )
        assert log.flush()
        rows = list(log.suggestions())
        outcomes = list(log.feedback())
        assert log.dropped == 0
    assert len(rows) == 11
    assert [r.message for r in rows if r.conversation_id == "nul"] == [
        "where is my refund\ufffd please"
    ]
    assert [(f.edited_text, f.conversation_id) for f in outcomes] == [("a\ufffdb", "n\ufffdl")]


def test_one_event_the_store_refuses_does_not_take_the_batch_with_it(tmp_path: Path) -> None:
    """A store that refuses one event (whatever the reason): the writer retries the batch
    event by event, stores the others and counts only that one as lost."""
    from replykb.learn.sqlite_store import SQLiteStore

    class RefusesOne(SQLiteStore):
        def write(self, rows):  # type: ignore[no-untyped-def]
            if any(getattr(r, "message", None) == "poison" for r in rows):
                raise ValueError("refused")
            super().write(rows)

    log = UsageLog(lambda: RefusesOne(tmp_path / "usage.db"), LogSettings())
    now = datetime.now(UTC)
    log.record([suggestion(now, message=text) for text in ["a", "b", "poison", "c", "d"]])
    assert log.flush()
    assert [r.message for r in log.suggestions()] == ["a", "b", "c", "d"]
    assert log.dropped == 1
    log.close()


def test_new_log_settings_apply_to_the_next_events(tmp_path: Path) -> None:
    """A server keeps one log across reloads: a `log: mask:` pattern or `keep_text: false`
    the team adds applies to the next event without a restart (R1, personal data)."""
    now = datetime.now(UTC)
    with open_log(tmp_path / "usage.db") as log:
        log.record([suggestion(now, message="agent codename Falcon refund", conversation_id="1")])
        log.flush()
        log.apply(LogSettings.model_validate({"mask": {"codename": ["Falcon"]}}))
        log.record([suggestion(now, message="agent codename Falcon refund", conversation_id="2")])
        log.flush()
        log.apply(LogSettings(keep_text=False))
        log.record([suggestion(now, message="agent codename Falcon refund", conversation_id="3")])
        log.flush()
        rows = {r.conversation_id: r.message for r in log.suggestions()}
    assert rows == {
        "1": "agent codename Falcon refund",
        "2": "agent codename <codename> refund",
        "3": None,
    }


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://care:s3cret@db.internal/care", "postgresql://care:***@db.internal/care"),
        (
            "postgresql://care@db.internal/care?password=s3cret&sslmode=require",
            "postgresql://care@db.internal/care?password=***&sslmode=require",
        ),
        (
            "postgresql://db.internal/care?PASSWORD=s3cret",
            "postgresql://db.internal/care?PASSWORD=***",
        ),
        ("postgresql://care@db.internal/care", "postgresql://care@db.internal/care"),
    ],
)
def test_a_password_in_a_postgresql_url_is_never_shown(url: str, shown: str) -> None:
    from replykb.learn.postgres_store import redacted

    assert redacted(url) == shown
