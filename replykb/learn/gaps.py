"""Gap mining: group the messages the base did not answer into topics to write.

The messages come from the usage log (suggestions that were ``no_match`` or
``ambiguous``, and those an agent marked ``wrong`` or ``unused``) or from a plain
JSONL/CSV file of messages, which is triaged first (only the messages not answered
confidently are kept, plus any the file marks ``wrong``/``unused`` in an ``outcome``
field). Texts are masked before anything else sees them (masking.py), so no e-mail
address, phone, card or order number reaches a draft.

They are embedded with the base's own model, grouped (gaps_cluster.py), and each
group becomes a :class:`GapCluster`: either questions to add to an existing answer
(the group's centroid scores at the base's match threshold or above against it, or
the agents said which answer they used instead), or a new answer. Groups are ranked by
how many messages they cover, then conversations, then text, so the same input gives
the same report. drafts.py writes them as YAML.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..records import Record, RecordError
from ..triage_models import TriageFailure
from .events import logged_language
from .gaps_cluster import agglomerative, near_any

if TYPE_CHECKING:
    from datetime import datetime

    from ..kb import KnowledgeBase
    from ..models import Match
    from .events import LoggedFeedback, LoggedSuggestion
    from .gaps_cluster import Vectors
    from .log import UsageLog

# Rows of normalized vectors and a cosine threshold -> groups of row numbers.
Grouping = Callable[["Vectors", float], list[list[int]]]

GapReason = Literal["no_match", "ambiguous", "wrong", "unused"]
ClusterKind = Literal["add_questions", "new_answer"]
GAP_REASONS: tuple[GapReason, ...] = ("no_match", "ambiguous", "wrong", "unused")

# Cosine at which two groups of messages are one topic (average linkage), chosen with
# benchmarks/gaps_clinc150.py (README: "Find what the base is missing").
DEFAULT_SIMILARITY = 0.70
DEFAULT_MIN_SIZE = 3
# The most distinct texts grouped in one run: the clustering's memory grows with the
# square (5,000 texts: 12.5 million pair distances, 100 MB).
MAX_TEXTS = 5000
# A group extends an answer when its centroid scores this much above the base's match
# threshold against it: a centroid of paraphrases scores higher than any one of them,
# so the threshold alone attaches new topics to their neighbours (measured, as above).
NEAR_OFFSET = 0.15
# How many messages a draft shows as representative (the most central first).
REPRESENTATIVES = 5
# Encoded together, as in the triage core.
_BATCH = 64

__all__ = [
    "DEFAULT_MIN_SIZE",
    "DEFAULT_SIMILARITY",
    "GAP_REASONS",
    "GapCluster",
    "GapMessage",
    "GapReport",
    "gaps_from_log",
    "gaps_from_records",
    "mine_gaps",
    "still_open",
]


class GapMessage(BaseModel):
    """One message the base did not answer well, masked, with why it counts."""

    model_config = ConfigDict(frozen=True)

    text: str
    reason: GapReason
    channel: str | None = None
    conversation_id: str | None = None
    # The answer suggested (ambiguous: the best candidate; wrong/unused: the rejected one).
    answer_id: str | None = None
    # For wrong/unused: the answer the agent sent instead, when said.
    used_answer_id: str | None = None
    # The reply language suggest chose for it (None: a one-language base, or not known):
    # whose questions it belongs with (`translations.<lang>.questions` for a
    # language other than the source).
    language: str | None = None


class GapCluster(BaseModel):
    """One topic: the messages of one group and what to do with them."""

    model_config = ConfigDict(frozen=True)

    rank: int  # 1: the most messages
    kind: ClusterKind
    # add_questions: the answer to extend; new_answer: the nearest answer, for context.
    answer_id: str | None
    score: float  # the group centroid's match score against ``answer_id`` (or the nearest)
    messages: int  # messages covered, repeats included
    conversations: (
        int  # distinct conversation ids among them (messages without one count once each)
    )
    reasons: dict[str, int]
    # Distinct texts, the most central first: the questions of a draft.
    texts: list[str]
    # The reply language of each text (None: the source's, or not known), as ``texts``.
    languages: list[str | None] = Field(default_factory=list)
    drafted: bool  # False: fewer messages than the minimum size, listed only
    file: str | None = None  # the draft's file name, once written

    @property
    def representatives(self) -> list[str]:
        return self.texts[:REPRESENTATIVES]


class GapReport(BaseModel):
    """What ``replykb gaps`` found: the groups, largest first, and what was read."""

    model_config = ConfigDict(frozen=True)

    read: int  # messages read (log events or file records)
    gaps: int  # of them, not answered well
    skipped: int = 0  # records that could not be read or triaged
    # From a log: gaps the base answers now (a draft merged since), and events without text.
    answered_now: int = 0
    no_text: int = 0
    # Gaps near a message the base lists under `out_of_scope:` (not grouped nor drafted).
    out_of_scope: int = 0
    # Messages of the rarest texts, left out past MAX_TEXTS distinct texts.
    left_out: int = 0
    min_size: int
    similarity: float
    near: float  # the score from which a group extends an answer
    clusters: list[GapCluster] = Field(default_factory=list)
    # Drafts in --out a person had edited: kept as they are, not replaced (drafts.py).
    kept: list[str] = Field(default_factory=list)

    @property
    def drafted(self) -> list[GapCluster]:
        return [cluster for cluster in self.clusters if cluster.drafted]


# --- collecting the messages ---------------------------------------------------------


def _reason(value: object) -> GapReason | None:
    return value if value in ("wrong", "unused") else None


def gaps_from_records(
    kb: KnowledgeBase,
    records: Iterable[Record | RecordError],
    *,
    channel: str | None = None,
    counts: Counter[str] | None = None,
    problems: list[str] | None = None,
) -> Iterator[GapMessage]:
    """The messages of a JSONL/CSV file that the base does not answer confidently.

    Each record is triaged as ``replykb suggest --input`` triages it (batch.py): it
    needs a ``message`` and a ``channel`` (``channel`` is the default for records
    naming none); ``conversation_id`` and ``outcome`` (``wrong``/``unused``: kept even
    when confident; ``used_answer_id`` with it) are optional. ``counts`` receives
    ``read`` and ``skipped`` (records that could not be read or triaged), ``problems``
    a line for each of those (``line 3: not valid JSON ...``).
    """
    from ..batch import triage_records
    from ..kb import KnowledgeBase
    from .masking import Masker

    if kb.observers:
        # Triaging a file to mine it is not customers' traffic: a usage log (or any
        # observer) of ``kb`` must not record it.
        kb = KnowledgeBase(kb.base, kb.embedder, kb.index)
    mask = Masker(kb.settings.log.mask).mask  # the base's own extra patterns too
    tally = counts if counts is not None else Counter()
    notes = problems if problems is not None else []
    # What triage does not carry, by the record's position (a chunk's worth at a time).
    extras: dict[int, tuple[GapReason | None, str | None, str | None]] = {}

    def remembered() -> Iterator[Record | RecordError]:
        position = 0
        for record in records:
            if isinstance(record, RecordError) and record.blank:
                continue
            if isinstance(record, Record):
                tally["read"] += 1
                fields = record.fields
                extras[position] = (
                    _reason(fields.get("outcome")),
                    _text_or_none(fields.get("used_answer_id")),
                    _text_or_none(fields.get("conversation_id")),
                )
            position += 1
            yield record

    for result in triage_records(kb, remembered(), channel=channel, batch_size=_BATCH):
        outcome, used, conversation = extras.pop(result.position, (None, None, None))
        if isinstance(result, TriageFailure):
            tally["skipped"] += 1
            notes.append(f"line {result.line}: {result.error}")
            continue
        suggestion = result.suggestion
        status = suggestion.match.status
        reason: GapReason | None = outcome or (None if status == "confident" else status)
        if reason is None:
            continue
        text = suggestion.prepared.text_used if suggestion.prepared else suggestion.message
        yield GapMessage(
            text=mask(text),
            reason=reason,
            channel=suggestion.channel,
            conversation_id=conversation,
            answer_id=_suggested(suggestion.match),
            used_answer_id=used,
            language=logged_language(suggestion.language)[0],
        )


def gaps_from_log(
    log: UsageLog, *, since: datetime | None = None, counts: Counter[str] | None = None
) -> Iterator[GapMessage]:
    """The logged suggestions that were ``no_match`` or ``ambiguous``, and those an agent
    reported ``wrong`` or ``unused``, each once. Messages are masked by the log already
    (a log that keeps no text gives nothing to mine: ``counts["no_text"]``).

    Only the suggestions that are gaps, or that belong to a conversation with a
    rejection, are held in memory, however long the log.
    """
    tally = counts if counts is not None else Counter()
    rejections: list[LoggedFeedback] = []
    for feedback in log.feedback(since):
        if _reason(feedback.outcome) is None:
            continue
        if feedback.conversation_id is not None:
            rejections.append(feedback)
        elif feedback.message:  # no suggestion to find: the outcome counts by itself
            tally["read"] += 1
            yield _from_feedback(feedback, feedback.message)
    rejected_in: set[str | None] = {feedback.conversation_id for feedback in rejections}
    kept: list[LoggedSuggestion] = []
    by_conversation: dict[str | None, list[int]] = {}
    for logged in log.suggestions(since):
        tally["read"] += 1
        if logged.status == "confident" and logged.conversation_id not in rejected_in:
            continue
        if logged.conversation_id in rejected_in:
            by_conversation.setdefault(logged.conversation_id, []).append(len(kept))
        kept.append(logged)
    # One customer message is one gap: the feedback on a logged suggestion marks that
    # suggestion (its own copy of the message is used only when the suggestion has no
    # text); a feedback whose suggestion is not in the log counts by its message.
    rejected: dict[int, LoggedFeedback] = {}
    for feedback in rejections:
        position = _suggestion_of(kept, by_conversation.get(feedback.conversation_id, []), feedback)
        if position is not None:
            rejected[position] = feedback
        elif feedback.message:  # its suggestion is not in the log (or not in --since)
            tally["read"] += 1
            yield _from_feedback(feedback, feedback.message)
    for position, logged in enumerate(kept):
        text = logged.message
        if position in rejected:
            feedback = rejected[position]
            reason: GapReason = _reason(feedback.outcome) or "wrong"
            used = feedback.used_answer_id
            text = text or feedback.message
        elif logged.status in ("no_match", "ambiguous"):
            reason, used = logged.status, None
        else:
            continue
        if not text:
            tally["no_text"] += 1
            continue
        yield GapMessage(
            text=text,
            reason=reason,
            channel=logged.channel,
            conversation_id=logged.conversation_id,
            answer_id=logged.answer_id,
            used_answer_id=used,
            language=logged.language,
        )


def _from_feedback(feedback: LoggedFeedback, text: str) -> GapMessage:
    return GapMessage(
        text=text,
        reason=_reason(feedback.outcome) or "wrong",
        channel=feedback.channel,
        conversation_id=feedback.conversation_id,
        answer_id=feedback.answer_id,
        used_answer_id=feedback.used_answer_id,
    )


def still_open(
    kb: KnowledgeBase, messages: Iterable[GapMessage], *, counts: Counter[str] | None = None
) -> list[GapMessage]:
    """The logged gaps the base as it is now still does not answer.

    A log spans versions of the base: a message that found no answer last month may be
    answered since (its draft was merged). Each is matched again: an unanswered one
    drops out once it is answered confidently; a rejected one once it goes to the answer
    the agent used instead (or, when not said, to another answer than the rejected
    one). ``counts["answered_now"]`` receives how many dropped out; a message that asks
    nothing (a greeting, thanks, a signature: ``no-request``) is no gap either, and
    ``counts["asks_nothing"]`` receives how many.
    """
    tally = counts if counts is not None else Counter()
    kept = list(messages)
    matches = kb.match_many([m.text for m in kept]) if kept else iter(())
    still: list[GapMessage] = []
    for message, match in zip(kept, matches, strict=True):
        if match.reason == "no-request":
            # "buongiorno", "Sent from my iPhone": no answer is to be written for it.
            tally["asks_nothing"] += 1
            continue
        now = match.answer_id if match.status == "confident" else None
        if message.reason in ("no_match", "ambiguous"):
            answered = now is not None
        elif message.used_answer_id is not None:
            answered = now == message.used_answer_id
        else:
            answered = now is not None and now != message.answer_id
        if answered:
            tally["answered_now"] += 1
        else:
            still.append(message)
    return still


def _suggestion_of(
    kept: Sequence[LoggedSuggestion], positions: Sequence[int], feedback: LoggedFeedback
) -> int | None:
    """The position of the suggestion ``feedback`` is about: among those of its
    conversation (``positions``, in log order), the last one logged before it that
    offered the answer it rejects."""
    for position in reversed(positions):
        logged = kept[position]
        if logged.at > feedback.at:
            continue
        offered = {answer for answer, _ in logged.candidates} | {logged.answer_id}
        if feedback.answer_id is None or feedback.answer_id in offered:
            return position
    return None


def _suggested(match: Match) -> str | None:
    if match.answer_id is not None:
        return match.answer_id
    return match.candidates[0][0] if match.candidates else None


def _text_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


# --- grouping them -----------------------------------------------------------------------


def _key(text: str) -> str:
    """Texts that differ only in case, spacing, Unicode form or the punctuation around
    them ("is there a discount?" and "Is there a discount") are one question."""
    flat = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
    return re.sub(r"^[^\w<]+|[^\w>]+$", "", flat) or flat


def mine_gaps(
    kb: KnowledgeBase,
    messages: Iterable[GapMessage],
    *,
    min_size: int = DEFAULT_MIN_SIZE,
    similarity: float = DEFAULT_SIMILARITY,
    read: int | None = None,
    skipped: int = 0,
    grouping: Grouping = agglomerative,
    near: float | None = None,
) -> GapReport:
    """Group ``messages`` into topics with the base's embeddings, largest first.

    A group of fewer than ``min_size`` messages is listed but not drafted. A group whose
    centroid scores ``near`` or above against an answer (default: the base's match
    threshold + ``NEAR_OFFSET``), or whose messages' agents mostly used one answer
    instead, adds questions to that answer; any other is a new answer. ``grouping`` and
    ``near`` are for benchmarks comparing choices.
    """
    known = set(kb.index.answer_ids)
    # Messages an agent answered with a known answer instead are that answer's, whatever
    # their wording (customers' ways of asking one thing can be far apart); the rest are
    # grouped by meaning. Texts that differ only in case or spacing are one entry.
    entries: dict[tuple[str, str], list[GapMessage]] = {}
    for message in messages:
        if message.text.strip():
            pin = message.used_answer_id if message.used_answer_id in known else ""
            entries.setdefault((pin or "", _key(message.text)), []).append(message)
    total = sum(len(group) for group in entries.values())
    # Clustering holds a distance for every pair of texts: past MAX_TEXTS distinct texts
    # the most repeated are kept (a topic worth drafting repeats) and the rest counted.
    kept = sorted(entries, key=lambda entry: (-len(entries[entry]), entry))[:MAX_TEXTS]
    left_out = total - sum(len(entries[entry]) for entry in kept)
    # Sorted, so the groups do not depend on the order the messages came in.
    order = sorted(kept)
    bar = kb.settings.match.threshold + NEAR_OFFSET if near is None else near
    if not order:
        return GapReport(
            read=total if read is None else read,
            gaps=0,
            skipped=skipped,
            min_size=min_size,
            similarity=similarity,
            near=bar,
            left_out=left_out,
        )
    texts = [_shown_text(entries[entry]) for entry in order]
    vectors = np.concatenate(
        [kb.embedder.encode(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
    ).astype(np.float32)
    # Messages at the grouping similarity of one the base lists under `out_of_scope:`
    # are the team's decision (no answer), not a gap: counted, never drafted (RKB405).
    scoped = list(kb.settings.out_of_scope)
    outside = near_any(vectors, kb.embedder.encode(scoped) if scoped else None, similarity)
    free = [row for row, (pin, _) in enumerate(order) if not pin and not outside[row]]
    groups = [[free[r] for r in rows] for rows in grouping(vectors[free], similarity)]
    pinned: dict[str, list[int]] = {}
    for row, (pin, _) in enumerate(order):
        if pin:
            pinned.setdefault(pin, []).append(row)
    groups += pinned.values()
    unranked = [
        _cluster(kb, [entries[order[r]] for r in rows], texts, rows, vectors, bar)
        for rows in groups
    ]
    unranked.sort(key=lambda c: (-c["messages"], -c["conversations"], c["texts"][0]))
    clusters = [
        GapCluster(rank=rank, drafted=fields["messages"] >= min_size, **fields)
        for rank, fields in enumerate(unranked, start=1)
    ]
    return GapReport(
        read=total if read is None else read,
        gaps=total,
        skipped=skipped,
        out_of_scope=sum(len(entries[e]) for r, e in enumerate(order) if outside[r] and not e[0]),
        min_size=min_size,
        similarity=similarity,
        near=bar,
        left_out=left_out,
        clusters=clusters,
    )


def _shown_text(group: list[GapMessage]) -> str:
    """The spelling of a repeated text that the most messages used (first, on a tie)."""
    spellings = Counter(message.text.strip() for message in group)
    return min(spellings, key=lambda text: (-spellings[text], text))


def _language(group: list[GapMessage]) -> str | None:
    """The reply language most of a text's messages got (the first, on a tie)."""
    votes = Counter(message.language for message in group)
    return min(votes, key=lambda language: (-votes[language], language or ""))


def _cluster(
    kb: KnowledgeBase,
    members: list[list[GapMessage]],
    texts: list[str],
    rows: list[int],
    vectors: Any,
    near: float,
) -> dict[str, Any]:
    flat = [message for group in members for message in group]
    chosen = vectors[rows]
    centroid = chosen.sum(axis=0)
    centroid = (centroid / max(float(np.linalg.norm(centroid)), 1e-12)).astype(np.float32)
    # Most central first: the text closest to the group's centroid best represents it.
    closeness = chosen @ centroid
    order = sorted(range(len(rows)), key=lambda i: (-float(closeness[i]), texts[rows[i]]))
    scored = kb.matcher.answer_scores(centroid, limit=1)
    nearest, score = (kb.index.answer_ids[scored[0][0]], scored[0][1]) if scored else (None, 0.0)
    used = Counter(m.used_answer_id for m in flat if m.used_answer_id)
    reported = [answer for answer, votes in used.most_common(1) if votes * 2 > len(flat)]
    known = set(kb.index.answer_ids)
    if reported and reported[0] in known:
        kind: ClusterKind = "add_questions"
        every = kb.matcher.answer_scores(centroid, limit=len(kb.index.answer_ids))
        nearest = reported[0]
        score = next(s for p, s in every if kb.index.answer_ids[p] == nearest)
    elif nearest is not None and score >= near:
        kind = "add_questions"
    else:
        kind = "new_answer"
    anonymous = sum(1 for m in flat if m.conversation_id is None)
    return {
        "kind": kind,
        "answer_id": nearest,
        "score": round(score, 6),
        "messages": len(flat),
        "conversations": len({m.conversation_id for m in flat if m.conversation_id}) + anonymous,
        "reasons": {r: n for r in GAP_REASONS if (n := sum(m.reason == r for m in flat))},
        "texts": [texts[rows[i]] for i in order],
        "languages": [_language(members[i]) for i in order],
    }
