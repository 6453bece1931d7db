"""The index of every question, cached on disk and never trusted blindly.

Layout of the cache folder (default ``.replykb/`` inside the base; see
``cachefiles.resolve_cache_folder`` for ``--cache-dir``, ``$REPLYKB_CACHE_DIR`` and
read-only bases)::

    manifest.json              what the index holds and how to verify it (written last)
    index-<sha256>.faiss       the vectors (a FAISS flat index), named by their content hash
    embeddings-<model>.npz     embedding cache: text sha256 -> vector, per model (embedcache.py)
    digests.json               sha256 of verified files, reused while a file is unchanged
    onnx.json, onnx-<sha256>/  the model's ONNX export (see fastpath.py)

The index is used only when its manifest is well-formed, was written by this version
for these questions and this model (its full identity: weights and configuration),
and names an index file of the recorded size and sha256 whose vectors have the
model's dimension and are finite. Anything else is rebuilt, with a log line saying
why. Every file is written to a temporary name and moved into place with
``os.replace``, and the manifest only ever names a complete index file, so a build
killed midway leaves the previous index usable and two processes building at once
both leave a valid one. A folder that cannot be written gets a built index in
memory. The index file is written by FAISS and read with NumPy, so a lookup does
not import FAISS.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._version import __version__
from .cachefiles import (
    DEFAULT_CACHE_DIR as DEFAULT_CACHE_DIR,
)
from .cachefiles import (
    FileDigests as FileDigests,
)
from .cachefiles import (
    atomic_write_bytes,
    file_sha256,
    remove_abandoned_temporaries,
    remove_stale_files,
    resolve_cache_folder,
    temporary_file,
    write_in_cache,
)
from .embed import Embedder
from .embedcache import EmbeddingCache as EmbeddingCache
from .models import AnswerBase, MatchSettings

if TYPE_CHECKING:
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

FORMAT_VERSION = 2
MANIFEST = "manifest.json"

log = logging.getLogger("replykb")


@dataclass(frozen=True)
class QuestionIndex:
    """Every question's normalized vector, for cosine scoring by inner product.

    Row ``i`` holds question ``i`` of answer ``answer_ids[row_answer[i]]``; the rows
    of one answer are contiguous (its source-language questions, then each other
    language's, in the order of ``languages:``). ``row_language[i]`` is the language
    of row ``i``'s question; empty when every row is in the source language (an index
    made by hand or by ``replykb tune``). The matcher scores ``vectors`` itself (match.py).
    """

    vectors: Vectors
    answer_ids: tuple[str, ...]
    row_answer: npt.NDArray[np.int32]
    model_id: str
    # Set when a tuned model is used: the threshold and margin calibrated for it
    # (tunedmodel.py), which replace the base's `match:` settings.
    match: MatchSettings | None = None
    row_language: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])


class IndexManifest(BaseModel):
    """``manifest.json``: what the index file holds and how to verify it."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    format: int
    replykb_version: str
    model_id: str
    dimension: Annotated[int, Field(gt=0)]
    questions: Annotated[int, Field(ge=0)]
    index_key: str
    base_fingerprint: str
    index_file: Annotated[str, Field(pattern=r"^index-[0-9a-f]{32}\.faiss$")]
    index_bytes: Annotated[int, Field(ge=0)]
    index_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def index_rows(base: AnswerBase) -> list[tuple[str, str]]:
    """(answer id, question) per index row, in a stable order: each answer's questions
    in the source language, then those of its translations into the base's other
    languages (in the order of ``languages:``). :func:`row_languages` gives each row's
    language; a base with one language has exactly the rows it always had."""
    return [(answer_id, question) for answer_id, question, _ in language_rows(base)]


def language_rows(base: AnswerBase) -> list[tuple[str, str, str]]:
    """(answer id, question, language) per index row, in :func:`index_rows`' order."""
    source, *others = base.settings.languages
    rows: list[tuple[str, str, str]] = []
    for answer in base.answers:
        rows.extend((answer.id, question, source) for question in answer.questions)
        for language in others:
            translation = answer.translations.get(language)
            if translation is not None:
                rows.extend((answer.id, question, language) for question in translation.questions)
    return rows


def row_languages(base: AnswerBase) -> tuple[str, ...]:
    """Each index row's language, in :func:`index_rows`' order."""
    return tuple(language for _, _, language in language_rows(base))


def base_texts(base: AnswerBase) -> list[str]:
    """Every text of the base that gets embedded: questions, held-out tests, out-of-scope.

    The embedding cache keeps all of them, so a re-check of an unchanged base encodes nothing.
    """
    texts = [text for answer in base.answers for text in (*answer.questions, *answer.tests)]
    for answer in base.answers:
        for translation in answer.translations.values():
            texts.extend((*translation.questions, *translation.tests))
    for language_texts in base.settings.translations.values():
        texts.extend(language_texts.out_of_scope)
    return texts + list(base.settings.out_of_scope)


def index_key(rows: Sequence[tuple[str, str]], model_id: str, languages: Sequence[str] = ()) -> str:
    """What the index content depends on: the questions, their answers, the model, and
    the rows' languages when some are not the source's (a one-language base's key is the
    one it always had)."""
    content: dict[str, object] = {"model": model_id, "rows": rows}
    if len(set(languages)) > 1:
        content["languages"] = list(languages)
    payload = json.dumps(content, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def cache_folder(base: AnswerBase, cache_dir: Path | None = None) -> Path:
    """Where the base's cache lives: ``cache_dir``, ``$REPLYKB_CACHE_DIR``, or ``.replykb/``
    inside the base (the user's cache folder when the base is read-only)."""
    return resolve_cache_folder(base.root, cache_dir)


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
    rows, languages = index_rows(base), row_languages(base)
    key = index_key(rows, embedder.model_id, languages)
    answer_ids = tuple(answer.id for answer in base.answers)
    checked = _verified_manifest(cache, key, embedder, len(rows), digests or FileDigests(None))
    if isinstance(checked, IndexManifest):
        try:
            vectors = _read_index(cache / checked.index_file, len(rows), checked.dimension)
            return _make_index(vectors, rows, answer_ids, embedder.model_id, languages)
        except (OSError, RuntimeError, ValueError) as error:
            reason = f"its index file cannot be used ({error})"
    else:
        reason = checked
    log.info("replykb: building the index of %s: %s", base.root, reason)
    texts = [question for _, question in rows]
    vectors = EmbeddingCache(cache, embedder).encode(texts, keep=base_texts(base))
    index = _make_index(vectors, rows, answer_ids, embedder.model_id, languages)
    _write_index(cache, index, key, base.fingerprint)
    return index


def _verified_manifest(
    cache: Path, key: str, embedder: Embedder, questions: int, digests: FileDigests
) -> IndexManifest | str:
    """The manifest, when it and the index file it names are valid; else why not."""
    manifest_path = cache / MANIFEST
    if not manifest_path.is_file():
        return "no index has been built yet"
    try:
        manifest = IndexManifest.model_validate_json(manifest_path.read_bytes())
    except OSError as error:
        return f"its manifest cannot be read ({error})"
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        return f"its manifest is corrupt ({where}: {first['msg']})"
    stale = {
        "format": manifest.format != FORMAT_VERSION,
        "replykb_version": manifest.replykb_version != __version__,
        "model_id": manifest.model_id != embedder.model_id,
        "the questions changed": manifest.index_key != key or manifest.questions != questions,
    }
    for what, changed in stale.items():
        if changed:
            return f"it is stale ({what if ' ' in what else what + ' changed'})"
    if manifest.dimension != embedder.dimension:
        return (
            f"it is stale (its vectors have {manifest.dimension} dimensions; "
            f"the model gives {embedder.dimension})"
        )
    index_file = cache / manifest.index_file
    if not index_file.is_file():
        return "its index file is missing"
    try:
        if index_file.stat().st_size != manifest.index_bytes:
            return "its index file is truncated"
        if digests.sha256(index_file) != manifest.index_sha256:
            return "its index file is corrupt (checksum mismatch)"
    except OSError as error:
        return f"its index file cannot be read ({error})"
    return manifest


# The header of a FAISS IndexFlatIP file, then its vectors: fourcc, dimension, count, two
# unused counts, is_trained, metric (0: inner product), number of floats that follow.
_FLAT_HEADER = struct.Struct("<4siqqq?iQ")


def _read_index(path: Path, count: int, dimension: int) -> Vectors:
    try:
        vectors = _read_flat_index(path, count, dimension)
    except ValueError:  # a layout this reader does not know (another FAISS version): ask FAISS
        vectors = _read_with_faiss(path, count, dimension)
    if not np.isfinite(vectors).all():
        raise ValueError("it holds NaN or infinite values")
    # Shared by every thread that matches: nothing may change it.
    vectors.flags.writeable = False
    return vectors


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
    vectors: Vectors,
    rows: list[tuple[str, str]],
    answer_ids: tuple[str, ...],
    model_id: str,
    languages: tuple[str, ...],
) -> QuestionIndex:
    # One language: no row languages, exactly the index a one-language base always had.
    row_language = languages if len(set(languages)) > 1 else ()
    row_answer = _row_answer(rows, answer_ids)
    return QuestionIndex(vectors, answer_ids, row_answer, model_id, row_language=row_language)


def _row_answer(rows: list[tuple[str, str]], answer_ids: tuple[str, ...]) -> npt.NDArray[np.int32]:
    position = {answer_id: i for i, answer_id in enumerate(answer_ids)}
    return np.fromiter((position[a] for a, _ in rows), dtype=np.int32, count=len(rows))


def _write_index(cache: Path, index: QuestionIndex, key: str, fingerprint: str) -> None:
    """Save the index file, then the manifest that names it; a folder that cannot be
    written keeps the index in memory (``write_in_cache`` says so once)."""
    import faiss

    flat = faiss.IndexFlatIP(index.dimension)
    flat.add(np.ascontiguousarray(index.vectors, dtype=np.float32))

    def write() -> None:
        with temporary_file(cache, ".faiss") as temporary:
            faiss.write_index(flat, str(temporary))
            digest, size = file_sha256(temporary), temporary.stat().st_size
            index_file = f"index-{digest[:32]}.faiss"  # named by its content
            os.replace(temporary, cache / index_file)
        manifest = IndexManifest(
            format=FORMAT_VERSION,
            replykb_version=__version__,
            model_id=index.model_id,
            dimension=index.dimension,
            questions=index.size,
            index_key=key,
            base_fingerprint=fingerprint,
            index_file=index_file,
            index_bytes=size,
            index_sha256=digest,
        )
        atomic_write_bytes(cache / MANIFEST, manifest.model_dump_json(indent=2).encode("utf-8"))
        remove_stale_files(cache, "index-*.faiss", keep=index_file)
        remove_abandoned_temporaries(cache)  # left by processes killed while writing

    write_in_cache(cache, write)
