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
        # A deploy may take the base away for a moment (`rm -r base && cp -r new base`)
        # or swap the folder (`mv base base.old && mv base.new base`): the watcher waits
        # for it and watches again, rather than stopping for good.
        gone = False
        while not self._stop.is_set():
            watched = self._folder()
            if watched is None:
                if not gone:
                    logger.warning(
                        "%s is gone; the current base goes on serving until it is back",
                        self.root,
                    )
                    gone = True
                self._stop.wait(1.0)
                continue
            if gone:
                gone = False
                logger.info("%s is back: reloading the base", self.root)
                self._on_change()
            try:
                self._watch(watched)
            except Exception:
                if self._folder() is None:
                    continue  # gone while being watched: wait for it above
                # SIGHUP and POST /v1/reload work meanwhile.
                logger.exception("watching %s failed; watching again in a second", self.root)
                self._stop.wait(1.0)

    def _folder(self) -> tuple[Path, int, int] | None:
        """The folder ``root`` leads to now, as (path, device, inode): a symlink switched
        to another release, or another folder moved into its place, is another folder.
        None while there is none."""
        try:
            target = self.root.resolve()
            status = target.stat()
        except OSError:
            return None
        return target, status.st_dev, status.st_ino

    def _watch(self, watched: tuple[Path, int, int]) -> None:
        """Watch ``watched`` until ``root`` leads to another folder (ask for a reload
        when there is one), to none, or the watcher stops."""
        # Imported here: only a server that watches pays for it.
        from watchfiles import watch

        target = self._root = watched[0]
        for changes in watch(
            target,
            watch_filter=lambda change, path: self.is_base_file(path),
            debounce=self._debounce_ms,
            stop_event=self._stop,
            rust_timeout=1000,
            yield_on_timeout=True,  # an empty set each second: time to look at the folder
            raise_interrupt=False,
        ):
            now = self._folder()
            if now != watched:
                if now is not None:
                    logger.info("%s now leads to another folder: reloading the base", self.root)
                    self._on_change()
                return
            if changes:
                logger.info("%d change(s) under %s: reloading the base", len(changes), self.root)
                self._on_change()
