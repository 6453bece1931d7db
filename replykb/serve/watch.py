"""Watching the base's folder: an edited, added or removed file asks for a reload."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from ..basefiles import ANSWER_SUFFIXES, TEMPLATES_DIR

logger = logging.getLogger(__name__)

# Milliseconds of quiet after a change before reloading: an editor's save or a
# `git pull` writes several files, and they should make one reload, not one each.
DEBOUNCE_MS = 400


class BaseWatcher:
    """Calls ``on_change()`` after files under ``root`` change (debounced), ignoring the
    folders in ``ignore`` (the index cache, which a reload itself writes)."""

    def __init__(
        self,
        root: Path,
        on_change: Callable[[], object],
        *,
        ignore: Iterable[Path] = (),
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        self.root = root
        self._on_change = on_change
        self._root = root.resolve()
        self._ignore = tuple(str(path.resolve()) for path in ignore)
        self._debounce_ms = debounce_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="replykb-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def is_base_file(self, path: str) -> bool:
        """Whether a change to ``path`` can change the base: replykb.yaml, an answer file
        (``*.yaml``/``*.yml``) or a template, outside hidden folders, as the loader reads
        them (basefiles.py). A usage log, its -wal/-shm files or an editor's backup in the
        folder are not, nor is the cache (a reload itself writes there)."""
        if any(path == ignored or path.startswith(ignored + os.sep) for ignored in self._ignore):
            return False
        try:
            relative = Path(path).resolve().relative_to(self._root)
        except ValueError:
            return False
        parts = relative.parts
        if not parts or any(part.startswith(".") for part in parts):
            return False
        if parts[0] == TEMPLATES_DIR:
            return len(parts) > 1
        return relative.suffix.lower() in ANSWER_SUFFIXES

    def _run(self) -> None:
        try:
            while self._watch_target():
                pass
        except Exception:
            # The server goes on without watching; SIGHUP and POST /v1/reload still work.
            logger.exception(
                "watching %s stopped; reload with SIGHUP or POST /v1/reload", self.root
            )

    def _watch_target(self) -> bool:
        """Watch the folder ``root`` leads to until it leads elsewhere (a deploy that
        switches a symlink, ``current -> releases/v2``: True, watch again) or the
        watcher stops (False)."""
        # Imported here: only a server that watches pays for it.
        from watchfiles import watch

        target = self._root = self.root.resolve()
        for changes in watch(
            target,
            watch_filter=lambda change, path: self.is_base_file(path),
            debounce=self._debounce_ms,
            stop_event=self._stop,
            rust_timeout=1000,
            yield_on_timeout=True,  # an empty set each second: time to look at the link
            raise_interrupt=False,
        ):
            if self.root.resolve() != target:
                logger.info(
                    "%s now leads to %s: reloading the base", self.root, self.root.resolve()
                )
                self._on_change()
                return True
            if changes:
                logger.info("%d change(s) under %s: reloading the base", len(changes), self.root)
                self._on_change()
        return False
