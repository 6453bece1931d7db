"""Exporting a model's transformer to ONNX in the cache folder, checked before use.

Layout, next to the index::

    onnx.json                        the export's manifest (written last)
    onnx-<sha256>/model.onnx         the graph, named by the content of the folder
    onnx-<sha256>/model.onnx.data    its weights, memory-mapped rather than copied

The manifest records the model's id (its weights' sha256 and configuration digest),
its pooling and length, and the size and sha256 of every file the fast path reads,
the model's ``tokenizer.json`` included. An export is compared with
sentence-transformers when it is made (cosine >= ``MIN_AGREEMENT`` on a sample of the
base's questions and on a few hard cases). It is made in a temporary folder that
names this process, so the ~90 MB left by a killed export are removed by the next
writer, while a concurrent exporter's folder is left alone.

The export needs torch, transformers and onnx, all installed with replykb; a lookup
needs none of them (fastpath.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .cachefiles import (
    atomic_write_bytes,
    file_sha256,
    make_temporary_folder,
    remove_abandoned_temporaries,
    remove_stale_files,
    temporary_folder,
)
from .embed import MAX_MESSAGE_CHARS, Embedder, ModelSpec, prefer_offline_hub
from .errors import ReplyKBError
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
    OnnxEmbedder,
    runtime_versions,
)

log = logging.getLogger("replykb")

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
    remove_abandoned_temporaries(cache)  # an earlier export killed midway: ~90 MB
    # Short and long texts apart: sentence-transformers pads a batch to its longest.
    groups = [sample, *([text] for text in _HARD_PROBES)]
    probes = sum(len(group) for group in groups)
    with temporary_folder(cache, "onnx") as work:
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
        aside = make_temporary_folder(folder.parent, "damaged")
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
