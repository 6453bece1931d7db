"""What every check reads: the loaded base and shared values computed once, on demand.

The values (the render sweep, the static reading of templates, the index) are pure
functions of the base, memoized on first use: no check changes what another sees, so
the order in which checks run does not matter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..models import Answer, Location, MatchSettings
from .base_view import BaseView
from .sweep import RenderSweep, render_sweep
from .template_texts import TemplateText, read_template_texts

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..embed import Embedder
    from ..index import QuestionIndex, Vectors
    from ..match import Decisions, LanguageMatchers, Matcher

__all__ = ["CheckContext", "Decided", "QuestionRow"]


@dataclass(frozen=True)
class Decided:
    """One language's matcher's decisions, in the base's terms: answer ids, and rows of
    the full index (whose file:line :meth:`CheckContext.question_location` knows)."""

    decisions: Decisions
    answer_ids: tuple[str, ...]
    rows: npt.NDArray[np.int64] | None

    def best(self, k: int) -> str:
        return self.answer_ids[int(self.decisions.best[k])]

    def runner_up(self, k: int) -> str:
        return self.answer_ids[int(self.decisions.runner_up[k])]

    def nearest_row(self, k: int) -> int:
        row = int(self.decisions.nearest_row[k])
        return row if self.rows is None else int(self.rows[row])


@dataclass(frozen=True)
class QuestionRow:
    """An index row: the answer, the language and the place of its question."""

    answer: Answer
    language: str
    position: int
    question: str


@dataclass(frozen=True)
class CheckContext(BaseView):
    """The loaded base and the shared, lazily computed values the checks read."""

    today: date
    cache_dir: Path
    open_index: Callable[[], tuple[Embedder, QuestionIndex]]

    @cached_property
    def template_texts(self) -> tuple[TemplateText, ...]:
        """Every template text of the base, parsed once (templates/, openings, answers)."""
        return read_template_texts(self)

    @cached_property
    def sweep(self) -> RenderSweep:
        """Every answer rendered on every channel at the worst case, once."""
        return render_sweep(self)

    @cached_property
    def language_sweeps(self) -> Mapping[str, RenderSweep]:
        """Per language after the source, its replies rendered as :attr:`sweep` renders
        the source's (the answers translated into it, at the worst case), once."""
        others = self.base.settings.languages[1:]
        return {language: render_sweep(self, language) for language in others}

    # --- matching ------------------------------------------------------------------

    @cached_property
    def _opened(self) -> tuple[Embedder, QuestionIndex]:
        return self.open_index()

    @property
    def embedder(self) -> Embedder:
        return self._opened[0]

    @property
    def index(self) -> QuestionIndex:
        return self._opened[1]

    @cached_property
    def matcher(self) -> Matcher:
        from ..match import Matcher

        return Matcher.from_index(self.index, self.match_settings)

    @property
    def match_settings(self) -> MatchSettings:
        """The base's `match:`, or the threshold and margin calibrated for its tuned model."""
        return self.index.match or self.base.settings.match

    @cached_property
    def _rows(self) -> Sequence[QuestionRow]:
        """Per index row, its answer, language and place among that language's questions:
        read from the index itself (``row_answer``, ``row_language``), so it cannot drift
        from the rows the matcher scores."""
        index, source = self.index, self.base.settings.language
        languages = index.row_language or (source,) * index.size
        answers = {answer.id: answer for answer in self.base.answers}
        seen: dict[tuple[str, str], int] = {}
        rows: list[QuestionRow] = []
        for position, language in zip(index.row_answer.tolist(), languages, strict=True):
            answer = answers[index.answer_ids[position]]
            place = seen[(answer.id, language)] = seen.get((answer.id, language), -1) + 1
            if language == source:
                question = answer.questions[place]
            else:
                question = answer.translations[language].questions[place]
            rows.append(QuestionRow(answer, language, place, question))
        return rows

    @cached_property
    def language_matchers(self) -> LanguageMatchers:
        """The matcher per language, as the triage core matches a message in it."""
        from ..match import LanguageMatchers

        source = self.base.settings.language
        return LanguageMatchers.from_index(
            self.index, self.match_settings, self.matcher, source=source
        )

    def matcher_in(self, language: str) -> tuple[Matcher, npt.NDArray[np.int64] | None]:
        """The matcher a message in ``language`` is matched with, and the full index's
        row of each of its rows (None: it is the full index's matcher)."""
        own = self.language_matchers.matcher_for(language)
        if own is None:
            return self.matcher, None
        return own, self.language_matchers.rows_by_language[language]

    def decide_held_out(self, texts: Sequence[str], language: str) -> Decided:
        """The matcher's decisions for messages in ``language`` (tests, out of scope)."""
        matcher, rows = self.matcher_in(language)
        decisions = matcher.decide_many(self.encode_held_out(texts))
        return Decided(decisions, matcher.index.answer_ids, rows)

    def encode_held_out(self, texts: Sequence[str]) -> Vectors:
        """Vectors of tests and out-of-scope messages, from the embedding cache when known."""
        from ..index import EmbeddingCache, base_texts

        cache = EmbeddingCache(self.cache_dir, self.embedder)
        return cache.encode(texts, keep=base_texts(self.base))

    def answer_of_row(self, row: int) -> str:
        return self.base.answers[int(self.index.row_answer[row])].id

    def question_location(self, row: int) -> Location:
        place = self._rows[row]
        if place.language == self.base.settings.language:
            return place.answer.source.locate("questions", place.position)
        return place.answer.source.locate(
            "translations", place.language, "questions", place.position
        )

    def question_text(self, row: int) -> str:
        return self._rows[row].question

    def question_language(self, row: int) -> str:
        return self._rows[row].language
