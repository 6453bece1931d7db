"""Measure matching on labelled messages, and calibrate the threshold and margin.

Definitions (the same in ``replykb eval`` and in ``benchmarks/``):

- *top-1 accuracy*: in-scope messages whose best candidate is the expected answer,
  whatever the threshold (closed-set accuracy);
- *in-scope accuracy*: in-scope messages matched ``confident`` to the expected answer;
- *out-of-scope recall*: out-of-scope messages that were not answered (``no_match`` or
  ``ambiguous``: both go to a person);
- *out-of-scope precision*: of all messages not answered, the share that were out of scope;
- *answer precision*: of all ``confident`` answers, the share that were right.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from .errors import DataError
from .match import decide
from .models import AnswerBase, MatchSettings
from .prepare.language import choose_language
from .records import Record, RecordError, read_records
from .triage_models import unicode_problem

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# Margins tried by calibration; thresholds are tried at every observed top score.
CALIBRATION_MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08)


class LabelledMessage(BaseModel):
    """A message and the answer it must match (``None``: it must match nothing)."""

    model_config = ConfigDict(frozen=True)

    message: str
    expected: str | None
    where: str = ""


class ScoredMessage(BaseModel):
    """A labelled message with its best candidates, scored once, decided many times."""

    model_config = ConfigDict(frozen=True)

    item: LabelledMessage
    candidates: list[tuple[str, float]]


class Confusion(BaseModel):
    model_config = ConfigDict(frozen=True)

    expected: str | None
    predicted: str | None
    count: int


class EvalReport(BaseModel):
    """Matching quality at one threshold and margin."""

    model_config = ConfigDict(frozen=True)

    threshold: float
    margin: float
    messages: int
    in_scope: int
    out_of_scope: int
    top1_accuracy: float | None
    in_scope_accuracy: float | None
    oos_recall: float | None
    oos_precision: float | None
    answer_precision: float | None
    confusions: list[Confusion]
    failures: list[LabelledMessage]


class Goal(BaseModel):
    """What calibration optimizes: best in-scope accuracy under one constraint."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["oos_recall", "answer_precision"]
    minimum: float

    def __str__(self) -> str:
        label = {"oos_recall": "out-of-scope recall", "answer_precision": "answer precision"}
        return f"best in-scope accuracy with {label[self.kind]} >= {self.minimum:.0%}"


def labelled_from_base(base: AnswerBase) -> list[LabelledMessage]:
    """The base's own held-out ``tests`` and its out-of-scope messages, in every one of
    its languages (``translations.<lang>.tests`` and ``.out_of_scope``)."""
    items = [
        LabelledMessage(
            message=test, expected=answer.id, where=str(answer.source.locate("tests", i))
        )
        for answer in base.answers
        for i, test in enumerate(answer.tests)
    ]
    items += [
        LabelledMessage(
            message=message,
            expected=None,
            where=str(base.settings_source.locate("out_of_scope", i)),
        )
        for i, message in enumerate(base.settings.out_of_scope)
    ]
    for language in base.settings.languages[1:]:
        items += [
            LabelledMessage(
                message=test,
                expected=answer.id,
                where=str(answer.source.locate("translations", language, "tests", i)),
            )
            for answer in base.answers
            if language in answer.translations
            for i, test in enumerate(answer.translations[language].tests)
        ]
        texts = base.settings.translations.get(language)
        items += [
            LabelledMessage(
                message=message,
                expected=None,
                where=str(base.settings_source.locate("translations", language, "out_of_scope", i)),
            )
            for i, message in enumerate(texts.out_of_scope if texts is not None else ())
        ]
    return items


def read_labelled(path: Path, known_ids: Iterable[str]) -> list[LabelledMessage]:
    """Labelled messages from JSONL or CSV: ``message`` and ``expected`` (empty: out of scope).

    ``answer_id`` and ``answer`` are accepted in place of ``expected``. Read by the
    same reader as batch triage (records.py), but a labelled set is all or nothing:
    the first record that cannot be used is a :class:`DataError` naming its line.
    Blank lines are skipped.
    """
    known = set(known_ids)
    items = []
    try:
        with path.open("rb") as stream:
            records = read_records(
                stream,
                csv_format=path.suffix.lower() == ".csv",
                name=str(path),
                optional=LABEL_COLUMNS,
            )
            for record in records:
                if isinstance(record, RecordError):
                    if record.blank:
                        continue
                    raise DataError(f"{path}:{record.line}: {record.error}")
                items.append(_labelled(path, record, known))
    except OSError as error:
        raise DataError(f"{path}: cannot read labelled messages ({error.strerror})") from error
    if not items:
        raise DataError(f"{path}: no labelled messages")
    return items


LABEL_COLUMNS = ("expected", "answer_id", "answer")


def _labelled(path: Path, record: Record, known: set[str]) -> LabelledMessage:
    where = f"{path}:{record.line}"
    message = record.fields.get("message")
    if not isinstance(message, str) or not message.strip():
        raise DataError(f"{where}: expected an object with a text `message`")
    if (problem := unicode_problem(message)) is not None:
        raise DataError(f"{where}: `message` is not valid Unicode text: {problem}")
    expected = next((record.fields[key] for key in LABEL_COLUMNS if key in record.fields), None)
    expected = expected or None
    if expected is not None and expected not in known:
        raise DataError(
            f"{where}: unknown answer id {expected!r}; "
            "leave it empty for a message that must match nothing"
        )
    return LabelledMessage(message=message, expected=expected, where=where)


def score_messages(
    kb: KnowledgeBase, items: Sequence[LabelledMessage], *, k: int = 3
) -> list[ScoredMessage]:
    """Encode every message once (in batches) and keep its best ``k`` candidates."""
    vectors = kb.embedder.encode([item.message for item in items])
    scored = []
    for item, vector in zip(items, vectors, strict=True):
        # Scored by the questions suggest matches it against: on a base with several
        # languages, those of the language chosen for it (matchers.match_choice).
        choice = choose_language(item.message, kb.settings.languages)
        _, settled = kb.matchers.match_choice(vector, choice, k=k)
        matcher = kb.matchers.matcher_for(settled.matched) or kb.matcher
        best = matcher.answer_scores(vector, limit=max(k, 2))
        candidates = [(matcher.index.answer_ids[p], round(s, 6)) for p, s in best]
        scored.append(ScoredMessage(item=item, candidates=candidates))
    return scored


def report(scored: Sequence[ScoredMessage], threshold: float, margin: float) -> EvalReport:
    """The metrics of the module docstring at one threshold and margin."""
    settings = MatchSettings(threshold=threshold, margin=margin)
    in_scope = out_scope = top1 = right = rejected_oos = rejected = answered = 0
    failures: list[LabelledMessage] = []
    confusions: Counter[tuple[str | None, str | None]] = Counter()
    for entry in scored:
        match = decide(entry.candidates, settings, k=len(entry.candidates))
        expected = entry.item.expected
        predicted = match.answer_id
        rejected += predicted is None
        answered += predicted is not None
        if expected is None:
            out_scope += 1
            rejected_oos += predicted is None
        else:
            in_scope += 1
            top1 += bool(entry.candidates) and entry.candidates[0][0] == expected
            right += predicted == expected
        if predicted != expected:
            failures.append(entry.item)
            if predicted is not None or (entry.candidates and expected is not None):
                wrong = predicted if predicted is not None else entry.candidates[0][0]
                if wrong != expected:
                    confusions[(expected, wrong)] += 1
    return EvalReport(
        threshold=threshold,
        margin=margin,
        messages=len(scored),
        in_scope=in_scope,
        out_of_scope=out_scope,
        top1_accuracy=_ratio(top1, in_scope),
        in_scope_accuracy=_ratio(right, in_scope),
        oos_recall=_ratio(rejected_oos, out_scope),
        oos_precision=_ratio(rejected_oos, rejected),
        answer_precision=_ratio(right, answered),
        confusions=[
            Confusion(expected=e, predicted=p, count=n)
            for (e, p), n in sorted(confusions.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ][:10],
        failures=failures,
    )


# Fewer out-of-scope examples than this make a calibrated threshold a guess: with 50,
# all rejected, at most 6% of new off-topic messages would get an answer (95% bound).
MIN_OUT_OF_SCOPE = 50
CONFIDENCE = 0.95


class Calibration(EvalReport):
    """The calibrated threshold and margin, their metrics, and how far to trust them."""

    goal: Goal
    # Upper bound (at CONFIDENCE) of the share of new off-topic messages that would get
    # an answer at this threshold, from the out-of-scope messages seen; None without any.
    oos_leak_bound: float | None
    # How many more out-of-scope messages a reliable calibration needs (0: enough).
    oos_needed: int

    @property
    def reliable(self) -> bool:
        return self.oos_needed == 0

    def warning(self) -> str | None:
        """What a user must know before pasting the threshold, or None when it is sound."""
        if self.reliable:
            return None
        seen = self.out_of_scope
        if not seen:
            return (
                "this calibration is not reliable: there are no out-of-scope messages, so "
                "nothing says how many off-topic messages this threshold lets through; "
                f"add at least {MIN_OUT_OF_SCOPE} (see the README, Calibration)"
            )
        leaked = round((1 - (self.oos_recall or 0.0)) * seen)
        bound = self.oos_leak_bound or 0.0
        return (
            f"this calibration is not reliable: only {seen} out-of-scope message"
            f"{'' if seen == 1 else 's'} ({leaked} answered at this threshold), so up to "
            f"{bound:.0%} of new off-topic messages may still get a confident answer "
            f"({CONFIDENCE:.0%} bound); add {self.oos_needed} more (at least "
            f"{MIN_OUT_OF_SCOPE} in all) to `out_of_scope:` or --data, and calibrate again "
            "(see the README, Calibration)"
        )


def calibrate(scored: Sequence[ScoredMessage], goal: Goal) -> Calibration:
    """The threshold and margin with the best in-scope accuracy that meets ``goal``.

    Every threshold between two observed top scores is tried with each margin of
    ``CALIBRATION_MARGINS``. Among equally good thresholds the strictest (highest) is
    kept: a message it wrongly rejects goes to a person, one it wrongly lets through
    gets a wrong reply, and the out-of-scope messages seen are rarely all there are.
    The result says how far to trust it (:meth:`Calibration.warning`). Raises
    :class:`DataError` when nothing meets the goal.
    """
    import numpy as np

    usable = [entry for entry in scored if entry.candidates]
    if not usable:
        raise DataError("no scored messages to calibrate on")
    top = np.array([e.candidates[0][1] for e in usable])
    gap = np.array(
        [
            e.candidates[0][1] - (e.candidates[1][1] if len(e.candidates) > 1 else -1.0)
            for e in usable
        ]
    )
    out_of_scope = np.array([e.item.expected is None for e in usable])
    top_right = np.array([e.candidates[0][0] == e.item.expected for e in usable])
    in_scope_count = max(int((~out_of_scope).sum()), 1)
    levels = np.unique(top)
    thresholds = np.concatenate(
        ([levels[0] - 1e-3], (levels[:-1] + levels[1:]) / 2, [levels[-1] + 1e-3])
    )

    best: tuple[float, float, float] | None = None  # (accuracy, margin, threshold)
    for margin in CALIBRATION_MARGINS:
        clear = gap >= margin
        # Ascending thresholds: a later tie is stricter and replaces the earlier one.
        for threshold in thresholds:
            answered = (top >= threshold) & clear
            accuracy = float((answered & top_right).sum()) / in_scope_count
            if goal.kind == "oos_recall":
                total = int(out_of_scope.sum())
                achieved = float((~answered & out_of_scope).sum()) / total if total else 1.0
            else:
                total = int(answered.sum())
                achieved = float((answered & top_right).sum()) / total if total else 1.0
            if achieved < goal.minimum:
                continue
            better = best is None or accuracy > best[0] + 1e-12
            tied = best is not None and abs(accuracy - best[0]) <= 1e-12 and margin == best[1]
            if better or tied:
                best = (accuracy, margin, float(threshold))
    if best is None or best[0] == 0.0:
        raise DataError(f"no threshold and margin reach the goal with any right answer: {goal}")
    accuracy, margin, threshold = best
    threshold = _rounded_within(threshold, levels)
    chosen = report(scored, threshold, margin)
    # Then the widest margin that costs nothing at that threshold: it guards close calls.
    for wider in sorted(CALIBRATION_MARGINS, reverse=True):
        if wider <= margin:
            break
        candidate = report(scored, threshold, wider)
        achieved = getattr(candidate, goal.kind)
        if (candidate.in_scope_accuracy or 0.0) >= accuracy - 1e-12 and (
            achieved is None or achieved >= goal.minimum
        ):
            chosen = candidate
            break
    return _with_reliability(chosen, goal)


def _rounded_within(threshold: float, levels: Any) -> float:
    """``threshold`` to 4 decimals for pasting, unless that would move it past an observed
    score (which would change the decisions it was chosen for)."""
    short = round(threshold, 4)
    below = levels[levels < threshold]
    above = levels[levels >= threshold]
    if (below.size and short <= below.max()) or (above.size and short > above.min()):
        return threshold
    return short


def _with_reliability(result: EvalReport, goal: Goal) -> Calibration:
    seen = result.out_of_scope
    leaked = seen - round((result.oos_recall or 0.0) * seen)
    return Calibration(
        **result.model_dump(),
        goal=goal,
        oos_leak_bound=binomial_upper_bound(leaked, seen) if seen else None,
        oos_needed=max(MIN_OUT_OF_SCOPE - seen, 0),
    )


def binomial_upper_bound(successes: int, trials: int, confidence: float = CONFIDENCE) -> float:
    """The exact (Clopper-Pearson) one-sided upper confidence bound of a proportion.

    With no successes in ``trials`` it is ``1 - (1 - confidence) ** (1 / trials)``:
    about 3/trials, the "rule of three".
    """
    if successes >= trials:
        return 1.0
    alpha = 1.0 - confidence

    def at_most(p: float) -> float:  # P(X <= successes) for X ~ Binomial(trials, p)
        return sum(
            math.comb(trials, k) * p**k * (1.0 - p) ** (trials - k) for k in range(successes + 1)
        )

    low, high = successes / trials, 1.0
    for _ in range(60):  # bisection: at_most falls as p grows
        middle = (low + high) / 2
        if at_most(middle) > alpha:
            low = middle
        else:
            high = middle
    return high


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
