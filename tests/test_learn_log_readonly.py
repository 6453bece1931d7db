"""Readers of a SQLite usage log (`replykb usage`, `replykb gaps`, open_log(create=False))
need no write access: an analyst reads the server's log in a folder they cannot write.

WAL mode makes even a `mode=ro` reader write the -shm file beside the log; a reader who
cannot is given the file as it is on disk (`immutable=1`), with a warning that says what
that leaves out. Root ignores file modes, so the reader runs as `nobody` (setpriv) when
the tests run as root (CI); the log is real SQLite, written by this process.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from replykb.errors import UsageLogError
from replykb.learn import open_log

from .conftest import SHOP_BASE
from .test_learn_log_stores import feedback, suggestion
from .unprivileged import NOBODY, make_world_readable, shared_tmp  # noqa: F401  (a fixture)

# As the reading user: the events through the library, then `replykb usage --json`.
_READ = """
import json, logging, sys
from click.testing import CliRunner
from replykb.cli import cli
from replykb.errors import UsageLogError
from replykb.errors import UsageLogError
from replykb.learn import open_log

warnings = []
class Keep(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())
logging.getLogger("replykb").addHandler(Keep(logging.WARNING))
kb, log_path = sys.argv[1], sys.argv[2]
try:
    with open_log(log_path, create=False) as log:
        messages = [row.message for row in log.suggestions()]
        sources = [row.source for row in log.feedback()]
    seen = {"messages": messages, "sources": sources}
except UsageLogError as error:
    seen = {"error": str(error)}
result = CliRunner().invoke(cli, ["usage", "--kb", kb, "--log", log_path, "--json"])
seen.update(exit_code=result.exit_code, output=result.output, warnings=warnings)
print(json.dumps(seen))
"""


def read_as_reader(kb: Path, log: Path) -> dict[str, Any]:
    """What a user who may not write the log's folder reads from it."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is missing: cannot drop the permission bypass")
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    else:
        prefix = []
    done = subprocess.run(
        [*prefix, sys.executable, "-c", _READ, str(kb), str(log)],
        capture_output=True,
        text=True,
        cwd=log.parent.parent,
        env={**os.environ, "HOME": str(log.parent.parent), "TQDM_DISABLE": "1"},
        timeout=180,
    )
    if done.returncode != 0 and "ModuleNotFoundError" in done.stderr:
        pytest.skip(f"the unprivileged user cannot import replykb here: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


NOW = datetime.now(UTC).replace(microsecond=0)


def _world_readable_base(shared: Path) -> Path:
    kb = shared / "shop"
    shutil.copytree(SHOP_BASE, kb, ignore=shutil.ignore_patterns(".replykb"))
    make_world_readable(kb)
    return kb


def _written_log(shared: Path) -> Path:
    log_path = shared / "logs" / "usage.db"
    log_path.parent.mkdir()
    with open_log(log_path) as log:
        log.record([suggestion(NOW - timedelta(minutes=5), message="kept <phone>")])
        log.record([feedback(NOW - timedelta(minutes=4), source="console")])
    log_path.chmod(0o644)  # readable by the analyst; written by the server's user alone
    return log_path


def test_a_log_in_a_folder_the_reader_cannot_write_is_read(shared_tmp: Path) -> None:  # noqa: F811
    kb, log_path = _world_readable_base(shared_tmp), _written_log(shared_tmp)
    log_path.parent.chmod(0o555)
    seen = read_as_reader(kb, log_path)
    assert seen.get("error") is None, seen
    assert (seen["messages"], seen["sources"]) == (["kept <phone>"], ["console"])
    assert seen["exit_code"] == 0, seen["output"]
    report = json.loads(seen["output"][seen["output"].index("{") :])
    assert (report["totals"]["total"], report["feedback"]["sent"]) == (1, 1)
    assert any(
        f"usage log {log_path}: this user cannot write its folder" in line
        and "reading the file as it is on disk. For a live view" in line
        for line in seen["warnings"]
    ), seen["warnings"]
    # Nothing was written beside the log (no -shm, no -wal) and the log is unchanged.
    assert sorted(p.name for p in log_path.parent.iterdir()) == ["usage.db"]


@pytest.mark.parametrize("beside_mode", [0o644, 0o600], ids=["wal-readable", "wal-private"])
def test_a_running_servers_latest_events_are_read_or_said_to_be_left_out(
    shared_tmp: Path,  # noqa: F811
    beside_mode: int,
) -> None:
    kb, log_path = _world_readable_base(shared_tmp), _written_log(shared_tmp)
    # A server's connection, still open, with its latest event only in the -wal file.
    server = sqlite3.connect(log_path, isolation_level=None)
    try:
        server.execute("PRAGMA wal_autocheckpoint = 0")
        server.execute(
            "INSERT INTO suggestions (at, fingerprint, channel, status, candidates, latency_ms,"
            " message) VALUES (?, ?, 'x', 'no_match', '[]', 1.0, 'in the wal')",
            ((NOW - timedelta(minutes=1)).isoformat(), "f" * 64),
        )
        wal = log_path.with_name("usage.db-wal")
        assert wal.stat().st_size > 0
        for beside in (wal, log_path.with_name("usage.db-shm")):
            beside.chmod(beside_mode)
        log_path.parent.chmod(0o555)
        seen = read_as_reader(kb, log_path)
    finally:
        server.close()
    assert seen.get("error") is None, seen
    assert seen["exit_code"] == 0, seen["output"]
    if beside_mode == 0o644:  # SQLite reads the -wal through a read-only -shm: everything
        assert seen["messages"] == ["kept <phone>", "in the wal"]
        assert seen["warnings"] == []
    else:  # only the file as it is on disk, and the warning says what is left out
        assert seen["messages"] == ["kept <phone>"]
        assert any("(events still in usage.db-wal are not included)" in w for w in seen["warnings"])


def test_a_reader_with_a_writable_folder_reads_without_a_warning(shared_tmp: Path) -> None:  # noqa: F811
    kb, log_path = _world_readable_base(shared_tmp), _written_log(shared_tmp)
    log_path.parent.chmod(0o777)  # the reader may write the folder, not the file
    seen = read_as_reader(kb, log_path)
    assert (seen["messages"], seen["sources"]) == (["kept <phone>"], ["console"])
    assert seen["exit_code"] == 0, seen["output"]
    assert seen["warnings"] == []


def test_a_reader_never_creates_or_migrates_a_log(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a SQLite file with no tables yet
    with open_log(empty, create=False) as log:
        assert list(log.suggestions()) == [] and list(log.feedback()) == []
    assert sqlite3.connect(empty).execute("SELECT name FROM sqlite_master").fetchall() == []
    with open_log(empty, create=False) as log, pytest.raises(UsageLogError, match="for reading"):
        log._store.write([suggestion(NOW)])


def test_a_postgres_role_that_may_only_select_reads_the_log(postgres_server) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    url = postgres_server.new_database()
    with open_log(url) as log:
        log.record([suggestion(NOW, message="kept <phone>"), feedback(NOW, source="console")])
    role = f"analyst_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}".encode())
        admin.execute(f"CREATE ROLE {role} LOGIN".encode())
        admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}".encode())
        admin.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}".encode())
    reader = url.replace(url.split("://", 1)[1].split("@", 1)[0], role, 1)
    with open_log(reader, create=False) as log:
        assert [row.message for row in log.suggestions()] == ["kept <phone>"]
        assert [row.source for row in log.feedback()] == ["console"]
    # The role cannot write: the reader read without trying to.
    with psycopg.connect(reader) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute(b"DELETE FROM replykb_suggestions")
