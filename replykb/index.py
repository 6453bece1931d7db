"""The FAISS index of every question, cached on disk and never trusted blindly.

Layout of the cache folder (default ``.replykb/`` inside the base)::

    manifest.json              what the index holds and how to verify it (written last)
    index-<sha256>.faiss       the vectors, named by their own content hash
    embeddings-<model>.npz     embedding cache: text sha256 -> vector, per model

Every file is written to a temporary name and moved into place with
``os.replace``, and the manifest only ever names a complete index file, so a
build killed midway leaves the previous index usable and two processes
building at once both leave a valid one. Nothing is pickled: the embedding
cache is read with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .embed import Embedder, file_sha256
from .models import AnswerBase

if TYPE_CHECKING:
    import faiss
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DEFAULT_CACHE_DIR = ".replykb"
# Unreferenced index files younger than this may still be read by a concurrent process.
_STALE_FILE_SECONDS = 600

log = logging.getLogger("replykb")


@dataclass(frozen=True)
class QuestionIndex:
    """Every question's normalized vector in a FAISS inner-product index.

    Row ``i`` holds question ``i`` of answer ``answer_ids[row_answer[i]]``.
    """

    faiss_index: faiss.Index
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


def load_or_build_index(
    base: AnswerBase, embedder: Embedder, cache_dir: Path | None = None
) -> QuestionIndex:
    """The base's index from the cache when it is valid for this base and model, else built.

    A stale, corrupt, truncated or other-model cache is rebuilt, and a log line says why.
    """
    cache = Path(cache_dir) if cache_dir is not None else base.root / DEFAULT_CACHE_DIR
    rows = index_rows(base)
    key = index_key(rows, embedder.model_id)
    answer_ids = tuple(answer.id for answer in base.answers)
    reason = _why_unusable(cache, key, embedder.model_id)
    if reason is None:
        try:
            return _read_index(cache, rows, answer_ids, embedder.model_id)
        except (OSError, RuntimeError, ValueError) as error:
            reason = f"the index file cannot be read ({error})"
    log.info("replykb: building the index of %s: %s", base.root, reason)
    texts = [question for _, question in rows]
    vectors = EmbeddingCache(cache, embedder).encode(texts, keep=base_texts(base))
    index = _make_index(vectors, rows, answer_ids, embedder.model_id)
    _write_index(cache, index, key, base.fingerprint)
    return index


def _why_unusable(cache: Path, key: str, model_id: str) -> str | None:
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
    if file_sha256(index_file) != manifest.get("index_sha256"):
        return "its index file is corrupt (checksum mismatch)"
    return None


def _read_index(
    cache: Path, rows: list[tuple[str, str]], answer_ids: tuple[str, ...], model_id: str
) -> QuestionIndex:
    import faiss

    manifest = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    faiss_index = faiss.read_index(str(cache / manifest["index_file"]))
    if faiss_index.ntotal != len(rows) or faiss_index.d != manifest["dimension"]:
        raise ValueError(f"it holds {faiss_index.ntotal} vectors for {len(rows)} questions")
    vectors = faiss.rev_swig_ptr(faiss_index.get_xb(), faiss_index.ntotal * faiss_index.d)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(faiss_index.ntotal, faiss_index.d)
    return QuestionIndex(faiss_index, vectors, answer_ids, _row_answer(rows, answer_ids), model_id)


def _make_index(
    vectors: Vectors, rows: list[tuple[str, str]], answer_ids: tuple[str, ...], model_id: str
) -> QuestionIndex:
    import faiss

    faiss_index = faiss.IndexFlatIP(int(vectors.shape[1]))
    faiss_index.add(vectors)
    return QuestionIndex(faiss_index, vectors, answer_ids, _row_answer(rows, answer_ids), model_id)


def _row_answer(rows: list[tuple[str, str]], answer_ids: tuple[str, ...]) -> npt.NDArray[np.int32]:
    position = {answer_id: i for i, answer_id in enumerate(answer_ids)}
    return np.fromiter((position[a] for a, _ in rows), dtype=np.int32, count=len(rows))


def _write_index(cache: Path, index: QuestionIndex, key: str, fingerprint: str) -> None:
    import faiss

    from . import __version__

    cache.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(cache)
    with _temporary_file(cache, ".faiss") as temporary:
        faiss.write_index(index.faiss_index, str(temporary))
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
    _remove_old_index_files(cache, keep=index_file)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    with _temporary_file(path.parent, path.suffix) as temporary:
        temporary.write_bytes(data)
        os.replace(temporary, path)


@contextlib.contextmanager
def _temporary_file(folder: Path, suffix: str) -> Iterator[Path]:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(handle)
    temporary = Path(name)
    # mkstemp creates files readable by the owner only; a cache is shared like any file.
    temporary.chmod(0o644)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _remove_old_index_files(cache: Path, keep: str) -> None:
    now = time.time()
    for file in cache.glob("index-*.faiss"):
        with contextlib.suppress(OSError):
            if file.name != keep and now - file.stat().st_mtime > _STALE_FILE_SECONDS:
                file.unlink()


def _ensure_gitignore(cache: Path) -> None:
    ignore = cache / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(OSError):
            atomic_write_bytes(ignore, b"# replykb's cache: rebuilt when missing\n*\n")


class EmbeddingCache:
    """Embeddings per (model, text), so an edit re-encodes only the texts it changed."""

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
            fresh = self.embedder.encode([text for _, text in missing])
            known.update({key: fresh[i] for i, (key, _) in enumerate(missing)})
        vectors = np.stack([known[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)
        if missing or len(known) > len(set(keys)):
            keep_keys = set(keys) | {_text_key(text) for text in keep}
            self._write({key: vector for key, vector in known.items() if key in keep_keys})
        return np.ascontiguousarray(vectors, dtype=np.float32)

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
        with _temporary_file(self.path.parent, ".npz") as temporary:
            with temporary.open("wb") as stream:
                np.savez(stream, keys=keys, vectors=vectors)
            os.replace(temporary, self.path)


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()
