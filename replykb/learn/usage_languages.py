"""``replykb usage`` per reply language: how Italian replies fare next to English ones.

A logged suggestion carries its reply's language (``None`` on a one-language base and
for events logged before replykb stored it). An outcome does not: it is counted in the
language of its suggestion, the last one logged in the same conversation at or before
it (the rule ``replykb gaps`` uses to pair them); an outcome with no conversation id, or
whose suggestion is not in what was read, is in no language's row. Rows are made only
when what was read holds two languages or more: on a one-language base they would repeat
the totals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import datetime

from .usage_events import OutcomeRow, SuggestionEvent
from .usage_models import LanguageUsage

# The row of suggestions logged without a language, next to languages' rows.
NOT_RECORDED = "not recorded"
OUTCOME_NAMES = ("sent", "edited", "wrong", "unused")


class LanguageTally:
    """Suggestions and outcomes counted per reply language."""

    def __init__(self) -> None:
        self.statuses: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        # conversation id -> (times, languages) of its suggestions, in time order
        self._conversations: dict[str, tuple[list[datetime], list[str]]] = {}
        self.unattributed = 0

    def suggestion(
        self, event: SuggestionEvent, at: datetime | None, conversation_id: str | None
    ) -> None:
        language = event.language or NOT_RECORDED
        self.statuses[language][event.status] += 1
        if conversation_id is not None and at is not None:
            times, languages = self._conversations.setdefault(conversation_id, ([], []))
            # Logs are read in time order: an insert keeps a file's odd order right too.
            at_index = bisect_right(times, at)
            times.insert(at_index, at)
            languages.insert(at_index, language)

    def outcome(self, item: OutcomeRow, at: datetime) -> None:
        language = None
        if item.conversation_id is not None:
            times, languages = self._conversations.get(item.conversation_id, ([], []))
            before = bisect_right(times, at)
            language = languages[before - 1] if before else None
        if language is None:
            self.unattributed += 1
            return
        self.outcomes[language][item.outcome] += 1

    def rows(self) -> list[LanguageUsage]:
        """One row per language, most messages first (the not-recorded row last)."""
        if len([name for name in self.statuses if name != NOT_RECORDED]) < 2:
            return []
        rows = []
        for language, counts in self.statuses.items():
            confident, ambiguous, no_match = (
                counts[s] for s in ("confident", "ambiguous", "no_match")
            )
            triaged = confident + ambiguous + no_match
            outcomes = self.outcomes[language]
            rows.append(
                LanguageUsage(
                    key=language,
                    total=triaged,
                    confident=confident,
                    ambiguous=ambiguous,
                    no_match=no_match,
                    no_match_rate=no_match / triaged if triaged else None,
                    ambiguous_rate=ambiguous / triaged if triaged else None,
                    feedback=sum(outcomes[name] for name in OUTCOME_NAMES),
                    **{name: outcomes[name] for name in OUTCOME_NAMES},
                )
            )
        return sorted(rows, key=lambda r: (r.key == NOT_RECORDED, -r.total, r.key))

    def notes(self) -> list[str]:
        if not self.rows() or not self.unattributed:
            return []
        return [
            f"{self.unattributed} outcome(s) in no language's row (no conversation id, or "
            "their suggestion is not in the period read)"
        ]
