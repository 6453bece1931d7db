"""The usage log in PostgreSQL: for servers on several hosts writing one log.

psycopg 3 (``pip install 'replykb[postgres]'``). Tables ``replykb_suggestions`` and
``replykb_feedback`` in the database the URL names (they can share it with others);
the schema's version is kept in ``replykb_log_schema`` and migrated on open under an
advisory lock, so several servers starting at once migrate it once; a reader
(``create=False``) never migrates: it reads an older schema's missing columns as
null. A batch of events is one transaction; a dropped connection is opened again on the next batch.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import UsageLogError
from .events import LoggedFeedback, LoggedSuggestion
from .store_rows import (
    FEEDBACK_COLUMNS,
    SUGGESTION_COLUMNS,
    feedback_from_row,
    inserts,
    select_list,
    suggestion_from_row,
)

if TYPE_CHECKING:
    import psycopg

SUGGESTIONS, FEEDBACK, SCHEMA = "replykb_suggestions", "replykb_feedback", "replykb_log_schema"
# Any fixed number: the advisory lock that serialises migrations of one database.
MIGRATION_LOCK = 7_401_512_615
CONNECT_TIMEOUT_S = 10

# MIGRATIONS[n] takes a database from version n to n + 1, as sqlite_store.MIGRATIONS.
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE {SUGGESTIONS} (
        id BIGSERIAL PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        fingerprint TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        answer_id TEXT,
        score DOUBLE PRECISION,
        candidates JSONB NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        conversation_id TEXT,
        agent TEXT,
        message TEXT
    );
    CREATE TABLE {FEEDBACK} (
        id BIGSERIAL PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        outcome TEXT NOT NULL,
        channel TEXT NOT NULL,
        answer_id TEXT,
        used_answer_id TEXT,
        edited_text TEXT,
        conversation_id TEXT,
        agent TEXT,
        source TEXT
    )
    """,
    f"""
    ALTER TABLE {FEEDBACK} ADD COLUMN message TEXT, ADD COLUMN fingerprint TEXT;
    CREATE INDEX {SUGGESTIONS}_at ON {SUGGESTIONS} (at);
    CREATE INDEX {FEEDBACK}_at ON {FEEDBACK} (at)
    """,
    f"""
    ALTER TABLE {SUGGESTIONS} ADD COLUMN language TEXT, ADD COLUMN language_reason TEXT
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


# libpq also takes the password as a parameter: `...?password=s3cret` in a URL, or
# `password=s3cret` in a key=value connection string.
_PASSWORD_PARAMETER = re.compile(r"(?i)(\bpassword=)[^&\s]*")


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        url = urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    return _PASSWORD_PARAMETER.sub(r"\1***", url)


class PostgresStore:
    """A usage log in a PostgreSQL database; one connection for writing."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        try:
            import psycopg  # noqa: F401  (a clear error here rather than at the first event)
        except ImportError:
            raise UsageLogError(
                f"usage log {redacted(url)}: a PostgreSQL log needs psycopg; "
                "pip install 'replykb[postgres]'"
            ) from None
        self.url = url
        self.location = redacted(url)
        self._lock = threading.Lock()
        self._connection: psycopg.Connection[Any] | None = None
        self._older = False  # a reader's log of an older schema: read, never migrated
        with self._lock:
            self._migrate(create)

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        try:
            return psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as error:
            raise UsageLogError(
                f"cannot connect to the usage log {self.location}: {_first_line(error)}; check "
                "that the server runs and the URL (host, port, database, user); give the "
                "password in the URL from an environment variable ($VAR) or in ~/.pgpass"
            ) from None

    def _writer(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = self._connect()
        return self._connection

    def _migrate(self, create: bool) -> None:
        import psycopg

        connection = self._writer()
        try:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                exists = connection.execute("SELECT to_regclass(%s)", (SCHEMA,)).fetchone()
                if exists is None or exists[0] is None:
                    if not create:
                        raise UsageLogError(
                            f"usage log {self.location}: no usage log there (no {SCHEMA} "
                            "table); give the log the servers write to"
                        )
                    connection.execute(f"CREATE TABLE {SCHEMA} (version INTEGER NOT NULL)")
                    connection.execute(f"INSERT INTO {SCHEMA} VALUES (0)")
                row = connection.execute(f"SELECT version FROM {SCHEMA}").fetchone()
                version = int(row[0]) if row else 0
                if version > SCHEMA_VERSION:
                    raise UsageLogError(
                        f"usage log {self.location} was written by a newer replykb (schema "
                        f"{version}, this one knows up to {SCHEMA_VERSION}); upgrade replykb"
                    )
                if not create:
                    # A reader changes nothing (its user may only read): an older schema
                    # lacks only columns added since, which it reads as NULL.
                    self._older = version < SCHEMA_VERSION
                    return
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step].split(";"):
                        if statement.strip():
                            connection.execute(statement.encode())
                if version != SCHEMA_VERSION:
                    connection.execute(f"UPDATE {SCHEMA} SET version = %s", (SCHEMA_VERSION,))
        except psycopg.Error as error:
            raise UsageLogError(
                f"cannot set up the usage log {self.location}: {_first_line(error)}; the user "
                "needs the right to create tables in that database (or an administrator "
                "runs replykb once to create them)"
            ) from None

    # --- writing ------------------------------------------------------------------------

    def write(self, rows: Sequence[LoggedSuggestion | LoggedFeedback]) -> None:
        from psycopg.types.json import Jsonb

        statements = inserts(
            rows, tables=(SUGGESTIONS, FEEDBACK), mark="%s", native=True, candidates=Jsonb
        )
        with self._lock:
            connection = self._writer()
            with connection.transaction(), connection.cursor() as cursor:
                for statement, values in statements:
                    # bytes: psycopg takes a composed query as bytes, not as str
                    cursor.executemany(statement.encode(), values)

    def prune(self, before: datetime) -> int:
        with self._lock:
            connection = self._writer()
            deleted = 0
            with connection.transaction():
                for table in (SUGGESTIONS, FEEDBACK):
                    cursor = connection.execute(f"DELETE FROM {table} WHERE at < %s", (before,))
                    deleted += cursor.rowcount
        return deleted

    # --- reading ------------------------------------------------------------------------

    def suggestions(self, since: datetime | None) -> Iterator[LoggedSuggestion]:
        for row in self._select(SUGGESTIONS, ("id", *SUGGESTION_COLUMNS), since):
            yield suggestion_from_row(row, self.location)

    def feedback(self, since: datetime | None) -> Iterator[LoggedFeedback]:
        for row in self._select(FEEDBACK, ("id", *FEEDBACK_COLUMNS), since):
            yield feedback_from_row(row, self.location)

    def _select(
        self, table: str, columns: Sequence[str], since: datetime | None
    ) -> Iterator[tuple[Any, ...]]:
        import psycopg

        arguments: tuple[datetime, ...] = ()
        try:
            # Its own connection and a server-side cursor: a long read streams, and never
            # holds up the writer.
            with (
                self._connect() as connection,
                connection.transaction(),
                connection.cursor(name="replykb_read") as cursor,
            ):
                present = None
                if self._older:
                    rows = connection.execute(
                        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                        "AND attnum > 0 AND NOT attisdropped",
                        (table,),
                    ).fetchall()
                    present = {row[0] for row in rows}
                    if not present:  # version 0: a writer has yet to create the tables
                        return
                query = f"SELECT {select_list(columns, present)} FROM {table}"
                if since is not None:
                    query, arguments = query + " WHERE at >= %s", (since,)
                cursor.execute(query.encode() + b" ORDER BY at, id", arguments)
                while chunk := cursor.fetchmany(1000):
                    yield from chunk
        except psycopg.Error as error:
            raise UsageLogError(
                f"cannot read the usage log {self.location}: {_first_line(error)}"
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
