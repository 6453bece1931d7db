"""The usage log in a SQLite file: the default, for the processes of one host.

WAL mode lets readers (``replykb usage``) work while servers write; every write is
one ``BEGIN IMMEDIATE`` transaction, and a busy timeout makes concurrent writers
(several server processes) wait their turn instead of failing. The schema's version
is ``PRAGMA user_version``: a file from an older replykb is migrated on open (by a
writer), in one transaction, and read as it is by a reader (the columns added since
read as null); a file from a newer one is refused rather than misread.

A reader (``create=False``: ``replykb usage``, ``replykb gaps``) never writes: it opens
the file with ``mode=ro``. In WAL mode even such a reader needs to create or write the
``-shm`` file beside the log; when it cannot (a folder the reading user cannot write,
an analyst reading the server's log), the file is read with ``immutable=1``: SQLite
then takes no lock and ignores the ``-wal`` file, so events a running server wrote
since its last checkpoint are not seen, and a server writing during the read can make
the read fail (said in the error). A warning says so; read a copy, or as a user who
may write the folder, for a live view.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import UsageLogError
from .events import LoggedFeedback, LoggedSuggestion
from .store_rows import (
    FEEDBACK_COLUMNS,
    SUGGESTION_COLUMNS,
    feedback_from_row,
    inserts,
    select_list,
    stamp,
    suggestion_from_row,
)

# How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0

logger = logging.getLogger(__name__)

# MIGRATIONS[n] takes a file from version n to n + 1; the last version is current.
MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        answer_id TEXT,
        score REAL,
        candidates TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        conversation_id TEXT,
        agent TEXT,
        message TEXT
    );
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        channel TEXT NOT NULL,
        answer_id TEXT,
        used_answer_id TEXT,
        edited_text TEXT,
        conversation_id TEXT,
        agent TEXT,
        source TEXT
    );
    """,
    # 2: an outcome keeps the customer's message and the base's fingerprint when given;
    # reads by time and retention use indexes.
    """
    ALTER TABLE feedback ADD COLUMN message TEXT;
    ALTER TABLE feedback ADD COLUMN fingerprint TEXT;
    CREATE INDEX suggestions_at ON suggestions (at);
    CREATE INDEX feedback_at ON feedback (at);
    """,
    # 3: a suggestion keeps its reply's language and why it was chosen (null on a
    # one-language base and in the events logged before).
    """
    ALTER TABLE suggestions ADD COLUMN language TEXT;
    ALTER TABLE suggestions ADD COLUMN language_reason TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SQLiteStore:
    """A usage log file; one connection for writing, guarded by a lock."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._lock = threading.Lock()
        self.read_only = not create
        self._immutable = False  # a reader that cannot use the -shm file: see the docstring
        self._empty = False  # a reader's file with no tables yet: it reads as no events
        self._older = False  # a reader's file of an older schema: read, never migrated
        if not create and not self.path.is_file() and not self.path.is_dir():
            # (A folder gets _connect's "is a folder; name a file in it".)
            raise UsageLogError(
                f"usage log {self.path}: no usage log there; give the log the server or "
                "`replykb suggest --log` writes to (log.url in replykb.yaml, or --log)"
            )
        self._connection: sqlite3.Connection | None = None
        with self._errors("open"):
            if self.read_only:
                self._check_readable()
            else:
                self._connection = self._connect()
                self._migrate()

    # --- opening ------------------------------------------------------------------------

    def _connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        if not self.path.parent.is_dir():
            raise UsageLogError(
                f"usage log {self.path}: the folder {self.path.parent} does not exist; "
                "create it, or set log.url (or --log) to a file in an existing folder"
            )
        if self.path.is_dir():
            raise UsageLogError(
                f"usage log {self.path} is a folder; name a file in it, such as "
                f"{self.path / 'usage.db'}"
            )
        if not read_only and not self.path.exists():
            # Personal data: readable by this user alone (SQLite gives its -wal and -shm
            # files the same permissions).
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as error:
                raise self._cannot_write(error) from None
        uri = self.path.resolve().as_uri()
        if read_only:
            uri += "?mode=ro&immutable=1" if self._immutable else "?mode=ro"
        connection = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if not read_only:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise UsageLogError(
                    f"usage log {self.path}: SQLite cannot use write-ahead logging here "
                    f"(journal mode {mode}); put the log on a local disk"
                )
            # WAL with NORMAL sync survives a crash of the process; a power cut may lose
            # the last transactions, never corrupt the file.
            connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _check_readable(self) -> None:
        """A reader's open: the schema is one this version reads, and how to read it."""
        try:
            connection = self._connect(read_only=True)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error) and "unable to open" not in str(error):
                raise
            # WAL needs the -shm file; this user cannot create or write it.
            self._immutable = True
            connection = self._connect(read_only=True)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            self._warn_immutable()
        try:
            self._check_version(connection, version)
            self._empty = version == 0
            # An older schema lacks only columns added since (nullable): a reader reads
            # them as NULL, so last month's log or an archive reads without a writer.
            self._older = 0 < version < SCHEMA_VERSION
        finally:
            connection.close()

    def _warn_immutable(self) -> None:
        wal = self.path.with_name(self.path.name + "-wal")
        pending = wal.is_file() and wal.stat().st_size > 0
        logger.warning(
            "usage log %s: this user cannot write its folder, which SQLite needs to read "
            "it beside a running server; reading the file as it is on disk%s. For a "
            "live view, read it as a user who can write %s, or read a copy",
            self.path,
            f" (events still in {wal.name} are not included)" if pending else "",
            self.path.parent,
        )

    def _writer(self) -> sqlite3.Connection:
        if self._connection is None:
            raise UsageLogError(
                f"usage log {self.path} was opened for reading (create=False); open it "
                "with open_log(url) to write"
            )
        return self._connection

    def _migrate(self) -> None:
        connection = self._writer()
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            self._check_version(connection, version)
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        connection.execute(statement)
            if version != SCHEMA_VERSION:
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _check_version(self, connection: sqlite3.Connection, version: int) -> None:
        """Refuse a file of a newer replykb, or of something else."""
        if version > SCHEMA_VERSION:
            raise UsageLogError(
                f"usage log {self.path} was written by a newer replykb (schema "
                f"{version}, this one knows up to {SCHEMA_VERSION}); upgrade replykb"
            )
        if version == 0 and self._foreign_tables(connection):
            raise UsageLogError(
                f"usage log {self.path} is a SQLite file of something else (it has "
                "tables, none of a replykb log); set log.url (or --log) to another file"
            )

    @staticmethod
    def _foreign_tables(connection: sqlite3.Connection) -> bool:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        return bool(names) and "suggestions" not in names

    # --- writing ------------------------------------------------------------------------

    def write(self, rows: Sequence[LoggedSuggestion | LoggedFeedback]) -> None:
        statements = inserts(rows, tables=("suggestions", "feedback"), mark="?")
        with self._lock, self._errors("write to"):
            connection = self._writer()
            connection.execute("BEGIN IMMEDIATE")
            try:
                for statement, values in statements:
                    connection.executemany(statement, values)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def prune(self, before: datetime) -> int:
        with self._lock, self._errors("delete old events from"):
            connection = self._writer()
            connection.execute("BEGIN IMMEDIATE")
            try:
                deleted = 0
                for table in ("suggestions", "feedback"):
                    cursor = connection.execute(
                        f"DELETE FROM {table} WHERE at < ?", (stamp(before),)
                    )
                    deleted += cursor.rowcount
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return deleted

    # --- reading ------------------------------------------------------------------------

    def suggestions(self, since: datetime | None) -> Iterator[LoggedSuggestion]:
        for row in self._select("suggestions", ("id", *SUGGESTION_COLUMNS), since):
            yield suggestion_from_row(row, self.location, json.loads)

    def feedback(self, since: datetime | None) -> Iterator[LoggedFeedback]:
        for row in self._select("feedback", ("id", *FEEDBACK_COLUMNS), since):
            yield feedback_from_row(row, self.location)

    def _select(
        self, table: str, columns: Sequence[str], since: datetime | None
    ) -> Iterator[tuple[Any, ...]]:
        if self._empty:
            return
        arguments: tuple[str, ...] = ()
        with self._errors("read"):
            # Its own connection: a reader never waits for the writer (WAL).
            connection = self._connect(read_only=True)
            try:
                present = None
                if self._older:
                    rows = connection.execute(f"PRAGMA table_info({table})").fetchall()
                    present = {row[1] for row in rows}
                query = f"SELECT {select_list(columns, present)} FROM {table}"
                if since is not None:
                    query, arguments = query + " WHERE at >= ?", (stamp(since),)
                cursor = connection.execute(query + " ORDER BY at, id", arguments)
                while chunk := cursor.fetchmany(1000):
                    yield from chunk
            finally:
                connection.close()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()

    # --- errors -------------------------------------------------------------------------

    def _errors(self, doing: str) -> _SQLiteErrors:
        return _SQLiteErrors(self, doing)

    def _cannot_write(self, error: Exception) -> UsageLogError:
        return UsageLogError(
            f"cannot write the usage log {self.path} ({error}); make the file and its folder "
            "writable by the user running replykb, or set log.url (or --log) to a writable place"
        )


class _SQLiteErrors:
    """Turns SQLite's errors into a UsageLogError that names the file and the fix."""

    def __init__(self, store: SQLiteStore, doing: str) -> None:
        self.store, self.doing = store, doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if not isinstance(error, sqlite3.Error):
            return
        text = str(error)
        path = self.store.path
        if self.store._immutable:
            # No lock was taken (immutable=1): a server wrote while this read.
            raise UsageLogError(
                f"cannot {self.doing} the usage log {path} ({text}): it was read as it is on "
                "disk, without the lock its folder would allow, and a server may have written "
                "to it meanwhile; run the command again, or read a copy"
            ) from None
        if "not a database" in text or "malformed" in text or "encrypted" in text:
            raise UsageLogError(
                f"usage log {path} is not a SQLite file replykb can read ({text}); move it "
                "aside (a new log is made in its place) or set log.url (or --log) to another file"
            ) from None
        if "readonly" in text or "unable to open" in text or "permission" in text.lower():
            raise self.store._cannot_write(error) from None
        raise UsageLogError(f"cannot {self.doing} the usage log {path}: {text}") from None
