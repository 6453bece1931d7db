"""``replykb tune``: fine-tune the base's model on its own questions, keep it only if it helps.

1. A deterministic share of each answer's questions is held out (``hold_out``).
2. A trial model is trained on the rest (tune_train.py) and compared with the untuned
   model on what the base itself knows: the held-out questions, the answers' ``tests``
   and ``out_of_scope`` — each model at the threshold and margin calibrated for it
   (evaluate.calibrate) with the same goal: out-of-scope recall at least what the
   untuned model reaches with the base's ``match:`` settings.
3. It is better only when its in-scope accuracy is higher, its out-of-scope recall not
   lower and its top-1 accuracy not lower. Then the model is trained again on every
   question (same settings and seed) and used; else the trial model is kept aside,
   with the report, and the untuned model stays.
4. The model used is exported to ONNX (onnxexport.py checks cosine >= 0.9999 against
   sentence-transformers) and indexed in its own cache folder, so the next lookup
   needs no torch. Its threshold and margin are the ones calibrated in step 2.

The layout in the cache, and when a tuned model is used, is in tunedmodel.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from .._version import __version__
from ..cachefiles import (
    FileDigests,
    atomic_write_bytes,
    file_sha256,
    make_temporary_folder,
    remove_abandoned_temporaries,
    remove_stale_files,
)
from ..embed import Embedder, ModelSpec, SentenceTransformerEmbedder, resolve_model
from ..embedcache import EmbeddingCache
from ..errors import DataError
from ..evaluate import (
    Calibration,
    EvalReport,
    Goal,
    LabelledMessage,
    calibrate,
    labelled_from_base,
    report,
    score_messages,
)
from ..index import QuestionIndex, base_texts, cache_folder, index_rows, language_rows
from ..kb import KnowledgeBase, open_index
from ..models import AnswerBase
from ..tunedmodel import (
    MODEL_FOLDER,
    TUNED_FORMAT,
    TUNED_MANIFEST,
    TunedManifest,
    out_of_scope_texts,
    question_digests,
    training_settings,
    tuned_key,
)
from .tune_models import Metrics, TuneReport
from .tune_train import TrainSettings, train

if TYPE_CHECKING:
    from ..evaluate import ScoredMessage
    from ..index import Vectors

Verdict = Literal["used", "aside"]
# (phase, step done, steps in all, seconds): what a progress bar needs.
TuneProgress = Callable[[str, int, int, float], None]

# Every HOLD_OUT_EVERY-th question of an answer (in a fixed order) is held out, from
# answers with at least MIN_QUESTIONS_TO_HOLD_OUT questions, so each keeps 3 or more.
HOLD_OUT_EVERY = 5
MIN_QUESTIONS_TO_HOLD_OUT = 4
# Every second out-of-scope message is held out: a base lists few, and the comparison
# must not count messages the trial model was trained to push away.
HOLD_OUT_OUT_OF_SCOPE_EVERY = 2


def hold_out(base: AnswerBase) -> tuple[list[tuple[str, str, str]], list[LabelledMessage]]:
    """(answer id, question, language) rows to train the trial model on, and the
    held-out questions.

    Each language's questions of an answer are split on their own. The order is the
    sha256 of each question, so the split depends on the questions alone, not on their
    order in the file nor on a random seed. The rows are the index's own
    (:func:`~replykb.index.language_rows`), so the trial index is the real one minus
    the held-out questions.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for answer_id, question, language in language_rows(base):
        groups.setdefault((answer_id, language), []).append(question)
    answers = {answer.id: answer for answer in base.answers}
    train_rows: list[tuple[str, str, str]] = []
    held: list[LabelledMessage] = []
    for (answer_id, language), questions in groups.items():
        path: tuple[str, ...] = ("questions",)
        if language != base.settings.language:
            path = ("translations", language, "questions")
        out = _every(questions, HOLD_OUT_EVERY, MIN_QUESTIONS_TO_HOLD_OUT)
        for i, question in enumerate(questions):
            if question in out:
                where = str(answers[answer_id].source.locate(*path, i))
                held.append(
                    LabelledMessage(
                        message=question, expected=answer_id, where=where, language=language
                    )
                )
                out.discard(question)
            elif (answer_id, question, language) not in train_rows:
                train_rows.append((answer_id, question, language))
    return train_rows, held


def out_of_scope_messages(base: AnswerBase) -> list[LabelledMessage]:
    """The base's ``out_of_scope`` messages, in every language, located."""
    where = base.settings_source.locate
    items = [
        LabelledMessage(
            message=text,
            expected=None,
            where=str(where("out_of_scope", i)),
            language=base.settings.language,
        )
        for i, text in enumerate(base.settings.out_of_scope)
    ]
    for language, texts in base.settings.translations.items():
        items += [
            LabelledMessage(
                message=text,
                expected=None,
                where=str(where("translations", language, "out_of_scope", i)),
                language=language,
            )
            for i, text in enumerate(texts.out_of_scope)
        ]
    first: dict[str, LabelledMessage] = {}
    for item in items:
        first.setdefault(item.message, item)
    return list(first.values())


def hold_out_of_scope(base: AnswerBase) -> tuple[list[str], list[LabelledMessage]]:
    """The out-of-scope messages the trial model is trained to push away (negatives),
    and the others, held out to compare the models on; split by sha256 like questions."""
    items = out_of_scope_messages(base)
    out = _every([item.message for item in items], HOLD_OUT_OUT_OF_SCOPE_EVERY, 2)
    negatives = [item.message for item in items if item.message not in out]
    return negatives, [item for item in items if item.message in out]


def _every(texts: Sequence[str], every: int, minimum: int) -> set[str]:
    """Every ``every``-th distinct text in sha256 order, when there are ``minimum`` or more."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) < minimum:
        return set()
    ranked = sorted(distinct, key=lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest())
    return set(ranked[::every])


def tune_base(
    base: AnswerBase,
    cache_dir: Path | None = None,
    *,
    force: bool = False,
    progress: TuneProgress | None = None,
) -> TuneReport:
    """Tune ``base``'s model, compare, keep or set aside; see the module docstring.

    ``force`` uses the tuned model even when it is not better (the report says so).
    Raises :class:`DataError` when the base holds nothing to compare the models on, and
    :class:`ModelError` when the model cannot be trained.
    """
    cache = cache_folder(base, cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temporaries(cache)
    digests = FileDigests(cache)
    spec = resolve_model(base.settings.model, base_root=base.root, sha256=digests.sha256)
    settings = base.settings.tune
    train_settings = TrainSettings(**training_settings(settings))
    rows = index_rows(base)
    negatives = out_of_scope_texts(base)
    key = tuned_key(spec.model_id, rows, settings, negatives)
    trial_rows, held = hold_out(base)
    trial_negatives, held_out_of_scope = hold_out_of_scope(base)
    tests = [item for item in labelled_from_base(base) if item.expected is not None]
    items = held + tests + held_out_of_scope
    if not any(item.expected is not None for item in items):
        raise DataError(
            f"{base.root}: nothing to measure a tuned model on: give answers 4 questions or "
            "more (a fifth is held out) or `tests:`"
        )
    started = time.monotonic()
    work = make_temporary_folder(cache, "tune")
    try:
        trial = work / "trial"
        steps = train(
            spec,
            [(answer_id, question) for answer_id, question, _ in trial_rows],
            train_settings,
            trial,
            negatives=trial_negatives,
            progress=_phase(progress, "trial"),
        )
        untuned = _Cached(
            EmbeddingCache(cache, SentenceTransformerEmbedder(spec)), base_texts(base)
        )
        trial_spec = ModelSpec(str(trial), trial, None, "trial")
        scored_before = _score(base, untuned, trial_rows, items)
        scored_after = _score(base, SentenceTransformerEmbedder(trial_spec), trial_rows, items)
        configured = report(
            scored_before, base.settings.match.threshold, base.settings.match.margin
        )
        goal, before, after = compare(scored_before, scored_after, configured)
        verdict, reason = _verdict(before, after)
        if force and verdict == "aside":
            verdict, reason = "used", f"used as asked (--force), although {reason}"
        final = trial
        if verdict == "used":
            final = work / "final"
            steps += train(
                spec,
                rows,
                train_settings,
                final,
                negatives=negatives,
                progress=_phase(progress, "final"),
            )
        seconds = time.monotonic() - started
        name = f"tuned-{key[:32]}"
        _install(final, cache / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    weights = cache / name / MODEL_FOLDER / "model.safetensors"
    manifest = TunedManifest(
        format=TUNED_FORMAT,
        replykb_version=__version__,
        base_model_id=spec.model_id,
        settings=training_settings(settings),
        key=key,
        questions=question_digests(rows),
        out_of_scope=question_digests(("", text) for text in negatives),
        folder=name,
        weights_sha256=file_sha256(weights),
        verdict=verdict,
        reason=reason,
        threshold=after.threshold if after is not None and verdict == "used" else None,
        margin=after.margin if after is not None and verdict == "used" else None,
        tuned_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    atomic_write_bytes(cache / TUNED_MANIFEST, manifest.model_dump_json(indent=2).encode())
    remove_stale_files(cache, "tuned-*", keep=name)
    agreement = None
    if verdict == "used":
        # Index it and export it to ONNX now, so the next lookup needs no torch.
        embedder, _ = open_index(base, cache)
        agreement = _export_agreement(cache / name, embedder)
    return TuneReport(
        base=str(base.root),
        model=spec.source,
        questions=len(rows),
        trial_questions=len(trial_rows),
        held_out=len(held),
        tests=len(tests),
        out_of_scope=len(negatives),
        held_out_of_scope=len(held_out_of_scope),
        settings=training_settings(settings),
        steps=steps,
        seconds=round(seconds, 1),
        goal=str(goal),
        configured=Metrics.of(configured),
        untuned=Metrics.of(before),
        tuned=Metrics.of(after) if after is not None else None,
        verdict=verdict,
        reason=reason,
        folder=str(cache / name),
        onnx_agreement=agreement,
    )


@dataclass(frozen=True)
class _Cached:
    """The untuned model through the base's embedding cache, where the base's texts
    usually are already; the cache keeps every text of the base (``keep``)."""

    cache: EmbeddingCache
    keep: Sequence[str]

    @property
    def model_id(self) -> str:
        return self.cache.embedder.model_id

    @property
    def dimension(self) -> int:
        return self.cache.embedder.dimension

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.cache.encode(texts, keep=self.keep)

    @property
    def fast_path_problem(self) -> str | None:
        return self.cache.embedder.fast_path_problem


def _phase(progress: TuneProgress | None, phase: str) -> Callable[[int, int, float], None] | None:
    if progress is None:
        return None

    def report_step(done: int, total: int, seconds: float) -> None:
        progress(phase, done, total, seconds)

    return report_step


def _score(
    base: AnswerBase,
    embedder: Embedder,
    rows: Sequence[tuple[str, str, str]],
    items: Sequence[LabelledMessage],
) -> list[ScoredMessage]:
    """``items`` scored against an in-memory index of ``rows`` (the held-out questions
    are not in it, or they would match themselves)."""
    answer_ids = tuple(answer.id for answer in base.answers)
    position = {answer_id: i for i, answer_id in enumerate(answer_ids)}
    vectors = np.ascontiguousarray(embedder.encode([q for _, q, _ in rows]), dtype=np.float32)
    row_answer = np.array([position[a] for a, _, _ in rows], dtype=np.int32)
    # Row languages only when the rows are in several, as index._make_index decides.
    languages = tuple(language for _, _, language in rows)
    row_language = languages if len(set(languages)) > 1 else ()
    index = QuestionIndex(
        vectors, answer_ids, row_answer, embedder.model_id, row_language=row_language
    )
    return score_messages(KnowledgeBase(base, embedder, index), items)


def compare(
    scored_before: list[ScoredMessage], scored_after: list[ScoredMessage], configured: EvalReport
) -> tuple[Goal, EvalReport, Calibration | None]:
    """The goal both models are held to, and each model calibrated for it.

    The goal is the out-of-scope recall the untuned model reaches at the base's
    ``match:`` settings. When the untuned model's best threshold rejects more than
    that (one message of a few dozen can decide it), the tuned model must reject as
    many: the models are compared at equal out-of-scope rejection, so only accuracy is
    weighed (before, a tuned model rejecting 49 of 50 against 50 of 50 was set aside
    whatever its accuracy).
    """
    goal = Goal(kind="oos_recall", minimum=configured.oos_recall or 0.0)
    before = _calibrated(scored_before, goal) or configured
    goal = Goal(kind="oos_recall", minimum=max(goal.minimum, before.oos_recall or 0.0))
    return goal, before, _calibrated(scored_after, goal)


def _calibrated(scored: list[ScoredMessage], goal: Goal) -> Calibration | None:
    try:
        return calibrate(scored, goal)
    except DataError:
        return None


def _verdict(before: EvalReport, after: EvalReport | None) -> tuple[Verdict, str]:
    if after is None:
        return "aside", "no threshold of the tuned model reaches the out-of-scope recall goal"

    def value(metric: float | None) -> float:
        return -1.0 if metric is None else metric

    gained = value(after.in_scope_accuracy) - value(before.in_scope_accuracy)
    oos = value(after.oos_recall) - value(before.oos_recall)
    top1 = value(after.top1_accuracy) - value(before.top1_accuracy)
    if gained > 1e-9 and oos >= -1e-9 and top1 >= -1e-9:
        return "used", (
            f"in-scope accuracy {value(before.in_scope_accuracy):.1%} -> "
            f"{value(after.in_scope_accuracy):.1%}, out-of-scope recall "
            f"{_shown(before.oos_recall)} -> {_shown(after.oos_recall)}"
        )
    worse = []
    if gained <= 1e-9:
        worse.append(
            f"in-scope accuracy {value(before.in_scope_accuracy):.1%} -> "
            f"{value(after.in_scope_accuracy):.1%}"
        )
    if oos < -1e-9:
        worse.append(
            f"out-of-scope recall {_shown(before.oos_recall)} -> {_shown(after.oos_recall)}"
        )
    if top1 < -1e-9:
        worse.append(
            f"top-1 accuracy {value(before.top1_accuracy):.1%} -> {value(after.top1_accuracy):.1%}"
        )
    return "aside", "it is not better: " + "; ".join(worse)


def _shown(metric: float | None) -> str:
    return "n/a" if metric is None else f"{metric:.1%}"


def _install(model: Path, folder: Path) -> None:
    """Move the trained model to ``folder/model``; a previous folder of that name (the
    same questions and settings, tuned again) is replaced whole."""
    if folder.exists():
        aside = make_temporary_folder(folder.parent, "replaced")
        os.rename(folder, aside / folder.name)
        shutil.rmtree(aside, ignore_errors=True)
    staging = make_temporary_folder(folder.parent, "install")
    os.rename(model, staging / MODEL_FOLDER)
    os.rename(staging, folder)


def _export_agreement(folder: Path, embedder: Embedder) -> float | None:
    """The cosine the ONNX export reached against sentence-transformers, or None when
    the tuned model is matched without its export."""
    try:
        manifest = json.loads((folder / "onnx.json").read_text(encoding="utf-8"))
        agreement = manifest.get("agreement")
    except (OSError, ValueError):
        return None
    if type(embedder).__name__ != "OnnxEmbedder" or not isinstance(agreement, int | float):
        return None
    return float(agreement)
