"""The fast path: the model exported to ONNX, run with onnxruntime and tokenizers.

Importing sentence-transformers costs seconds (it pulls in torch, transformers,
scikit-learn and SciPy), while encoding one message takes milliseconds. So once a
base's index exists, the model's transformer is exported to ONNX in the cache
folder, and later processes embed messages with onnxruntime and the model's own
``tokenizer.json``, truncating, pooling and normalizing as the model's
sentence-transformers configuration says (``modules.json``,
``sentence_bert_config.json``, ``1_Pooling/config.json``).

Layout, next to the index::

    onnx.json                        the export's manifest (written last)
    onnx-<sha256>/model.onnx         the graph, named by the content of the folder
    onnx-<sha256>/model.onnx.data    its weights, memory-mapped rather than copied

The manifest records the model's id (with its weights' sha256), its pooling and
length, and the size and sha256 of every file the fast path reads, the model's
``tokenizer.json`` included. An export is compared with sentence-transformers when
it is made (cosine >= ``MIN_AGREEMENT`` on a sample of the base's questions and on
a few hard cases), and its files are verified every time it is loaded (checksums
are remembered while a file is unchanged: see ``index.FileDigests``); anything
missing, mismatched or corrupt falls back to sentence-transformers with a log line
saying why, and the export is made again. Under other versions of onnxruntime or
tokenizers than it was checked with, it must also reproduce a stored vector.

The export needs torch, transformers and onnx, all installed with replykb; a lookup
needs none of them, nor sentence-transformers or FAISS.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np

from .embed import (
    MAX_MESSAGE_CHARS,
    Embedder,
    ModelSpec,
    SentenceTransformerEmbedder,
    file_sha256,
    prefer_offline_hub,
)
from .errors import ReplyKBError
from .index import FileDigests, atomic_write_bytes, remove_stale_files

if TYPE_CHECKING:
    from .index import QuestionIndex, Vectors

log = logging.getLogger("replykb")

EXPORT_FORMAT = 1
EXPORT_MANIFEST = "onnx.json"
GRAPH_FILE = "model.onnx"
WEIGHTS_FILE = "model.onnx.data"
TOKENIZER_FILE = "tokenizer.json"
# Export and sentence-transformers must agree at least this closely (cosine), per text.
MIN_AGREEMENT = 0.9999
# Questions of the base compared with sentence-transformers when an export is made.
_PROBE_QUESTIONS = 32
# Texts that exercise what a sample of short questions would not: truncation at the
# model's length, the message cut, accents, CJK, emoji, a one-character message.
_HARD_PROBES = (
    "refund " * 400,
    "x" * (MAX_MESSAGE_CHARS + 100),
    "Où est mon remboursement ? 日本語のメッセージ 👋🏽 ¡ȼ!",
    "a",
)
_FOLDER_NAME = re.compile(r"onnx-[0-9a-f]{32}")
Pooling = Literal["mean", "cls", "max"]
_POOLINGS: dict[str, Pooling] = {"mean": "mean", "cls": "cls", "max": "max"}


class FastPathUnavailable(Exception):
    """Why the fast path cannot be used now; making the export again may help.

    Caught by :func:`open_embedder` and :func:`after_index` and logged; users never see it.
    """


class ExportUnsupported(FastPathUnavailable):
    """Why this model gets no fast path at all: recorded, so that no process tries again."""


@dataclass(frozen=True)
class ModelConfig:
    """What sentence-transformers does around the transformer, read from the model's files."""

    pooling: Pooling
    max_seq_length: int

    @classmethod
    def read(cls, folder: Path) -> ModelConfig:
        """The model's pooling and length; raises ExportUnsupported when the fast path
        cannot do exactly what sentence-transformers does with this model."""
        try:
            modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
            kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
            # The transformer must be the model folder itself (its tokenizer.json is read
            # from there); Normalize changes nothing, since every embedding is normalized.
            if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
                raise ExportUnsupported(f"its modules are {kinds}")
            if modules[0].get("path", "") != "":
                raise ExportUnsupported("its transformer is not in the model's folder")
            if not (folder / "tokenizer.json").is_file():
                raise ExportUnsupported("it has no tokenizer.json")
            pooling_config = json.loads(
                (folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
            )
            settings = json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
            st_config = _read_optional_json(folder / "config_sentence_transformers.json")
        except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
            raise ExportUnsupported(f"its configuration cannot be read ({error})") from error
        modes = {
            name.removeprefix("pooling_mode_").removesuffix("_tokens").removesuffix("_token")
            for name, value in pooling_config.items()
            if name.startswith("pooling_mode_") and value
        }
        if len(modes) != 1 or not modes <= _POOLINGS.keys():
            raise ExportUnsupported(f"its pooling is {sorted(modes)}")
        if settings.get("do_lower_case"):
            raise ExportUnsupported("it lowercases texts itself (do_lower_case)")
        if st_config.get("default_prompt_name"):
            raise ExportUnsupported("it prepends a default prompt")
        length = settings.get("max_seq_length")
        if not isinstance(length, int) or length <= 0:
            raise ExportUnsupported("its sentence_bert_config.json sets no max_seq_length")
        (mode,) = modes
        return cls(pooling=_POOLINGS[mode], max_seq_length=length)

    def to_json(self) -> dict[str, Any]:
        return {"pooling": self.pooling, "max_seq_length": self.max_seq_length}


def _read_optional_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class OnnxEmbedder:
    """The model run by onnxruntime: same vectors as sentence-transformers, without torch.

    Immutable after it is made, so safe to share between threads: an onnxruntime
    session may run from several threads at once, and a ``tokenizers.Tokenizer`` whose
    truncation and padding are set once (here, before any use) only encodes, which
    does not change it.
    """

    model_id: str
    config: ModelConfig
    graph: Path
    session: Any
    tokenizer: Any
    batch_size: int = 64

    @classmethod
    def open(cls, model_id: str, graph: Path, tokenizer_file: Path, config: ModelConfig) -> Self:
        """Load the session and the tokenizer (onnxruntime errors propagate)."""
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # The model's tokenizer.json carries its own truncation (128 for all-MiniLM-L6-v2)
        # and fixed-length padding; sentence-transformers truncates at max_seq_length and
        # pads to the longest text of a batch instead (done in _encode_batch).
        tokenizer.enable_truncation(max_length=config.max_seq_length)
        tokenizer.no_padding()
        session = onnxruntime.InferenceSession(
            str(graph), cls.session_options(), providers=["CPUExecutionProvider"]
        )
        return cls(model_id, config, graph, session, tokenizer)

    @staticmethod
    def session_options(threads: int = 0, *, prepack: bool = False) -> Any:
        """onnxruntime's options for the exported graph; ``threads`` 0 is one per core.

        Without ``prepack`` the weights are used where they are mapped rather than copied
        into the layout of the matrix products: the session opens ~45 ms sooner, and one
        message takes a few ms more (see benchmarks/cold_start.py --warm), still about
        half of sentence-transformers' time. A lookup from the command line is one
        message, so a fast start wins.
        """
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        # The graph was optimized when it was exported; optimizing it again costs time at
        # every start and gains nothing.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.add_session_config_entry("session.disable_prepacking", "0" if prepack else "1")
        # Idle worker threads sleep instead of spinning: on a busy machine (2 cores, another
        # process running) spinning threads took the CPU from the one doing the work, and
        # a message took 22-25 ms instead of 16-17 ms; on an idle one it costs ~0.5 ms.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Normalized embeddings, shape ``(len(texts), dimension)``, as sentence-transformers'."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([text[:MAX_MESSAGE_CHARS] for text in texts])
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in self._batches([len(encoding.ids) for encoding in encodings]):
            vectors[rows] = self._encode_batch([encodings[i] for i in rows])
        return vectors

    def _batches(self, lengths: Sequence[int]) -> Iterator[list[int]]:
        """Rows in batches of texts of similar lengths, longest first: every text of a batch
        is padded to its longest, and one 256-piece text among short ones would multiply
        the work. A text's vector does not depend on its batch (padding is masked out)."""
        batch: list[int] = []
        for row in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
            if batch and (len(batch) == self.batch_size or 2 * lengths[row] < lengths[batch[0]]):
                yield batch
                batch = []
            batch.append(row)
        if batch:
            yield batch

    @property
    def dimension(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])

    def _encode_batch(self, encodings: Sequence[Any]) -> Vectors:
        width = max(len(encoding.ids) for encoding in encodings)
        # Padding is masked out of attention and pooling, so its token id does not matter.
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = encoding.attention_mask
            types[row, :length] = encoding.type_ids
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        weights = mask[:, :, None].astype(np.float32)
        if self.config.pooling == "mean":
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        elif self.config.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            pooled = np.where(weights > 0, hidden, -1e9).max(axis=1)
        # As torch.nn.functional.normalize, which sentence-transformers uses.
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        normalized: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return normalized


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
        log.debug("replykb: no fast path for %s: %s", spec.source, error)
        return Choice(SentenceTransformerEmbedder(spec), export=False)
    except FastPathUnavailable as error:
        log.info("replykb: fast path unavailable (%s); using sentence-transformers", error)
        return Choice(SentenceTransformerEmbedder(spec), export=True)


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
        log.info(
            "replykb: fast path unavailable (its embedding of a stored question differs: "
            "cosine %.6f); using sentence-transformers",
            agreement,
        )
        embedder = SentenceTransformerEmbedder(spec)
    elif not choice.export:
        return embedder
    log.info("replykb: exporting the model to ONNX for fast starts (once per model)")
    try:
        return export_fast_embedder(spec, cache, embedder, questions)
    except FastPathUnavailable as error:
        log.info("replykb: no fast path for %s: %s", spec.source, error)
    except (OSError, MemoryError) as error:
        log.info("replykb: no fast path for %s this time: %s", spec.source, error)
    return embedder


def _agreement(embedder: OnnxEmbedder, index: QuestionIndex, questions: Sequence[str]) -> float:
    """Cosine between the embedding of the index's first question and its stored vector."""
    if index.size == 0 or not questions:
        return 1.0
    (vector,) = embedder.encode(questions[:1])
    return float(vector @ index.vectors[0])


def runtime_versions() -> dict[str, str]:
    """The versions of what computes the fast path's vectors (imported by then)."""
    import onnxruntime
    import tokenizers

    return {"onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__}


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
    from . import __version__

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


def export_fast_embedder(
    spec: ModelSpec, cache: Path, reference: Embedder, questions: Sequence[str]
) -> OnnxEmbedder:
    """Export ``spec``'s transformer to ONNX in ``cache`` and return its embedder.

    The export is compared with ``reference`` (sentence-transformers) on a sample of
    ``questions`` and on a few hard texts before it is used. Needs torch, transformers
    and onnx (torch's exporter writes through it), present wherever replykb is
    installed. Raises FastPathUnavailable when the export cannot be made; when it
    fails for a reason of the model's own (ExportUnsupported), the reason is recorded
    so that later processes do not try again for this model and replykb version.
    """
    # A missing package is not recorded: once it is installed, the next start exports.
    for package in ("torch", "transformers", "onnx", "onnxruntime", "tokenizers"):
        if importlib.util.find_spec(package) is None:
            raise FastPathUnavailable(f"{package} is not installed (pip install {package})")
    try:
        if spec.local_path is None:
            raise ExportUnsupported("the model is not a local folder")
        config = ModelConfig.read(spec.local_path)
        step = max(1, len(questions) // _PROBE_QUESTIONS)
        return _export(spec, config, cache, reference, list(questions[::step][:_PROBE_QUESTIONS]))
    except ExportUnsupported as error:
        _write_manifest(cache, {"model_id": spec.model_id, "unavailable": str(error)})
        raise


def _export(
    spec: ModelSpec, config: ModelConfig, cache: Path, reference: Embedder, sample: list[str]
) -> OnnxEmbedder:
    assert spec.local_path is not None
    tokenizer_file = spec.local_path / TOKENIZER_FILE
    cache.mkdir(parents=True, exist_ok=True)
    # Short and long texts apart: sentence-transformers pads a batch to its longest.
    groups = [sample, *([text] for text in _HARD_PROBES)]
    probes = sum(len(group) for group in groups)
    with _temporary_folder(cache) as work:
        try:
            _export_onnx(spec.local_path, work)
            fast = OnnxEmbedder.open(spec.model_id, work / GRAPH_FILE, tokenizer_file, config)
            cosines = np.concatenate(
                [np.sum(fast.encode(group) * reference.encode(group), axis=1) for group in groups]
            )
        except (OSError, MemoryError, ReplyKBError):  # the machine's or the model's: not ours
            raise
        except Exception as error:  # torch's exporter and onnxruntime raise many types
            raise ExportUnsupported(f"the ONNX export failed ({error})") from error
        agreement = float(np.min(cosines))
        if not agreement >= MIN_AGREEMENT:
            raise ExportUnsupported(
                f"the ONNX export disagrees with sentence-transformers (cosine {agreement:.6f})"
            )
        files = {GRAPH_FILE: work / GRAPH_FILE, WEIGHTS_FILE: work / WEIGHTS_FILE}
        files[TOKENIZER_FILE] = tokenizer_file
        recorded = {
            file_name: {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
            for file_name, path in files.items()
        }
        content = json.dumps(recorded, sort_keys=True).encode("utf-8")
        name = f"onnx-{hashlib.sha256(content).hexdigest()[:32]}"
        folder = cache / name
        _install(work, folder, recorded)
    _write_manifest(
        cache,
        {
            "model_id": spec.model_id,
            "config": config.to_json(),
            "folder": name,
            "files": recorded,
            "agreement": agreement,
            "probes": probes,
            "runtime": runtime_versions(),
        },
    )
    remove_stale_files(cache, "onnx-*", keep=name)
    remove_stale_files(cache, ".tmp-*", keep="")  # left by a process killed while writing
    log.info(
        "replykb: exported the model to ONNX in %s (cosine >= %.7f with sentence-transformers "
        "on %d texts)",
        folder,
        agreement,
        probes,
    )
    return OnnxEmbedder.open(spec.model_id, folder / GRAPH_FILE, tokenizer_file, config)


def _install(work: Path, folder: Path, recorded: dict[str, dict[str, Any]]) -> None:
    """Move the export made in ``work`` to ``folder``, the name of its content.

    Atomic: readers see the whole folder or none, and the graph names its weights file
    relative to itself, so the move keeps the pair together. The folder may exist:
    made by another process (then it is the same export), or damaged (then it is
    replaced; the export is deterministic, which is why it has the same name).
    """
    for _ in range(3):
        try:
            os.rename(work, folder)
            return
        except OSError:
            if _holds(folder, recorded):
                return
        aside = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-damaged-"))
        try:
            os.rename(folder, aside / folder.name)
        except FileNotFoundError:
            pass  # another process moved it already
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    raise OSError(f"cannot move the export into {folder}")


def _holds(folder: Path, recorded: dict[str, dict[str, Any]]) -> bool:
    """Whether ``folder`` holds the export's files, byte for byte."""
    try:
        return all(
            file_sha256(folder / name) == recorded[name]["sha256"]
            for name in (GRAPH_FILE, WEIGHTS_FILE)
        )
    except OSError:
        return False


def _write_manifest(cache: Path, fields: dict[str, Any]) -> None:
    from . import __version__

    manifest = {"format": EXPORT_FORMAT, "replykb_version": __version__, **fields}
    with contextlib.suppress(OSError):  # a read-only cache: no fast path, matching goes on
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(cache / EXPORT_MANIFEST, json.dumps(manifest, indent=2).encode())


def _export_onnx(model_folder: Path, work: Path) -> None:
    """Write ``work/model.onnx`` and its weights, optimized by onnxruntime for the CPU."""
    import warnings

    prefer_offline_hub()
    import onnxruntime
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_folder), local_files_only=True)
    model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    # One padded row: the tracer records the branch taken, and a model may skip its
    # attention mask when nothing is padded.
    mask = torch.tensor([[1] * 8, [1] * 5 + [0] * 3], dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    raw = work / "raw.onnx"
    # The tracer warns about every Python branch of the model's code; the export is
    # compared with sentence-transformers afterwards, on batches of unequal lengths.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            (ids, mask, torch.zeros_like(ids)),
            str(raw),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                name: axes
                for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")
            },
            opset_version=17,
            dynamo=False,
        )
    # Optimizing once here (fusions portable across CPUs, not the machine-specific
    # layouts of the highest level) spares every start the ~0.1 s it takes, and the
    # weights in a file of their own are memory-mapped instead of parsed and copied.
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(work / GRAPH_FILE)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", WEIGHTS_FILE
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    onnxruntime.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    raw.unlink()


@contextlib.contextmanager
def _temporary_folder(cache: Path) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(dir=cache, prefix=".tmp-onnx-"))
    try:
        # mkdtemp makes folders for the owner only; a cache is shared like any folder.
        folder.chmod(0o755)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
