"""``replykb build``: a base's index and its model's ONNX export made ahead of time.

A server replica, a container or a CI job that starts from a cache made here encodes
nothing and imports no torch: it reads the index and opens the export. The work is
exactly what :meth:`KnowledgeBase.load` does on a first start (``kb.open_index``), so
a build and a load can never disagree on what the cache must hold; this module only
runs it, then reads the cache back to say what was built or reused and to refuse a
cache that could not keep it (a read-only folder holding a stale index: every start
would encode the whole base again).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ._version import __version__
from .cachefiles import write_error
from .errors import CacheError
from .index import MANIFEST, IndexManifest, cache_folder, index_key, index_rows, row_languages
from .kb import open_index
from .loader import load_answer_base
from .onnxmodel import EXPORT_MANIFEST, OnnxEmbedder

Made = Literal["built", "reused"]
# A file's identity: every cache manifest is replaced whole (os.replace), so a write
# gives it a new inode and modification time even when its content is the same.
_Stamp = tuple[int, int, int]


class BuildReport(BaseModel):
    """What ``replykb build`` made, and where."""

    model_config = ConfigDict(frozen=True)

    base: Path
    cache: Path
    model_id: str
    answers: int
    questions: int
    index: Made
    # "unavailable": this model gets no ONNX export (starts then load sentence-
    # transformers, slower, but still encode nothing); ``fast_path_problem`` says why.
    fast_path: Made | Literal["unavailable"]
    fast_path_problem: str | None = None
    seconds: float


def build_cache(
    path: str | Path, *, cache_dir: str | Path | None = None, model: str | None = None
) -> BuildReport:
    """Build (or check and reuse) the index of the base in ``path`` and its model's ONNX
    export, in the cache folder a load of the base with the same ``cache_dir`` and
    ``model`` reads.

    Raises what :meth:`KnowledgeBase.load` raises (AnswerBaseError, BaseNotFoundError,
    ModelError), and :class:`CacheError` when the cache folder cannot keep what was
    built (the folder and the fix named).
    """
    started = time.perf_counter()
    base = load_answer_base(path)
    cache = cache_folder(base, Path(cache_dir) if cache_dir else None)
    before = _stamps(cache)
    embedder, index = open_index(base, cache, model=model)
    after = _stamps(cache)
    key = index_key(index_rows(base), embedder.model_id, row_languages(base))
    manifest = _index_manifest(cache, key, embedder.model_id)
    if manifest is None:
        raise CacheError(_not_kept(cache, "its index"))
    fast_path: Made | Literal["unavailable"]
    problem = None
    if isinstance(embedder, OnnxEmbedder):
        fast_path = _made(before, after, EXPORT_MANIFEST)
    elif write_error(cache) is not None:
        raise CacheError(_not_kept(cache, "the model's ONNX export"))
    else:
        problem = embedder.fast_path_problem
        fast_path, problem = "unavailable", problem or _export_problem(cache, embedder.model_id)
    return BuildReport(
        base=base.root,
        cache=cache,
        model_id=embedder.model_id,
        answers=len(base.answers),
        questions=index.size,
        index=_made(before, after, MANIFEST, manifest),
        fast_path=fast_path,
        fast_path_problem=problem,
        seconds=time.perf_counter() - started,
    )


def _not_kept(cache: Path, what: str) -> str:
    error = write_error(cache)
    reason = f" ({error.strerror or error})" if error is not None else ""
    return (
        f"cannot write the cache folder {cache}{reason}, which does not hold {what} "
        "up to date, so every start would build it again; run `replykb build` where it "
        "can be written, or pass --cache-dir DIR (or set $REPLYKB_CACHE_DIR) to a "
        "writable folder"
    )


def _files(cache: Path, name: str) -> Iterator[Path]:
    """The cache's files called ``name``: its own, and those of models kept in a
    subfolder of it (a tuned model has its own index and export)."""
    try:
        yield from sorted(cache.rglob(name))
    except OSError:
        return


def _stamps(cache: Path) -> dict[Path, _Stamp]:
    stamps = {}
    for name in (MANIFEST, EXPORT_MANIFEST):
        for file in _files(cache, name):
            try:
                stat = file.stat()
            except OSError:
                continue
            stamps[file] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return stamps


def _made(
    before: dict[Path, _Stamp], after: dict[Path, _Stamp], name: str, file: Path | None = None
) -> Made:
    """Built when the manifest (``file``, else any called ``name``) was written now."""
    changed = {path for path, stamp in after.items() if before.get(path) != stamp}
    if file is not None:
        return "built" if file in changed else "reused"
    return "built" if any(path.name == name for path in changed) else "reused"


def _index_manifest(cache: Path, key: str, model_id: str) -> Path | None:
    """The manifest of an index of these questions for this model, saved by this
    version with its index file, or None: then the next start builds it again."""
    for file in _files(cache, MANIFEST):
        try:
            manifest = IndexManifest.model_validate_json(file.read_bytes())
            index_bytes = (file.parent / manifest.index_file).stat().st_size
        except (OSError, ValidationError):
            continue
        if (manifest.index_key, manifest.model_id, manifest.replykb_version) == (
            key,
            model_id,
            __version__,
        ) and index_bytes == manifest.index_bytes:
            return file
    return None


def _export_problem(cache: Path, model_id: str) -> str:
    """Why the model has no ONNX export, as recorded when it was tried."""
    for file in _files(cache, EXPORT_MANIFEST):
        try:
            recorded = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(recorded, dict) and recorded.get("model_id") == model_id:
            reason = recorded.get("unavailable")
            if isinstance(reason, str):
                return reason
    return "the export could not be made (the lines above say why)"
