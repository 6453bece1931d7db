"""The model run by onnxruntime and tokenizers, as sentence-transformers runs it.

Importing sentence-transformers costs seconds (it pulls in torch, transformers,
scikit-learn and SciPy), while encoding one message takes milliseconds. So the
model's transformer is exported to ONNX (onnxexport.py) and run here with
onnxruntime and the model's own ``tokenizer.json``, truncating, pooling and
normalizing as the model's sentence-transformers configuration says
(``modules.json``, ``sentence_bert_config.json``, ``1_Pooling/config.json``).
fastpath.py decides when this embedder is used.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

import numpy as np

from .embed import MAX_MESSAGE_CHARS
from .errors import ModelError

if TYPE_CHECKING:
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

EXPORT_FORMAT = 1
EXPORT_MANIFEST = "onnx.json"
GRAPH_FILE = "model.onnx"
WEIGHTS_FILE = "model.onnx.data"
TOKENIZER_FILE = "tokenizer.json"
# Export and sentence-transformers must agree at least this closely (cosine), per text.
MIN_AGREEMENT = 0.9999
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
    # A text's vector does not depend on the other texts of its batch, to the byte
    # (padding is masked out of attention and pooling; tested): the triage core may batch.
    batch_invariant: ClassVar[bool] = True
    # The export is what encodes: nothing keeps it off the fast path.
    fast_path_problem: ClassVar[None] = None

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
        options = cls.session_options(_session_threads)
        session = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        return cls(model_id, config, graph, session, tokenizer)

    @staticmethod
    def session_options(threads: int = 0, *, prepack: bool = True) -> Any:
        """onnxruntime's options for the exported graph; ``threads`` 0 is one per core.

        With ``prepack`` (always, outside benchmarks) the weights are copied once into
        the layout of the matrix products: the session opens later, and every message is
        encoded faster (benchmarks/cold_start.py --warm measures both). It is on in
        every process, not only in servers, because the packed products add up in
        another order: a message's vector differs in its 7th digit from an unpacked
        session's, which could change a score's last printed digit, and every door (the
        library, the command line, the server) must give the same reply byte for byte.
        The thread count changes no vector (tests/test_fastpath.py).
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


# Threads of every session opened from now on in this process (0: one per core).
_session_threads = 0
# A server's threads per request, when its operator wants other than one (a machine
# with many cores and few concurrent requests): a whole number, 0 for one per core.
SERVER_THREADS_ENV = "REPLYKB_ONNX_THREADS"


def use_server_sessions() -> None:
    """Open every later ONNX session of this process for a long-running server: each
    request encoded on its caller's thread alone (``$REPLYKB_ONNX_THREADS`` threads
    when it is set).

    A command-line lookup is one message, which a pool of one thread per core encodes
    sooner. A server encodes many at once, one per request thread: there a shared pool
    makes concurrent requests wait for each other's workers, while one thread per
    request lets them run side by side, as many as there are cores
    (benchmarks/server_speed.py measures both). Vectors do not change.

    Raises ModelError for a ``$REPLYKB_ONNX_THREADS`` that is not a whole number >= 0.
    """
    global _session_threads
    _session_threads = _server_threads(os.environ.get(SERVER_THREADS_ENV, ""))


def _server_threads(value: str) -> int:
    if not value.strip():
        return 1
    if not re.fullmatch(r"[0-9]{1,4}", value.strip()):
        raise ModelError(
            f"${SERVER_THREADS_ENV} must be a whole number of threads per request "
            f"(0: one per core), not {value[:40]!r}; unset it for one"
        )
    return int(value.strip())


def runtime_versions() -> dict[str, str]:
    """The versions of what computes the fast path's vectors (imported by then)."""
    import onnxruntime
    import tokenizers

    return {"onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__}
