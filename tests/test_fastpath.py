"""The fast path: the model's ONNX export answers lookups without torch, with the same results."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from replykb import KnowledgeBase, Match, run_checks
from replykb.cachefiles import FileDigests
from replykb.embed import resolve_model
from replykb.fastpath import load_fast_embedder
from replykb.index import index_rows
from replykb.onnxmodel import (
    EXPORT_MANIFEST,
    GRAPH_FILE,
    WEIGHTS_FILE,
    ExportUnsupported,
    FastPathUnavailable,
    ModelConfig,
    OnnxEmbedder,
)

from .cache_helpers import (
    abandoned_temporary,
    copy_packaged_model,
    make_read_only,
    make_writable,
    no_bypass_prefix,
    run_replykb,
    snapshot,
    use_cls_pooling,
)
from .conftest import EXAMPLE_BASE, SHOP_BASE

HEAVY = ("sentence_transformers", "transformers", "torch", "sklearn", "scipy")
MESSAGES = [
    "where's my refund?? sent the parcel back ages ago",
    "I forgot my password and can't log in",
    "do you ship to Canada",
    "who won the football last night",
    "my card was charged twice for one order!!",
    "cancel my plus membership please",
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the example base, so that an edit of answers/ meanwhile changes nothing."""
    root = tmp_path_factory.mktemp("fast") / "answers"
    shutil.copytree(EXAMPLE_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


@pytest.fixture(scope="module")
def built_cache(real_embedder, base: Path) -> Path:  # type: ignore[no-untyped-def]
    """The base's cache holding its index and its ONNX export, as after a first lookup:
    the index is built with the session's model, then a default load exports."""
    cache = base / ".replykb"
    KnowledgeBase.load(base, embedder=real_embedder)
    kb = KnowledgeBase.load(base)
    assert isinstance(kb.embedder, OnnxEmbedder)
    return cache


@pytest.fixture(scope="module")
def fast_kb(base: Path, built_cache: Path) -> KnowledgeBase:
    return KnowledgeBase.load(base)


@pytest.fixture(scope="module")
def reference_kb(real_embedder, base: Path, built_cache: Path) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    """The same base and index, matched with sentence-transformers."""
    return KnowledgeBase.load(base, embedder=real_embedder)


def same_match(fast: Match, reference: Match) -> bool:
    """Same decision and candidates; scores equal to well within what is ever shown."""
    return (
        (fast.status, fast.answer_id) == (reference.status, reference.answer_id)
        and [a for a, _ in fast.candidates] == [a for a, _ in reference.candidates]
        and np.allclose(
            [s for _, s in fast.candidates], [s for _, s in reference.candidates], atol=1e-5
        )
    )


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_onnx_embeddings_equal_sentence_transformers(fast_kb, reference_kb, real_embedder) -> None:  # type: ignore[no-untyped-def]
    # The reference index was built by sentence-transformers: its rows are the questions'
    # embeddings by the real model.
    # Every index row, each language's questions included (answers/ has Italian ones).
    questions = [question for _, question in index_rows(fast_kb.base)]
    fast = fast_kb.embedder.encode(questions)
    assert fast.shape == reference_kb.index.vectors.shape == (len(questions), 384)
    cosines = np.sum(fast * reference_kb.index.vectors, axis=1)
    assert cosines.min() >= 0.9999, questions[int(cosines.argmin())]
    # Past the model's 256 word pieces, past the 4,096-character cut, and not English.
    hard = ["refund " * 400, "y" * 5000, "Où est mon remboursement ? 日本語 👋🏽", "?"]
    assert (
        np.sum(fast_kb.embedder.encode(hard) * real_embedder.encode(hard), axis=1).min() >= 0.9999
    )
    one_by_one = np.concatenate([fast_kb.embedder.encode([q]) for q in questions[:40]])
    assert one_by_one.tobytes() == fast[:40].tobytes(), "a batch gives each text its own vector"
    assert fast_kb.embedder.batch_invariant is True, "so the triage core may batch"


def test_fast_path_matches_as_sentence_transformers(fast_kb, reference_kb) -> None:  # type: ignore[no-untyped-def]
    for message in MESSAGES:
        assert same_match(fast_kb.match(message), reference_kb.match(message)), message
    fast = fast_kb.suggest(MESSAGES[0], channel="x", agent="paola", customer="@mario")
    reference = reference_kb.suggest(MESSAGES[0], channel="x", agent="paola", customer="@mario")
    assert fast.reply is not None and reference.reply is not None
    assert fast.reply.text == reference.reply.text


def test_lookup_imports_no_torch(base: Path, built_cache: Path) -> None:
    result = run_python(
        f"""
        import json, sys
        import replykb
        kb = replykb.KnowledgeBase.load({str(base)!r})
        suggestion = kb.suggest("where is my refund??", channel="x", agent="paola")
        heavy = [name for name in {HEAVY!r} if name in sys.modules]
        print(json.dumps([heavy, type(kb.embedder).__name__, suggestion.match.answer_id]))
        """
    )
    heavy, embedder, answer_id = json.loads(result.stdout)
    assert heavy == [] and embedder == "OnnxEmbedder" and answer_id == "refund-timing"
    assert "fast path unavailable" not in result.stderr


def test_check_leaves_the_cache_ready_for_a_fast_lookup(tmp_path: Path) -> None:
    # A CI check on a fresh cache builds the index with sentence-transformers and makes
    # the export, so the next check and the first lookup import no torch at all.
    from replykb import run_checks

    cache = tmp_path / "cache"
    first = run_checks(SHOP_BASE, cache_dir=cache)
    assert (cache / EXPORT_MANIFEST).is_file()
    result = run_python(
        f"""
        import json, sys
        import replykb
        report = replykb.run_checks({str(SHOP_BASE)!r}, cache_dir={str(cache)!r})
        kb = replykb.KnowledgeBase.load({str(SHOP_BASE)!r}, cache_dir={str(cache)!r})
        heavy = [name for name in {HEAVY!r} if name in sys.modules]
        print(json.dumps([heavy, type(kb.embedder).__name__, report.model_dump(mode="json")]))
        """
    )
    heavy, embedder, report = json.loads(result.stdout)
    assert heavy == [] and embedder == "OnnxEmbedder"
    assert report == first.model_dump(mode="json")


def test_import_replykb_is_light() -> None:
    result = run_python(
        """
        import json, sys
        import replykb
        names = ("numpy", "faiss", "onnxruntime", "tokenizers", "jinja2", "pydantic", "yaml", "torch")
        loaded = [name for name in names if name in sys.modules]
        print(json.dumps([loaded, replykb.KnowledgeBase.__name__]))  # names load when used
        """
    )
    assert json.loads(result.stdout) == [[], "KnowledgeBase"]


@pytest.mark.parametrize(
    ("message", "channel"),
    [
        (MESSAGES[0], "x"),
        (MESSAGES[1], "email"),
        (MESSAGES[3], "sms"),
        ("refund??", "x"),  # an ambiguous one: several replies
    ],
)
def test_cli_prints_what_the_library_returns(
    fast_kb: KnowledgeBase, base: Path, message: str, channel: str
) -> None:
    command = [sys.executable, "-m", "replykb", "suggest", message, "--kb", str(base)]
    command += ["--channel", channel, "--agent", "paola"]
    result = subprocess.run([*command, "--json"], capture_output=True, timeout=120, check=True)
    suggestion = fast_kb.suggest(message, channel=channel, agent="paola")
    assert result.stdout == (suggestion.model_dump_json(indent=2) + "\n").encode("utf-8")
    assert result.stderr == b"", "no fallback, no rebuild"
    text = subprocess.run(command, capture_output=True, timeout=120, check=True).stdout
    for reply in [suggestion.reply] if suggestion.reply else suggestion.alternatives:
        assert reply.text.encode("utf-8") in text


def corrupt_weights(export: Path) -> None:
    weights = export / WEIGHTS_FILE
    with weights.open("r+b") as stream:  # same size, other bytes: only the checksum tells
        stream.seek(weights.stat().st_size // 2)
        stream.write(bytes(4096))


def remove_graph(export: Path) -> None:
    (export / GRAPH_FILE).unlink()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (corrupt_weights, f"its file {WEIGHTS_FILE} is corrupt (checksum mismatch)"),
        (remove_graph, f"its file {GRAPH_FILE} is missing"),
    ],
    ids=["corrupt", "missing"],
)
def test_broken_export_falls_back_and_is_made_again(
    base: Path,
    built_cache: Path,
    reference_kb: KnowledgeBase,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built_cache, cache)
    (export,) = cache.glob("onnx-*")
    damage(export)
    killed_export, _ = abandoned_temporary(cache)  # an earlier export killed midway
    caplog.set_level(logging.INFO, logger="replykb")
    kb = KnowledgeBase.load(base, cache_dir=cache)
    assert not killed_export.exists(), "the next export removes what a killed one left"
    assert f"fast path unavailable ({reason}); using sentence-transformers" in caplog.text
    assert "exported the model to ONNX" in caplog.text
    for message in MESSAGES:
        assert same_match(kb.match(message), reference_kb.match(message)), message
    caplog.clear()
    again = KnowledgeBase.load(base, cache_dir=cache)
    assert isinstance(again.embedder, OnnxEmbedder) and caplog.text == ""


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda cache: (cache / EXPORT_MANIFEST).unlink(), "has not been exported to ONNX yet"),
        (lambda cache: (cache / EXPORT_MANIFEST).write_text("{"), "export manifest is corrupt"),
        (
            lambda cache: (cache / EXPORT_MANIFEST).write_text(
                (cache / EXPORT_MANIFEST).read_text().replace("53aa5117", "00000000")
            ),
            "exported from another model",
        ),
        (
            lambda cache: [
                p.write_bytes(p.read_bytes()[:-10]) for p in cache.glob("onnx-*/*.data")
            ],
            f"its file {WEIGHTS_FILE} is truncated or changed",
        ),
    ],
    ids=["no manifest", "bad manifest", "other model", "truncated"],
)
def test_unusable_export_says_why(
    built_cache: Path, tmp_path: Path, damage: Callable[[Path], object], reason: str
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built_cache, cache)
    damage(cache)
    with pytest.raises(FastPathUnavailable, match=reason) as caught:
        load_fast_embedder(resolve_model(), cache, FileDigests(cache))
    assert not isinstance(caught.value, ExportUnsupported), "making it again would help"


def test_concurrent_matching_is_deterministic(fast_kb: KnowledgeBase) -> None:
    messages = [*MESSAGES, *(f"order {n} has not arrived, it's been {n} days" for n in range(14))]
    serial = [fast_kb.embedder.encode([m]).tobytes() for m in messages]
    expected = [fast_kb.match(m) for m in messages]
    with ThreadPoolExecutor(max_workers=8) as pool:
        vectors = list(pool.map(lambda m: fast_kb.embedder.encode([m]).tobytes(), messages * 3))
        matches = list(pool.map(fast_kb.match, messages * 3))
    assert vectors == serial * 3, "same message, same bytes, whatever runs beside it"
    assert matches == expected * 3


MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {
        "idx": 2,
        "name": "2",
        "path": "2_Normalize",
        "type": "sentence_transformers.models.Normalize",
    },
]
MEAN = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}


def write_model_config(
    folder: Path,
    modules: list[dict[str, object]] = MODULES,
    pooling: dict[str, object] = MEAN,
    settings: dict[str, object] | None = None,
) -> Path:
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps(settings or {"max_seq_length": 128, "do_lower_case": False})
    )
    (folder / "tokenizer.json").write_text("{}")
    return folder


def test_model_config_is_read_from_the_model() -> None:
    spec = resolve_model()
    assert spec.local_path is not None
    assert ModelConfig.read(spec.local_path) == ModelConfig(pooling="mean", max_seq_length=256)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {
                "modules": [
                    *MODULES,
                    {"path": "3_Dense", "type": "sentence_transformers.models.Dense"},
                ]
            },
            "its modules are",
        ),
        (
            {"pooling": {**MEAN, "pooling_mode_max_tokens": True}},
            r"its pooling is \['max', 'mean'\]",
        ),
        ({"pooling": {"pooling_mode_weightedmean_tokens": True}}, "its pooling is"),
        ({"settings": {"max_seq_length": 128, "do_lower_case": True}}, "lowercases"),
        ({"settings": {"do_lower_case": False}}, "no max_seq_length"),
    ],
    ids=["dense layer", "two poolings", "weighted mean", "lowercase", "no length"],
)
def test_models_the_fast_path_cannot_mirror_get_none(
    tmp_path: Path, change: dict[str, object], reason: str
) -> None:
    folder = write_model_config(tmp_path / "model", **change)  # type: ignore[arg-type]
    with pytest.raises(ExportUnsupported, match=reason):
        ModelConfig.read(folder)


def test_fast_path_is_used_by_default_and_needs_no_rebuild(
    base: Path, built_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="replykb")
    kb = KnowledgeBase.load(base)
    assert isinstance(kb.embedder, OnnxEmbedder)
    assert caplog.text == ""
    assert kb.index.vectors.flags.writeable is False, "the index is a read-only view of the file"
    assert os.path.exists(built_cache / FileDigests.FILE)


def test_export_is_keyed_on_the_model_configuration(built_cache: Path, tmp_path: Path) -> None:
    model = copy_packaged_model(tmp_path)
    same = load_fast_embedder(resolve_model(str(model)), built_cache, FileDigests(None))
    assert isinstance(same, OnnxEmbedder), "an identical copy elsewhere shares the export"
    use_cls_pooling(model)  # same weights, same folder name, other vectors
    with pytest.raises(FastPathUnavailable, match="exported from another model"):
        load_fast_embedder(resolve_model(str(model)), built_cache, FileDigests(None))


def edit_question(root: Path) -> None:
    answer = root / "account" / "reset-password.yaml"
    text = answer.read_text(encoding="utf-8")
    assert "I forgot my password" in text
    answer.write_text(text.replace("I forgot my password", "I forgot my login password"))


@pytest.mark.parametrize(
    ("stale", "locked"),
    [(False, "folders and files"), (True, "folders and files"), (True, "files only")],
    ids=["valid cache", "stale cache", "stale cache, writable folder"],
)
def test_read_only_cache_is_used_as_it_is(
    base: Path, built_cache: Path, tmp_path: Path, stale: bool, locked: str
) -> None:
    """A CI checkout or a container image: the base and its cache cannot be written."""
    prefix = no_bypass_prefix(tmp_path)
    root = tmp_path / "answers"
    shutil.copytree(base, root)  # with its cache, index and ONNX export
    cache = root / ".replykb"
    run_checks(root)  # completes the cache: held-out tests and out-of-scope messages
    if stale:
        edit_question(root)
    before = snapshot(cache)
    make_read_only(root)
    if locked == "files only":
        for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
    suggest = ["suggest", "I forgot my login password", "--kb", str(root), "--channel", "x"]
    try:
        checked = run_replykb(prefix, "check", str(root))
        suggested = run_replykb(prefix, *suggest, "--agent", "paola", "--json")
    finally:
        make_writable(root)
    written = snapshot(cache) != before
    reference = run_replykb([], "check", str(root))
    for result in (checked, suggested):
        assert "Traceback" not in result.stderr, result.stderr
        warnings = [line for line in result.stderr.splitlines() if "cannot write" in line]
        if stale and locked == "folders and files":
            assert warnings == [
                f"replykb: cannot write the cache folder {cache} (Permission denied): working "
                "in memory, so the next start does this work again; pass --cache-dir DIR "
                "(cache_dir= in Python) or set $REPLYKB_CACHE_DIR to keep the cache in a "
                "writable folder"
            ], "said once per run, with the fix"
        else:
            assert warnings == []
    assert (checked.returncode, checked.stdout) == (reference.returncode, reference.stdout)
    assert suggested.returncode == 0
    assert json.loads(suggested.stdout)["match"]["answer_id"] == "reset-password"
    assert written is (locked == "files only"), "nothing written unless the folder allows it"
    if not stale:
        assert suggested.stderr == "" and checked.stderr == "", "no rebuild, no export"
