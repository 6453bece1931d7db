"""The fast path: which embedder a base is matched with, and when to export the model.

Once a base's index exists, the model's transformer is exported to ONNX in the cache
folder (onnxexport.py), and later processes embed messages with onnxruntime
(onnxmodel.py) instead of importing sentence-transformers, which costs seconds.

An export's files are verified every time it is loaded (checksums are remembered
while a file is unchanged: see ``cachefiles.FileDigests``), and its manifest must name
this model's full identity (weights and configuration) and its current pooling and
length; anything missing, mismatched or corrupt falls back to sentence-transformers
with a log line saying why, and the export is made again. Under other versions of
onnxruntime or tokenizers than it was checked with, it must also reproduce a stored
vector. A cache folder that cannot be written gets no export (and one warning).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._version import __version__
from .cachefiles import FileDigests, report_unwritable, write_error
from .embed import Embedder, ModelSpec, SentenceTransformerEmbedder
from .onnxmodel import (
    EXPORT_FORMAT,
    EXPORT_MANIFEST,
    GRAPH_FILE,
    MIN_AGREEMENT,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    ExportUnsupported,
    FastPathUnavailable,
    ModelConfig,
    runtime_versions,
)
from .onnxmodel import OnnxEmbedder as OnnxEmbedder

if TYPE_CHECKING:
    from .index import QuestionIndex

log = logging.getLogger("replykb")

_FOLDER_NAME = re.compile(r"onnx-[0-9a-f]{32}")


def open_embedder(spec: ModelSpec, cache: Path, digests: FileDigests) -> Choice:
    """The embedder to load the index with: the ONNX export when it is usable, else
    sentence-transformers, with a log line saying why (at debug level for models that
    get no fast path at all, so that their every start does not repeat it)."""
    try:
        export = _verified_export(spec, cache, digests)
        embedder = _open(spec, export)
        # Checked against sentence-transformers with these versions; others get a probe.
        return Choice(embedder, export=False, probe=export.runtime != runtime_versions())
    except ExportUnsupported as error:
        reason = _unsupported(spec, error)
        if spec.local_path is None:
            # Said at every start: nothing was recorded, and the fix is the user's.
            log.info("replykb: no fast path for %s: %s", spec.source, reason)
        else:  # recorded in the cache when the export was tried, and said then
            log.debug("replykb: no fast path for %s: %s", spec.source, reason)
        fallback = SentenceTransformerEmbedder(spec, fast_path_problem=reason)
        return Choice(fallback, export=False)
    except FastPathUnavailable as error:
        log.info("replykb: fast path unavailable (%s); using sentence-transformers", error)
        return Choice(SentenceTransformerEmbedder(spec, fast_path_problem=str(error)), export=True)


def _unsupported(spec: ModelSpec, error: ExportUnsupported) -> str:
    if spec.local_path is None:
        return (
            f"{error}: a model given by its hub name runs on sentence-transformers; "
            "download it to a folder (huggingface-cli download NAME --local-dir FOLDER) "
            "and give `model:` that folder for the ONNX export"
        )
    return str(error)


@dataclass(frozen=True)
class Choice:
    """An embedder; whether the ONNX export should be (re)made once the index is loaded;
    whether the ONNX embedder must first reproduce a stored vector."""

    embedder: Embedder
    export: bool
    probe: bool = False


def after_index(
    spec: ModelSpec, cache: Path, choice: Choice, index: QuestionIndex, questions: Sequence[str]
) -> Embedder:
    """The embedder to match with, once the index is loaded with ``choice.embedder``.

    ``questions`` are the index's questions, row by row. Under other versions of
    onnxruntime or tokenizers than the export was checked with, the ONNX embedder must
    reproduce a stored vector. When it does not, or when the export is missing or
    broken, sentence-transformers takes over and the export is made again. Any failure
    of the export leaves sentence-transformers in place: matching never stops for it.
    """
    embedder = choice.embedder
    if isinstance(embedder, OnnxEmbedder):
        agreement = _agreement(embedder, index, questions) if choice.probe else 1.0
        if agreement >= MIN_AGREEMENT:
            return embedder
        problem = f"its embedding of a stored question differs: cosine {agreement:.6f}"
        log.info("replykb: fast path unavailable (%s); using sentence-transformers", problem)
        embedder = SentenceTransformerEmbedder(spec, fast_path_problem=problem)
    elif not choice.export:
        return embedder
    unwritable = write_error(cache)
    if unwritable is not None:
        report_unwritable(cache, unwritable)
        if isinstance(embedder, SentenceTransformerEmbedder):
            embedder.fast_path_problem = f"the cache folder {cache} cannot be written"
        return embedder
    log.info("replykb: exporting the model to ONNX for fast starts (once per model)")
    # Imported here: a start that finds its export (nearly every one) never needs it.
    from .onnxexport import export_fast_embedder

    try:
        return export_fast_embedder(spec, cache, embedder, questions)
    except FastPathUnavailable as error:
        log.info("replykb: no fast path for %s: %s", spec.source, error)
        problem = str(error)
    except (OSError, MemoryError) as error:
        log.info("replykb: no fast path for %s this time: %s", spec.source, error)
        problem = f"this time: {error}"
    if isinstance(embedder, SentenceTransformerEmbedder):
        embedder.fast_path_problem = problem
    return embedder


def _agreement(embedder: OnnxEmbedder, index: QuestionIndex, questions: Sequence[str]) -> float:
    """Cosine between the embedding of the index's first question and its stored vector."""
    if index.size == 0 or not questions:
        return 1.0
    (vector,) = embedder.encode(questions[:1])
    return float(vector @ index.vectors[0])


def load_fast_embedder(spec: ModelSpec, cache: Path, digests: FileDigests) -> OnnxEmbedder:
    """The ONNX embedder of ``spec`` from ``cache``, its every file verified.

    Raises FastPathUnavailable (ExportUnsupported for a model that gets no fast path),
    saying why, when there is no usable export.
    """
    return _open(spec, _verified_export(spec, cache, digests))


@dataclass(frozen=True)
class _Export:
    graph: Path
    tokenizer: Path
    config: ModelConfig
    runtime: object


def _open(spec: ModelSpec, export: _Export) -> OnnxEmbedder:
    try:
        return OnnxEmbedder.open(spec.model_id, export.graph, export.tokenizer, export.config)
    except ImportError as error:
        raise ExportUnsupported(f"{error.name} is not installed") from error
    except Exception as error:  # onnxruntime raises exception types of its own
        raise FastPathUnavailable(f"onnxruntime cannot load it ({error})") from error


def _verified_export(spec: ModelSpec, cache: Path, digests: FileDigests) -> _Export:
    if spec.local_path is None:
        raise ExportUnsupported("the model is not a local folder")
    manifest_path = cache / EXPORT_MANIFEST
    if not manifest_path.is_file():
        raise FastPathUnavailable("the model has not been exported to ONNX yet")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as error:
        raise FastPathUnavailable(f"its export manifest is corrupt ({error})") from error
    if manifest.get("format") != EXPORT_FORMAT:
        raise FastPathUnavailable("it was exported by another version of replykb")
    if manifest.get("model_id") != spec.model_id:
        raise FastPathUnavailable("it was exported from another model")
    if "unavailable" in manifest:
        # A failure is final for one model and one replykb version; a new version retries.
        if manifest.get("replykb_version") == __version__:
            raise ExportUnsupported(str(manifest["unavailable"]))
        raise FastPathUnavailable("the last export failed with another version of replykb")
    config = ModelConfig.read(spec.local_path)
    if manifest.get("config") != config.to_json():
        raise FastPathUnavailable("the model's configuration changed since its export")
    name = str(manifest.get("folder", ""))
    if not _FOLDER_NAME.fullmatch(name):
        raise FastPathUnavailable(f"its export manifest names no export folder ({name!r})")
    files = {
        GRAPH_FILE: cache / name / GRAPH_FILE,
        WEIGHTS_FILE: cache / name / WEIGHTS_FILE,
        TOKENIZER_FILE: spec.local_path / TOKENIZER_FILE,
    }
    recorded = manifest.get("files")
    if not isinstance(recorded, dict) or set(recorded) != set(files):
        raise FastPathUnavailable("its export manifest does not list its files")
    for file_name, path in files.items():
        expected = recorded[file_name]
        try:
            size = path.stat().st_size
            if not isinstance(expected, dict) or size != expected.get("bytes"):
                raise FastPathUnavailable(f"its file {file_name} is truncated or changed")
            if digests.sha256(path) != expected.get("sha256"):
                raise FastPathUnavailable(f"its file {file_name} is corrupt (checksum mismatch)")
        except FileNotFoundError as error:
            raise FastPathUnavailable(f"its file {file_name} is missing") from error
        except OSError as error:
            raise FastPathUnavailable(f"its file {file_name} cannot be read ({error})") from error
    return _Export(files[GRAPH_FILE], files[TOKENIZER_FILE], config, manifest.get("runtime"))
