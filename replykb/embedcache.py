"""The embedding cache: a vector per (model, text), so an edit re-encodes only what it changed.

One file per model, ``embeddings-<model key>.npz``, whose model key hashes the model's
full identity (weights and configuration: see ``embed.model_config_digest``). It holds
two arrays, ``keys`` (the sha256 of each text, ``uint8``, 32 per row) and ``vectors``
(``float32``, one normalized row per key). It is read with ``allow_pickle=False`` and
every read checks it whole: a zip archive holding exactly those two arrays, their
dtypes and shapes, the model's dimension, one vector per key, no key twice, every
vector finite and of length 1. A file that fails any check is ignored with a warning
saying why, and written again from the model.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .cachefiles import write_cache_file
from .embed import Embedder
from .errors import ModelError

if TYPE_CHECKING:
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

log = logging.getLogger("replykb")

# How far from 1 the length of a stored vector may be: float32 rounding is ~1e-7.
_NORM_TOLERANCE = 1e-3


class InvalidCacheFile(ValueError):
    """Why a cache file cannot be used (the message is the reason, for the log)."""


class EmbeddingCache:
    """Embeddings per (model, text), so an edit re-encodes only the texts it changed.

    A long encoding is saved as it goes (every ``CHECKPOINT_SECONDS``), so a first build
    of a large base that is killed resumes where it was rather than from nothing. The
    file is written only when its content changes, so a read-only cache that holds
    every text is used as it is; one that cannot be written works in memory.
    """

    CHECKPOINT_SECONDS = 60.0
    CHUNK_TEXTS = 2048

    def __init__(self, cache: Path, embedder: Embedder) -> None:
        self.embedder = embedder
        model_key = hashlib.sha256(embedder.model_id.encode("utf-8")).hexdigest()[:16]
        self.path = cache / f"embeddings-{model_key}.npz"

    def encode(self, texts: Sequence[str], *, keep: Iterable[str] = ()) -> Vectors:
        """Vectors for ``texts``, encoding only those not cached; the file keeps
        ``texts`` and ``keep``, and is rewritten only when that set of vectors changed."""
        known = self._read()
        keys = [_text_key(text) for text in texts]
        missing = sorted(
            {key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items()
        )
        if missing:
            log.info("replykb: embedding %d new text(s)", len(missing))
            self._encode_missing(missing, known)
        if keys:
            vectors = np.stack([known[key] for key in keys])
        else:
            vectors = np.zeros((0, self.embedder.dimension), np.float32)
        keep_keys = set(keys) | {_text_key(text) for text in keep}
        unused = known.keys() - keep_keys
        if missing or unused:
            self._write({key: vector for key, vector in known.items() if key in keep_keys})
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_missing(
        self, missing: Sequence[tuple[bytes, str]], known: dict[bytes, Vectors]
    ) -> None:
        saved_at = time.monotonic()
        for start in range(0, len(missing), self.CHUNK_TEXTS):
            chunk = missing[start : start + self.CHUNK_TEXTS]
            fresh = np.asarray(self.embedder.encode([text for _, text in chunk]))
            if fresh.shape != (len(chunk), self.embedder.dimension):
                raise ModelError(
                    f"the model {self.embedder.model_id} gave vectors of shape {fresh.shape} "
                    f"for {len(chunk)} texts; expected ({len(chunk)}, {self.embedder.dimension})"
                )
            if not np.isfinite(fresh).all():
                row = int(np.flatnonzero(~np.isfinite(fresh).all(axis=1))[0])
                raise ModelError(
                    f"the model {self.embedder.model_id} gave a vector with NaN or infinity "
                    f"for {chunk[row][1][:80]!r}; check the model's files"
                )
            known.update({key: fresh[i] for i, (key, _) in enumerate(chunk)})
            more_to_come = start + self.CHUNK_TEXTS < len(missing)
            if more_to_come and time.monotonic() - saved_at >= self.CHECKPOINT_SECONDS:
                self._write(known)
                saved_at = time.monotonic()

    def _read(self) -> dict[bytes, Vectors]:
        if not self.path.is_file():
            return {}
        try:
            keys, vectors = read_embeddings(self.path, self.embedder.dimension)
        except InvalidCacheFile as error:
            log.warning(
                "replykb: ignoring the embedding cache %s (%s); it is written again",
                self.path,
                error,
            )
            return {}
        return {bytes(key): vectors[row] for row, key in enumerate(keys)}

    def _write(self, entries: dict[bytes, Vectors]) -> None:
        if not entries:
            return
        ordered = sorted(entries)
        keys = np.frombuffer(b"".join(ordered), dtype=np.uint8).reshape(len(ordered), 32)
        vectors = np.stack([entries[key] for key in ordered]).astype(np.float32)

        def write(temporary: Path) -> None:
            with temporary.open("wb") as stream:
                np.savez(stream, keys=keys, vectors=vectors)

        write_cache_file(self.path, write)


def read_embeddings(path: Path, dimension: int) -> tuple[npt.NDArray[np.uint8], Vectors]:
    """The keys and vectors of an embedding cache file, checked whole (see the module
    docstring); raises InvalidCacheFile saying what is wrong."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if names != {"keys", "vectors"}:
                raise InvalidCacheFile(f"it holds the arrays {sorted(names)}, not keys and vectors")
            keys, vectors = archive["keys"], archive["vectors"]
    except InvalidCacheFile:
        raise
    except Exception as error:  # a damaged zip raises BadZipFile, zlib, EOF, Value, OS...
        raise InvalidCacheFile(
            f"not a readable .npz file: {type(error).__name__}: {error}"
        ) from error
    if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != 32:
        raise InvalidCacheFile(f"its keys are {keys.dtype} {keys.shape}, not uint8 (n, 32)")
    if vectors.dtype != np.float32 or vectors.ndim != 2:
        raise InvalidCacheFile(f"its vectors are {vectors.dtype} {vectors.shape}, not float32")
    if vectors.shape[1] != dimension:
        raise InvalidCacheFile(
            f"its vectors have {vectors.shape[1]} dimensions; the model gives {dimension}"
        )
    if len(keys) != len(vectors):
        raise InvalidCacheFile(f"it holds {len(keys)} keys for {len(vectors)} vectors")
    if len({bytes(key) for key in keys}) != len(keys):
        raise InvalidCacheFile("a text's key appears twice")
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        raise InvalidCacheFile(f"{int((~finite).sum())} vector(s) hold NaN or infinity")
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    if len(norms) and float(np.max(np.abs(norms - 1.0))) > _NORM_TOLERANCE:
        raise InvalidCacheFile("a vector is not normalized (length 1)")
    return keys, vectors


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
