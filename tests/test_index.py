"""The index cache: reused when valid, rebuilt (with a reason) when stale or damaged."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from replykb import KnowledgeBase
from replykb.embed import SentenceTransformerEmbedder
from replykb.index import MANIFEST, EmbeddingCache
from replykb.loader import load_answer_base

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
    ],
    ids=["truncated", "corrupt", "missing", "bad manifest", "manifest not an object"],
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


def test_corrupt_embedding_cache_is_ignored(base_copy, real_embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    load(base_copy, real_embedder)
    for file in (base_copy / ".replykb").glob("embeddings-*.npz"):
        file.write_bytes(b"garbage")
    (base_copy / ".replykb" / MANIFEST).unlink()
    caplog.set_level(logging.INFO, logger="replykb")
    kb = load(base_copy, real_embedder)
    assert "ignoring the corrupt embedding cache" in caplog.text
    assert kb.match("refund??").answer_id == "refund-timing"


class OtherModel:
    """The real model under another identity, as after switching models."""

    def __init__(self, embedder: SentenceTransformerEmbedder) -> None:
        self.inner = embedder
        self.model_id = "another-model@sha256:0"

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
        self.model_id = embedder.model_id

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


def test_digests_of_unchanged_files_are_remembered(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    import time

    from replykb import index

    hashed: list[Path] = []
    original = index.file_sha256
    monkeypatch.setattr(index, "file_sha256", lambda path: hashed.append(path) or original(path))
    weights, cache = tmp_path / "weights.bin", tmp_path / "cache"
    weights.write_bytes(b"a" * 1000)
    expected = hashlib.sha256(b"a" * 1000).hexdigest()

    assert index.FileDigests(cache).sha256(weights) == expected
    # Hashed just after its last change: a write in the same clock tick could leave its
    # times unchanged, so the digest is not trusted yet.
    assert index.FileDigests(cache).sha256(weights) == expected and len(hashed) == 2
    later = time.time_ns() + 10 * 10**9
    monkeypatch.setattr(index.time, "time_ns", lambda: later)
    index.FileDigests(cache).sha256(weights)
    monkeypatch.setattr(index.time, "time_ns", time.time_ns)
    assert index.FileDigests(cache).sha256(weights) == expected and len(hashed) == 3, "trusted"

    before = weights.stat()
    time.sleep(0.05)
    weights.write_bytes(b"b" * 1000)  # same size, and the old modification time put back:
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time tells
    assert index.FileDigests(cache).sha256(weights) == hashlib.sha256(b"b" * 1000).hexdigest()
    assert index.FileDigests(None).sha256(weights) == hashlib.sha256(b"b" * 1000).hexdigest()


def test_search_is_faiss_exact_inner_product(base_copy, real_embedder) -> None:  # type: ignore[no-untyped-def]
    import faiss
    import numpy as np

    load(base_copy, real_embedder)
    kb = load(base_copy, real_embedder)  # read back from the file
    assert kb.index.vectors.flags.writeable is False, "shared between threads: read-only"
    reference = faiss.read_index(str(index_file(base_copy)))
    assert np.array_equal(kb.index.vectors, reference.reconstruct_n(0, reference.ntotal))
    queries = real_embedder.encode(["where is my parcel", "refund??", "password reset link"])
    scores, rows = kb.index.search(queries, 5)
    expected_scores, expected_rows = reference.search(queries, 5)
    assert np.array_equal(rows, expected_rows)
    assert np.allclose(scores, expected_scores, atol=1e-6)
