"""The cache folder's files: where the folder is, atomic writes, owned temporaries,
remembered digests, and what happens when the folder cannot be written.

Where the cache goes, first match wins: ``cache_dir=`` (``--cache-dir``), the
``REPLYKB_CACHE_DIR`` environment variable, ``.replykb/`` inside the base. When the
base is read-only and has no ``.replykb/`` yet (a container image, a CI checkout),
the cache goes to the user's cache folder instead (``$XDG_CACHE_HOME/replykb/...``),
and a warning says where.

A folder that cannot be written (read-only, full, not ours) is never an error: a
valid cache in it is used as it is, and what would have been written is kept in
memory for this process only, with one warning per folder saying how to keep it.

Every file is written to a temporary name and moved into place with ``os.replace``.
A temporary's name records the process that owns it, so one left by a killed
process is removed by the next writer, while a live process's is never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import CacheError

log = logging.getLogger("replykb")

CACHE_DIR_ENV = "REPLYKB_CACHE_DIR"
DEFAULT_CACHE_DIR = ".replykb"
TEMPORARY_PREFIX = ".tmp-"
# Unreferenced files younger than this may still be read by a concurrent process; a
# temporary whose owner cannot be told (another machine) is abandoned after as long.
STALE_SECONDS = 600
_GITIGNORE = b"# replykb's cache: rebuilt when missing\n*\n"
_HOW_TO_CHOOSE = f"pass --cache-dir DIR (cache_dir= in Python) or set ${CACHE_DIR_ENV}"

_reported: set[str] = set()
_reported_lock = threading.Lock()


# --- where the cache goes ------------------------------------------------------------


def resolve_cache_folder(base_root: Path, cache_dir: Path | None = None) -> Path:
    """The cache folder of the base in ``base_root``; see the module docstring.

    ``.replykb/`` is created here when the base can hold it; a chosen folder is created
    when the cache is first written. A folder that cannot be written means working in
    memory (see :func:`report_unwritable`); a chosen path that is a file is a
    :class:`CacheError` (every command said only "File exists" when it wrote there).
    """
    if cache_dir is not None:
        return _chosen_folder(Path(cache_dir).expanduser(), "--cache-dir")
    chosen = os.environ.get(CACHE_DIR_ENV, "").strip()
    if chosen:
        return _chosen_folder(Path(chosen).expanduser(), f"${CACHE_DIR_ENV}")
    default = base_root / DEFAULT_CACHE_DIR
    if default.is_dir():
        return default  # possibly read-only: a valid cache in it is used as it is
    try:
        default.mkdir()
        _ensure_gitignore(default)
        return default
    except OSError as error:
        fallback = user_cache_folder(base_root)
        reason = error.strerror or str(error)
        if fallback is not None:
            with contextlib.suppress(OSError):
                fallback.mkdir(parents=True, exist_ok=True)
                if _once(f"fallback:{default}"):
                    log.warning(
                        "replykb: cannot create the cache folder %s (%s); using %s instead "
                        "(%s to choose)",
                        default,
                        reason,
                        fallback,
                        _HOW_TO_CHOOSE,
                    )
                return fallback
        report_unwritable(default, error)
        return default


def _chosen_folder(folder: Path, given_by: str) -> Path:
    if folder.exists() and not folder.is_dir():
        raise CacheError(
            f"the cache folder {folder} (given by {given_by}) is a file, not a folder: "
            "give a folder (it is created if missing), or remove the file"
        )
    return folder


def user_cache_folder(base_root: Path) -> Path | None:
    """The base's folder in the user's cache (``$XDG_CACHE_HOME``, ``~/.cache``, or
    ``%LOCALAPPDATA%``), named after the base and a hash of its absolute path."""
    if os.environ.get("XDG_CACHE_HOME"):
        root = Path(os.environ["XDG_CACHE_HOME"])
    elif os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        root = Path(os.environ["LOCALAPPDATA"])
    else:
        try:
            root = Path.home() / ".cache"
        except (RuntimeError, KeyError):  # no home folder at all
            return None
    absolute = str(base_root.resolve())
    tag = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return root / "replykb" / "bases" / f"{base_root.resolve().name or 'base'}-{tag}"


# --- writing, or saying once why not -------------------------------------------------


def report_unwritable(folder: Path, error: Exception) -> None:
    """Say once per folder and process that the cache cannot be written, and the fix."""
    if _once(f"unwritable:{folder.absolute()}"):
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        log.warning(
            "replykb: cannot write the cache folder %s (%s): working in memory, so the "
            "next start does this work again; %s to keep the cache in a writable folder",
            folder,
            reason,
            _HOW_TO_CHOOSE,
        )


def _once(key: str) -> bool:
    with _reported_lock:
        if key in _reported:
            return False
        _reported.add(key)
        return True


def write_error(folder: Path) -> OSError | None:
    """Why nothing can be written in ``folder`` (created if missing), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with temporary_file(folder, ".probe"):
            pass
    except OSError as error:
        return error
    return None


def write_in_cache(folder: Path, write: Callable[[], None]) -> bool:
    """Run ``write`` (which writes files in ``folder``, created if missing); False, and
    one warning per folder, when the folder cannot be written, so the caller works in
    memory. FAISS reports a failed write as a RuntimeError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _ensure_gitignore(folder)
        write()
    except (OSError, RuntimeError) as error:
        report_unwritable(folder, error)
        return False
    return True


def write_cache_file(path: Path, write: Callable[[Path], None]) -> bool:
    """Write ``path`` atomically with ``write(temporary)``; see :func:`write_in_cache`."""

    def write_and_move() -> None:
        with temporary_file(path.parent, path.suffix) as temporary:
            write(temporary)
            os.replace(temporary, path)

    return write_in_cache(path.parent, write_and_move)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    with temporary_file(path.parent, path.suffix) as temporary:
        temporary.write_bytes(data)
        os.replace(temporary, path)


def _ensure_gitignore(cache: Path) -> None:
    ignore = cache / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(OSError):
            atomic_write_bytes(ignore, _GITIGNORE)


# --- which base a shared folder serves -------------------------------------------------

# The base that used a chosen cache folder last (its folder and content fingerprint).
BASE_RECORD = "base.json"


def record_base(cache: Path, base_root: Path, answer_ids: Iterable[str]) -> Path | None:
    """Note in a chosen cache folder (``--cache-dir``, ``$REPLYKB_CACHE_DIR``) which
    base uses it, and return the *other* base that used it last, if any: a different
    folder that still holds a base, with at most half of the two bases' answers (by
    id) in common. A copy of this base, edited or not, is the same base: copies share
    a cache by design (the vectors are cached per text).

    The folder keeps one index (and one tuned model) at a time, so two bases sharing
    it rebuild each other's on every switch, and a read-only copy serves only one of
    them: the caller says so. The base's own ``.replykb/`` and the user's cache folder
    are the base's alone and are not recorded.
    """
    root = base_root.resolve()
    folder = cache.resolve()
    if folder.is_relative_to(root) or folder == user_cache_folder(base_root):
        return None
    # Hashed: the record names no answer, only whether two bases share answers.
    ids = sorted({hashlib.sha256(i.encode("utf-8")).hexdigest()[:12] for i in answer_ids})
    record = cache / BASE_RECORD
    last_root, last_ids = None, []
    try:
        last = json.loads(record.read_bytes())
        last_root, last_ids = str(last["root"]), [str(i) for i in last["answers"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or not ours to trust: recorded anew below
    if (last_root, last_ids) != (str(root), ids):
        data = {"root": str(root), "answers": ids}
        with contextlib.suppress(OSError):  # a read-only cache: nothing to record
            cache.mkdir(parents=True, exist_ok=True)  # as the first write would
            atomic_write_bytes(record, json.dumps(data).encode("utf-8"))
    if last_root is None or last_root == str(root):
        return None
    ours, theirs = set(ids), set(last_ids)
    if 2 * len(ours & theirs) > len(ours | theirs):
        return None  # most answers in common: a copy of this base, edited or not
    other = Path(last_root)
    return other if (other / "replykb.yaml").is_file() else None


def report_shared(cache: Path, base_root: Path, other: Path) -> None:
    """Say once per process that ``cache`` serves two bases, and the fix."""
    if _once(f"shared:{cache.absolute()}:{base_root.resolve()}:{other}"):
        log.warning(
            "replykb: the cache folder %s also holds the cache of another base (%s): two "
            "bases sharing one cache folder replace each other's index (each switch builds "
            "it again, and a read-only copy of the folder serves only one of them), and a "
            "model `replykb tune` made for one is used for the other; give each base its "
            "own cache folder (--cache-dir DIR, cache_dir= in Python, $%s)",
            cache,
            other,
            CACHE_DIR_ENV,
        )


# --- temporaries that name their owner -------------------------------------------------


@contextlib.contextmanager
def temporary_file(folder: Path, suffix: str) -> Iterator[Path]:
    """A new empty file in ``folder``, removed on exit unless it was moved away.

    Write it, then ``os.replace`` it to its final name: readers see the old file or the
    new one, never half of one (a rename is atomic within one file system, and the
    temporary file is in the same folder as its destination for that reason).
    """
    handle, name = tempfile.mkstemp(dir=folder, prefix=_owned_prefix(), suffix=suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        # mkstemp creates files readable by the owner only; a cache is shared like any file.
        temporary.chmod(0o644)
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def make_temporary_folder(folder: Path, label: str) -> Path:
    """A new empty folder in ``folder`` that names this process as its owner."""
    made = Path(tempfile.mkdtemp(dir=folder, prefix=f"{_owned_prefix()}{label}-"))
    # mkdtemp makes folders for the owner only; a cache is shared like any folder.
    made.chmod(0o755)
    return made


@contextlib.contextmanager
def temporary_folder(folder: Path, label: str) -> Iterator[Path]:
    """:func:`make_temporary_folder`, removed with its content on exit."""
    made = make_temporary_folder(folder, label)
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


# .tmp-<machine>.<pid>.<process start>-...: the machine tag tells whether the pid is
# one this process can look up (same host, boot and pid namespace: a cache on a
# volume shared by containers is not); the start time tells a reused pid apart.
_OWNED_NAME = re.compile(r"\.tmp-([0-9a-f]{8})\.(\d+)\.(\d+)-")


def _owned_prefix() -> str:
    pid = os.getpid()
    return f"{TEMPORARY_PREFIX}{_machine_tag()}.{pid}.{_process_start(pid) or 0}-"


def _machine_tag() -> str:
    parts = [socket.gethostname()]
    for source in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        with contextlib.suppress(OSError):
            parts.append(os.readlink(source) if "/ns/" in source else Path(source).read_text())
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _process_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, or None (no /proc)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()


def _process_start(pid: int) -> int | None:
    fields = _process_stat(pid)
    # Field 22 of proc(5), the start time in clock ticks since boot; 3 is the state.
    with contextlib.suppress(TypeError, IndexError, ValueError):
        return int(fields[19])  # type: ignore[index]
    return None


def owner_is_gone(name: str) -> bool | None:
    """Whether the process that made the temporary ``name`` has ended: True (ended, or
    a zombie), False (running), None (cannot tell: another machine, an old name, no
    /proc to tell a reused pid apart)."""
    match = _OWNED_NAME.match(name)
    if match is None or os.name != "posix" or match[1] != _machine_tag():
        return None
    pid, started = int(match[2]), int(match[3])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, run by another user
    except OSError:
        return None
    fields = _process_stat(pid)
    if fields is None or not started:
        return None  # no /proc: a running pid may be a reused one, so age decides
    if fields[:1] == ["Z"]:
        return True  # killed, not yet reaped by its parent
    return _process_start(pid) != started  # else the pid was reused


def remove_abandoned_temporaries(cache: Path) -> None:
    """Delete the temporaries of ``cache`` whose owner has ended (an export killed
    midway leaves ~90 MB); those of running processes are kept, and those whose owner
    cannot be told are removed once older than ``STALE_SECONDS``."""
    now = time.time()
    try:
        entries = list(cache.glob(f"{TEMPORARY_PREFIX}*"))
    except OSError:
        return
    for path in entries:
        gone = owner_is_gone(path.name)
        with contextlib.suppress(OSError):
            if gone is False or (gone is None and now - path.stat().st_mtime <= STALE_SECONDS):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def remove_stale_files(cache: Path, pattern: str, keep: str) -> None:
    """Delete the files (or folders) of ``cache`` matching ``pattern``, except ``keep`` and
    those young enough that a concurrent process may still be about to read them."""
    now = time.time()
    for path in cache.glob(pattern):
        with contextlib.suppress(OSError):
            if path.name == keep or now - path.stat().st_mtime <= STALE_SECONDS:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


# --- remembered digests ----------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class FileDigests:
    """sha256 of files, remembered in the cache folder so that a start need not re-read them.

    Verifying the model's weights and its ONNX export means hashing ~180 MB, about 0.3 s
    of the one second a command-line lookup may take. A digest is reused only while the
    file's size, modification and change times and inode are those it was computed for,
    and only if it was computed more than ``RACY_SECONDS`` after the file last changed:
    file times are coarse (a few milliseconds on ext4, two seconds on FAT), so a write
    just before hashing could leave them unchanged (git's "racily clean" files). The
    file carries a checksum of its entries: a damaged one is ignored (everything is
    hashed again), never trusted. Without a folder (``FileDigests(None)``) every call
    hashes.
    """

    FILE = "digests.json"
    FORMAT = 2
    RACY_SECONDS = 3

    def __init__(self, cache: Path | None) -> None:
        self.path = cache / self.FILE if cache is not None else None
        self._entries: dict[str, Any] | None = None

    def sha256(self, path: Path) -> str:
        """The sha256 of ``path``'s content (raises OSError when it cannot be read)."""
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        key = str(path.absolute())
        entry = self._read().get(key)
        if (
            isinstance(entry, dict)
            and entry.get("stat") == signature
            and isinstance(entry.get("checked_ns"), int)
            and entry["checked_ns"] > max(stat.st_mtime_ns, stat.st_ctime_ns) + self._racy_ns
            and isinstance(entry.get("sha256"), str)
        ):
            return str(entry["sha256"])
        # Taken before reading: a change during the read then makes the stat differ later.
        checked_ns = time.time_ns()
        digest = file_sha256(path)
        self._remember(key, {"stat": signature, "checked_ns": checked_ns, "sha256": digest})
        return digest

    def forget(self, path: Path) -> None:
        """Drop the remembered digest of ``path`` (in this process), so it is hashed again."""
        self._read().pop(str(path.absolute()), None)

    @property
    def _racy_ns(self) -> int:
        return self.RACY_SECONDS * 1_000_000_000

    def _read(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None and self.path.is_file():
                try:
                    self._entries = self._parse(self.path.read_bytes())
                except (OSError, ValueError) as error:
                    log.info("replykb: ignoring the digests file %s (%s)", self.path, error)
        return self._entries

    def _parse(self, data: bytes) -> dict[str, Any]:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != self.FORMAT:
            raise ValueError("written by another version of replykb")
        entries = document.get("entries")
        if not isinstance(entries, dict) or document.get("checksum") != _checksum(entries):
            raise ValueError("checksum mismatch")
        return entries

    def _remember(self, key: str, entry: dict[str, Any]) -> None:
        entries = self._read()
        if self.path is None or entries.get(key) == entry:
            return
        entries[key] = entry
        # Forget files that are gone (old exports, a moved model), so the file stays small.
        kept = {name: value for name, value in entries.items() if os.path.exists(name)}
        document = {"format": self.FORMAT, "entries": kept, "checksum": _checksum(kept)}
        # A read-only cache only costs the hashing next time (and is not worth a warning:
        # everything else in it is usable); two writers at once both leave a valid file.
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _ensure_gitignore(self.path.parent)
            atomic_write_bytes(self.path, json.dumps(document, indent=1).encode("utf-8"))
        self._entries = kept


def _checksum(entries: dict[str, Any]) -> str:
    canonical = json.dumps(entries, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
