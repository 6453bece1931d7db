"""Which files make up an answer base, and reading each of them within bounds.

Nothing in the base folder is skipped silently. Answer files are every ``*.yaml`` and
``*.yml`` (in any letter case) outside ``templates/`` and hidden folders; every file
of ``templates/`` is a template. Symlinks are followed when they stay inside the base
folder: a linked file counts under the link's name; an answer folder is read once
however many ways lead to it, and a link loop adds nothing. A link that leaves the
base or leads nowhere, a folder that cannot be listed, and a file that cannot be
read, is not a regular file or is over :data:`MAX_FILE_BYTES` each become a located
problem (code RKB004).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .locations import Location, Problem

__all__ = [
    "ANSWER_SUFFIXES",
    "MAX_FILE_BYTES",
    "SETTINGS_FILE",
    "TEMPLATES_DIR",
    "BaseFiles",
    "discover",
    "read_text",
]

SETTINGS_FILE = "replykb.yaml"
TEMPLATES_DIR = "templates"
# Compared case-insensitively: `REFUND.YAML` is an answer file too, never ignored.
ANSWER_SUFFIXES = (".yaml", ".yml")
# Far above any real answer, template or replykb.yaml (the largest example base file is
# a few kilobytes); it keeps a stray data dump or /dev/zero-like file from being parsed.
MAX_FILE_BYTES = 2 * 1024 * 1024

# Opening a named pipe for reading blocks until a writer appears; non-blocking, the open
# returns at once and fstat tells it is not a regular file.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


@dataclass
class BaseFiles:
    """The files of a base to load, by role; sorted by path."""

    answers: list[Path] = field(default_factory=list)
    # name relative to templates/ (posix) -> file
    templates: dict[str, Path] = field(default_factory=dict)


def discover(root: Path, problems: list[Problem]) -> BaseFiles:
    """Every answer and template file of the base in ``root``; unreachable ones as problems."""
    walker = _Walker(root, problems)
    walker.run()
    return BaseFiles(
        answers=sorted(walker.answers),
        templates=dict(sorted(walker.templates.items())),
    )


def outside_link_problem(file: Path, root: Path) -> Problem | None:
    """A problem when ``file`` is a symlink whose target is outside ``root`` (or missing)."""
    if not file.is_symlink():
        return None
    try:
        target = os.path.realpath(file, strict=True)
    except OSError as error:
        return _broken_link(file, error)
    if not _is_inside(target, os.path.realpath(root)):
        return _outside_link(file, target)
    return None


def read_text(file: Path, problems: list[Problem]) -> str | None:
    """The UTF-8 text of ``file``, or ``None`` with a located problem saying why not."""
    raw = _read_bytes(file, problems)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        problems.append(
            Problem(
                code="RKB001",
                location=Location(file=str(file), line=line, column=column),
                message=f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
            )
        )
        return None


def _read_bytes(file: Path, problems: list[Problem]) -> bytes | None:
    try:
        descriptor = os.open(file, _OPEN_FLAGS)
    except OSError as error:
        problems.append(_unreadable(file, error, "read this file", "a+r"))
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            problems.append(
                _problem(
                    file,
                    "not a regular file (a folder, pipe, socket or device has this name); "
                    "rename it or move it out of the base",
                )
            )
            return None
        if info.st_size > MAX_FILE_BYTES:
            problems.append(_too_large(file, info.st_size))
            return None
        chunks: list[bytes] = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        problems.append(_unreadable(file, error, "read this file", "a+r"))
        return None
    finally:
        os.close(descriptor)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        # A file that grew while it was read, or whose size stat does not tell.
        problems.append(_too_large(file, len(raw)))
        return None
    return raw


class _Walker:
    """Walks the base once, following symlinks that stay inside it."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.root = root
        self.root_real = os.path.realpath(root)
        self.problems = problems
        self.answers: list[Path] = []
        self.templates: dict[str, Path] = {}
        # Real paths of the answer folders walked: a second way into one (a loop, or
        # two links to it) would only repeat its answers under the same ids.
        self.seen_folders: set[str] = set()
        # Each link with the real paths of the folders above it, to stop link loops
        # under templates/, where every name counts and folders are not deduplicated.
        self.links: list[tuple[Path, frozenset[str]]] = []

    def run(self) -> None:
        # The real tree first, then the links: a folder reachable both ways is read
        # at its own path, and links found inside linked folders are followed in turn.
        self.walk(self.root, frozenset())
        while self.links:
            pending, self.links = sorted(self.links, key=lambda link: link[0]), []
            for link, above in pending:
                self.follow(link, above)

    def walk(self, top: Path, above_top: frozenset[str]) -> None:
        folders = [(top, above_top)]
        while folders:
            folder, above = folders.pop()
            real = os.path.realpath(folder)
            if real in above:
                continue  # a link back to a folder that holds it: nothing new below
            if self.role(folder) != "template":
                if real in self.seen_folders:
                    continue
                self.seen_folders.add(real)
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as error:
                self.problems.append(_unreadable(folder, error, "list this folder", "a+rx"))
                continue
            chain = above | {real}
            for entry in entries:
                path = Path(entry.path)
                if entry.name.startswith(".") or self.role(path) == "skip":
                    continue
                try:
                    is_link = entry.is_symlink()
                    is_folder = not is_link and entry.is_dir(follow_symlinks=False)
                except OSError as error:
                    self.problems.append(_unreadable(path, error, "read this entry", "a+r"))
                    continue
                if is_link:
                    self.links.append((path, chain))
                elif is_folder:
                    folders.append((path, chain))
                else:
                    self.add_file(path)

    def follow(self, link: Path, above: frozenset[str]) -> None:
        role = self.role(link)
        try:
            target = os.path.realpath(link, strict=True)
            is_folder = os.path.isdir(target)
        except OSError as error:
            # A link that leads nowhere matters when its name says it would be loaded,
            # or when it may have been a folder (no suffix).
            if role in ("answer", "template") or not link.suffix:
                self.problems.append(_broken_link(link, error))
            return
        if not (is_folder or role in ("answer", "template")):
            return
        if not _is_inside(target, self.root_real):
            self.problems.append(_outside_link(link, target))
        elif is_folder:
            self.walk(link, above)
        else:
            self.add_file(link)

    def role(self, path: Path) -> str:
        """What ``path`` is by its name: ``answer``, ``template``, ``skip`` or ``other``."""
        parts = path.relative_to(self.root).parts
        if len(parts) > 1 and parts[0] == TEMPLATES_DIR:
            return "template"
        if parts == (SETTINGS_FILE,):
            return "skip"
        if path.suffix.lower() in ANSWER_SUFFIXES:
            return "answer"
        return "other"

    def add_file(self, path: Path) -> None:
        # Every name is loaded, links included: a linked answer without `id:` takes its
        # id from the link's name, and a linked template is found under the link's name.
        role = self.role(path)
        if role == "answer":
            self.answers.append(path)
        elif role == "template":
            self.templates[path.relative_to(self.root / TEMPLATES_DIR).as_posix()] = path


def _is_inside(target: str, root_real: str) -> bool:
    return target == root_real or target.startswith(root_real.rstrip(os.sep) + os.sep)


def _problem(path: Path, message: str) -> Problem:
    return Problem(code="RKB004", location=Location(file=str(path)), message=message)


def _unreadable(path: Path, error: OSError, action: str, mode: str) -> Problem:
    if isinstance(error, PermissionError):
        reason = "permission denied"
    else:
        reason = error.strerror or type(error).__name__
    return _problem(
        path,
        f"cannot {action}: {reason}; make it readable by the user who runs replykb "
        f"(chmod {mode} '{path}') or move it out of the base, else its content is missing",
    )


def _too_large(path: Path, size: int) -> Problem:
    return _problem(
        path,
        f"file of {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes for a file of "
        "the base; split it, or move it out of the base if it is not part of it",
    )


def _broken_link(link: Path, error: OSError) -> Problem:
    try:
        target = os.readlink(link)
    except OSError:
        target = "?"
    reason = error.strerror or type(error).__name__
    return _problem(
        link,
        f"symlink to '{target}' cannot be followed ({reason}); fix the link or remove it",
    )


def _outside_link(link: Path, target: str) -> Problem:
    return _problem(
        link,
        f"symlink to '{target}', outside the base folder; replykb follows only links that "
        "stay inside the base: copy the files into the base, or link the other way round",
    )
