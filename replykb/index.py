"""The index of every question, cached on disk and never trusted blindly.

Layout of the cache folder (default ``.replykb/`` inside the base)::

    manifest.json              what the index holds and how to verify it (written last)
    index-<sha256>.faiss       the vectors (a FAISS flat index), named by their content hash
    embeddings-<model>.npz     embedding cache: text sha256 -> vector, per model
    digests.json               sha256 of verified files, reused while a file is unchanged
    onnx.json, onnx-<sha256>/  the model's ONNX export (see fastpath.py)

Every file is written to a temporary name and moved into place with
``os.replace``, and the manifest only ever names a complete index file, so a
build killed midway leaves the previous index usable and two processes
building at once both leave a valid one. Nothing is pickled: the embedding
cache is read with ``allow_pickle=False``. The index file is written by FAISS and
read (and searched, exactly) with NumPy, so a lookup does not import FAISS.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .embed import Embedder, file_sha256
from .models import AnswerBase

if TYPE_CHECKING:
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DEFAULT_CACHE_DIR = ".replykb"
# Unreferenced index files younger than this may still be read by a concurrent process.
_STALE_FILE_SECONDS = 600

log = logging.getLogger("replykb")


class FlatIndex(Protocol):
    """What a QuestionIndex searches with: FAISS's flat-index interface."""

    @property
    def ntotal(self) -> int: ...

    def search(self, x: Vectors, k: int) -> tuple[Vectors, npt.NDArray[np.int64]]: ...


@dataclass(frozen=True)
class ExactInnerProduct:
    """Exact inner-product search, as FAISS's ``IndexFlatIP``, in NumPy.

    The index file is FAISS's own, but a lookup reads it as a memory map and searches it
    here: importing FAISS would cost ~60 ms of a one-second start, and an exact search of
    10k vectors takes well under a millisecond either way. Equal scores are ordered by
    row, so the same query always gives the same rows.
    """

    vectors: Vectors

    @property
    def ntotal(self) -> int:
        return int(self.vectors.shape[0])

    def search(self, x: Vectors, k: int) -> tuple[Vectors, npt.NDArray[np.int64]]:
        count, k = self.ntotal, max(0, min(k, self.ntotal))
        queries = np.asarray(x, dtype=np.float32).reshape(-1, self.vectors.shape[1])
        scores = np.empty((len(queries), k), dtype=np.float32)
        rows = np.empty((len(queries), k), dtype=np.int64)
        # Score blocks of queries at a time: at most 2**24 scores (64 MB) in memory.
        block = max(1, (1 << 24) // max(count, 1))
        for start in range(0, len(queries), block):
            for offset, row_scores in enumerate(queries[start : start + block] @ self.vectors.T):
                top = np.argpartition(-row_scores, k - 1)[:k] if 0 < k < count else np.arange(k)
                top = top[np.lexsort((top, -row_scores[top]))]
                rows[start + offset], scores[start + offset] = top, row_scores[top]
        return scores, rows


@dataclass(frozen=True)
class QuestionIndex:
    """Every question's normalized vector, searched by inner product (cosine).

    Row ``i`` holds question ``i`` of answer ``answer_ids[row_answer[i]]``.
    ``faiss_index`` is anything with FAISS's flat-index interface; loading and building
    both give an :class:`ExactInnerProduct`, so a base matches the same in every process.
    """

    faiss_index: FlatIndex
    vectors: Vectors
    answer_ids: tuple[str, ...]
    row_answer: npt.NDArray[np.int32]
    model_id: str

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, npt.NDArray[np.int64]]:
        """Top-``k`` question rows by cosine for each query row."""
        k = max(1, min(k, self.size))
        scores, rows = self.faiss_index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, rows


def index_rows(base: AnswerBase) -> list[tuple[str, str]]:
    """(answer id, question) per index row, in a stable order."""
    return [(answer.id, question) for answer in base.answers for question in answer.questions]


def base_texts(base: AnswerBase) -> list[str]:
    """Every text of the base that gets embedded: questions, held-out tests, out-of-scope.

    The embedding cache keeps all of them, so a re-check of an unchanged base encodes nothing.
    """
    texts = [text for answer in base.answers for text in (*answer.questions, *answer.tests)]
    return texts + list(base.settings.out_of_scope)


def index_key(rows: Sequence[tuple[str, str]], model_id: str) -> str:
    """What the index content depends on: the questions, their answers, the model."""
    payload = json.dumps({"model": model_id, "rows": rows}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cache_folder(base: AnswerBase, cache_dir: Path | None = None) -> Path:
    """Where the base's index cache lives: ``cache_dir``, or ``.replykb/`` inside the base."""
    return Path(cache_dir) if cache_dir is not None else base.root / DEFAULT_CACHE_DIR


def load_or_build_index(
    base: AnswerBase,
    embedder: Embedder,
    cache_dir: Path | None = None,
    *,
    digests: FileDigests | None = None,
) -> QuestionIndex:
    """The base's index from the cache when it is valid for this base and model, else built.

    A stale, corrupt, truncated or other-model cache is rebuilt, and a log line says why.
    ``digests`` spares re-hashing an index file that has not changed since it was verified.
    """
    cache = cache_folder(base, cache_dir)
    rows = index_rows(base)
    key = index_key(rows, embedder.model_id)
    answer_ids = tuple(answer.id for answer in base.answers)
    manifest = _verified_manifest(cache, key, embedder.model_id, digests or FileDigests(None))
    if isinstance(manifest, dict):
        try:
            return _read_index(cache, manifest, rows, answer_ids, embedder.model_id)
        except (OSError, RuntimeError, ValueError) as error:
            reason = f"the index file cannot be read ({error})"
    else:
        reason = manifest
    log.info("replykb: building the index of %s: %s", base.root, reason)
    texts = [question for _, question in rows]
    vectors = EmbeddingCache(cache, embedder).encode(texts, keep=base_texts(base))
    index = _make_index(vectors, rows, answer_ids, embedder.model_id)
    _write_index(cache, index, key, base.fingerprint)
    return index


def _verified_manifest(
    cache: Path, key: str, model_id: str, digests: FileDigests
) -> dict[str, Any] | str:
    """The manifest, when it and the index file it names are valid; else why not."""
    manifest_path = cache / MANIFEST
    if not manifest_path.is_file():
        return "no index has been built yet"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as error:
        return f"its manifest is corrupt ({error})"
    from . import __version__

    expectations = {
        "format": FORMAT_VERSION,
        "replykb_version": __version__,
        "model_id": model_id,
        "index_key": key,
    }
    for name, expected in expectations.items():
        if manifest.get(name) != expected:
            what = {"index_key": "the questions changed"}.get(name, f"{name} changed")
            return f"it is stale ({what})"
    index_file = cache / str(manifest.get("index_file", ""))
    if not index_file.is_file():
        return "its index file is missing"
    if index_file.stat().st_size != manifest.get("index_bytes"):
        return "its index file is truncated"
    if digests.sha256(index_file) != manifest.get("index_sha256"):
        return "its index file is corrupt (checksum mismatch)"
    return manifest


def _read_index(
    cache: Path,
    manifest: dict[str, Any],
    rows: list[tuple[str, str]],
    answer_ids: tuple[str, ...],
    model_id: str,
) -> QuestionIndex:
    path = cache / manifest["index_file"]
    try:
        vectors = _read_flat_index(path, len(rows), int(manifest["dimension"]))
    except ValueError:  # a layout this reader does not know (another FAISS version): ask FAISS
        vectors = _read_with_faiss(path, len(rows), int(manifest["dimension"]))
    # Shared by every thread that matches: nothing may change it.
    vectors.flags.writeable = False
    return QuestionIndex(
        ExactInnerProduct(vectors), vectors, answer_ids, _row_answer(rows, answer_ids), model_id
    )


# The header of a FAISS IndexFlatIP file, then its vectors: fourcc, dimension, count, two
# unused counts, is_trained, metric (0: inner product), number of floats that follow.
_FLAT_HEADER = struct.Struct("<4siqqq?iQ")


def _read_flat_index(path: Path, count: int, dimension: int) -> Vectors:
    """The vectors of a FAISS flat inner-product index file, read without importing FAISS.

    Read into memory rather than memory-mapped: the vectors start 45 bytes into the file,
    and NumPy's BLAS routines refuse unaligned arrays (a search of a mapped 100k-question
    index took 300 ms instead of 7 ms), while the matcher reads every vector at load anyway.
    """
    with path.open("rb") as stream:
        header = stream.read(_FLAT_HEADER.size)
    if len(header) != _FLAT_HEADER.size:
        raise ValueError("no FAISS header")
    fourcc, d, ntotal, _, _, _, metric, floats = _FLAT_HEADER.unpack(header)
    if (fourcc, d, ntotal, metric, floats) != (b"IxFI", dimension, count, 0, count * dimension):
        raise ValueError(f"not a flat inner-product index of {count} x {dimension} vectors")
    if path.stat().st_size != _FLAT_HEADER.size + 4 * count * dimension:
        raise ValueError("unexpected bytes after the vectors")
    vectors = np.fromfile(path, dtype="<f4", count=count * dimension, offset=_FLAT_HEADER.size)
    return vectors.astype(np.float32, copy=False).reshape(count, dimension)


def _read_with_faiss(path: Path, count: int, dimension: int) -> Vectors:
    import faiss

    faiss_index = faiss.read_index(str(path))
    if faiss_index.ntotal != count or faiss_index.d != dimension:
        raise ValueError(f"it holds {faiss_index.ntotal} vectors for {count} questions")
    vectors: Vectors = faiss_index.reconstruct_n(0, count).astype(np.float32, copy=False)
    return vectors


def _make_index(
    vectors: Vectors, rows: list[tuple[str, str]], answer_ids: tuple[str, ...], model_id: str
) -> QuestionIndex:
    return QuestionIndex(
        ExactInnerProduct(vectors), vectors, answer_ids, _row_answer(rows, answer_ids), model_id
    )


def _row_answer(rows: list[tuple[str, str]], answer_ids: tuple[str, ...]) -> npt.NDArray[np.int32]:
    position = {answer_id: i for i, answer_id in enumerate(answer_ids)}
    return np.fromiter((position[a] for a, _ in rows), dtype=np.int32, count=len(rows))


def _write_index(cache: Path, index: QuestionIndex, key: str, fingerprint: str) -> None:
    import faiss

    from . import __version__

    cache.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(cache)
    flat = faiss.IndexFlatIP(index.dimension)
    flat.add(np.ascontiguousarray(index.vectors, dtype=np.float32))
    with temporary_file(cache, ".faiss") as temporary:
        faiss.write_index(flat, str(temporary))
        digest = file_sha256(temporary)
        size = temporary.stat().st_size
        index_file = f"index-{digest[:32]}.faiss"
        os.replace(temporary, cache / index_file)
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "replykb_version": __version__,
        "model_id": index.model_id,
        "dimension": index.dimension,
        "questions": index.size,
        "index_key": key,
        "base_fingerprint": fingerprint,
        "index_file": index_file,
        "index_bytes": size,
        "index_sha256": digest,
    }
    atomic_write_bytes(cache / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
    remove_stale_files(cache, "index-*.faiss", keep=index_file)
    remove_stale_files(cache, ".tmp-*", keep="")  # left by a process killed while writing


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    with temporary_file(path.parent, path.suffix) as temporary:
        temporary.write_bytes(data)
        os.replace(temporary, path)


@contextlib.contextmanager
def temporary_file(folder: Path, suffix: str) -> Iterator[Path]:
    """A new empty file in ``folder``, removed on exit unless it was moved away.

    Write it, then ``os.replace`` it to its final name: readers see the old file or the
    new one, never half of one (a rename is atomic within one file system, and the
    temporary file is in the same folder as its destination for that reason).
    """
    handle, name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(handle)
    temporary = Path(name)
    # mkstemp creates files readable by the owner only; a cache is shared like any file.
    temporary.chmod(0o644)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def remove_stale_files(cache: Path, pattern: str, keep: str) -> None:
    """Delete the files (or folders) of ``cache`` matching ``pattern``, except ``keep`` and
    those young enough that a concurrent process may still be about to read them."""
    now = time.time()
    for path in cache.glob(pattern):
        with contextlib.suppress(OSError):
            if path.name == keep or now - path.stat().st_mtime <= _STALE_FILE_SECONDS:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def _ensure_gitignore(cache: Path) -> None:
    ignore = cache / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(OSError):
            atomic_write_bytes(ignore, b"# replykb's cache: rebuilt when missing\n*\n")


class FileDigests:
    """sha256 of files, remembered in the cache folder so that a start need not re-read them.

    Verifying the model's weights and its ONNX export means hashing ~180 MB, about 0.3 s
    of the one second a command-line lookup may take. A digest is reused only while the
    file's size, modification and change times and inode are those it was computed for,
    and only if it was computed more than ``RACY_SECONDS`` after the file last changed:
    file times are coarse (a few milliseconds on ext4, two seconds on FAT), so a write
    just before hashing could leave them unchanged (git's "racily clean" files). Without
    a folder (``FileDigests(None)``) every call hashes.
    """

    FILE = "digests.json"
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

    @property
    def _racy_ns(self) -> int:
        return self.RACY_SECONDS * 1_000_000_000

    def _read(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                with contextlib.suppress(OSError, ValueError):
                    entries = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(entries, dict):
                        self._entries = entries
        return self._entries

    def _remember(self, key: str, entry: dict[str, Any]) -> None:
        entries = self._read()
        if self.path is None or entries.get(key) == entry:
            return
        entries[key] = entry
        # Forget files that are gone (old exports, a moved model), so the file stays small.
        kept = {name: value for name, value in entries.items() if os.path.exists(name)}
        # A read-only cache only costs the hashing next time; two writers at once both leave
        # a valid file (the last one wins, and the other's digests are simply computed again).
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _ensure_gitignore(self.path.parent)
            atomic_write_bytes(self.path, json.dumps(kept, indent=1).encode("utf-8"))
        self._entries = kept


class EmbeddingCache:
    """Embeddings per (model, text), so an edit re-encodes only the texts it changed.

    A long encoding is saved as it goes (every ``CHECKPOINT_SECONDS``), so a first build
    of a large base that is killed resumes where it was rather than from nothing.
    """

    CHECKPOINT_SECONDS = 60.0
    CHUNK_TEXTS = 2048

    def __init__(self, cache: Path, embedder: Embedder) -> None:
        self.embedder = embedder
        model_key = hashlib.sha256(embedder.model_id.encode("utf-8")).hexdigest()[:16]
        self.path = cache / f"embeddings-{model_key}.npz"

    def encode(self, texts: Sequence[str], *, keep: Iterable[str] = ()) -> Vectors:
        """Vectors for ``texts``, encoding only those not cached; saves ``keep`` + ``texts``."""
        known = self._read()
        keys = [_text_key(text) for text in texts]
        missing = sorted(
            {key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items()
        )
        if missing:
            log.info("replykb: embedding %d new text(s)", len(missing))
            self._encode_missing(missing, known)
        vectors = np.stack([known[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)
        if missing or len(known) > len(set(keys)):
            keep_keys = set(keys) | {_text_key(text) for text in keep}
            self._write({key: vector for key, vector in known.items() if key in keep_keys})
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_missing(
        self, missing: Sequence[tuple[bytes, str]], known: dict[bytes, Vectors]
    ) -> None:
        saved_at = time.monotonic()
        for start in range(0, len(missing), self.CHUNK_TEXTS):
            chunk = missing[start : start + self.CHUNK_TEXTS]
            fresh = self.embedder.encode([text for _, text in chunk])
            known.update({key: fresh[i] for i, (key, _) in enumerate(chunk)})
            more_to_come = start + self.CHUNK_TEXTS < len(missing)
            if more_to_come and time.monotonic() - saved_at >= self.CHECKPOINT_SECONDS:
                self._write(known)
                saved_at = time.monotonic()

    def _read(self) -> dict[bytes, Vectors]:
        if not self.path.is_file():
            return {}
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
                if keys.ndim != 2 or keys.shape[1] != 32 or len(keys) != len(vectors):
                    raise ValueError("inconsistent shapes")
                return {bytes(key): vectors[i] for i, key in enumerate(keys)}
        except (OSError, ValueError, KeyError, EOFError) as error:
            log.warning("replykb: ignoring the corrupt embedding cache %s (%s)", self.path, error)
            return {}

    def _write(self, entries: dict[bytes, Vectors]) -> None:
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted(entries)
        keys = np.frombuffer(b"".join(ordered), dtype=np.uint8).reshape(len(ordered), 32)
        vectors = np.stack([entries[key] for key in ordered]).astype(np.float32)
        with temporary_file(self.path.parent, ".npz") as temporary:
            with temporary.open("wb") as stream:
                np.savez(stream, keys=keys, vectors=vectors)
            os.replace(temporary, self.path)


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()
