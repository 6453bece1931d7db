"""Typed data: what is read from the answer base, and what replykb returns.

Models read from YAML forbid unknown keys, so a typo such as ``qestions:``
is an error instead of a silently ignored field. Everything is frozen: a
loaded base can be shared between threads without copying.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .channels import (
    CHANNEL_PRESETS,
    NotBoolean,
    PrivateReplyRule,
    ReplyWindow,
    WindowRule,
    preset_for,
)
from .details import DetailName, DetailSpec

# Re-exported: callers and older code import them from here.
from .locations import Location as Location
from .locations import Problem as Problem
from .prepare.email_result import PreparedText
from .prepare.language_result import LanguageChoice as LanguageChoice
from .schemaerrors import error_at
from .yamltypes import SLUG_PATTERN as SLUG_PATTERN
from .yamltypes import AgentTexts as AgentTexts
from .yamltypes import AnswerTranslation as AnswerTranslation
from .yamltypes import CheckCode, OneLanguageCode, Pattern
from .yamltypes import FromYaml as _FromYaml
from .yamltypes import LanguageCode as LanguageCode
from .yamltypes import LanguageTexts as LanguageTexts
from .yamltypes import Slug as Slug
from .yamltypes import SourceMap as SourceMap
from .yamltypes import Text as Text
from .yamltypes import Tone as Tone
from .yamltypes import Url as Url

CountRule = Literal["chars", "graphemes", "twitter", "sms", "mastodon", "utf8"]
OutputFormat = Literal["plain", "markdown", "whatsapp", "html"]
TemplateFamily = Literal["short", "sms", "social", "chat", "email"]
MatchStatus = Literal["confident", "ambiguous", "no_match"]
# Why a match has its status when its scores did not decide it. no-request: the message
# holds only greetings, thanks, sign-offs, a mail client's signature, @mentions, emoji
# or punctuation (replykb/prepare/chatter.py): it asks nothing, and gets no answer.
MatchReason = Literal["no-request"]
ReplyForm = Literal["full", "short", "cut", "private_invite", "needs_details"]


# --- replykb.yaml ---------------------------------------------------------------------


class MatchSettings(_FromYaml):
    """How a message is matched; calibrate with ``replykb eval --calibrate``."""

    threshold: Annotated[float, NotBoolean] = Field(default=0.46, ge=-1.0, le=1.0)
    margin: Annotated[float, NotBoolean] = Field(default=0.02, ge=0.0, le=2.0)
    # Share of an answer's score that comes from its centroid rather than its best question.
    centroid_weight: Annotated[float, NotBoolean] = Field(default=0.5, ge=0.0, le=1.0)
    # Two questions of different answers closer than this are flagged by `check`.
    conflict_threshold: Annotated[float, NotBoolean] = Field(default=0.95, ge=0.0, le=1.0)


class TuneSettings(_FromYaml):
    """``tune:`` in replykb.yaml: how ``replykb tune`` fine-tunes the model on the base's
    own questions (README: "Tuning"). Defaults measured on CLINC150 (benchmarks/clinc150.py)."""

    # Passes over every question; more overfits a small base.
    epochs: Annotated[int, NotBoolean] = Field(default=1, ge=1, le=20)
    # Chosen on CLINC150's val split (README: Tuning): 1e-4 beat 2e-5 and 5e-5 there.
    learning_rate: Annotated[float, NotBoolean] = Field(default=1e-4, gt=0.0, le=1e-3)
    # Other questions of its answer each question is paired with.
    positives: Annotated[int, NotBoolean] = Field(default=3, ge=1, le=20)
    # Pairs per step, each of another answer: the in-batch negatives.
    batch_size: Annotated[int, NotBoolean] = Field(default=32, ge=2, le=256)
    # torch and NumPy take 32-bit seeds: a larger one would fail only when tuning starts.
    seed: Annotated[int, NotBoolean] = Field(default=0, ge=0, le=2**32 - 1)
    # Match with the threshold and margin calibrated for the tuned model while it is used
    # (`match:` was calibrated for the untuned one); false keeps `match:` as written.
    calibrate: bool = True


class Channel(_FromYaml):
    """One channel: its limit as the platform counts it, and how replies look there."""

    limit: Annotated[int, NotBoolean] | None = Field(default=None, ge=1)
    count: CountRule = "chars"
    public: bool = False
    format: OutputFormat = "plain"
    family: TemplateFamily = "chat"
    template: str | None = None
    aliases: tuple[Slug, ...] = ()
    window: WindowRule | None = None  # when a reply may be sent: channels.py
    private_reply: PrivateReplyRule | None = None
    # Public channels: where a private answer's message goes (x -> x_dm), with the invitation.
    private_channel: Slug | None = None
    # The reply starts with the customer's @handle: a platform that notifies only mentions.
    mention: bool = False

    @model_validator(mode="after")
    def _private_reply_on_public(self) -> Channel:
        if self.private_reply is not None and not self.public:
            raise ValueError(
                "`private_reply` (one private reply to a public comment) applies to public "
                "channels: set `public: true`, or `private_reply: ~`"
            )
        return self


class Agent(_FromYaml):
    """A person who signs replies; ``signatures`` maps a channel to its sign-off."""

    name: Text
    signatures: dict[str, str] = Field(default_factory=dict)
    # Per language other than the source, its name and signatures in that language.
    translations: dict[LanguageCode, AgentTexts] = Field(default_factory=dict)


class Policy(_FromYaml):
    """Review rules that ``replykb check`` warns about."""

    max_review_age_days: Annotated[int, NotBoolean] | None = Field(default=None, ge=1)
    min_questions: Annotated[int, NotBoolean] = Field(default=3, ge=1)


class IgnoredCode(_FromYaml):
    """A finding code a team accepts, and why (shown beside the suppressed findings)."""

    code: CheckCode
    reason: str | None = None


class CheckSettings(_FromYaml):
    """``check:`` in replykb.yaml (the whole base) or in an answer (that answer only)."""

    # Items are a code (`RKB403`) or `{code: RKB403, reason: "..."}`.
    ignore: list[IgnoredCode] = Field(default_factory=list)

    @field_validator("ignore", mode="before")
    @classmethod
    def _codes_as_mappings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"code": item} if isinstance(item, str) else item for item in value]
        return value


class LogSettings(_FromYaml):
    """``log:`` in replykb.yaml: the usage log (README: "Usage log"); off without a url."""

    # sqlite:///path/usage.db, a plain path (relative to the base folder), or
    # postgresql://user@host/db; $VARS are expanded, so a password can stay out of git.
    url: str | None = None
    # Events older than this are deleted (on open and while writing); null keeps them.
    retention_days: Annotated[int, NotBoolean] | None = Field(default=90, ge=1)
    # false: no message text at all (nor edited replies): ids, scores and outcomes only.
    keep_text: bool = True
    # More things to mask before storing, per token: {order: ['FH\d{7}']} -> <order>.
    mask: dict[Slug, list[Pattern]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _url_alone(cls, data: Any) -> Any:
        # `log: usage.db` is short for `log: {url: usage.db}`.
        return {"url": data} if isinstance(data, str) else data


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[a-z]{2}", value) is not None


class Settings(_FromYaml):
    """The contents of ``replykb.yaml``."""

    brand: Text
    # `language:` is the old key, short for `languages: [<it>]`; after loading it always
    # holds the source language, languages[0].
    language: OneLanguageCode = "en"
    # The base's languages; the first is the source (every answer is written in it).
    languages: tuple[LanguageCode, ...] = ("en",)
    model: str | None = None
    match: MatchSettings = Field(default_factory=MatchSettings)
    # How `replykb tune` fine-tunes the model (README: "Tuning").
    tune: TuneSettings = Field(default_factory=TuneSettings)
    channels: dict[Slug, Channel] = Field(default_factory=dict)
    agents: dict[Slug, Agent] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    # Per tone, opening variants (Jinja, with `customer`); empty: the built-in ones.
    openings: dict[Tone, list[Text]] = Field(default_factory=dict)
    # Per tone, openings for a customer with no name (README: "Names"); same order.
    anonymous_openings: dict[Tone, list[Text]] = Field(default_factory=dict)
    out_of_scope: list[Text] = Field(default_factory=list)
    # Findings of `replykb check` the team accepts for the whole base.
    check: CheckSettings = Field(default_factory=CheckSettings)
    # The usage log: where suggestions and outcomes are recorded; off by default.
    log: LogSettings = Field(default_factory=LogSettings)
    # Per language other than the source: overrides of the built-in texts.
    translations: dict[LanguageCode, LanguageTexts] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _languages_from_old_key(cls, data: Any) -> Any:
        """``language: it`` alone means ``languages: [it]``; ``languages:`` alone fills
        ``language`` (the source) so that old callers keep reading it."""
        # A malformed code is copied nowhere: it is reported once, where it is written.
        if not isinstance(data, dict):
            return data
        if isinstance(data.get("languages"), str):  # `languages: en` is one language
            data = {**data, "languages": [data["languages"]]}
        if "languages" not in data and _is_code(data.get("language")):
            return {**data, "languages": [data["language"]]}
        listed = data.get("languages")
        first = listed[0] if isinstance(listed, list | tuple) and listed else None
        if "language" not in data and _is_code(first):
            return {**data, "language": first}
        return data

    @field_validator("languages")
    @classmethod
    def _languages_agree(cls, languages: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not languages:
            raise ValueError("list at least the source language, e.g. `languages: [en]`")
        repeated = sorted({code for code in languages if languages.count(code) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once; list each once")
        old = info.data.get("language")
        if old is not None and old != languages[0]:
            raise ValueError(
                f"the source language (the first of `languages:`) is {languages[0]!r} but "
                f"`language:` says {old!r}; remove the old `language:` key, or make the "
                f"first of `languages:` {old!r}"
            )
        return languages

    @model_validator(mode="before")
    @classmethod
    def _merge_channel_presets(cls, data: Any) -> Any:
        """Fill each named channel from its preset; no ``channels:`` means every preset."""
        if not isinstance(data, dict):
            return data
        channels = data.get("channels")
        if channels is None:
            merged: dict[str, Any] = {name: dict(p) for name, p in CHANNEL_PRESETS.items()}
        elif isinstance(channels, dict):
            merged = {}
            for name, overrides in channels.items():
                preset = preset_for(name) if isinstance(name, str) else None
                if preset is None or not isinstance(overrides, dict | None):
                    merged[name] = overrides
                else:
                    merged[name] = {**preset, **(overrides or {})}
        else:
            return data
        # A private answer asked on a listed public channel continues on its private
        # channel (x -> x_dm), which needs no listing of its own.
        for fields in list(merged.values()):
            paired = fields.get("private_channel") if isinstance(fields, dict) else None
            if isinstance(paired, str) and paired not in merged and preset_for(paired):
                merged[paired] = dict(preset_for(paired) or {})
        return {**data, "channels": merged}

    @field_validator("channels")
    @classmethod
    def _private_channels_exist(cls, channels: dict[str, Channel]) -> dict[str, Channel]:
        for name, spec in channels.items():
            target = channels.get(spec.private_channel or "")
            if spec.private_channel is not None and (target is None or target.public):
                why = "is public" if target else "is not a channel of this base nor a preset"
                raise error_at(
                    f"channel `{name}`: private_channel `{spec.private_channel}` {why}; name "
                    f"a private channel (x_dm, messenger, instagram_dm, chat), or remove it",
                    name,
                    "private_channel",
                )
        return channels


# --- one answer per file -------------------------------------------------------------


class Answer(_FromYaml):
    """One canonical answer and the ways customers ask for it."""

    id: Slug
    title: str | None = None
    questions: list[Text] = Field(min_length=1)
    answer: Text
    short: Text | None = None
    facts: list[Text] = Field(default_factory=list)
    link: Url | None = None
    private: bool = False
    tone: Tone = "neutral"
    tags: list[str] = Field(default_factory=list)
    owner: str | None = None
    reviewed: date | None = None
    tests: list[Text] = Field(default_factory=list)
    # Ticket details its texts print ({{ details.order_id }}) and their fallbacks.
    details: dict[DetailName, DetailSpec] = Field(default_factory=dict)
    # Findings of `replykb check` about this answer that its owner accepts.
    check: CheckSettings = Field(default_factory=CheckSettings)
    # The answer in the base's other languages (replykb/languages.py reads them).
    translations: dict[LanguageCode, AnswerTranslation] = Field(default_factory=dict)

    _source: SourceMap | None = PrivateAttr(default=None)

    @property
    def source(self) -> SourceMap:
        """Where this answer's keys and items are in its file."""
        return self._source or SourceMap(file=f"<{self.id}>")


class AnswerBase(BaseModel):
    """A loaded, validated answer base: settings, answers and template sources."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    root: Path
    settings: Settings
    answers: tuple[Answer, ...]
    templates: Mapping[str, str] = Field(default_factory=dict)
    fingerprint: str
    settings_source: SourceMap

    def answer(self, answer_id: str) -> Answer:
        """The answer with this id; :class:`~replykb.errors.UnknownNameError` if none."""
        from .errors import UnknownNameError

        for answer in self.answers:
            if answer.id == answer_id:
                return answer
        raise UnknownNameError("answer", answer_id, (a.id for a in self.answers))


# --- what matching and rendering return ----------------------------------------------


Severity = Literal["error", "warning"]


class Finding(BaseModel):
    """One result of ``replykb check``: a stable code, where, what, and how to fix it."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    location: Location
    message: str
    hint: str = ""
    # Other places the finding involves, e.g. the second of two conflicting questions.
    related: list[Location] = Field(default_factory=list)
    # The answer the finding is about (an answer's `check: ignore` applies to it).
    answer: str | None = None
    # How many occurrences share this cause, e.g. every answer a long signature pushes
    # over a channel's limit: the finding is reported once, where the fix goes.
    count: int = Field(default=1, ge=1)

    def __str__(self) -> str:
        return f"{self.location}: {self.code} {self.severity} {self.message}"


class SuppressedFinding(BaseModel):
    """A finding a `check: ignore` accepted: not counted, listed in the report."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    # Where the ignore that accepted it is written, and the reason given there.
    ignored_at: Location
    reason: str | None = None


class Match(BaseModel):
    """The outcome of matching one message against the base.

    ``confident``: ``answer_id`` is the answer to send. ``ambiguous``: several answers
    are too close to call and an agent chooses among ``candidates``. ``no_match``:
    nothing is close enough; a person answers. ``reason`` is ``None`` when the scores
    decided (the threshold and margin), else why they did not: ``no-request``, the
    message only greets, thanks or signs off (no candidates, score 0).
    """

    model_config = ConfigDict(frozen=True)

    status: MatchStatus
    answer_id: str | None
    score: float
    candidates: list[tuple[str, float]]
    reason: MatchReason | None = None


class Customer(BaseModel):
    """Who wrote the message: a display name and/or a platform handle."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    handle: str | None = None


class Reply(BaseModel):
    """A rendered reply, measured as its channel counts it."""

    model_config = ConfigDict(frozen=True)

    answer_id: str
    channel: str
    # The language every text of the reply is in (ISO 639-1: "en", "it").
    language: str
    text: str
    length: int
    limit: int | None
    count: CountRule
    form: ReplyForm
    html: str | None = None
    window: ReplyWindow | None = None
    # Details every form of the reply would print and the request lacks: no text.
    needs_details: list[str] = Field(default_factory=list)
    # On a public channel, a private answer's message for the paired private channel.
    private_reply: Reply | None = None


# --- the customer's mood (read by replykb/prepare/mood.py) ----------------------------

MoodLabel = Literal["angry", "neutral", "grateful"]
# The opening a mood calls for; a neutral customer gets the answer's own tone.
MOOD_TONES: dict[MoodLabel, Tone] = {"angry": "apology", "grateful": "thanks"}


class Mood(BaseModel):
    """How the customer sounds: ``angry`` (angry, frustrated, disappointed, or writing
    again: the reply opens with an apology), ``grateful`` (thanks or praise: it opens
    with thanks) or ``neutral`` (the answer's own tone).

    ``score`` runs from -1 (angry) to 1 (grateful); ``urgent`` and ``repeated`` (asked
    before, still waiting, happened again) are flags for the agent; ``cues`` say what
    was read, in the order they appear (``anger: "vergognatevi"``, ``emoji 😡``...).
    """

    model_config = ConfigDict(frozen=True)

    label: MoodLabel = "neutral"
    score: float = 0.0
    urgent: bool = False
    repeated: bool = False
    cues: tuple[str, ...] = ()

    @property
    def tone(self) -> Tone | None:
        """The opening's tone this mood calls for, or None to keep the answer's."""
        return MOOD_TONES.get(self.label)


class Suggestion(BaseModel):
    """A match and the reply (or, when ambiguous, a reply per candidate) to send."""

    model_config = ConfigDict(frozen=True)

    message: str
    channel: str
    match: Match
    reply: Reply | None = None
    alternatives: list[Reply] = Field(default_factory=list)
    # On e-mail channels: the customer's newest text that was matched, and what was
    # stripped (quotes, forwards, signature, notices). None: ``message`` was matched.
    prepared: PreparedText | None = None
    # How the customer sounds (replykb/prepare/mood.py): the reply's opening follows it.
    mood: Mood | None = None
    # The reply's language and why (asked for, detected, or the source as a fallback).
    language: LanguageChoice | None = None

    @property
    def status(self) -> MatchStatus:
        return self.match.status

    @property
    def private_reply(self) -> Reply | None:
        """For a private answer asked on a public channel, the private message that goes
        with the public invitation (``reply``): its ``private_reply``."""
        return self.reply.private_reply if self.reply is not None else None
