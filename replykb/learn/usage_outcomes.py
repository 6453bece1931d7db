"""What agents did with the suggestions: outcomes counted per answer, and their edits
compared by what they change in the answer's words (usage_edits.py); part of the
usage report (usage.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ReplyKBError
from ..models import Customer
from .usage_edits import (
    BODY_SLOT,
    NAME_SLOT,
    Frame,
    Hunk,
    change_key,
    closest_text,
    describe_change,
    frame_of,
    normalise_words,
    without_jinja,
    word_diff,
)
from .usage_events import OutcomeRow
from .usage_models import DiffPart, Outcomes, Reference, RepeatedEdit, TypicalEdit, UsedInstead

if TYPE_CHECKING:
    from ..models import Answer, AnswerBase
    from ..render import Renderer

# An edit made by this many agents, or in this many conversations, is a pattern.
REPEAT_THRESHOLD = 2
OUTCOMES = ("sent", "edited", "wrong", "unused")


@dataclass(frozen=True)
class _Rendered:
    text: str
    frame: Frame | None


@dataclass
class _Edit:
    text: str
    key: tuple[Hunk, ...]
    against: Reference | None
    reference: str | None
    agent: str | None
    conversation: str


class OutcomeTally:
    """Feedback events counted per answer, with the edits kept for comparison."""

    def __init__(self, base: AnswerBase) -> None:
        self.base = base
        self.answers = {answer.id: answer for answer in base.answers}
        self.counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.instead: defaultdict[str, Counter[str | None]] = defaultdict(Counter)
        self.chosen_instead: Counter[str] = Counter()
        self.edits: defaultdict[str, list[_Edit]] = defaultdict(list)
        self.by_outcome: Counter[str] = Counter()
        self.without_answer: Counter[str] = Counter()
        self.unnamed = 0
        self._renderer: Renderer | None = None
        self._replies: dict[tuple[str, str, str | None], _Rendered | None] = {}

    def add(self, item: OutcomeRow) -> None:
        self.by_outcome[item.outcome] += 1
        rejected = item.outcome in ("wrong", "unused")
        if item.used_answer_id is not None and (rejected or item.answer_id is None):
            self.chosen_instead[item.used_answer_id] += 1
        if item.answer_id is None:
            self.without_answer[item.outcome] += 1
            return
        self.counts[item.answer_id][item.outcome] += 1
        if rejected:
            self.instead[item.answer_id][item.used_answer_id] += 1
        if item.outcome == "edited" and item.edited_text:
            self.edits[item.answer_id].append(self._edit(item, item.edited_text))

    def _edit(self, item: OutcomeRow, text: str) -> _Edit:
        if item.conversation_id is not None:
            conversation = f"id:{item.conversation_id}"
        else:  # an event without a conversation id is a conversation of its own
            self.unnamed += 1
            conversation = f"event:{self.unnamed}"
        shown = " ".join(text.split())
        against, reference, frame = self._reference(item, text)
        if reference is None:  # an answer no longer in the base: its whole text is the edit
            key: tuple[Hunk, ...] = (((), tuple(normalise_words(text))),)
        else:
            key = change_key(text, reference, frame)
        return _Edit(shown, key, against, reference, item.agent, conversation)

    def _reference(
        self, item: OutcomeRow, edited: str
    ) -> tuple[Reference | None, str | None, Frame | None]:
        """The reply the agent was given, rendered again, and its frame (usage_edits.py);
        else the answer's text closest to the edit; nothing for an answer not in the base."""
        answer = self.answers.get(item.answer_id or "")
        if answer is None:
            return None, None, None
        slot = (answer.id, item.channel, item.agent)
        if slot not in self._replies:
            self._replies[slot] = self._render(answer, item)
        rendered = self._replies[slot]
        if rendered is not None:
            return "reply", rendered.text, rendered.frame
        names, texts = _canonical_texts(answer)
        chosen = closest_text(edited, texts)
        return names[chosen], texts[chosen], None

    def _render(self, answer: Answer, item: OutcomeRow) -> _Rendered | None:
        from ..render import Renderer

        if self._renderer is None:
            self._renderer = Renderer.for_base(self.base)
        marked = answer.model_copy(update={"answer": BODY_SLOT, "short": None})
        try:
            reply, bare = (
                self._renderer.render(
                    shown,
                    channel=item.channel,
                    agent=item.agent,
                    customer=Customer(name=NAME_SLOT),
                    # Not the edit's conversation: its opening variant is frame anyway,
                    # and one render per answer, channel and agent keeps a big log fast.
                    conversation_id=None,
                )
                for shown in (answer, marked)
            )
        except ReplyKBError:  # a channel or agent gone from the base, a detail it needs
            return None
        return _Rendered(reply.text, frame_of(bare.text)) if reply.text else None

    def totals(self) -> dict[str, int]:
        return {"total": sum(self.by_outcome.values())} | {o: self.by_outcome[o] for o in OUTCOMES}

    def outcomes(self, answer_id: str) -> Outcomes:
        counts = self.counts.get(answer_id, Counter())
        instead = self.instead.get(answer_id, Counter())
        return Outcomes(
            feedback=sum(counts.values()),
            sent=counts["sent"],
            edited=counts["edited"],
            wrong=counts["wrong"],
            unused=counts["unused"],
            rejected=counts["wrong"] + counts["unused"],
            used_instead=[
                UsedInstead(answer_id=used, count=count)
                for used, count in sorted(instead.items(), key=lambda i: (-i[1], i[0] or ""))
            ],
            typical_edit=self._typical(answer_id),
        )

    def _groups(self, answer_id: str) -> list[list[_Edit]]:
        groups: defaultdict[tuple[Hunk, ...], list[_Edit]] = defaultdict(list)
        for edit in self.edits.get(answer_id, []):
            groups[edit.key].append(edit)
        return list(groups.values())

    def _typical(self, answer_id: str) -> TypicalEdit | None:
        """The most common change to the answer's words; edits that change only the
        frame (opening, signature) are typical only when no edit changes the words."""
        groups = self._groups(answer_id)
        if not groups:
            return None
        best = min(
            groups,
            key=lambda g: (not g[0].key, -len(g), -len(_agents(g)), describe_change(g[0].key)),
        )
        example = _example(best)
        return TypicalEdit(
            text=example.text,
            count=len(best),
            agents=len(_agents(best)),
            conversations=len({edit.conversation for edit in best}),
            change=describe_change(best[0].key),
            against=example.against,
            diff=_diff(example),
        )

    def repeated(self) -> list[RepeatedEdit]:
        found = []
        for answer_id in sorted(self.edits):
            for group in self._groups(answer_id):
                agents = _agents(group)
                conversations = len({edit.conversation for edit in group})
                if not group[0].key or max(len(agents), conversations) < REPEAT_THRESHOLD:
                    continue
                example = _example(group)
                found.append(
                    RepeatedEdit(
                        answer_id=answer_id,
                        change=describe_change(group[0].key),
                        count=len(group),
                        agents=agents,
                        conversations=conversations,
                        example=example.text,
                        against=example.against,
                        diff=_diff(example),
                    )
                )
        return sorted(found, key=lambda r: (-r.count, -len(r.agents), r.answer_id, r.change))

    def notes(self) -> list[str]:
        unknown = sorted(set(self.counts) - set(self.answers))
        notes = []
        if unknown:
            notes.append(
                f"feedback names {len(unknown)} answer(s) not in the base: {', '.join(unknown)}"
            )
        if self.without_answer:
            total = sum(self.without_answer.values())
            notes.append(f"{total} outcome(s) reported after no match (no answer suggested)")
        return notes


def _canonical_texts(answer: Answer) -> tuple[list[Reference], list[str]]:
    names: list[Reference] = ["answer"]
    texts = [without_jinja(answer.answer)]
    if answer.short:
        names.append("short")
        texts.append(without_jinja(answer.short))
    return names, texts


def _diff(edit: _Edit) -> list[DiffPart]:
    if edit.reference is None:
        return []
    shown = edit.reference.replace(NAME_SLOT, "{customer}")
    return word_diff(shown, edit.text)


def _agents(group: Sequence[_Edit]) -> list[str]:
    return sorted({edit.agent for edit in group if edit.agent is not None})


def _example(group: Sequence[_Edit]) -> _Edit:
    """The edit whose text was most often sent for this change (ties: the text first in
    sort order, then the first such edit)."""
    counts = Counter(edit.text for edit in group)
    text = min(counts, key=lambda shown: (-counts[shown], shown))
    return next(edit for edit in group if edit.text == text)
