"""Question cosines -> per-answer scores -> a :class:`Match` (confident, ambiguous or no_match).

An answer's score blends its best question (the nearest way a customer asked
it) with its centroid (the mean of all its questions, which smooths out one
odd phrasing):

    score = (1 - w) * max_cosine + w * centroid_cosine,   w = ``centroid_weight``

Measured on CLINC150 val (benchmarks/clinc150.py), the blend with w = 0.5 beats
plain max-cosine kNN by about 4 points of in-scope accuracy at the same
out-of-scope recall, and top-2 mean and the centroid alone; see the README.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .models import LanguageChoice, Match, MatchSettings
from .prepare.language import settle_language

if TYPE_CHECKING:
    import numpy.typing as npt

    from .index import QuestionIndex, Vectors

# How decisions compare when each language's questions are tried.
_STATUS_RANK = {"confident": 2, "ambiguous": 1, "no_match": 0}

# Queries scored per matrix product in decide_many: bounds its memory to this many rows
# times the number of questions.
_BLOCK_ROWS = 1024


@dataclass(frozen=True)
class Decisions:
    """The matcher's decision for many queries at once, one array entry per query.

    ``best`` and ``runner_up`` are answer positions (``index.answer_ids[p]``), with
    their scores; ``runner_up`` is -1 (score -1.0) when the base has one answer.
    ``nearest_row`` is the best answer's question nearest to the query (an index row),
    and ``confident`` applies the threshold and the margin as :func:`decide` does.
    """

    best: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    runner_up: npt.NDArray[np.int64]
    runner_up_score: npt.NDArray[np.float64]
    nearest_row: npt.NDArray[np.int64]
    confident: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Matcher:
    """Scores answers for query vectors; immutable, so safe to share between threads."""

    index: QuestionIndex
    centroids: Vectors
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    # Rank of each answer position among the answer ids: equal scores go to the first id.
    id_rank: npt.NDArray[np.int64]
    settings: MatchSettings

    @classmethod
    def from_index(cls, index: QuestionIndex, settings: MatchSettings) -> Matcher:
        count = len(index.answer_ids)
        starts = np.searchsorted(index.row_answer, np.arange(count), side="left").astype(np.int64)
        ends = np.searchsorted(index.row_answer, np.arange(count), side="right").astype(np.int64)
        if index.size:
            sums = np.add.reduceat(index.vectors, starts, axis=0)
        else:
            sums = np.zeros((0, 0), dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = np.ascontiguousarray(sums / np.maximum(norms, 1e-12), dtype=np.float32)
        id_rank = np.empty(count, dtype=np.int64)
        id_rank[sorted(range(count), key=index.answer_ids.__getitem__)] = np.arange(count)
        return cls(index, centroids, starts, ends, id_rank, settings)

    def answer_scores(self, query: Vectors, *, limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` (answer position, score) pairs for one normalized query vector.

        Every answer is scored exactly: its best question's cosine and its centroid's,
        blended. The products run in NumPy's own single-threaded loops rather than
        BLAS: for one query OpenBLAS would wake its thread pool, whose spinning threads
        then steal the cores from the next message's encoding (measured on 2 cores with
        sentence-transformers at 10k questions: 36 ms per match instead of 19 ms).
        """
        if self.index.size == 0:
            return []
        weight = self.settings.centroid_weight
        cosines = np.einsum("ij,j->i", self.index.vectors, query)
        scores = np.maximum.reduceat(cosines, self.starts).astype(np.float64)
        if weight > 0:
            centroid = np.einsum("ij,j->i", self.centroids, query).astype(np.float64)
            scores = (1.0 - weight) * scores + weight * centroid
        top = _top(scores, self.id_rank, limit)
        return [(int(position), float(scores[position])) for position in top]

    def decide_many(
        self, queries: Vectors, *, leave_out: npt.NDArray[np.int64] | None = None
    ) -> Decisions:
        """The decision of :meth:`match` for every row of ``queries``, as matrices.

        Used to judge a whole base at once (tests, out-of-scope messages, every question
        left out in turn). With ``leave_out`` query ``i`` is the base's own question at
        row ``leave_out[i]``, scored as if that question were removed from its answer:
        its answer's best question and centroid exclude it.
        """
        weight = self.settings.centroid_weight
        vectors, owner = self.index.vectors, self.index.row_answer
        sums = np.add.reduceat(vectors, self.starts, axis=0) if leave_out is not None else None
        count = len(queries)
        best = np.zeros(count, dtype=np.int64)
        score = np.zeros(count)
        second = np.full(count, -1, dtype=np.int64)
        second_score = np.full(count, -1.0)
        nearest = np.zeros(count, dtype=np.int64)
        for block in _blocks(count if self.index.size else 0):
            query = queries[block]
            rows = np.arange(block.stop - block.start)
            cosines = query @ vectors.T
            if leave_out is not None:
                cosines[rows, leave_out[block]] = -np.inf
            scores = np.maximum.reduceat(cosines, self.starts, axis=1).astype(np.float64)
            centroid = (query @ self.centroids.T).astype(np.float64)
            if sums is not None and leave_out is not None:
                owners = owner[leave_out[block]]
                rest = sums[owners] - query
                norms = np.maximum(np.linalg.norm(rest, axis=1), 1e-12)
                centroid[rows, owners] = np.einsum("ij,ij->i", rest, query) / norms
            scores = np.round((1.0 - weight) * scores + weight * centroid, 6)
            top = self._first_best(scores)
            best[block], score[block] = top, scores[rows, top]
            if scores.shape[1] > 1:
                scores[rows, top] = -np.inf
                runner = self._first_best(scores)
                runner_score = scores[rows, runner]
                finite = np.isfinite(runner_score)
                second[block] = np.where(finite, runner, -1)
                second_score[block] = np.where(finite, runner_score, -1.0)
            own = np.where(owner[None, :] == top[:, None], cosines, -np.inf)
            nearest[block] = np.argmax(own, axis=1)
        margin_ok = score - second_score >= self.settings.margin
        confident = (score >= self.settings.threshold) & margin_ok
        return Decisions(best, score, second, second_score, nearest, confident)

    def _first_best(self, scores: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Per row, the best-scoring answer; equal scores go to the first id, as in
        :meth:`answer_scores`."""
        tied = scores == scores.max(axis=1, keepdims=True)
        rank = np.where(tied, self.id_rank[None, :], len(self.id_rank))
        first: npt.NDArray[np.int64] = np.argmin(rank, axis=1).astype(np.int64)
        return first

    def match(self, query: Vectors, *, k: int = 3) -> Match:
        """Decide confident / ambiguous / no_match for one normalized query vector."""
        scored = self.answer_scores(query, limit=max(k, 2))
        candidates = [(self.index.answer_ids[p], round(s, 6)) for p, s in scored]
        return decide(candidates, self.settings, k=k)


def _blocks(count: int) -> Iterator[slice]:
    for start in range(0, count, _BLOCK_ROWS):
        yield slice(start, min(start + _BLOCK_ROWS, count))


def _top(
    scores: npt.NDArray[np.float64], id_rank: npt.NDArray[np.int64], limit: int
) -> npt.NDArray[np.int64]:
    """Positions of the ``limit`` best scores, best first, equal scores in id order."""
    count = len(scores)
    if limit < count:
        # Everything tied with the limit-th best is kept, so the id order decides among them.
        kth = np.partition(scores, count - limit)[count - limit]
        chosen = np.flatnonzero(scores >= kth)
    else:
        chosen = np.arange(count)
    order = np.lexsort((id_rank[chosen], -scores[chosen]))
    return chosen[order][:limit]


def decide(candidates: list[tuple[str, float]], settings: MatchSettings, *, k: int) -> Match:
    """Apply the threshold and the margin to candidates sorted best first."""
    if not candidates:
        return Match(status="no_match", answer_id=None, score=0.0, candidates=[])
    best_id, best = candidates[0]
    runner_up = candidates[1][1] if len(candidates) > 1 else -1.0
    shown = candidates[:k]
    if best < settings.threshold:
        return Match(status="no_match", answer_id=None, score=best, candidates=shown)
    if best - runner_up < settings.margin:
        return Match(status="ambiguous", answer_id=None, score=best, candidates=shown)
    return Match(status="confident", answer_id=best_id, score=best, candidates=shown)


@dataclass(frozen=True)
class LanguageMatchers:
    """The matcher over every question, and one per language over that language's.

    A message is matched against its own language's questions first (the reply's
    language: asked for, detected, or the source when unsure): the scores, and each
    answer's centroid, come from those rows only, so a model's tendency to score by
    language rather than meaning (an Italian message nearer any Italian question than
    the right English one) does not decide it, and a source-language message scores
    exactly as on a one-language base. An answer with no question in that language
    takes part with its source-language questions, so that every answer can still be
    chosen; other languages' questions never decide (measured on the example base: also
    trying every question after a ``no_match`` changed no English or Italian test's
    outcome, and would let Italian questions match English messages the English
    questions rejected). The answer id is the same in every language. A base with one
    language has only ``every``, and matches exactly as it always did.
    """

    every: Matcher
    by_language: dict[str, Matcher]
    # Per language, the full index's row of each row of its matcher's index.
    rows_by_language: dict[str, npt.NDArray[np.int64]]

    @classmethod
    def from_index(
        cls,
        index: QuestionIndex,
        settings: MatchSettings,
        every: Matcher | None = None,
        *,
        source: str,
    ) -> LanguageMatchers:
        """``source`` is the base's source language (``languages[0]``)."""
        every = every if every is not None else Matcher.from_index(index, settings)
        by_language: dict[str, Matcher] = {}
        rows_by_language: dict[str, npt.NDArray[np.int64]] = {}
        if index.row_language:
            languages = np.array(index.row_language)
            # The source first: equal decisions go to it (match_in).
            for language in dict.fromkeys((source, *index.row_language)):
                if language not in index.row_language:
                    continue
                rows = _language_rows(index, languages, language, source)
                by_language[language] = Matcher.from_index(_rows_of(index, rows), settings)
                rows_by_language[language] = rows
        return cls(every, by_language, rows_by_language)

    def matcher_for(self, language: str | None) -> Matcher | None:
        """The matcher over ``language``'s questions, or None when it has none."""
        return self.by_language.get(language) if language is not None else None

    def match(self, query: Vectors, *, k: int = 3, language: str | None = None) -> Match:
        """Match against ``language``'s questions (with the source's for answers that
        have none in it); every question when ``language`` is None or has no questions
        at all in the base."""
        own = self.matcher_for(language)
        return (own or self.every).match(query, k=k)

    def match_choice(
        self, query: Vectors, choice: LanguageChoice, *, k: int = 3
    ) -> tuple[Match, LanguageChoice]:
        """The one decision for a message whose language was chosen as far as its text
        tells (``prepare.language.choose_language``): matched against ``choice.matched``'s
        questions, or each language's when that is None; and the choice completed with
        the language that matched (``settle_language``). Every door and ``check`` use it."""
        found, language = self.match_in(query, k=k, language=choice.matched)
        return found, settle_language(choice, language, found.status != "no_match")

    def match_in(
        self, query: Vectors, *, k: int = 3, language: str | None = None
    ) -> tuple[Match, str | None]:
        """The match, and the language whose questions made it (None: every question,
        on a one-language base).

        With ``language``, its questions decide (as :meth:`match`). Without, on a base
        with several languages, each language's questions are tried and the best
        decision is kept: confident before ambiguous before no_match, then the higher
        score, then the source language (the message's language was not sure: the
        detector's guess on a short message is weaker evidence than the questions)."""
        if language is not None or not self.by_language:
            own = self.matcher_for(language)
            return (own or self.every).match(query, k=k), language if own else None
        tried = [(name, matcher.match(query, k=k)) for name, matcher in self.by_language.items()]
        # max() keeps the first of equal ranks: the source language comes first.
        name, found = max(tried, key=lambda pair: (_STATUS_RANK[pair[1].status], pair[1].score))
        return found, name


def _language_rows(
    index: QuestionIndex, languages: npt.NDArray[np.str_], language: str, source: str
) -> npt.NDArray[np.int64]:
    """The rows of ``language``, and the source-language rows of every answer that has
    none in it; in index order, so each answer's rows stay together."""
    own = languages == language
    covered = np.zeros(len(index.answer_ids), dtype=bool)
    covered[index.row_answer[own]] = True
    stand_in = (languages == source) & ~covered[index.row_answer]
    rows: npt.NDArray[np.int64] = np.flatnonzero(own | stand_in).astype(np.int64)
    return rows


def _rows_of(index: QuestionIndex, rows: npt.NDArray[np.int64]) -> QuestionIndex:
    """The index of ``rows`` only, with the answers that have a row among them (answer
    positions renumbered; ids, and so the id order of equal scores, unchanged)."""
    from .index import QuestionIndex

    owners = index.row_answer[rows]
    kept = np.unique(owners)
    renumber = np.full(len(index.answer_ids), -1, dtype=np.int32)
    renumber[kept] = np.arange(len(kept), dtype=np.int32)
    vectors = np.ascontiguousarray(index.vectors[rows])
    vectors.flags.writeable = False
    return QuestionIndex(
        vectors,
        tuple(index.answer_ids[int(position)] for position in kept),
        renumber[owners],
        index.model_id,
        match=index.match,
    )
