"""The usage log: an observer that records every suggestion and every outcome.

One interface, two stores behind it (chosen by URL): a SQLite file by default
(sqlite_store.py: several processes of one host), PostgreSQL for several hosts
(postgres_store.py). Text is masked (masking.py) before it reaches a store, or dropped
when the team keeps none.

Writing never slows or breaks a suggestion: ``on_suggest`` only puts the event on a
queue; a writer thread masks and stores what has queued up, in one transaction per
batch, and deletes events older than the retention period now and then. A store
error is logged (logger ``replykb.learn.log``), never raised into the triage core;
:meth:`UsageLog.close` (or the interpreter's exit) writes out whatever is queued.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import UsageLogError
from ..models import LogSettings
from ..triage_models import FeedbackEvent, SuggestEvent
from .events import LoggedFeedback, LoggedSuggestion, logged_language
from .masking import Masker

if TYPE_CHECKING:
    from ..models import AnswerBase

logger = logging.getLogger(__name__)

# The most text kept of one message: what the matcher reads of it (kb.match).
MAX_TEXT = 4096
# Events waiting for the writer; past this (a slow disk, a store down) a new event waits
# for room: suggestions slow down rather than lose their events.
QUEUE_SIZE = 20_000
# The most events written in one transaction.
BATCH = 500
# How often the writer deletes events past the retention period.
PRUNE_EVERY = 3600.0

Row = LoggedSuggestion | LoggedFeedback


class LogStore(Protocol):
    """Where events are kept. ``write`` is atomic: a batch is stored whole or not at all."""

    location: str  # what messages name: the file, or the URL without its password

    def write(self, rows: Sequence[Row]) -> None: ...

    def prune(self, before: datetime) -> int: ...

    def suggestions(self, since: datetime | None) -> Iterator[LoggedSuggestion]: ...

    def feedback(self, since: datetime | None) -> Iterator[LoggedFeedback]: ...

    def close(self) -> None: ...


def open_store(url: str | Path, *, root: Path | None = None, create: bool = True) -> LogStore:
    """The store a log URL names: ``sqlite:///usage.db`` (relative), ``sqlite:////var/
    lib/usage.db`` (absolute), a plain path, or ``postgresql://user@host/db``.
    A relative path is taken from ``root`` (the base folder) or the working folder.
    ``create=False`` (a reader: ``replykb usage``) refuses a log that is not there."""
    text = os.path.expandvars(str(url)).strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        from .postgres_store import PostgresStore

        return PostgresStore(text, create=create)
    if scheme not in ("", "sqlite"):
        raise UsageLogError(
            f"log url {text.split('://', 1)[0]}://...: unknown kind of log; use a path, "
            "sqlite:///path/usage.db or postgresql://user@host/database"
        )
    path = Path(text[len("sqlite:///") :] if scheme else text).expanduser()
    if not text or str(path) in ("", "."):
        raise UsageLogError(f"log url {text!r} names no file; use e.g. sqlite:///usage.db")
    if not path.is_absolute() and root is not None:
        path = root / path
    from .sqlite_store import SQLiteStore

    return SQLiteStore(path, create=create)


def open_log(
    url: str | Path,
    *,
    settings: LogSettings | None = None,
    root: Path | None = None,
    create: bool = True,
) -> UsageLog:
    """Open (or create) the usage log at ``url``; ``settings`` gives its retention,
    whether text is kept and extra masks (default: ``LogSettings()``). Raises
    :class:`UsageLogError` naming the log and the fix when it cannot be used, or with
    ``create=False`` when there is no log there yet."""
    settings = settings or LogSettings()
    # A reader (create=False) deletes nothing: retention is the writers' to enforce.
    return UsageLog(
        lambda: open_store(url, root=root, create=create), settings, enforce_retention=create
    )


def open_configured_log(
    base: AnswerBase, url: str | Path | None, *, create: bool = True
) -> UsageLog | None:
    """The log for ``KnowledgeBase.load(log=...)``: ``url`` when given, else the base's
    ``log.url`` (relative to the base folder), else none."""
    settings = base.settings.log
    if url is not None:
        return open_log(url, settings=settings, create=create)
    if settings.url is None:
        return None
    return open_log(settings.url, settings=settings, root=base.root, create=create)


_OPEN_LOGS: weakref.WeakSet[UsageLog] = weakref.WeakSet()


@atexit.register
def _close_open_logs() -> None:
    # Library users who never close their log lose nothing queued at exit.
    for log in list(_OPEN_LOGS):
        log.close()


class UsageLog:
    """Records suggestions and outcomes (an observer: ``kb.add_observer(log)``) and
    reads them back for ``replykb usage`` and ``replykb gaps``.

    Thread-safe; after a fork (a server's worker processes) the child opens its own
    connection and writer on its first event.
    """

    def __init__(
        self,
        open_store: Callable[[], LogStore],
        settings: LogSettings,
        *,
        prune_every: float = PRUNE_EVERY,
        queue_size: int = QUEUE_SIZE,
        enforce_retention: bool = True,
    ) -> None:
        self.settings = settings
        self._enforce_retention = enforce_retention
        self._queue_size = queue_size
        self._stalled = False  # the queue was full; one warning until the writer is idle
        self._open_store = open_store
        self._masker = Masker(settings.mask)
        self._prune_every = prune_every
        self._lock = threading.Lock()
        self._closed = False
        self.dropped = 0  # events lost to a store that stayed down (or a writer that died)
        self._inherited: list[LogStore] = []
        self._start()
        _OPEN_LOGS.add(self)

    def _start(self) -> None:
        # Opened here, in the caller's thread, so that a bad log fails loudly at open.
        self._store = self._open_store()
        self.location = self._store.location
        self._pid = os.getpid()
        self._queue: queue.Queue[Row | SuggestEvent | FeedbackEvent | None] = queue.Queue(
            self._queue_size
        )
        self._pruned_at = 0.0
        self._prune()
        self._writer = threading.Thread(
            target=self._write_loop, name=f"replykb-log {self.location}", daemon=True
        )
        self._writer.start()

    def __repr__(self) -> str:
        return f"UsageLog({self.location!r})"

    @property
    def retention(self) -> timedelta | None:
        days = self.settings.retention_days
        return None if days is None else timedelta(days=days)

    def apply(self, settings: LogSettings) -> None:
        """Take new ``log:`` settings (a reloaded base's): its masks, ``keep_text`` and
        retention apply to every event written from now on. A server keeps one log
        across reloads, so without this a mask a team adds would wait for a restart
        while customers' text is stored unmasked. The log itself (its URL) stays."""
        masker = Masker(settings.mask)  # a bad pattern fails here, before anything changes
        with self._lock:
            # The masker first: a writer between the two sees more masking, never less.
            self._masker = masker
            self.settings = settings

    # --- health ---------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Events queued for the writer (a server's /readyz shows it)."""
        return self._queue.qsize()

    @property
    def behind(self) -> str | None:
        """Why a new event (so the suggestion that makes it) would wait for the writer
        now, or None: the queue is full because the store is slow or stuck. A server is
        not ready then (/readyz 503) while it lasts."""
        waiting = self.waiting
        if waiting < self._queue_size:
            return None
        # No location: /readyz says this to anyone who can reach the port.
        return (
            f"the usage log is behind: {waiting} events wait for its writer (its store is "
            "slow or not answering; the server's log names it), so new suggestions wait too"
        )

    # --- observer -----------------------------------------------------------------------

    def on_suggest(self, event: SuggestEvent) -> None:
        self._enqueue(event)

    def on_feedback(self, event: FeedbackEvent) -> None:
        self._enqueue(event)

    def record(self, rows: Sequence[Row]) -> None:
        """Store ready-made rows (masked as events are); for imports and tests."""
        for row in rows:
            self._enqueue(row)

    def _enqueue(self, item: Row | SuggestEvent | FeedbackEvent) -> None:
        if self._closed:
            logger.warning("%r is closed: an event was not recorded", self)
            return
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    # A forked child: its own connection and writer. The parent's
                    # connection is kept, never closed here: closing a copy of it in the
                    # child could disturb the parent's (SQLite: "do not carry a
                    # connection across a fork").
                    self._inherited.append(self._store)
                    self._start()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self._wait_for_room(item)

    def _wait_for_room(self, item: Row | SuggestEvent | FeedbackEvent | None) -> None:
        """Backpressure: the event waits for the writer rather than being lost."""
        if not self._stalled:
            self._stalled = True
            logger.warning(
                "usage log %s is behind (%d events waiting): new events wait for the writer",
                self.location,
                self._queue_size,
            )
        while True:
            try:
                self._queue.put(item, timeout=1.0)
                return
            except queue.Full:
                if not self._writer.is_alive():  # never: the writer catches everything
                    self.dropped += 1
                    logger.error(
                        "usage log %s: its writer stopped; an event was lost", self.location
                    )
                    return

    # --- the writer thread ----------------------------------------------------------------

    def _write_loop(self) -> None:
        queue_ = self._queue
        while True:
            try:
                first = queue_.get(timeout=min(self._prune_every, 60.0) or 0.05)
            except queue.Empty:
                self._stalled = False
                self._prune_if_due()
                continue
            items = [first]
            while len(items) < BATCH:
                try:
                    items.append(queue_.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is None for item in items)
            events = [item for item in items if item is not None]
            if events:
                self._store_batch(events)
            for _ in items:
                queue_.task_done()
            if stop:
                self._drain()
                return
            self._prune_if_due()

    def _drain(self) -> None:
        # Closing: an event that a waiting thread put after the last one is still stored.
        left: list[Row | SuggestEvent | FeedbackEvent] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
            if item is not None:
                left.append(item)
        if left:
            self._store_batch(left)

    def _store_batch(self, items: list[Row | SuggestEvent | FeedbackEvent]) -> None:
        try:
            rows = []
            for item in items:
                rows.append(self._row(item))
                # Masking is pure Python: without a pause after each event the writer
                # would hold the GIL for up to the switch interval (5 ms) whenever a
                # suggestion's thread wants it back, and slow suggestions down.
                time.sleep(0)
        except Exception as error:  # a bug, never a user's event: keep the writer alive
            self.dropped += len(items)
            logger.error(
                "usage log %s: %d events not recorded: %s", self.location, len(items), error
            )
            return
        if self._write(rows, attempts=3):
            return
        # The store may be fine and one event poison (text it refuses): write the events
        # one by one so the others are kept; stop after a few failures in a row with
        # none stored (the store is down, not one event).
        lost = 0
        stored_any = False
        for index, row in enumerate(rows):
            if not stored_any and lost >= 3:
                lost += len(rows) - index
                break
            if self._write([row], attempts=1):
                stored_any = True
            else:
                lost += 1
        if lost:
            self.dropped += lost
            logger.error(
                "usage log %s: %d event%s lost (%d in all since it opened): the store kept failing",
                self.location,
                lost,
                "" if lost == 1 else "s",
                self.dropped,
            )

    def _write(self, rows: list[Row], *, attempts: int) -> bool:
        for attempt in range(attempts):
            try:
                self._store.write(rows)
                return True
            except Exception as error:
                logger.error(
                    "usage log %s: cannot write %d event%s (attempt %d of %d): %s",
                    self.location,
                    len(rows),
                    "" if len(rows) == 1 else "s",
                    attempt + 1,
                    attempts,
                    error,
                )
                if attempt + 1 < attempts:
                    time.sleep(0.2 * 2**attempt)
        return False

    def _row(self, item: Row | SuggestEvent | FeedbackEvent) -> Row:
        keep, mask = self.settings.keep_text, self._masker.mask
        if isinstance(item, SuggestEvent):
            suggestion, match = item.suggestion, item.suggestion.match
            text = suggestion.prepared.text_used if suggestion.prepared else suggestion.message
            language, language_reason = logged_language(suggestion.language)
            return LoggedSuggestion(
                at=item.at,
                fingerprint=item.fingerprint or "",
                channel=suggestion.channel,
                status=match.status,
                answer_id=match.answer_id,
                score=match.score,
                candidates=list(match.candidates),
                latency_ms=item.timings.total * 1000,
                conversation_id=item.request.conversation_id,
                agent=item.request.agent,
                message=mask(text[:MAX_TEXT]) if keep else None,
                language=language,
                language_reason=language_reason,
            )
        if isinstance(item, FeedbackEvent):
            feedback = item.feedback
            return LoggedFeedback(
                at=item.at,
                outcome=feedback.outcome,
                channel=feedback.channel,
                answer_id=feedback.answer_id,
                used_answer_id=feedback.used_answer_id,
                edited_text=_masked(feedback.edited_text, keep, mask),
                conversation_id=feedback.conversation_id,
                agent=feedback.agent,
                source=feedback.source,
                message=_masked(feedback.message, keep, mask),
                fingerprint=item.fingerprint,
            )
        if isinstance(item, LoggedSuggestion):
            return item.model_copy(update={"message": _masked(item.message, keep, mask)})
        return item.model_copy(
            update={
                "edited_text": _masked(item.edited_text, keep, mask),
                "message": _masked(item.message, keep, mask),
            }
        )

    def _prune_if_due(self) -> None:
        if time.monotonic() - self._pruned_at >= self._prune_every:
            try:
                self._prune()
            except Exception as error:
                logger.error("usage log %s: cannot delete old events: %s", self.location, error)

    def _prune(self) -> int:
        self._pruned_at = time.monotonic()
        if self.retention is None or not self._enforce_retention:
            return 0
        return self._store.prune(datetime.now(UTC) - self.retention)

    # --- reading --------------------------------------------------------------------------

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until every event given so far is stored; False if ``timeout`` passed."""
        if self._pid != os.getpid() or not self._writer.is_alive():
            return self._queue.unfinished_tasks == 0
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def suggestions(self, since: datetime | None = None) -> Iterator[LoggedSuggestion]:
        """Every suggestion logged at or after ``since`` (all by default), oldest first."""
        self.flush()
        return self._store.suggestions(_aware(since))

    def feedback(self, since: datetime | None = None) -> Iterator[LoggedFeedback]:
        """Every outcome logged at or after ``since`` (all by default), oldest first."""
        self.flush()
        return self._store.feedback(_aware(since))

    def prune(self) -> int:
        """Delete the events older than the retention period now; how many went."""
        self.flush()
        return self._prune()

    def close(self) -> None:
        """Store what is queued, then close the store. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._pid != os.getpid():
            return  # a forked child that never wrote: the connection is the parent's
        if self._writer.is_alive():
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                self._wait_for_room(None)
            self._writer.join()
        self._store.close()
        _OPEN_LOGS.discard(self)

    def __enter__(self) -> UsageLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _masked(text: str | None, keep: bool, mask: Callable[[str], str]) -> str | None:
    return mask(text[:MAX_TEXT]) if keep and text is not None else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise UsageLogError(f"`since` needs a time zone: {moment.isoformat()} has none")
    return moment
