"""The base a server answers from, and reloading it without downtime.

:class:`BaseHolder` keeps one :class:`Loaded` (the KnowledgeBase, its fingerprint and
when it was loaded). A request reads ``holder.current`` once and works on that object
to the end, so a reload that swaps the reference meanwhile never changes a request in
flight: it finishes on the old base, the next one starts on the new.

Reloads run in one background thread, one at a time. Requests that arrive while a load
runs are served together by the next load (a burst of file events, SIGHUPs and
``POST /v1/reload`` calls costs at most one more load). A base that fails to load
leaves the old one serving; the failure is kept for ``/readyz`` and logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from ..errors import ReplyKBError

if TYPE_CHECKING:
    from ..kb import KnowledgeBase
    from ..learn.masking import Masker

logger = logging.getLogger(__name__)

ReloadResultKind = Literal["reloaded", "unchanged", "failed"]


@dataclass(frozen=True)
class Loaded:
    """A loaded base, as served: never changed, replaced whole by a reload."""

    kb: KnowledgeBase
    fingerprint: str
    loaded_at: datetime
    # What replies depend on beyond the base's files (see :func:`served_identity`).
    identity: tuple[str, str, str]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Loaded:
        return cls(
            kb=kb,
            fingerprint=kb.base.fingerprint,
            loaded_at=datetime.now(UTC),
            identity=served_identity(kb),
        )

    @cached_property
    def masker(self) -> Masker:
        """The usage log's masker with this base's `log: mask` patterns, for customer text
        a server writes in its own log (`--log-messages`); built on first use."""
        from ..learn.masking import Masker

        return Masker(self.kb.settings.log.mask)


def served_identity(kb: KnowledgeBase) -> tuple[str, str, str]:
    """What a base serves with: its files' fingerprint, the model it matches with and the
    match settings in force. The fingerprint alone covers only the base's files, and
    `replykb tune` changes neither: it swaps the model (and its calibrated threshold)
    in the cache, which a reload must pick up. All three are read from the loaded base,
    so telling "unchanged" costs no encoding."""
    return (kb.base.fingerprint, kb.index.model_id, kb.settings.match.model_dump_json())


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload did: the base serving after it, and the error when it failed."""

    result: ReloadResultKind
    serving: Loaded
    at: datetime
    error: str | None = None
    kind: str | None = None


class BaseHolder:
    """The current base of one server, and its reloads.

    ``load`` makes a new KnowledgeBase from the base's files (the CLI's loads the
    folder with the server's cache and usage log); ``initial`` is the base to serve
    first (loaded with ``load`` when not given, so a base that does not load stops the
    server from starting, with the library's error).
    """

    def __init__(
        self,
        load: Callable[[], KnowledgeBase],
        *,
        initial: KnowledgeBase | None = None,
    ) -> None:
        self._load = load
        if initial is None:
            initial = load()
        _warm_up(initial)
        self._loaded = Loaded.of(initial)
        self._failure: ReloadOutcome | None = None
        self._last: ReloadOutcome | None = None
        self._listeners: tuple[Callable[[ReloadOutcome], None], ...] = ()
        self._condition = threading.Condition()
        self._requested = 0  # reloads asked for so far
        self._done = 0  # of those, how many a finished load covered
        self._worker: threading.Thread | None = None
        self._closed = False

    # --- what requests read ---------------------------------------------------------

    @property
    def current(self) -> Loaded:
        """The base to serve a request from; read it once per request."""
        return self._loaded

    @property
    def failure(self) -> ReloadOutcome | None:
        """The last reload's failure while the old base serves; None once one succeeds."""
        return self._failure

    @property
    def reloading(self) -> bool:
        """A reload was asked for and has not finished yet."""
        return self._requested > self._done and not self._closed

    @property
    def last_reload(self) -> ReloadOutcome | None:
        return self._last

    def add_listener(self, listener: Callable[[ReloadOutcome], None]) -> None:
        """Call ``listener(outcome)`` after every reload (metrics count them)."""
        self._listeners = (*self._listeners, listener)

    # --- asking for a reload --------------------------------------------------------

    def request_reload(self) -> int:
        """Ask for a reload without waiting; returns a ticket for :meth:`wait`."""
        with self._condition:
            if self._closed:
                return self._requested
            self._requested += 1
            ticket = self._requested
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="replykb-reload", daemon=True
                )
                self._worker.start()
            self._condition.notify_all()
            return ticket

    def wait(self, ticket: int, timeout: float | None = None) -> ReloadOutcome | None:
        """The outcome of a load that started after ``ticket`` was given (or a later
        one), or None when ``timeout`` seconds pass first."""
        with self._condition:
            covered = self._condition.wait_for(
                lambda: self._done >= ticket or self._closed, timeout
            )
            return self._last if covered and self._done >= ticket else None

    def reload(self, timeout: float | None = None) -> ReloadOutcome | None:
        """Reload now and wait for the outcome."""
        return self.wait(self.request_reload(), timeout)

    def close(self) -> None:
        """Stop the reload thread (a load under way finishes, and is not swapped in)."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=60)

    # --- the reload thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._requested > self._done or self._closed)
                if self._closed:
                    return
                # Every request made so far is covered by this load, which starts now.
                target = self._requested
            outcome = self._load_once()
            with self._condition:
                if self._closed:
                    return
                self._apply(outcome)
                self._done = target
                self._condition.notify_all()
            for listener in self._listeners:
                try:
                    listener(outcome)
                except Exception:
                    logger.exception("a reload listener failed")

    def _load_once(self) -> ReloadOutcome:
        old = self._loaded
        try:
            kb = self._load()
            _warm_up(kb)
        except ReplyKBError as error:
            logger.error(
                "reload failed; still serving the base %s loaded at %s: %s",
                old.fingerprint[:12],
                old.loaded_at.isoformat(),
                error,
            )
            return ReloadOutcome(
                "failed", old, datetime.now(UTC), error=str(error), kind=type(error).__name__
            )
        except Exception as error:
            logger.exception("reload failed with an unexpected error; still serving the old base")
            return ReloadOutcome(
                "failed",
                old,
                datetime.now(UTC),
                error="unexpected error while loading the base, see the server log",
                kind=type(error).__name__,
            )
        new = Loaded.of(kb)
        if new.identity == old.identity:
            logger.info("reload: the base is unchanged (%s)", old.fingerprint[:12])
            return ReloadOutcome("unchanged", old, datetime.now(UTC))
        _, old_model, old_match = old.identity
        _, new_model, new_match = new.identity
        logger.info(
            "reloaded the base: %s (%d answers), was %s%s%s",
            new.fingerprint[:12],
            len(kb.answers),
            old.fingerprint[:12],
            "; the model changed" if new_model != old_model else "",
            "; the match settings changed" if new_match != old_match else "",
        )
        return ReloadOutcome("reloaded", new, datetime.now(UTC))

    def _apply(self, outcome: ReloadOutcome) -> None:
        # One reference assignment: a request holds the old Loaded until it finishes.
        self._loaded = outcome.serving
        self._failure = outcome if outcome.result == "failed" else None
        self._last = outcome


def _warm_up(kb: KnowledgeBase) -> None:
    """Match one question before swapping in: the new base's model and index work, and
    the first request after a reload does not pay for the first encoding."""
    if kb.answers:
        kb.match(kb.answers[0].questions[0])
