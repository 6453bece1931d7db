"""`replykb build`: the index and the ONNX export made ahead, so that a start encodes nothing.

One real build into a fresh cache per module (a `replykb build` process: sentence-
transformers encodes the questions, then the model is exported to ONNX); the other
tests work on copies of that cache.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replykb import KnowledgeBase, onnxmodel
from replykb import build as build_module
from replykb.build import build_cache
from replykb.embed import SentenceTransformerEmbedder
from replykb.errors import CacheError, ModelError
from replykb.onnxmodel import OnnxEmbedder

from .cache_helpers import (
    copy_packaged_model,
    edit_json,
    make_read_only,
    make_writable,
    no_bypass_prefix,
    run_replykb,
    snapshot,
)
from .conftest import SHOP_BASE

QUESTIONS = 10  # in the shop fixture base
ANSWERS = 3


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("build") / "shop"
    shutil.copytree(SHOP_BASE, root)
    return root


@pytest.fixture(scope="module")
def first_build(base: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A `replykb build` process on an empty cache folder: the cache and the result."""
    cache = tmp_path_factory.mktemp("build-cache") / "cache"
    result = run_replykb([], "build", str(base), "--cache-dir", str(cache))
    return cache, result


def copy_cache(cache: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    return copy


def test_a_fresh_cache_is_built(first_build: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    cache, result = first_build
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"built the index: {QUESTIONS} questions of {ANSWERS} answers",
        "built the model's ONNX export",
        result.stdout.splitlines()[2],
    ]
    assert result.stdout.splitlines()[2].startswith(f"cache ready in {cache} (")
    # The library's own progress lines say why, on stderr.
    assert "building the index of" in result.stderr
    assert "no index has been built yet" in result.stderr
    assert "exported the model to ONNX" in result.stderr
    assert "Traceback" not in result.stderr
    assert (cache / "manifest.json").is_file() and (cache / "onnx.json").is_file()


def test_a_second_run_reuses_it(
    base: Path, first_build: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    cache, _ = first_build
    before = snapshot(cache)
    result = run_replykb([], "build", "--kb", str(base), "--cache-dir", str(cache), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {key: report[key] for key in ("index", "fast_path", "questions", "answers")} == {
        "index": "reused",
        "fast_path": "reused",
        "questions": QUESTIONS,
        "answers": ANSWERS,
    }
    assert report["cache"] == str(cache) and report["base"] == str(base)
    assert result.stderr == "", "nothing built, nothing to say"
    changed = {name for name, entry in snapshot(cache).items() if before.get(name) != entry}
    assert changed <= {"digests.json"}, "the index and the export are left as they are"


class CountingEncodes:
    """Counts every text either embedder is asked to encode while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        for cls in (OnnxEmbedder, SentenceTransformerEmbedder):
            original = cls.encode

            def encode(self_: object, texts: list[str], _original: object = original) -> object:
                self.texts.extend(texts)
                return _original(self_, texts)  # type: ignore[operator]

            monkeypatch.setattr(cls, "encode", encode)


def test_a_load_from_the_built_cache_encodes_nothing(
    base: Path,
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache, _ = first_build
    counting = CountingEncodes(monkeypatch)
    with caplog.at_level(logging.INFO, logger="replykb"):
        kb = KnowledgeBase.load(base, cache_dir=cache)
    assert counting.texts == [], "no question encoded at start"
    assert isinstance(kb.embedder, OnnxEmbedder)
    assert [r.getMessage() for r in caplog.records] == []
    suggestion = kb.suggest("how long does a refund take?", channel="x", agent="paola")
    assert suggestion.match.answer_id == "refund-timing"
    assert counting.texts == ["how long does a refund take?"], "only the message"


def test_a_replica_started_from_the_cache_imports_no_torch(
    base: Path, first_build: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    cache, _ = first_build
    code = (
        "import json, sys, replykb\n"
        f"kb = replykb.KnowledgeBase.load({str(base)!r}, cache_dir={str(cache)!r})\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') "
        "if m in sys.modules]\n"
        "print(json.dumps([heavy, kb.match('I forgot my password').answer_id]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[], "reset-password"]
    assert result.stderr == ""


def corrupt_index_file(cache: Path) -> None:
    (index_file,) = cache.glob("index-*.faiss")
    data = bytearray(index_file.read_bytes())
    data[-5] ^= 0xFF
    index_file.write_bytes(bytes(data))


def corrupt_manifest(cache: Path) -> None:
    (cache / "manifest.json").write_text('{"format": 2, "questions": "seven"', encoding="utf-8")


def truncate_export_weights(cache: Path) -> None:
    (weights,) = cache.glob("onnx-*/model.onnx.data")
    with weights.open("r+b") as stream:
        stream.truncate(weights.stat().st_size // 2)


@pytest.mark.parametrize(
    ("damage", "why", "index", "fast_path"),
    [
        (corrupt_index_file, "its index file is corrupt (checksum mismatch)", "built", "reused"),
        (corrupt_manifest, "its manifest is corrupt", "built", "reused"),
        (truncate_export_weights, "model.onnx.data is truncated", "reused", "built"),
    ],
    ids=["index file", "index manifest", "ONNX weights"],
)
def test_a_corrupt_cache_is_rebuilt(
    base: Path,
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    damage: object,
    why: str,
    index: str,
    fast_path: str,
) -> None:
    cache = copy_cache(first_build[0], tmp_path)
    damage(cache)  # type: ignore[operator]
    result = run_replykb([], "build", str(base), "--cache-dir", str(cache), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["index"], report["fast_path"]) == (index, fast_path)
    assert why in result.stderr
    again = run_replykb([], "build", str(base), "--cache-dir", str(cache), "--json")
    assert (json.loads(again.stdout)["index"], json.loads(again.stdout)["fast_path"]) == (
        "reused",
        "reused",
    ), "what was rebuilt is whole"


def edit_question(root: Path) -> None:
    answer = root / "account" / "reset-password.yaml"
    text = answer.read_text(encoding="utf-8")
    assert "I forgot my password" in text
    answer.write_text(text.replace("I forgot my password", "I forgot my login password"))


@pytest.mark.parametrize("stale", [False, True], ids=["up to date", "stale"])
def test_a_read_only_cache(
    base: Path,
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    stale: bool,
) -> None:
    """A container image or a CI checkout: an up-to-date cache is used as it is; a stale
    one cannot be rebuilt where it is, which is an error naming the folder and the fix."""
    prefix = no_bypass_prefix(tmp_path)
    root = tmp_path / "shop"
    shutil.copytree(base, root)
    cache = copy_cache(first_build[0], tmp_path)
    if stale:
        edit_question(root)
    before = snapshot(cache)
    make_read_only(cache)
    try:
        result = run_replykb(prefix, "build", str(root), "--cache-dir", str(cache))
    finally:
        make_writable(cache)
    assert "Traceback" not in result.stderr
    assert snapshot(cache) == before, "nothing written"
    if not stale:
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[:2] == [
            f"reused the index: {QUESTIONS} questions of {ANSWERS} answers",
            "reused the model's ONNX export",
        ]
        return
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"replykb: error: cannot write the cache folder {cache} (Permission denied), which "
        "does not hold its index up to date, so every start would build it again; run "
        "`replykb build` where it can be written, or pass --cache-dir DIR (or set "
        "$REPLYKB_CACHE_DIR) to a writable folder"
    )


def test_a_base_that_does_not_load_exits_1(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(SHOP_BASE, root)
    (root / "orders" / "refund-timing.yaml").write_text("questions: [\n", encoding="utf-8")
    result = run_replykb([], "build", str(root), "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "refund-timing.yaml:2" in result.stderr
    assert f"run `replykb check {root}` to see every problem" in result.stderr
    assert not (tmp_path / "cache").exists(), "nothing built for a base that does not load"


def test_no_base_exits_2(tmp_path: Path) -> None:
    result = run_replykb([], "build", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.startswith("replykb: error: ")
    assert str(tmp_path / "missing") in result.stderr


def test_the_library_refuses_a_cache_that_did_not_keep_the_index(
    base: Path,
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process, where root may write anywhere: the cache reading back without this
    # index (as after a failed write) is a CacheError, not a silent success.
    cache = copy_cache(first_build[0], tmp_path)
    monkeypatch.setattr(build_module, "_index_manifest", lambda *args: None)
    with pytest.raises(CacheError, match=rf"^cannot write the cache folder {cache}, which"):
        build_cache(base, cache_dir=cache)


MESSAGES = [
    "where's my refund?? sent the parcel back ages ago",
    "I forgot my password and can't log in",
    "do you ship to Canada",
    "a",
    "refund " * 400,
]


def test_server_sessions_give_the_same_vectors(
    base: Path,
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server's one-thread-per-request sessions encode exactly as the library's, so the
    same request gets the same reply, byte for byte, from either."""
    cache, _ = first_build
    library = KnowledgeBase.load(base, cache_dir=cache)
    monkeypatch.setattr(onnxmodel, "_session_threads", 0)  # restored after the test
    onnxmodel.use_server_sessions()
    server = KnowledgeBase.load(base, cache_dir=cache)
    assert isinstance(server.embedder, OnnxEmbedder)
    assert server.embedder.session.get_session_options().intra_op_num_threads == 1
    assert library.embedder.session.get_session_options().intra_op_num_threads == 0
    for batch in ([message] for message in MESSAGES):
        assert np.array_equal(server.embedder.encode(batch), library.embedder.encode(batch))
    assert np.array_equal(server.embedder.encode(MESSAGES), library.embedder.encode(MESSAGES))
    for message in MESSAGES[:3]:
        at = "2026-11-30T09:00:00+00:00"
        assert server.suggest(message, channel="x", now=at).model_dump_json() == (
            library.suggest(message, channel="x", now=at).model_dump_json()
        )


def test_an_operator_chooses_the_server_threads(
    base: Path,
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache, _ = first_build
    monkeypatch.setattr(onnxmodel, "_session_threads", 0)  # restored after the test
    monkeypatch.setenv("REPLYKB_ONNX_THREADS", " 2 ")
    onnxmodel.use_server_sessions()
    kb = KnowledgeBase.load(base, cache_dir=cache)
    assert isinstance(kb.embedder, OnnxEmbedder)
    assert kb.embedder.session.get_session_options().intra_op_num_threads == 2


@pytest.mark.parametrize("value", ["two", "-1", "1.5", "99999", "٣", "2 4"])
def test_server_threads_must_be_a_count(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr(onnxmodel, "_session_threads", 0)
    monkeypatch.setenv("REPLYKB_ONNX_THREADS", value)
    with pytest.raises(ModelError) as raised:
        onnxmodel.use_server_sessions()
    assert str(raised.value) == (
        "$REPLYKB_ONNX_THREADS must be a whole number of threads per request "
        f"(0: one per core), not {value!r}; unset it for one"
    )
    assert onnxmodel._session_threads == 0, "nothing changed"


def test_server_threads_that_are_not_a_count_stop_the_server(base: Path, tmp_path: Path) -> None:
    result = run_replykb(
        [],
        "serve",
        "--kb",
        str(base),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--port",
        "0",
        env={"REPLYKB_ONNX_THREADS": "two"},
    )
    assert result.returncode == 2
    assert result.stderr == (
        "replykb: error: $REPLYKB_ONNX_THREADS must be a whole number of threads per request "
        "(0: one per core), not 'two'; unset it for one\n"
    )
    assert not (tmp_path / "cache").exists(), "stopped before loading anything"


def test_a_model_without_a_fast_path_is_built_for_and_said(tmp_path: Path) -> None:
    """A model the ONNX export cannot mirror (it lowercases texts itself) gets its index,
    and the build says why it has no export: starts then load sentence-transformers."""
    model = copy_packaged_model(tmp_path)
    edit_json(model / "sentence_bert_config.json", do_lower_case=True)
    root = tmp_path / "shop"
    shutil.copytree(SHOP_BASE, root)
    settings = root / "replykb.yaml"
    settings.write_text(f"model: {model}\n" + settings.read_text(encoding="utf-8"))
    cache = tmp_path / "cache"
    expected = (
        "no ONNX export for this model (it lowercases texts itself (do_lower_case)): starts "
        "load sentence-transformers, slower, but encode nothing"
    )
    first = run_replykb([], "build", str(root), "--cache-dir", str(cache))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:2] == [
        f"built the index: {QUESTIONS} questions of {ANSWERS} answers",
        expected,
    ]
    assert (cache / "onnx.json").is_file(), "the reason is kept: later starts do not try again"
