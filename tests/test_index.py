"""The index cache: reused when valid, rebuilt (with a reason) when stale or damaged."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from replykb import KnowledgeBase
from replykb.embed import SentenceTransformerEmbedder, resolve_model
from replykb.embedcache import EmbeddingCache, read_embeddings
from replykb.index import MANIFEST, load_or_build_index
from replykb.loader import load_answer_base

from .cache_helpers import copy_packaged_model, edit_json, use_cls_pooling
from .conftest import SHOP_BASE


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


def load(root: Path, embedder: SentenceTransformerEmbedder) -> KnowledgeBase:
    return KnowledgeBase.load(root, embedder=embedder)


def build_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "building the index" in r.getMessage()]


def index_file(root: Path) -> Path:
    manifest = json.loads((root / ".replykb" / MANIFEST).read_text())
    return root / ".replykb" / manifest["index_file"]


def test_cache_is_reused_when_nothing_changed(base_copy, real_embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="replykb")
    first = load(base_copy, real_embedder)
    assert build_reasons(caplog) and "no index has been built yet" in build_reasons(caplog)[0]
    assert (base_copy / ".replykb" / ".gitignore").read_text().strip().endswith("*")
    caplog.clear()
    second = load(base_copy, real_embedder)
    assert build_reasons(caplog) == []
    assert second.match("refund??") == first.match("refund??")


def test_editing_one_question_reencodes_only_it(base_copy, real_embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    load(base_copy, real_embedder)
    answer = base_copy / "account" / "reset-password.yaml"
    answer.write_text(
        answer.read_text().replace("I forgot my password", "I forgot my login password")
    )
    caplog.set_level(logging.INFO, logger="replykb")
    kb = load(base_copy, real_embedder)
    assert "the questions changed" in build_reasons(caplog)[0]
    assert "embedding 1 new text(s)" in caplog.text
    assert kb.match("forgot my login password").answer_id == "reset-password"


def test_editing_only_an_answer_text_keeps_the_index(base_copy, real_embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    load(base_copy, real_embedder)
    answer = base_copy / "account" / "reset-password.yaml"
    answer.write_text(
        answer.read_text().replace("24 hours", "12 hours").replace('"24 hours"', '"12 hours"')
    )
    caplog.set_level(logging.INFO, logger="replykb")
    load(base_copy, real_embedder)
    assert build_reasons(caplog) == []


def edit_manifest(root: Path, **changes: object) -> None:
    edit_json(root / ".replykb" / MANIFEST, **changes)


def normalized(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def forge_index(root: Path, change: Callable[[np.ndarray], np.ndarray]) -> None:
    """Replace the index file by one holding ``change(vectors)``, and record its true size
    and checksum in the manifest: only the content itself can tell it is wrong."""
    import faiss

    old = faiss.read_index(str(index_file(root)))
    vectors = np.ascontiguousarray(change(old.reconstruct_n(0, old.ntotal)), dtype=np.float32)
    forged = faiss.IndexFlatIP(vectors.shape[1])
    forged.add(vectors)
    faiss.write_index(forged, str(index_file(root)))
    data = index_file(root).read_bytes()
    edit_manifest(
        root,
        dimension=vectors.shape[1],
        index_bytes=len(data),
        index_sha256=hashlib.sha256(data).hexdigest(),
    )


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            lambda root: index_file(root).write_bytes(index_file(root).read_bytes()[:100]),
            "truncated",
        ),
        (
            lambda root: index_file(root).write_bytes(b"x" * index_file(root).stat().st_size),
            "corrupt",
        ),
        (lambda root: index_file(root).unlink(), "missing"),
        (
            lambda root: (root / ".replykb" / MANIFEST).write_text("{not json"),
            "manifest is corrupt",
        ),
        (lambda root: (root / ".replykb" / MANIFEST).write_text("[]"), "manifest is corrupt"),
        (
            lambda root: edit_manifest(root, index_file="../../replykb.yaml"),
            "manifest is corrupt (index_file: String should match pattern",
        ),
        (
            lambda root: edit_manifest(root, dimension="384"),
            "manifest is corrupt (dimension: Input should be a valid integer",
        ),
        (lambda root: edit_manifest(root, index_bytes=None), "manifest is corrupt (index_bytes"),
        (
            lambda root: forge_index(
                root, lambda v: np.where(np.arange(v.size) == 7, np.nan, v.ravel()).reshape(v.shape)
            ),
            "its index file cannot be used (it holds NaN or infinite values)",
        ),
        (
            lambda root: forge_index(root, lambda v: normalized(v[:, :383])),
            "its vectors have 383 dimensions; the model gives 384",
        ),
    ],
    ids=[
        "truncated",
        "corrupt",
        "missing",
        "bad manifest",
        "manifest not an object",
        "index file outside the cache",
        "dimension of the wrong type",
        "size missing",
        "NaN under a matching checksum",
        "other dimension under a matching checksum",
    ],
)
def test_damaged_cache_is_rebuilt_never_used(
    base_copy, real_embedder, caplog, damage, reason
) -> None:  # type: ignore[no-untyped-def]
    expected = load(base_copy, real_embedder).match("where is my order")
    damage(base_copy)
    caplog.set_level(logging.INFO, logger="replykb")
    kb = load(base_copy, real_embedder)
    assert reason in build_reasons(caplog)[0]
    assert kb.match("where is my order") == expected
    caplog.clear()
    load(base_copy, real_embedder)
    assert build_reasons(caplog) == [], "the rebuilt cache is valid again"


class OtherModel:
    """The real model under another identity, as after switching models."""

    def __init__(self, embedder: SentenceTransformerEmbedder) -> None:
        self.inner = embedder
        self.model_id = "another-model@sha256:0"
        self.dimension = embedder.dimension

    def encode(self, texts):  # type: ignore[no-untyped-def]
        return self.inner.encode(texts)


def test_index_of_another_model_is_rebuilt(base_copy, real_embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    load(base_copy, real_embedder)
    caplog.set_level(logging.INFO, logger="replykb")
    KnowledgeBase.load(base_copy, embedder=OtherModel(real_embedder))
    assert "model_id changed" in build_reasons(caplog)[0]


def test_build_killed_midway_leaves_previous_index_usable(
    base_copy, real_embedder, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    load(base_copy, real_embedder)
    answer = base_copy / "account" / "reset-password.yaml"
    original = answer.read_text()
    answer.write_text(original.replace("I forgot my password", "lost my password"))

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    import faiss

    monkeypatch.setattr(faiss, "write_index", killed)
    with pytest.raises(KeyboardInterrupt):
        load(base_copy, real_embedder)
    monkeypatch.undo()
    answer.write_text(original)
    caplog.set_level(logging.INFO, logger="replykb")
    kb = load(base_copy, real_embedder)
    assert build_reasons(caplog) == [], "the previous index is still valid for the previous base"
    assert kb.match("I forgot my password").answer_id == "reset-password"
    assert not list((base_copy / ".replykb").glob(".tmp-*")), "no temporary file is left behind"


class KilledAfter:
    """The real model, killed (as by Ctrl-C) when asked to encode for the ``calls``-th time."""

    def __init__(self, embedder: SentenceTransformerEmbedder, calls: int) -> None:
        self.inner, self.calls = embedder, calls
        self.model_id, self.dimension = embedder.model_id, embedder.dimension

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.calls -= 1
        if self.calls == 0:
            raise KeyboardInterrupt
        return self.inner.encode(texts)


def test_killed_first_build_resumes_from_its_last_checkpoint(
    base_copy, real_embedder, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(EmbeddingCache, "CHUNK_TEXTS", 2)
    monkeypatch.setattr(EmbeddingCache, "CHECKPOINT_SECONDS", 0.0)
    questions = sum(len(a.questions) for a in load_answer_base(base_copy).answers)
    assert questions > 6
    with pytest.raises(KeyboardInterrupt):
        load(base_copy, KilledAfter(real_embedder, calls=4))  # three chunks encoded and saved
    assert not (base_copy / ".replykb" / MANIFEST).exists(), "no index is claimed"
    caplog.set_level(logging.INFO, logger="replykb")
    kb = load(base_copy, real_embedder)
    assert f"embedding {questions - 6} new text(s)" in caplog.text
    assert kb.match("I forgot my password").answer_id == "reset-password"


def _build_in_process(root: str) -> str | None:
    from replykb import KnowledgeBase

    return KnowledgeBase.load(root).match("I forgot my password").answer_id


def test_two_processes_building_at_once_leave_a_valid_index(
    base_copy, real_embedder, caplog
) -> None:  # type: ignore[no-untyped-def]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.map(_build_in_process, [str(base_copy)] * 2)
    assert results == ["reset-password", "reset-password"]
    caplog.set_level(logging.INFO, logger="replykb")
    load(base_copy, real_embedder)
    assert build_reasons(caplog) == []
    assert len(list((base_copy / ".replykb").glob("index-*.faiss"))) >= 1


def test_cache_dir_can_be_moved(base_copy, real_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "elsewhere"
    KnowledgeBase.load(base_copy, cache_dir=elsewhere, embedder=real_embedder)
    assert (elsewhere / MANIFEST).is_file()
    assert not (base_copy / ".replykb").exists()


def test_no_pickle_in_the_cache(base_copy, real_embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    load(base_copy, real_embedder)
    for file in (base_copy / ".replykb").glob("embeddings-*.npz"):
        with np.load(file, allow_pickle=False) as data:
            assert {data["keys"].dtype.kind, data["vectors"].dtype.kind} == {"u", "f"}
    assert os.path.getsize(base_copy / ".replykb" / MANIFEST) > 0


def test_index_file_is_read_as_faiss_wrote_it(base_copy, real_embedder) -> None:  # type: ignore[no-untyped-def]
    import faiss

    load(base_copy, real_embedder)
    kb = load(base_copy, real_embedder)  # read back from the file, without FAISS
    assert kb.index.vectors.flags.writeable is False, "shared between threads: read-only"
    reference = faiss.read_index(str(index_file(base_copy)))
    assert np.array_equal(kb.index.vectors, reference.reconstruct_n(0, reference.ntotal))
    assert not hasattr(kb.index, "search"), "the matcher scores index.vectors itself"


# --- the embedding cache: every file checked whole -----------------------------------


@pytest.fixture(scope="module")
def built_shop(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Path:  # type: ignore[no-untyped-def]
    """The shop base with its cache built once for the module (copy it before damaging)."""
    root = tmp_path_factory.mktemp("built") / "shop"
    shutil.copytree(SHOP_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    load(root, real_embedder)
    return root


def embeddings_file(root: Path) -> Path:
    (file,) = (root / ".replykb").glob("embeddings-*.npz")
    return file


def rewrite(path: Path, **arrays: np.ndarray) -> None:
    with path.open("wb") as stream:
        np.savez(stream, **arrays)


def arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as data:
        return data["keys"], data["vectors"]


def flip_bit(path: Path, position: float) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * position)] ^= 0x10
    path.write_bytes(bytes(data))


def with_nan(keys: np.ndarray, vectors: np.ndarray) -> dict[str, np.ndarray]:
    vectors = vectors.copy()
    vectors[3, 5] = np.nan
    return {"keys": keys, "vectors": vectors}


def with_infinity(keys: np.ndarray, vectors: np.ndarray) -> dict[str, np.ndarray]:
    vectors = vectors.copy()
    vectors[0, 0] = np.inf
    return {"keys": keys, "vectors": vectors}


def with_duplicate_key(keys: np.ndarray, vectors: np.ndarray) -> dict[str, np.ndarray]:
    keys = keys.copy()
    keys[1] = keys[0]
    return {"keys": keys, "vectors": vectors}


def pickled(keys: np.ndarray, vectors: np.ndarray) -> dict[str, np.ndarray]:
    return {"keys": keys, "vectors": np.array([*list(vectors), None], dtype=object)}


def rewritten(
    change: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]],
) -> Callable[[Path], None]:
    return lambda path: rewrite(path, **change(*arrays(path)))


EMBEDDING_DAMAGE: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "truncated",
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
        "not a readable .npz file: BadZipFile",
    ),
    (
        "bit flip in the vectors",
        lambda p: flip_bit(p, 0.6),
        "not a readable .npz file: BadZipFile: Bad CRC-32",
    ),
    # The central directory at the end names the arrays: a flip there renames one.
    ("bit flip in the zip directory", lambda p: flip_bit(p, 0.995), "it holds the arrays"),
    # Neither a zip nor a .npy file: NumPy would unpickle it, and refuses.
    ("not a zip", lambda p: p.write_bytes(b"garbage"), "not a readable .npz file: ValueError"),
    ("empty", lambda p: p.write_bytes(b""), "not a readable .npz file"),
    (
        "wrong dimension",
        rewritten(lambda k, v: {"keys": k, "vectors": normalized(v[:, :383])}),
        "its vectors have 383 dimensions; the model gives 384",
    ),
    ("NaN", rewritten(with_nan), "1 vector(s) hold NaN or infinity"),
    ("infinity", rewritten(with_infinity), "1 vector(s) hold NaN or infinity"),
    (
        "float64 vectors",
        rewritten(lambda k, v: {"keys": k, "vectors": v.astype(np.float64)}),
        "its vectors are float64",
    ),
    (
        "int64 keys",
        rewritten(lambda k, v: {"keys": k.astype(np.int64), "vectors": v}),
        "its keys are int64",
    ),
    ("fewer vectors than keys", rewritten(lambda k, v: {"keys": k, "vectors": v[:-1]}), "keys for"),
    ("a key twice", rewritten(with_duplicate_key), "a text's key appears twice"),
    ("not normalized", rewritten(lambda k, v: {"keys": k, "vectors": v * 2}), "not normalized"),
    ("no vectors array", rewritten(lambda k, v: {"keys": k}), "it holds the arrays ['keys']"),
    (
        "pickled objects",
        rewritten(pickled),
        "not a readable .npz file: ValueError: Object arrays cannot be loaded",
    ),
]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [case[1:] for case in EMBEDDING_DAMAGE],
    ids=[case[0] for case in EMBEDDING_DAMAGE],
)
def test_damaged_embedding_cache_is_written_again(
    built_shop: Path,
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(built_shop, root)
    questions = sum(len(a.questions) for a in load_answer_base(root).answers)
    expected = load(root, real_embedder).match("where is my order")
    damage(embeddings_file(root))
    (root / ".replykb" / MANIFEST).unlink()  # any rebuild reads the embedding cache
    caplog.set_level(logging.INFO, logger="replykb")
    kb = load(root, real_embedder)
    warnings = [r for r in caplog.records if "ignoring the embedding cache" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert reason in warnings[0].getMessage()
    assert str(embeddings_file(root)) in warnings[0].getMessage()
    assert f"embedding {questions} new text(s)" in caplog.text, "nothing of it was trusted"
    assert kb.match("where is my order") == expected
    keys, vectors = read_embeddings(embeddings_file(root), 384)
    assert len(keys) == len(vectors) == questions, "written again, whole"
    caplog.clear()
    (root / ".replykb" / MANIFEST).unlink()
    load(root, real_embedder)
    assert "ignoring" not in caplog.text and "new text" not in caplog.text, "healed for good"


def test_embeddings_file_is_not_rewritten_when_nothing_changed(
    built_shop: Path,
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(built_shop, root)
    base = load_answer_base(root)
    before = embeddings_file(root).stat()
    cache = EmbeddingCache(root / ".replykb", real_embedder)
    some = [answer.questions[0] for answer in base.answers]
    # A subset of the texts (as `check` asks for the held-out ones): nothing to add or drop.
    cache.encode(some, keep=[q for a in base.answers for q in a.questions])
    after = embeddings_file(root).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# --- the model's full configuration is in every cache key ----------------------------


def drop_normalize(model: Path) -> None:
    modules = json.loads((model / "modules.json").read_text())
    (model / "modules.json").write_text(
        json.dumps([m for m in modules if "Normalize" not in m["type"]])
    )


def append_to(name: str, text: str) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        with (model / name).open("a", encoding="utf-8") as stream:
            stream.write(text)

    return edit


def rename_folder(model: Path) -> Path:
    return model.rename(model.parent / "renamed")


MODEL_EDITS: list[tuple[str, Callable[[Path], Path | None], bool]] = [
    ("CLS pooling", use_cls_pooling, True),
    (
        "max_seq_length",
        lambda m: edit_json(m / "sentence_bert_config.json", max_seq_length=128),
        True,
    ),
    ("no Normalize module", drop_normalize, True),
    (
        "lowercasing tokenizer",
        lambda m: edit_json(m / "tokenizer_config.json", do_lower_case=False),
        True,
    ),
    ("vocabulary", append_to("vocab.txt", "replykbtoken\n"), True),
    ("tokenizer.json", append_to("tokenizer.json", "\n"), True),
    ("transformer config", lambda m: edit_json(m / "config.json", layer_norm_eps=1e-6), True),
    ("README only", append_to("README.md", "\nNotes of ours.\n"), False),
    ("folder renamed", rename_folder, False),
]


@pytest.mark.parametrize(
    ("edit", "changes_vectors"),
    [case[1:] for case in MODEL_EDITS],
    ids=[case[0] for case in MODEL_EDITS],
)
def test_model_identity_covers_what_changes_vectors(
    tmp_path: Path, edit: Callable[[Path], Path | None], changes_vectors: bool
) -> None:
    model = copy_packaged_model(tmp_path)
    packaged = resolve_model().model_id
    assert resolve_model(str(model)).model_id == packaged, "same content, same identity"
    model = edit(model) or model
    edited = resolve_model(str(model))
    assert (edited.model_id != packaged) is changes_vectors
    assert edited.weights_sha256 == resolve_model().weights_sha256, "the same weights"


def test_cls_pooling_copy_of_the_model_gets_its_own_index(
    base_copy: Path,
    real_embedder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    model = copy_packaged_model(tmp_path)
    cache = tmp_path / "cache"
    base = load_answer_base(base_copy)
    questions = [q for a in base.answers for q in a.questions]
    mean_index = load_or_build_index(base, real_embedder, cache)
    use_cls_pooling(model)
    cls_embedder = SentenceTransformerEmbedder(resolve_model(str(model)))
    caplog.set_level(logging.INFO, logger="replykb")
    cls_index = load_or_build_index(base, cls_embedder, cache)
    assert "it is stale (model_id changed)" in build_reasons(caplog)[0]
    assert f"embedding {len(questions)} new text(s)" in caplog.text, "no mean-pooled vector reused"
    assert np.allclose(cls_index.vectors, cls_embedder.encode(questions), atol=1e-6)
    assert np.sum(cls_index.vectors * mean_index.vectors, axis=1).min() < 0.99
    # What users see: the same matches as a CLS index built from nothing.
    kb = KnowledgeBase.load(base_copy, cache_dir=cache, embedder=cls_embedder)
    fresh = KnowledgeBase.load(base_copy, cache_dir=tmp_path / "fresh", embedder=cls_embedder)
    for message in ("where is my order", "I forgot my password", "refund??", "hello"):
        assert kb.match(message) == fresh.match(message), message
    caplog.clear()
    load_or_build_index(base, real_embedder, cache)  # back to mean pooling
    assert "new text" not in caplog.text, "each configuration keeps its own embeddings"
