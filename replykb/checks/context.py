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
    from ..match import LanguageMatchers, Matcher
    from ..models import Match
    from ..triage import RequestGate

__all__ = ["CheckContext", "HeldOut", "QuestionRow"]


@dataclass(frozen=True)
class HeldOut:
    """A test or out-of-scope message matched as the triage core matches it: the match,
    the language whose questions decided it (None: every question, one language), and
    the full index's row of its best answer's question nearest to it."""

    match: Match
    language: str | None
    nearest_row: int | None


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
    def request_gate(self) -> RequestGate:
        """The triage core's rule for a message that asks nothing (replykb/triage.py)."""
        from ..triage import RequestGate

        return RequestGate.for_base(self.base)

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

    def held_out_matches(self, texts: Sequence[str]) -> list[HeldOut]:
        """Each message (a test, an out-of-scope message) matched as the triage core
        matches it (KnowledgeBase.match): its language chosen from its text, then that
        language's questions (LanguageMatchers)."""
        from ..prepare.language import choose_language

        languages = self.base.settings.languages
        held: list[HeldOut] = []
        matched = [self.request_gate.request_text(text) for text in texts]
        for text, vector in zip(texts, self.encode_held_out(matched), strict=True):
            choice = choose_language(text, languages)
            found, settled = self.language_matchers.match_choice(vector, choice, k=3)
            found = self.request_gate.decide(text, found)  # "buongiorno": no answer
            language = settled.matched
            if self.language_matchers.matcher_for(language) is None:
                language = None
            held.append(HeldOut(found, language, self._nearest_row(vector, found, language)))
        return held

    def _nearest_row(self, vector: Vectors, found: Match, language: str | None) -> int | None:
        """The full index's row of the best answer's question nearest to ``vector``,
        among the rows matched for ``language``."""
        if not found.candidates:
            return None
        import numpy as np

        index = self.index
        rows = (
            np.arange(index.size)
            if language is None
            else self.language_matchers.rows_by_language[language]
        )
        best = index.answer_ids.index(found.candidates[0][0])
        rows = rows[index.row_answer[rows] == best]
        return int(rows[int(np.argmax(index.vectors[rows] @ vector))])

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
