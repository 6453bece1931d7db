"""``replykb tune``: a real fine-tuning of the packaged model on a small base (a few answers,
one short epoch), the tuned model used through its ONNX export by the next load (no
torch), kept aside when it is not better, reproducible, and reported stale by ``check``.

The tuned bases are module fixtures: each training runs once for the whole module.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from replykb import KnowledgeBase
from replykb.cachefiles import FileDigests, file_sha256
from replykb.checks import run_checks
from replykb.cli import cli
from replykb.embed import SentenceTransformerEmbedder, resolve_model
from replykb.evaluate import LabelledMessage, ScoredMessage, report
from replykb.index import index_rows
from replykb.learn.tune import _verdict, compare, hold_out, hold_out_of_scope, tune_base
from replykb.learn.tune_models import TuneReport
from replykb.learn.tune_train import Pair, TrainSettings, make_batches, make_pairs, train
from replykb.loader import load_answer_base
from replykb.tunedmodel import (
    TUNED_MANIFEST,
    TunedManifest,
    out_of_scope_texts,
    training_settings,
    use_tuned,
)

from .test_checks_tuned import write_manifest

# One epoch of 6 steps: pairs of one positive, 4 answers per batch.
SETTINGS = """\
brand: Acme
channels:
  chat: {{}}
tune:
  positives: 1
  batch_size: 4{extra}
out_of_scope:
  - who won the football last night
  - what is the capital of Peru
  - write me a poem about the sea
  - can you recommend a good plumber
  - tell me a joke
"""

ANSWERS = {
    "refund": (
        [
            "when will I get my refund",
            "where is my money back",
            "my refund has not arrived yet",
            "how long do refunds take",
            "I returned the item but was not paid back",
            "still waiting for the reimbursement",
        ],
        ["the money for my return is still missing", "reimbursement taking forever"],
    ),
    "charged-twice": (
        [
            "I was charged twice",
            "there are two payments for one order",
            "you took the money two times",
            "double charge on my card",
            "my bank shows the same payment twice",
            "duplicate transaction on my statement",
        ],
        ["I see a pending hold as well as the payment", "billed 2x for the same thing"],
    ),
    "reset-password": (
        [
            "I forgot my password",
            "how do I reset my password",
            "cannot log in, password not accepted",
            "the password reset email never came",
            "change my password please",
            "locked out because of a wrong password",
        ],
        ["can't remember my login", "sign in keeps failing"],
    ),
    "delivery": (
        [
            "where is my order",
            "my parcel has not arrived",
            "track my delivery",
            "when will my package come",
            "the courier has not delivered yet",
            "order still not here",
        ],
        ["has my stuff shipped", "package is late"],
    ),
}

MESSAGES = [
    "my reimbursement is late",
    "two identical charges on my card",
    "I can't sign in",
    "where's my parcel",
    "tell me about the weather",
]


def write_small_base(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "replykb.yaml").write_text(SETTINGS.format(extra=extra), encoding="utf-8")
    for answer_id, (questions, tests) in ANSWERS.items():
        body = {"questions": questions, "answer": f"The answer about {answer_id}.", "tests": tests}
        (root / f"{answer_id}.yaml").write_text(json.dumps(body, indent=2), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TuneReport]:
    """A small base tuned with --force (so the tuned model is used whatever the verdict)."""
    root = write_small_base(tmp_path_factory.mktemp("tuned") / "base")
    return root, tune_base(load_answer_base(root), force=True)


@pytest.fixture(scope="module")
def tuned_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The final training of ``tuned`` run again, on a copy of the base in another folder:
    the same questions, settings and seed. Returns the model's folder."""
    root = write_small_base(tmp_path_factory.mktemp("again") / "base")
    base = load_answer_base(root)
    settings = TrainSettings(**training_settings(base.settings.tune))
    negatives = out_of_scope_texts(base)
    train(resolve_model(), index_rows(base), settings, root / "tuned", negatives=negatives)
    return root / "tuned"


def manifest_of(root: Path) -> TunedManifest:
    return TunedManifest.model_validate_json((root / ".replykb" / TUNED_MANIFEST).read_bytes())


# --- batches and the held-out split (no model) ---------------------------------------------


@pytest.mark.parametrize("batch_size", [2, 3, 4, 32])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_no_batch_holds_two_questions_of_one_answer(batch_size: int, seed: int) -> None:
    rows = [(answer, q) for answer, (questions, _) in ANSWERS.items() for q in questions]
    rows += [("single", "a lonely question")]
    pairs = make_pairs(rows, 3, random.Random(seed))
    batches = make_batches(pairs, batch_size, random.Random(seed))
    assert all(2 <= len(batch) <= batch_size for batch in batches)
    assert all(len({pair.answer for pair in batch}) == len(batch) for batch in batches)
    # Every pair is trained on, but those left alone at the end (no negative to learn from).
    used = sum(len(batch) for batch in batches)
    assert len(pairs) - used < len(ANSWERS) * 3
    assert all(pair.answer != "single" for pair in pairs)  # one question: nothing to pair
    assert all(pair.anchor != pair.positive for pair in pairs)


def test_a_batch_never_repeats_an_answer_even_when_one_answer_dominates() -> None:
    pairs = [Pair("big", f"q{i}", f"p{i}") for i in range(50)] + [Pair("small", "a", "b")]
    batches = make_batches(pairs, 8, random.Random(0))
    # One batch of a "big" pair and the "small" one; the other "big" pairs would only
    # meet each other, so they make no batch.
    assert [sorted(pair.answer for pair in batch) for batch in batches] == [["big", "small"]]


def test_the_held_out_split_is_fixed_by_the_questions_and_keeps_three_per_answer(
    tmp_path: Path,
) -> None:
    base = load_answer_base(write_small_base(tmp_path / "base"))
    train_rows, held = hold_out(base)
    again_rows, again_held = hold_out(load_answer_base(tmp_path / "base"))
    assert (train_rows, [h.message for h in held]) == (again_rows, [h.message for h in again_held])
    assert len(held) == 8  # 2 of every answer's 6 (every fifth, in sha256 order)
    for answer_id in ANSWERS:
        assert sum(a == answer_id for a, _, _ in train_rows) >= 3
    assert {h.expected for h in held} == set(ANSWERS)
    assert all(h.where.startswith(str(tmp_path / "base")) and ".yaml:" in h.where for h in held)


ITALIAN = """\
languages: [en, it]
translations:
  it:
    out_of_scope:
      - chi ha vinto la partita ieri sera
      - qual è la capitale del Perù
      - scrivimi una poesia sul mare
      - tell me a joke
"""
ITALIAN_REFUND = [
    "quando arriva il mio rimborso",
    "dove sono i miei soldi",
    "il rimborso non è ancora arrivato",
    "quanto tempo ci vuole per un rimborso",
    "aspetto ancora il rimborso",
]


def test_every_language_is_held_out_on_its_own_and_half_the_out_of_scope_messages(
    tmp_path: Path,
) -> None:
    root = write_small_base(tmp_path / "base")
    (root / "replykb.yaml").write_text((root / "replykb.yaml").read_text() + ITALIAN)
    refund = json.loads((root / "refund.yaml").read_text())
    refund["translations"] = {"it": {"questions": ITALIAN_REFUND, "answer": "Il rimborso."}}
    (root / "refund.yaml").write_text(json.dumps(refund, indent=2))
    base = load_answer_base(root)
    train_rows, held = hold_out(base)
    italian_held = [h for h in held if h.message in ITALIAN_REFUND]
    assert len(italian_held) == 1 and italian_held[0].expected == "refund"
    assert italian_held[0].language == "it"
    assert {h.language for h in held if h not in italian_held} == {"en"}
    assert italian_held[0].where.startswith(f"{root / 'refund.yaml'}:")
    assert sum(q in ITALIAN_REFUND for _, q, _ in train_rows) == 4
    assert {lang for _, q, lang in train_rows if q in ITALIAN_REFUND} == {"it"}
    negatives, compared = hold_out_of_scope(base)
    # 8 distinct messages in both languages ("tell me a joke" twice): 4 and 4, disjoint.
    assert len(negatives) == len(compared) == 4
    assert not set(negatives) & {c.message for c in compared}
    assert {c.expected for c in compared} == {None}
    assert {c.language for c in compared} <= {"en", "it"}
    assert "chi ha vinto la partita ieri sera" in negatives + [c.message for c in compared]
    again = hold_out_of_scope(load_answer_base(root))
    assert again == (negatives, compared)


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tune", "message"),
    [
        ("{epochs: 0}", "greater than or equal to 1"),
        ("{learning_rate: true}", "expected a number, got true"),
        ("{epoch: 2}", "unknown key `epoch`; did you mean `epochs`?"),
        ("{batch_size: 1}", "greater than or equal to 2"),
        ("{seed: 18446744073709551616}", "less than or equal to 4294967295"),
    ],
)
def test_bad_tune_settings_are_located_errors(tmp_path: Path, tune: str, message: str) -> None:
    root = write_small_base(tmp_path / "base")
    text = (
        (root / "replykb.yaml")
        .read_text()
        .replace("tune:\n  positives: 1\n  batch_size: 4\n", f"tune: {tune}\n")
    )
    (root / "replykb.yaml").write_text(text)
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    assert "replykb.yaml:4:" in result.output
    assert message in result.output


# --- the tuned model, used ------------------------------------------------------------------


def test_the_report_compares_both_models_and_the_tuned_one_is_used(
    tuned: tuple[Path, TuneReport],
) -> None:
    root, report = tuned
    assert report.verdict == "used"
    assert (report.questions, report.held_out, report.trial_questions) == (24, 8, 16)
    assert (report.tests, report.out_of_scope, report.held_out_of_scope) == (8, 5, 3)
    assert report.tuned is not None
    text = report.text()
    assert "untuned, calibrated" in text and "tuned, calibrated" in text
    assert "8 tests and 3 of the 5 out-of-scope messages (the others were its negatives)" in text
    assert f"threshold {report.configured.threshold:.3f} -> {report.tuned.threshold:.3f}" in text
    manifest = manifest_of(root)
    assert manifest.verdict == "used"
    assert manifest.threshold == report.tuned.threshold
    assert (root / ".replykb" / manifest.folder / "model" / "model.safetensors").is_file()


def test_the_next_load_matches_with_the_tuned_model_without_importing_torch(
    tuned: tuple[Path, TuneReport],
) -> None:
    root, report = tuned
    code = textwrap.dedent(
        f"""
        import sys
        from replykb import KnowledgeBase
        kb = KnowledgeBase.load({str(root)!r})
        print(type(kb.embedder).__name__, kb.embedder.model_id)
        print(kb.settings.match.threshold, kb.settings.match.margin)
        print(kb.match("my reimbursement is late").answer_id)
        print("torch" in sys.modules, "sentence_transformers" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    kind, threshold, answer, imported = done.stdout.splitlines()
    embedder, model_id = kind.split()
    assert embedder == "OnnxEmbedder"
    assert model_id.startswith(f"sha256:{manifest_of(root).weights_sha256}+config:")
    assert model_id != resolve_model().model_id
    assert report.tuned is not None
    assert threshold.split() == [str(report.tuned.threshold), str(report.tuned.margin)]
    assert answer == "refund"
    assert imported == "False False"


@pytest.mark.parametrize("margin", [0.0, 0.04])
def test_the_margin_calibrated_for_the_tuned_model_is_used_even_when_it_is_zero(
    tuned: tuple[Path, TuneReport], tmp_path: Path, margin: float
) -> None:
    root = tmp_path / "base"
    shutil.copytree(tuned[0], root)
    manifest = manifest_of(root).model_copy(update={"margin": margin})
    (root / ".replykb" / TUNED_MANIFEST).write_text(manifest.model_dump_json())
    kb = KnowledgeBase.load(root)
    assert kb.embedder.model_id != resolve_model().model_id  # the tuned model
    # A calibrated margin of 0 was taken for "none", and `match:`'s 0.02 came back.
    assert (kb.settings.match.threshold, kb.settings.match.margin) == (manifest.threshold, margin)


def test_the_onnx_export_agrees_with_the_sentence_transformers_form(
    tuned: tuple[Path, TuneReport],
) -> None:
    root, report = tuned
    kb = KnowledgeBase.load(root)
    assert type(kb.embedder).__name__ == "OnnxEmbedder"
    assert report.onnx_agreement is not None and report.onnx_agreement >= 0.9999
    folder = root / ".replykb" / manifest_of(root).folder / "model"
    reference = SentenceTransformerEmbedder(resolve_model(str(folder)))
    texts = [q for questions, _ in ANSWERS.values() for q in questions] + MESSAGES
    texts += ["Où est mon remboursement ? 👋🏽", "refund " * 300, "a"]
    cosines = np.sum(kb.embedder.encode(texts) * reference.encode(texts), axis=1)
    assert float(cosines.min()) >= 0.9999


def test_the_same_base_settings_and_seed_give_the_same_model_and_matches(
    tuned: tuple[Path, TuneReport], tuned_again: Path, tmp_path: Path
) -> None:
    root = tuned[0]
    # The same weights, byte for byte, and the same tokenizer and pooling files.
    assert file_sha256(tuned_again / "model.safetensors") == manifest_of(root).weights_sha256
    folder = root / ".replykb" / manifest_of(root).folder / "model"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in tuned_again.iterdir())
    one, two = (
        KnowledgeBase.load(
            root, cache_dir=tmp_path / name, embedder=SentenceTransformerEmbedder(spec)
        )
        for name, spec in (
            ("one", resolve_model(str(folder))),
            ("two", resolve_model(str(tuned_again))),
        )
    )
    assert [one.match(m) for m in MESSAGES] == [two.match(m) for m in MESSAGES]


def test_check_says_the_tuned_model_is_stale_and_by_how_much_and_loading_still_uses_it(
    tuned: tuple[Path, TuneReport], tmp_path: Path
) -> None:
    root = tmp_path / "base"
    shutil.copytree(tuned[0], root)
    assert not [f for f in run_checks(root).findings if f.code == "RKB406"]
    answer = json.loads((root / "refund.yaml").read_text())
    answer["questions"][0] = "when do I get my refund"  # edited: one removed, one added
    answer["questions"].append("refund still pending after two weeks")
    (root / "refund.yaml").write_text(json.dumps(answer, indent=2))
    result = CliRunner().invoke(cli, ["check", str(root)])
    # A warning: the exit code is the other findings' (0, or 1 for an error).
    assert (
        f"{root / 'replykb.yaml'}:4:1: RKB406 warning the tuned model is stale: 2 question(s) "
        "added and 1 removed or edited since it was trained on 24 (12% changed); it is still "
        "used, with the threshold calibrated for it\n"
        "    hint: run `replykb tune` to tune the model on the base's current questions"
    ) in result.output, result.output
    kb = KnowledgeBase.load(root)
    assert kb.embedder.model_id.startswith(f"sha256:{manifest_of(root).weights_sha256}")
    assert kb.match("refund still pending after two weeks").answer_id == "refund"


# --- the tuned model, kept aside --------------------------------------------------------------


def test_a_tuned_model_that_is_not_better_is_kept_aside_and_not_used(tmp_path: Path) -> None:
    # A learning rate far too high for a transformer: the trial model gets no better.
    root = write_small_base(tmp_path / "base", extra="\n  learning_rate: 0.001")
    # Through `replykb build --tune`, as CI or a container build runs it.
    result = CliRunner().invoke(cli, ["build", "--tune", str(root)])
    assert result.exit_code == 0, result.output
    assert "kept aside, not used: it is not better: in-scope accuracy" in result.output
    assert "built the index: 24 questions of 4 answers" in result.output
    assert manifest_of(root).verdict == "aside"
    kb = KnowledgeBase.load(root)
    assert kb.embedder.model_id == resolve_model().model_id
    assert kb.settings.match.threshold == 0.46  # the base's own, not a tuned one
    assert not [f for f in run_checks(root).findings if f.code == "RKB406"]


def test_a_base_with_nothing_to_compare_on_is_a_clear_error_before_any_training(
    tmp_path: Path,
) -> None:
    root = tmp_path / "base"
    root.mkdir()
    (root / "replykb.yaml").write_text("brand: Acme\nchannels: {chat: {}}\n")
    for answer_id in ("refund", "password"):
        body = {"questions": [f"{answer_id} one", f"{answer_id} two"], "answer": "Yes."}
        (root / f"{answer_id}.yaml").write_text(json.dumps(body))
    result = CliRunner().invoke(cli, ["tune", "--kb", str(root)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"replykb: error: {root}: nothing to measure a tuned model on: give answers 4 "
        "questions or more (a fifth is held out) or `tests:`"
    )
    assert not (root / ".replykb" / TUNED_MANIFEST).exists()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_damaged_tuned_model_falls_back_to_the_untuned_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    root = write_small_base(tmp_path / "base")
    write_manifest(root)  # says "used", for a model folder that is not there
    if damage == "corrupt":
        folder = root / ".replykb" / manifest_of(root).folder / "model"
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(b"not the weights")
    expected = {"missing": "No such file or directory", "corrupt": "checksum mismatch"}[damage]
    with caplog.at_level(logging.INFO, logger="replykb"):
        tuned = use_tuned(
            load_answer_base(root), root / ".replykb", resolve_model(), FileDigests(None)
        )
    assert tuned is None
    assert "matching with the untuned model: the tuned model cannot be read" in caplog.text
    assert expected in caplog.text


# --- the comparison, on scores given by hand ----------------------------------------------


def scored(entries: list[tuple[str | None, str, float]]) -> list[ScoredMessage]:
    """(expected answer or None for out-of-scope, best answer, its score) per message;
    the runner-up is far behind, so the margin never decides."""
    return [
        ScoredMessage(
            item=LabelledMessage(message=f"m{i}", expected=expected),
            candidates=[(best, score), ("other", score - 0.3)],
        )
        for i, (expected, best, score) in enumerate(entries)
    ]


def test_the_models_are_compared_at_equal_out_of_scope_rejection() -> None:
    # Untuned: 2 of 4 in-scope right above every out-of-scope score, so its best
    # threshold rejects all 4 out-of-scope messages, more than the configured 75%.
    before = scored(
        [("a", "a", 0.9), ("b", "b", 0.8), ("c", "c", 0.5), ("d", "x", 0.9)]
        + [(None, "a", s) for s in (0.6, 0.55, 0.45, 0.4)]
    )
    # Tuned: every in-scope message right and above every out-of-scope score but one.
    after = scored(
        [("a", "a", 0.9), ("b", "b", 0.85), ("c", "c", 0.8), ("d", "d", 0.75)]
        + [(None, "a", s) for s in (0.78, 0.5, 0.45, 0.4)]
    )
    configured = report(before, 0.58, 0.0)
    assert configured.oos_recall == 0.75
    goal, untuned, tuned = compare(before, after, configured)
    assert untuned.oos_recall == 1.0
    # Held to the untuned model's 100%, not the configured 75%: one message decides.
    assert goal.minimum == 1.0 and tuned is not None and tuned.oos_recall == 1.0
    assert tuned.in_scope_accuracy == 0.75 and untuned.in_scope_accuracy == 0.5
    assert _verdict(untuned, tuned)[0] == "used"
