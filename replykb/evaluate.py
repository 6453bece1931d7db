"""Measure matching on labelled messages, and calibrate the threshold and margin.

Definitions (the same in ``replykb eval`` and in ``benchmarks/``):

- *top-1 accuracy*: in-scope messages whose best candidate is the expected answer,
  whatever the threshold (closed-set accuracy);
- *in-scope accuracy*: in-scope messages matched ``confident`` to the expected answer;
- *out-of-scope recall*: out-of-scope messages that were not answered (``no_match`` or
  ``ambiguous``: both go to a person);
- *out-of-scope precision*: of all messages not answered, the share that were out of scope;
- *answer precision*: of all ``confident`` answers, the share that were right.

On a base with several languages every message is decided as the triage core decides
it (its language read from its text, then that language's questions: the one decision
function of ``kb.suggest`` and ``replykb check``), and the figures are also given per
language (:attr:`EvalReport.languages`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from .errors import DataError
from .labelled import LABEL_COLUMNS as LABEL_COLUMNS
from .labelled import LabelledMessage as LabelledMessage
from .labelled import labelled_from_base as labelled_from_base
from .labelled import read_labelled as read_labelled
from .match import decide
from .models import LanguageChoice, MatchSettings
from .prepare.language import choose_language

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# Margins tried by calibration; thresholds are tried at every observed top score.
CALIBRATION_MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08)


class ScoredMessage(BaseModel):
    """A labelled message with its best candidates, scored once, decided many times."""

    model_config = ConfigDict(frozen=True)

    item: LabelledMessage
    candidates: list[tuple[str, float]]
    # The triage core's language decision for the message (None: scored by hand).
    choice: LanguageChoice | None = None

    @property
    def language(self) -> str | None:
        """The language its figures count under: as labelled, else the reply's."""
        if self.item.language is not None:
            return self.item.language
        return self.choice.language if self.choice is not None else None

    @property
    def elsewhere(self) -> bool:
        """Labelled in one language but matched against another's questions (the
        detector read it as another language, or it was unsure and another language's
        questions decided better)."""
        matched = self.choice.matched if self.choice is not None else None
        return matched is not None and self.item.language not in (None, matched)


class Confusion(BaseModel):
    model_config = ConfigDict(frozen=True)

    expected: str | None
    predicted: str | None
    count: int


class Metrics(BaseModel):
    """The metrics of the module docstring over some messages: declared once, for the
    whole report and for each language's figures."""

    model_config = ConfigDict(frozen=True)

    messages: int
    in_scope: int
    out_of_scope: int
    top1_accuracy: float | None
    in_scope_accuracy: float | None
    oos_recall: float | None
    oos_precision: float | None
    answer_precision: float | None


# The fields that come before the metrics in the JSON of `replykb eval --json`: pydantic
# orders the fields of a model with several bases from the last base to the first, so
# these bases come after Metrics in the class statements below.
class _OfLanguage(BaseModel):
    model_config = ConfigDict(frozen=True)

    language: str


class _AtOperatingPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    threshold: float
    margin: float


class LanguageFigures(Metrics, _OfLanguage):
    """The metrics of the module docstring over the messages of one language."""

    # Messages of this language matched against another language's questions.
    matched_elsewhere: int


class EvalReport(Metrics, _AtOperatingPoint):
    """Matching quality at one threshold and margin; per language (in the order first
    met) when the messages are in several, else ``languages`` is empty."""

    confusions: list[Confusion]
    failures: list[LabelledMessage]
    languages: list[LanguageFigures] = []


class Goal(BaseModel):
    """What calibration optimizes: best in-scope accuracy under one constraint."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["oos_recall", "answer_precision"]
    minimum: float

    def __str__(self) -> str:
        label = {"oos_recall": "out-of-scope recall", "answer_precision": "answer precision"}
        return f"best in-scope accuracy with {label[self.kind]} >= {self.minimum:.0%}"


def score_messages(
    kb: KnowledgeBase, items: Sequence[LabelledMessage], *, k: int = 3
) -> list[ScoredMessage]:
    """Encode every message once (in batches) and keep its best ``k`` candidates, from
    the questions the triage core matches it against.

    The language is decided from the text as in production (``kb.suggest`` with no
    language asked for, and ``replykb check``): the one decision function
    (``choose_language`` then ``LanguageMatchers.match_choice``), never forced to the
    label. Customers do not say which language they write in, so eval measures what
    they get, a mis-detected test counts as the failure it would be, and eval, check
    and suggest agree; the label only groups the figures (and counts the messages
    matched against another language's questions). An unsure message is matched with
    each language's questions at the base's ``match:`` settings, as suggest does; its
    candidates are then re-decided at every threshold tried (``report``, ``calibrate``).
    A base with one language runs no detection: its figures are what they always were.
    """
    vectors = kb.embedder.encode([kb.gate.request_text(item.message) for item in items])
    scored = []
    for item, vector in zip(items, vectors, strict=True):
        choice = choose_language(item.message, kb.settings.languages)
        _, settled = kb.matchers.match_choice(vector, choice, k=k)
        matcher = kb.matchers.matcher_for(settled.matched) or kb.matcher
        best = matcher.answer_scores(vector, limit=max(k, 2))
        candidates = [(matcher.index.answer_ids[p], round(s, 6)) for p, s in best]
        if not kb.gate.admits(item.message, candidates[0][0] if candidates else None):
            candidates = []  # it asks nothing ("buongiorno"): no_match at every threshold
        scored.append(ScoredMessage(item=item, candidates=candidates, choice=settled))
    return scored


def report(scored: Sequence[ScoredMessage], threshold: float, margin: float) -> EvalReport:
    """The metrics of the module docstring at one threshold and margin (and per
    language when the messages are in several)."""
    settings = MatchSettings(threshold=threshold, margin=margin)
    failures: list[LabelledMessage] = []
    confusions: Counter[tuple[str | None, str | None]] = Counter()
    every = _Tally()
    by_language: dict[str | None, _Tally] = {}
    for entry in scored:
        match = decide(entry.candidates, settings, k=len(entry.candidates))
        expected = entry.item.expected
        predicted = match.answer_id
        every.add(entry, predicted)
        by_language.setdefault(entry.language, _Tally()).add(entry, predicted)
        if predicted != expected:
            failures.append(entry.item)
            if predicted is not None or (entry.candidates and expected is not None):
                wrong = predicted if predicted is not None else entry.candidates[0][0]
                if wrong != expected:
                    confusions[(expected, wrong)] += 1
    languages = []
    if len(by_language) > 1:
        languages = [
            LanguageFigures(
                language=language or "unknown",
                matched_elsewhere=tally.elsewhere,
                **tally.metrics().model_dump(),
            )
            for language, tally in by_language.items()
        ]
    return EvalReport(
        threshold=threshold,
        margin=margin,
        **every.metrics().model_dump(),
        confusions=[
            Confusion(expected=e, predicted=p, count=n)
            for (e, p), n in sorted(confusions.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ][:10],
        failures=failures,
        languages=languages,
    )


class _Tally:
    """The counts behind the metrics, over some of the scored messages."""

    def __init__(self) -> None:
        self.in_scope = self.out_scope = self.top1 = self.right = 0
        self.rejected_oos = self.rejected = self.answered = self.elsewhere = 0

    def add(self, entry: ScoredMessage, predicted: str | None) -> None:
        expected = entry.item.expected
        self.rejected += predicted is None
        self.answered += predicted is not None
        self.elsewhere += entry.elsewhere
        if expected is None:
            self.out_scope += 1
            self.rejected_oos += predicted is None
        else:
            self.in_scope += 1
            self.top1 += bool(entry.candidates) and entry.candidates[0][0] == expected
            self.right += predicted == expected

    def metrics(self) -> Metrics:
        return Metrics(
            messages=self.in_scope + self.out_scope,
            in_scope=self.in_scope,
            out_of_scope=self.out_scope,
            top1_accuracy=_ratio(self.top1, self.in_scope),
            in_scope_accuracy=_ratio(self.right, self.in_scope),
            oos_recall=_ratio(self.rejected_oos, self.out_scope),
            oos_precision=_ratio(self.rejected_oos, self.rejected),
            answer_precision=_ratio(self.right, self.answered),
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
