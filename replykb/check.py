"""The consistency checks behind ``replykb check``: an answer base -> located findings.

Every check is a small function ``(CheckContext) -> Iterable[Finding]`` listed in
:data:`CHECKS`; every code it may emit is described once in :data:`RULES` (severity,
title, default hint). Adding a check is one function, one entry in each. The context
computes the expensive shared pieces once and only when a check asks for them: the
worst-case renders of every answer on every channel, and the index and vectors for
the matching checks (opened as KnowledgeBase.load opens them, so an unchanged base is
re-checked without encoding anything again, with the ONNX export when there is one).

This module returns data; it never prints and never exits (the CLI does).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, computed_field

from .errors import AnswerBaseError, RenderError, ReplyTooLongError
from .length import count_length, gsm_incompatible_chars, is_gsm7
from .loader import TEMPLATES_DIR, load_answer_base
from .models import (
    Answer,
    AnswerBase,
    Channel,
    Finding,
    Location,
    Problem,
    Reply,
    Severity,
    Tone,
)
from .render import BUILTIN_TEMPLATES, DEFAULT_OPENINGS, PRIVATE_INVITE_TEMPLATE, Renderer

if TYPE_CHECKING:
    import numpy.typing as npt

    from .embed import Embedder
    from .index import QuestionIndex, Vectors
    from .match import Matcher

__all__ = [
    "CHECKS",
    "RULES",
    "CheckContext",
    "CheckReport",
    "Rule",
    "run_checks",
]


# --- the catalogue of codes ----------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What one finding code means: its severity, a title and the usual fix."""

    code: str
    severity: Severity
    title: str
    hint: str


RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        rule.code: rule
        for rule in (
            # RKB0xx: loading the base
            Rule(
                "RKB001",
                "error",
                "YAML or schema error",
                "fix the file as the message says; `replykb check` shows every problem at once",
            ),
            Rule(
                "RKB002",
                "error",
                "duplicate answer id",
                "give each answer its own `id:` (or its own file name)",
            ),
            Rule(
                "RKB003",
                "error",
                "reference to something the base does not define",
                "define it in replykb.yaml (or templates/), or fix the name",
            ),
            # RKB1xx: templates
            Rule(
                "RKB101",
                "error",
                "template does not compile",
                "fix the Jinja syntax at the line shown",
            ),
            Rule(
                "RKB102",
                "error",
                "template fails to render",
                "use only the variables replykb provides (answer fields, brand, customer, "
                "agent, channel, opening, and body in channel templates)",
            ),
            # RKB2xx: length and encoding
            Rule(
                "RKB201",
                "error",
                "reply over its channel's limit",
                "write a shorter `short:` form, or shorten the agent's signature for this channel",
            ),
            Rule(
                "RKB202",
                "warning",
                "non-GSM characters in an SMS",
                "replace the characters named (curly quotes, dashes, emoji) with plain ones",
            ),
            # RKB3xx: facts
            Rule(
                "RKB301",
                "error",
                "fact missing from a channel's reply",
                "put the fact in `short:` and early in `answer:`, so every form keeps it",
            ),
            # RKB4xx: questions and matching
            Rule(
                "RKB401",
                "error",
                "same question under two answers",
                "keep the question under the one answer it belongs to",
            ),
            Rule(
                "RKB402",
                "error",
                "questions of two answers too close to tell apart",
                "reword or remove one of the questions, or merge the two answers",
            ),
            Rule(
                "RKB403",
                "warning",
                "question that routes to another answer (leave-one-out)",
                "add phrasings like this one to its answer, or move it to the answer it matches",
            ),
            Rule(
                "RKB404",
                "error",
                "test phrasing not matched to its answer",
                "add questions close to this phrasing to the answer, or fix `tests:`",
            ),
            Rule(
                "RKB405",
                "error",
                "out-of-scope message matches an answer",
                "make the matching question more specific, or raise `match.threshold`",
            ),
            # RKB5xx: privacy
            Rule(
                "RKB501",
                "error",
                "private answer exposes account details in public",
                "keep the private invitation generic: no answer text, no account details",
            ),
            # RKB6xx: review policy
            Rule(
                "RKB601",
                "warning",
                "answer not reviewed within the policy",
                "review the answer and set `reviewed:` to today's date",
            ),
            Rule(
                "RKB602",
                "warning",
                "fewer questions than the policy's minimum",
                "add more of the ways customers really ask it",
            ),
            Rule(
                "RKB603",
                "warning",
                "answer without tests",
                "add `tests:`, phrasings not in `questions:` that must match this answer",
            ),
        )
    }
)

LOADER_CODES: Final = ("RKB001", "RKB002", "RKB003")


# --- the report ----------------------------------------------------------------------


class CheckReport(BaseModel):
    """Everything ``replykb check`` found in one base; formatted by :mod:`replykb.report`."""

    model_config = ConfigDict(frozen=True)

    base: str
    # False when the base did not load: only the loader's findings are in the report.
    loaded: bool = True
    answers: int = 0
    questions: int = 0
    # Codes of the checks that ran; when the base does not load only the loader's run.
    checks: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def error_count(self) -> int:
        return len(self.errors)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warning_count(self) -> int:
        return len(self.warnings)


# --- hostile fixture values ----------------------------------------------------------

# 60 characters with emoji: longer than any real display name, and not GSM-7.
LONG_CUSTOMER_NAME: Final = "Maximiliana-Josefina 🌻 Featherstonehaugh-Wolfeschlegel 🎉 III"
# On SMS the worst case the base can answer for is the longest GSM-7 name the renderer
# keeps whole (40 graphemes): an emoji, or the ellipsis of a shortened name, turns the
# whole SMS into UCS-2 (70 characters a segment), which no wording of an answer can fix.
LONG_GSM_CUSTOMER_NAME: Final = "Josefina Featherstonehaugh-Montgomery Jr"
# Customer text is data: a name that looks like Jinja must come out as typed.
BRACES_CUSTOMER_NAME: Final = "{{ agent.signature }} {% if true %}Mallory{% endif %}"
# A well-formed sample answer, rendered with every agent to compare their sign-offs.
_PROBE: Final = Answer(
    id="replykb-sample",
    title="A sample answer",
    questions=["a sample question"],
    answer="A sample answer, rendered to measure every agent's sign-off: {{ link }}",
    short="A sample answer: {{ link }}",
    facts=["sample"],
    link="https://help.example.com/sample",
    tags=["sample"],
    owner="replykb",
    reviewed=date(2000, 1, 1),
)

# What templates may use (see Renderer._context): the answer's fields but its questions
# and tests, brand, customer, agent and channel; the opening (not in the openings
# themselves); and, in channel templates, the body being sent.
_CONTEXT_VARIABLES: Final = frozenset(
    (set(Answer.model_fields) - {"questions", "tests"}) | {"brand", "customer", "agent", "channel"}
)
_OPENING_VARIABLES: Final = _CONTEXT_VARIABLES
_ANSWER_VARIABLES: Final = _CONTEXT_VARIABLES | {"opening"}
_INVITE_VARIABLES: Final = _ANSWER_VARIABLES
_CHANNEL_VARIABLES: Final = _ANSWER_VARIABLES | {"body"}

_TEMPLATE_ERROR = re.compile(r"^template (?P<name>.+?):(?P<line>\d+): (?P<message>.*)$", re.S)
_TEMPLATE_RUNTIME_ERROR = re.compile(r"^template (?P<name>[^:]+): (?P<message>.*)$", re.S)
_STRING_ERROR = re.compile(
    r"^(?P<what>answer|short|opening), line (?P<line>\d+): (?P<message>.*)$", re.S
)
_STRING_RUNTIME_ERROR = re.compile(r"^(?P<what>answer|short|opening): (?P<message>.*)$", re.S)
_QUOTED = re.compile(r"'([^']+)'")
_JINJA_SPANS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)

# Account details a public reply must never show (RKB501).
_ACCOUNT_DETAILS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("a card or account number", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    (
        "card digits",
        re.compile(r"\b(?:card|account)\s+(?:number\s+)?ending(?:\s+in)?\s+\d{2,4}\b", re.I),
    ),
    ("an IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b")),
    ("a phone number", re.compile(r"(?<![\w/.])\+?\d[\d ().-]{7,}\d(?![\w/])")),
    (
        "an order or account number",
        re.compile(
            r"\b[A-Z]{1,4}-?\d{5,}\b|#\d{4,}\b|\b(?:order|account|reference|ref)\s*(?:no\.?|number|#)?\s*:?\s*\d{4,}\b",
            re.I,
        ),
    ),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")),
    (
        "an amount tied to the customer",
        re.compile(
            r"\byour\b[^.!?\n]{0,60}?(?:[£$€]\s?\d[\d,]*(?:\.\d\d)?|\b\d[\d,]*(?:\.\d\d)?\s?(?:EUR|GBP|USD)\b)"
            r"|(?:[£$€]\s?\d[\d,]*(?:\.\d\d)?|\b\d[\d,]*(?:\.\d\d)?\s?(?:EUR|GBP|USD)\b)[^.!?\n]{0,60}?\byour\b",
            re.I,
        ),
    ),
)
# This many consecutive words of a private answer in its public reply expose its content.
_EXPOSED_RUN_WORDS: Final = 6
_SCORE_BLOCK_ROWS: Final = 1024


# --- the context shared by the checks ------------------------------------------------


@dataclass(frozen=True)
class RenderSweep:
    """Worst-case replies of every answer on every channel, and what went wrong."""

    worst_agent: Mapping[str, str | None]
    replies: Mapping[tuple[str, str], Reply]
    too_long: Sequence[tuple[Answer, str, ReplyTooLongError]]
    errors: Sequence[Finding]


@dataclass(frozen=True)
class MatchData:
    """The index, the matcher and per-row bookkeeping for the vectorized checks."""

    index: QuestionIndex
    matcher: Matcher
    answer_sums: Vectors
    row_position: npt.NDArray[np.int64]


@dataclass
class CheckContext:
    """The loaded base and the shared, lazily computed pieces the checks use."""

    base: AnswerBase
    today: date
    cache_dir: Path
    open_index: Callable[[], tuple[Embedder, QuestionIndex]]
    _render_seen: set[tuple[str, str, str]] = field(default_factory=set, repr=False)

    def finding(
        self,
        code: str,
        location: Location,
        message: str,
        *,
        hint: str | None = None,
        related: Iterable[Location] = (),
    ) -> Finding:
        rule = RULES[code]
        return Finding(
            code=code,
            severity=rule.severity,
            location=location,
            message=message,
            hint=rule.hint if hint is None else hint,
            related=list(related),
        )

    # --- templates -----------------------------------------------------------------

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.base.settings, dict(self.base.templates))

    @cached_property
    def channel_templates(self) -> dict[str, tuple[str, ...]]:
        """The template files each channel renders with (as Renderer.render picks them)."""
        used: dict[str, tuple[str, ...]] = {}
        for name, spec in self.base.settings.channels.items():
            names = [
                spec.template or ("email.txt.j2" if spec.family == "email" else f"{spec.family}.j2")
            ]
            if spec.format == "html":
                names.append(spec.template or "email.html.j2")
            if spec.public:
                names.append(PRIVATE_INVITE_TEMPLATE)
            used[name] = tuple(dict.fromkeys(names))
        return used

    def template_exists(self, name: str) -> bool:
        return name in self.base.templates or (BUILTIN_TEMPLATES / name).is_file()

    def template_source(self, name: str) -> str:
        if name in self.base.templates:
            return self.base.templates[name]
        return (BUILTIN_TEMPLATES / name).read_text(encoding="utf-8")

    def template_location(self, name: str, line: int = 1, column: int = 1) -> Location:
        folder = (
            self.base.root / TEMPLATES_DIR if name in self.base.templates else BUILTIN_TEMPLATES
        )
        return Location(file=str(folder / name), line=line, column=column)

    @cached_property
    def usable_channels(self) -> tuple[str, ...]:
        """Channels whose templates all exist (the others get RKB003, not render errors)."""
        return tuple(
            name
            for name, templates in self.channel_templates.items()
            if all(self.template_exists(t) for t in templates)
        )

    @cached_property
    def sweep(self) -> RenderSweep:
        return _render_sweep(self)

    # --- matching ------------------------------------------------------------------

    @cached_property
    def _opened(self) -> tuple[Embedder, QuestionIndex]:
        return self.open_index()

    @property
    def embedder(self) -> Embedder:
        return self._opened[0]

    @cached_property
    def match_data(self) -> MatchData:
        from .match import Matcher

        index = self._opened[1]
        matcher = Matcher.from_index(index, self.base.settings.match)
        sums = np.add.reduceat(index.vectors, matcher.starts, axis=0).astype(np.float32)
        positions = np.arange(index.size, dtype=np.int64) - matcher.starts[index.row_answer]
        return MatchData(index, matcher, sums, positions)

    def encode_held_out(self, texts: Sequence[str]) -> Vectors:
        """Vectors of tests and out-of-scope messages, from the embedding cache when known."""
        from .index import EmbeddingCache, base_texts

        cache = EmbeddingCache(self.cache_dir, self.embedder)
        return cache.encode(texts, keep=base_texts(self.base))

    def question_location(self, row: int) -> Location:
        data = self.match_data
        answer = self.base.answers[int(data.index.row_answer[row])]
        return answer.source.locate("questions", int(data.row_position[row]))

    def question_text(self, row: int) -> str:
        data = self.match_data
        answer = self.base.answers[int(data.index.row_answer[row])]
        return answer.questions[int(data.row_position[row])]


# --- loading -------------------------------------------------------------------------


def _loader_finding(problem: Problem) -> Finding:
    """AnswerBaseError problems -> findings; the loader's messages say which kind."""
    if problem.message.startswith("duplicate answer id"):
        code = "RKB002"
    elif problem.message.startswith("unknown channel"):
        code = "RKB003"
    else:
        code = "RKB001"
    rule = RULES[code]
    message = f"{problem.field}: {problem.message}" if problem.field else problem.message
    return Finding(
        code=code,
        severity=rule.severity,
        location=problem.location,
        message=message,
        hint=rule.hint,
    )


def check_template_references(ctx: CheckContext) -> Iterator[Finding]:
    """RKB003: a channel's `template:` must name a file of templates/ or a built-in one."""
    known = sorted(set(ctx.base.templates) | {p.name for p in BUILTIN_TEMPLATES.glob("*.j2")})
    for channel, names in ctx.channel_templates.items():
        for name in names:
            if not ctx.template_exists(name):
                yield ctx.finding(
                    "RKB003",
                    ctx.base.settings_source.locate("channels", channel, "template"),
                    f"channel {channel!r} uses template {name!r}, which is neither in "
                    f"{TEMPLATES_DIR}/ nor built in; known templates: {', '.join(known)}",
                )


# --- templates -----------------------------------------------------------------------


def _template_sources(ctx: CheckContext) -> Iterator[tuple[str, str, Location, frozenset[str]]]:
    """(what, source, location, known variables) of every template text of the base."""
    used = {name for names in ctx.channel_templates.values() for name in names}
    for name in sorted(
        set(ctx.base.templates) | (used & {p.name for p in BUILTIN_TEMPLATES.glob("*")})
    ):
        if not ctx.template_exists(name):
            continue
        known = _INVITE_VARIABLES if name == PRIVATE_INVITE_TEMPLATE else _CHANNEL_VARIABLES
        yield f"template {name}", ctx.template_source(name), ctx.template_location(name), known
    for tone, variants in ctx.base.settings.openings.items():
        for i, variant in enumerate(variants):
            location = ctx.base.settings_source.locate("openings", tone, i)
            yield f"opening {tone} #{i + 1}", variant, location, _OPENING_VARIABLES
    for answer in ctx.base.answers:
        for key in ("answer", "short"):
            text = getattr(answer, key)
            if text is not None:
                yield (
                    f"`{key}` of answer {answer.id!r}",
                    text,
                    answer.source.locate(key),
                    _ANSWER_VARIABLES,
                )


class _AnyName(dict[str, Any]):
    """Filters or tests that claim every name: the static pass looks at variables only;
    an unknown filter is found when the template is rendered."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> Any:
        return _identity

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]


def _identity(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def _parse_environment() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    environment.filters = _AnyName(environment.filters)
    environment.tests = _AnyName(environment.tests)
    return environment


def check_template_syntax(ctx: CheckContext) -> Iterator[Finding]:
    """RKB101: every template text parses (syntax), located at the line Jinja reports."""
    environment = _parse_environment()
    for what, source, location, _ in _template_sources(ctx):
        try:
            environment.parse(source)
        except TemplateSyntaxError as error:
            where = _line_in(location, error.lineno)
            ctx._render_seen.add(("RKB101", str(where), error.message or ""))
            yield ctx.finding("RKB101", where, f"{what}: {error.message}")


def check_template_variables(ctx: CheckContext) -> Iterator[Finding]:
    """RKB102: names no reply defines, found statically (even in branches no answer takes)
    and by rendering every channel x agent and every answer x channel."""
    environment = _parse_environment()
    for what, source, location, known in _template_sources(ctx):
        try:
            tree = environment.parse(source)
        except TemplateSyntaxError:
            continue  # RKB101
        unknown = meta.find_undeclared_variables(tree) - known - set(environment.globals)
        for name in sorted(unknown):
            where = _locate_name(source, name, location)
            ctx._render_seen.add(("RKB102", str(where), f"'{name}' is undefined"))
            yield ctx.finding(
                "RKB102",
                where,
                f"{what} uses `{name}`, which no reply defines; known: {', '.join(sorted(known))}",
            )
    yield from ctx.sweep.errors


def _line_in(location: Location, line: int | None) -> Location:
    """Line ``line`` of a template that starts at ``location`` (a file or a YAML value)."""
    if not line or line <= 1:
        return location
    if location.file.endswith((".yaml", ".yml")):
        return location  # a folded YAML string: its own lines do not map to the file's
    return Location(file=location.file, line=location.line + line - 1, column=1)


def _locate_name(source: str, name: str, start: Location) -> Location:
    """Where ``name`` first appears inside a Jinja tag of ``source``."""
    pattern = re.compile(rf"(?<![\w]){re.escape(name)}(?!\w)")
    for span in _JINJA_SPANS.finditer(source):
        found = pattern.search(span.group())
        if found:
            offset = span.start() + found.start()
            line = source.count("\n", 0, offset) + 1
            column = offset - (source.rfind("\n", 0, offset) + 1) + 1
            if start.file.endswith((".yaml", ".yml")):
                return start
            return Location(file=start.file, line=start.line + line - 1, column=column)
    return start


def _render_sweep(ctx: CheckContext) -> RenderSweep:
    """Render what the limit, fact and privacy checks need, once, at the worst case.

    Every agent (and no agent) is rendered on every channel with a sample answer: that
    finds agent-dependent template errors and the agent whose sign-off is longest as the
    channel counts. Every answer is then rendered on every channel by that agent, for the
    longest customer name and with the conversation id that picks the longest opening.
    """
    settings = ctx.base.settings
    errors: list[Finding] = []
    channels = ctx.usable_channels
    if not ctx.base.answers or not channels:
        return RenderSweep({}, {}, [], [])
    # Without limits every reply is the full form: comparable between agents.
    unlimited_settings = settings.model_copy(
        update={
            "channels": {
                name: spec.model_copy(update={"limit": None})
                for name, spec in settings.channels.items()
            }
        }
    )
    unlimited = Renderer(unlimited_settings, dict(ctx.base.templates))
    conversations = _longest_openings(ctx, unlimited, channels[0], errors)
    invite = _PROBE.model_copy(update={"private": True})

    worst_agent: dict[str, str | None] = {}
    for channel in channels:
        spec = settings.channels[channel]
        customer = worst_customer(spec)
        longest: tuple[int, bool, int] | None = None
        for agent in (None, *settings.agents):
            conversation = conversations[_PROBE.tone]
            reply = _try_render(
                ctx, unlimited, _PROBE, channel, agent, customer, conversation, errors
            )
            _try_render(ctx, unlimited, _PROBE, channel, agent, BRACES_CUSTOMER_NAME, None, errors)
            if spec.public:
                _try_render(ctx, unlimited, invite, channel, agent, customer, None, errors)
            if reply is not None:
                text = reply.text
                key = (count_length(text, spec.count), not is_gsm7(text), len(text))
                if longest is None or key > longest:
                    longest, worst_agent[channel] = key, agent
        worst_agent.setdefault(channel, None)

    replies: dict[tuple[str, str], Reply] = {}
    too_long: list[tuple[Answer, str, ReplyTooLongError]] = []
    for answer in ctx.base.answers:
        for channel in channels:
            agent = worst_agent[channel]
            try:
                replies[(answer.id, channel)] = ctx.renderer.render(
                    answer,
                    channel=channel,
                    agent=agent,
                    customer=worst_customer(settings.channels[channel]),
                    conversation_id=conversations[answer.tone],
                )
            except ReplyTooLongError as error:
                too_long.append((answer, channel, error))
            except RenderError as error:
                found = _render_error_finding(ctx, error, answer, channel, agent)
                if found is not None:
                    errors.append(found)
    return RenderSweep(worst_agent, replies, too_long, errors)


def worst_customer(spec: Channel) -> str:
    """The customer name that makes replies on this channel longest."""
    return LONG_GSM_CUSTOMER_NAME if spec.count == "sms" else LONG_CUSTOMER_NAME


def _longest_openings(
    ctx: CheckContext, renderer: Renderer, channel: str, errors: list[Finding]
) -> dict[Tone, str | None]:
    """Per tone, a conversation id whose opening is the longest variant.

    Openings are picked by a hash of the conversation id, so ids are tried until every
    variant has been seen (or a cap is reached).
    """
    chosen: dict[Tone, str | None] = {}
    for tone, defaults in DEFAULT_OPENINGS.items():
        variants = len(ctx.base.settings.openings.get(tone) or defaults)
        seen: dict[str, str] = {}
        answer = _PROBE.model_copy(update={"tone": tone})
        for i in range(max(64, 16 * variants)):
            conversation = f"replykb-check-{i}"
            reply = _try_render(
                ctx, renderer, answer, channel, None, LONG_CUSTOMER_NAME, conversation, errors
            )
            if reply is None:
                break
            seen.setdefault(reply.text, conversation)
            if len(seen) >= variants:
                break
        chosen[tone] = seen[max(seen, key=len)] if seen else None
    return chosen


def _try_render(
    ctx: CheckContext,
    renderer: Renderer,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: str,
    conversation: str | None,
    errors: list[Finding],
) -> Reply | None:
    try:
        return renderer.render(
            answer, channel=channel, agent=agent, customer=customer, conversation_id=conversation
        )
    except ReplyTooLongError:
        return None  # only the real renderer has limits; RKB201 reports them
    except RenderError as error:
        found = _render_error_finding(ctx, error, answer, channel, agent, customer=customer)
        if found is not None:
            errors.append(found)
        return None


def _render_error_finding(
    ctx: CheckContext,
    error: RenderError,
    answer: Answer,
    channel: str,
    agent: str | None,
    *,
    customer: str | None = None,
) -> Finding | None:
    """A RenderError -> a located RKB101/RKB102 finding; None when already reported."""
    text = str(error)
    subject = "a sample answer" if answer.id == _PROBE.id else f"answer {answer.id!r}"
    context = (
        f"rendering {subject} on {channel}"
        + (f" signed by {agent}" if agent else " with no agent")
        + (f" for customer {customer!r}" if customer == BRACES_CUSTOMER_NAME else "")
    )
    code, location, message = "RKB102", ctx.base.settings_source.locate(), text
    if found := _TEMPLATE_ERROR.match(text):
        name = (
            Path(found["name"]).name if found["name"] not in ctx.base.templates else found["name"]
        )
        code, message = "RKB101", found["message"]
        location = _line_in(ctx.template_location(name), int(found["line"]))
    elif found := _TEMPLATE_RUNTIME_ERROR.match(text):
        name, message = found["name"], found["message"]
        location = ctx.template_location(name)
        if ctx.template_exists(name):
            location = _locate_error(ctx.template_source(name), message, location)
    elif found := _STRING_ERROR.match(text):
        code, message = "RKB101", found["message"]
        location = _string_location(ctx, answer, found["what"])
    elif found := _STRING_RUNTIME_ERROR.match(text):
        message = found["message"]
        location = _string_location(ctx, answer, found["what"])
    key = (code, str(location), message)
    if key in ctx._render_seen:
        return None
    ctx._render_seen.add(key)
    return ctx.finding(code, location, f"{message} ({context})")


def _string_location(ctx: CheckContext, answer: Answer, what: str) -> Location:
    if what == "opening":
        return ctx.base.settings_source.locate("openings", answer.tone)
    return answer.source.locate(what)


def _locate_error(source: str, message: str, start: Location) -> Location:
    """Point a runtime error ("'x' is undefined", "... has no attribute 'y'") at its name."""
    names = _QUOTED.findall(message)
    return _locate_name(source, names[-1], start) if names else start


# --- length and encoding -------------------------------------------------------------


def check_reply_length(ctx: CheckContext) -> Iterator[Finding]:
    """RKB201: even the smallest form is over the limit, for the longest signature and name."""
    for answer, channel, error in ctx.sweep.too_long:
        agent = ctx.sweep.worst_agent.get(channel)
        private = answer.private and ctx.base.settings.channels[channel].public
        where = (
            ctx.template_location(PRIVATE_INVITE_TEMPLATE)
            if private
            else answer.source.locate("short" if answer.short else "answer")
        )
        form = "its private invitation" if private else "its smallest reply"
        yield ctx.finding(
            "RKB201",
            where,
            f"answer {answer.id!r} does not fit {channel}: {form} counts {error.length} "
            f"against a limit of {error.limit} ({error.overflow} over) when signed by "
            f"{agent or 'the team'} for the customer name "
            f"{worst_customer(ctx.base.settings.channels[channel])!r}",
            related=[answer.source.locate("id")] if private else [],
        )


def check_sms_characters(ctx: CheckContext) -> Iterator[Finding]:
    """RKB202: a character outside GSM-7 makes every segment 70 characters instead of 160."""
    settings = ctx.base.settings
    for channel in ctx.usable_channels:
        spec = settings.channels[channel]
        if spec.count != "sms":
            continue
        for agent_id, agent in settings.agents.items():
            for name in (channel, *spec.aliases):
                bad = gsm_incompatible_chars(agent.signatures.get(name, ""))
                if bad:
                    yield ctx.finding(
                        "RKB202",
                        ctx.base.settings_source.locate("agents", agent_id, "signatures", name),
                        f"{agent_id}'s signature on {channel} has non-GSM characters "
                        f"{_show_chars(bad)}: every SMS they sign costs about twice as many "
                        "segments",
                    )
        for answer in ctx.base.answers:
            if answer.private and spec.public:
                continue  # it sends the private invitation
            for key in ("answer", "short"):
                text = _JINJA_SPANS.sub(" ", getattr(answer, key) or "")
                bad = gsm_incompatible_chars(text)
                if bad:
                    yield ctx.finding(
                        "RKB202",
                        answer.source.locate(key),
                        f"`{key}` of {answer.id!r}, sent on {channel}, has non-GSM characters "
                        f"{_show_chars(bad)}: the SMS goes out as UCS-2 (70 characters per "
                        "segment instead of 160) and costs about twice as many segments",
                    )


def _show_chars(chars: Iterable[str]) -> str:
    return ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for c in chars)


# --- facts ---------------------------------------------------------------------------


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


def check_facts(ctx: CheckContext) -> Iterator[Finding]:
    """RKB301: each fact appears in the reply of every channel that gives the solution."""
    for answer in ctx.base.answers:
        if not answer.facts:
            continue
        replies = [
            reply
            for channel in ctx.usable_channels
            if (reply := ctx.sweep.replies.get((answer.id, channel))) is not None
            and reply.form != "private_invite"
        ]
        for i, fact in enumerate(answer.facts):
            missing = [r for r in replies if _normalized(fact) not in _normalized(r.text)]
            if missing:
                where = ", ".join(f"{r.channel} ({r.form} form)" for r in missing)
                yield ctx.finding(
                    "RKB301",
                    answer.source.locate("facts", i),
                    f"fact {fact!r} of {answer.id!r} is missing from the reply on {where} "
                    f"(signed by the longest signature, for a long customer name)",
                )


# --- questions and matching ----------------------------------------------------------


def _normalized_question(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(c).startswith("P") else c for c in folded)
    return " ".join(kept.split())


def check_duplicate_questions(ctx: CheckContext) -> Iterator[Finding]:
    """RKB401: the same question (ignoring case, spaces, punctuation) under two answers."""
    first: dict[str, tuple[Answer, int]] = {}
    for answer in ctx.base.answers:
        for i, question in enumerate(answer.questions):
            key = _normalized_question(question)
            if not key:
                continue
            if key in first and first[key][0].id != answer.id:
                other, j = first[key]
                yield ctx.finding(
                    "RKB401",
                    answer.source.locate("questions", i),
                    f"question {question!r} of {answer.id!r} is also a question of {other.id!r} "
                    f"({other.questions[j]!r})",
                    related=[other.source.locate("questions", j)],
                )
            first.setdefault(key, (answer, i))


def _row_blocks(count: int) -> Iterator[slice]:
    for start in range(0, count, _SCORE_BLOCK_ROWS):
        yield slice(start, min(start + _SCORE_BLOCK_ROWS, count))


def check_question_conflicts(ctx: CheckContext) -> Iterator[Finding]:
    """RKB402: questions of different answers above `match.conflict_threshold` cosine."""
    if not ctx.base.answers:
        return
    data = ctx.match_data
    vectors, owner = data.index.vectors, data.index.row_answer
    threshold = ctx.base.settings.match.conflict_threshold
    for block in _row_blocks(data.index.size):
        cosines = vectors[block] @ vectors.T
        rows = np.arange(block.start, block.stop)
        close = (cosines > threshold) & (owner[None, :] != owner[rows, None])
        close &= np.arange(data.index.size)[None, :] > rows[:, None]
        for i, j in zip(*np.nonzero(close), strict=True):
            first, second = int(rows[i]), int(j)
            if _normalized_question(ctx.question_text(first)) == _normalized_question(
                ctx.question_text(second)
            ):
                continue  # RKB401
            a, b = (ctx.base.answers[int(owner[r])].id for r in (first, second))
            yield ctx.finding(
                "RKB402",
                ctx.question_location(second),
                f"question {ctx.question_text(second)!r} of {b!r} and question "
                f"{ctx.question_text(first)!r} of {a!r} have cosine {cosines[i, j]:.3f}, above "
                f"the conflict threshold {threshold}: the matcher cannot tell them apart",
                related=[ctx.question_location(first)],
            )


@dataclass(frozen=True)
class _Decisions:
    """Per query: the best answer, its score, the runner-up's score and the nearest row of
    the best answer; ``confident`` applies the base's threshold and margin."""

    best: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    runner_up: npt.NDArray[np.float64]
    nearest_row: npt.NDArray[np.int64]
    confident: npt.NDArray[np.bool_]


def _decide_all(
    ctx: CheckContext, queries: Vectors, *, own_rows: npt.NDArray[np.int64] | None = None
) -> _Decisions:
    """Matcher scores of every answer for every query, as matrices.

    score = (1 - w) * best question cosine + w * centroid cosine, as in
    :meth:`Matcher.answer_scores` but over all answers at once. With ``own_rows`` (leave
    one out) query ``i`` is question ``own_rows[i]``, scored against its own answer with
    that question removed: its own best question and centroid exclude it.
    """
    data = ctx.match_data
    settings = ctx.base.settings.match
    weight = settings.centroid_weight
    vectors, starts = data.index.vectors, data.matcher.starts
    count = len(queries)
    best = np.zeros(count, dtype=np.int64)
    score = np.zeros(count)
    runner_up = np.zeros(count)
    nearest = np.zeros(count, dtype=np.int64)
    for block in _row_blocks(count):
        q = queries[block]
        cosines = q @ vectors.T
        rows = np.arange(block.stop - block.start)
        if own_rows is not None:
            cosines[rows, own_rows[block]] = -np.inf
        best_question = np.maximum.reduceat(cosines, starts, axis=1)
        centroid = q @ data.matcher.centroids.T
        if own_rows is not None:
            owners = data.index.row_answer[own_rows[block]]
            rest = data.answer_sums[owners] - q
            norms = np.linalg.norm(rest, axis=1)
            centroid[rows, owners] = np.einsum("ij,ij->i", rest, q) / np.maximum(norms, 1e-12)
        scores = np.round((1.0 - weight) * best_question.astype(np.float64) + weight * centroid, 6)
        top = np.argmax(scores, axis=1)
        top_scores = scores[rows, top]
        scores[rows, top] = -np.inf
        second = scores.max(axis=1) if scores.shape[1] > 1 else np.full(len(rows), -1.0)
        second = np.where(np.isfinite(second), second, -1.0)
        best[block], score[block], runner_up[block] = top, top_scores, second
        masked = np.where(data.index.row_answer[None, :] == top[:, None], cosines, -np.inf)
        nearest[block] = np.argmax(masked, axis=1)
    confident = (score >= settings.threshold) & (score - runner_up >= settings.margin)
    return _Decisions(best, score, runner_up, nearest, confident)


def check_leave_one_out(ctx: CheckContext) -> Iterator[Finding]:
    """RKB403: a question that, left out of its own answer, is matched to another one.

    A customer who asks it in a slightly different way would get the other answer.
    """
    if not ctx.base.answers:
        return
    data = ctx.match_data
    owner = data.index.row_answer
    sizes = data.matcher.ends - data.matcher.starts
    rows = np.flatnonzero(sizes[owner] >= 2)
    if not len(rows):
        return
    decided = _decide_all(ctx, data.index.vectors[rows], own_rows=rows)
    threshold = ctx.base.settings.match.conflict_threshold
    for i, row in enumerate(rows.tolist()):
        other = int(decided.best[i])
        if other == owner[row] or not decided.confident[i]:
            continue
        nearest = int(decided.nearest_row[i])
        text, near_text = ctx.question_text(row), ctx.question_text(nearest)
        cosine = float(data.index.vectors[row] @ data.index.vectors[nearest])
        if cosine > threshold or _normalized_question(text) == _normalized_question(near_text):
            continue  # reported as RKB402 / RKB401
        own, wrong = ctx.base.answers[int(owner[row])].id, ctx.base.answers[other].id
        yield ctx.finding(
            "RKB403",
            ctx.question_location(row),
            f"question {text!r} of {own!r}, left out of its answer, is matched to {wrong!r} "
            f"(score {decided.score[i]:.3f}; its nearest question there is {near_text!r}): "
            f"customers who ask it a little differently would get {wrong!r}",
            related=[ctx.question_location(nearest)],
        )


def check_tests(ctx: CheckContext) -> Iterator[Finding]:
    """RKB404: every `tests` phrasing is matched confidently to its own answer."""
    items = [(a, i, t) for a in ctx.base.answers for i, t in enumerate(a.tests)]
    if not items:
        return
    vectors = ctx.encode_held_out([t for _, _, t in items])
    decided = _decide_all(ctx, vectors)
    settings = ctx.base.settings.match
    positions = {answer.id: p for p, answer in enumerate(ctx.base.answers)}
    for k, (answer, i, test) in enumerate(items):
        best = int(decided.best[k])
        if decided.confident[k] and best == positions[answer.id]:
            continue
        top = ctx.base.answers[best].id
        related: list[Location] = []
        if decided.score[k] < settings.threshold:
            why = (
                f"matches nothing (best: {top!r} at {decided.score[k]:.3f}, below the "
                f"threshold {settings.threshold})"
            )
        elif not decided.confident[k]:
            why = (
                f"is ambiguous ({top!r} at {decided.score[k]:.3f}, runner-up at "
                f"{decided.runner_up[k]:.3f}, within the margin {settings.margin})"
            )
        else:
            why = f"is matched to {top!r} (score {decided.score[k]:.3f})"
            related = [ctx.question_location(int(decided.nearest_row[k]))]
        yield ctx.finding(
            "RKB404",
            answer.source.locate("tests", i),
            f"test {test!r} of {answer.id!r} {why}",
            related=related,
        )


def check_out_of_scope(ctx: CheckContext) -> Iterator[Finding]:
    """RKB405: a message the base has no answer for must not get a confident answer."""
    messages = ctx.base.settings.out_of_scope
    if not messages or not ctx.base.answers:
        return
    decided = _decide_all(ctx, ctx.encode_held_out(messages))
    for k, message in enumerate(messages):
        if not decided.confident[k]:
            continue
        nearest = int(decided.nearest_row[k])
        top = ctx.base.answers[int(decided.best[k])].id
        yield ctx.finding(
            "RKB405",
            ctx.base.settings_source.locate("out_of_scope", k),
            f"out-of-scope message {message!r} is matched to {top!r} "
            f"(score {decided.score[k]:.3f}, nearest question {ctx.question_text(nearest)!r})",
            related=[ctx.question_location(nearest)],
        )


# --- privacy -------------------------------------------------------------------------


def check_private_exposure(ctx: CheckContext) -> Iterator[Finding]:
    """RKB501: on a public channel a private answer invites to a private conversation;
    its reply must not show account details or the answer itself."""
    settings = ctx.base.settings
    for answer in ctx.base.answers:
        if not answer.private:
            continue
        exposed: dict[str, list[str]] = defaultdict(list)
        for channel in ctx.usable_channels:
            spec = settings.channels[channel]
            reply = ctx.sweep.replies.get((answer.id, channel))
            if not spec.public or reply is None:
                continue
            for what in _exposures(ctx, answer, reply.text):
                exposed[what].append(channel)
        if exposed:
            template = (
                [ctx.template_location(PRIVATE_INVITE_TEMPLATE)]
                if PRIVATE_INVITE_TEMPLATE in ctx.base.templates
                else []
            )
            details = "; ".join(f"{what} on {', '.join(chans)}" for what, chans in exposed.items())
            yield ctx.finding(
                "RKB501",
                answer.source.locate("private"),
                f"private answer {answer.id!r} shows in public: {details}",
                related=template,
            )


def _exposures(ctx: CheckContext, answer: Answer, text: str) -> list[str]:
    """What a public reply exposes, ignoring the brand and the agents' own signatures."""
    settings = ctx.base.settings
    scrubbed = text
    for agent in settings.agents.values():
        for signature in agent.signatures.values():
            if signature.strip():
                scrubbed = scrubbed.replace(signature, " ")
    scrubbed = scrubbed.replace(settings.brand, " ")
    if answer.link:
        scrubbed = scrubbed.replace(answer.link, " ")
    found = [
        f"{what} ({m.group().strip()!r})"
        for what, pattern in _ACCOUNT_DETAILS
        if (m := pattern.search(scrubbed))
    ]
    words = _JINJA_SPANS.sub(" ", answer.answer)
    answer_words = re.findall(r"\w+", words.casefold())
    reply_words = " " + " ".join(re.findall(r"\w+", scrubbed.casefold())) + " "
    for start in range(max(len(answer_words) - _EXPOSED_RUN_WORDS + 1, 0)):
        run = " ".join(answer_words[start : start + _EXPOSED_RUN_WORDS])
        if f" {run} " in reply_words:
            found.append(f"the answer's own text ({run!r}...)")
            break
    return found


# --- review policy -------------------------------------------------------------------


def check_review_age(ctx: CheckContext) -> Iterator[Finding]:
    """RKB601: answers not reviewed within `policy.max_review_age_days`."""
    limit = ctx.base.settings.policy.max_review_age_days
    if limit is None:
        return
    for answer in ctx.base.answers:
        if answer.reviewed is None:
            yield ctx.finding(
                "RKB601",
                answer.source.locate("id"),
                f"answer {answer.id!r} has no `reviewed:` date; the policy asks for a review "
                f"every {limit} days",
            )
            continue
        age = (ctx.today - answer.reviewed).days
        if age > limit:
            yield ctx.finding(
                "RKB601",
                answer.source.locate("reviewed"),
                f"answer {answer.id!r} was last reviewed {age} days ago ({answer.reviewed}); "
                f"the policy allows {limit}",
            )


def check_question_count(ctx: CheckContext) -> Iterator[Finding]:
    """RKB602: too few phrasings make matching brittle."""
    minimum = ctx.base.settings.policy.min_questions
    for answer in ctx.base.answers:
        if len(answer.questions) < minimum:
            yield ctx.finding(
                "RKB602",
                answer.source.locate("questions"),
                f"answer {answer.id!r} has {len(answer.questions)} question"
                f"{'s' if len(answer.questions) != 1 else ''}; the policy asks for at least "
                f"{minimum}",
            )


def check_has_tests(ctx: CheckContext) -> Iterator[Finding]:
    """RKB603: without held-out tests nothing shows that customers' wording matches."""
    for answer in ctx.base.answers:
        if not answer.tests:
            yield ctx.finding(
                "RKB603",
                answer.source.locate("questions"),
                f"answer {answer.id!r} has no `tests:`",
            )


# --- running -------------------------------------------------------------------------

Check = Callable[[CheckContext], Iterable[Finding]]

CHECKS: Final[tuple[Check, ...]] = (
    check_template_references,
    check_template_syntax,
    check_template_variables,
    check_reply_length,
    check_sms_characters,
    check_facts,
    check_duplicate_questions,
    check_question_conflicts,
    check_leave_one_out,
    check_tests,
    check_out_of_scope,
    check_private_exposure,
    check_review_age,
    check_question_count,
    check_has_tests,
)


def run_checks(
    path: str | Path,
    *,
    cache_dir: str | Path | None = None,
    model: str | None = None,
    today: date | None = None,
    embedder: Embedder | None = None,
) -> CheckReport:
    """Run every check on the base in ``path`` and return what they found.

    A base that does not load gets the loader's problems only (RKB001-RKB003): nothing
    half-loaded is checked. :class:`~replykb.errors.BaseNotFoundError` and
    :class:`~replykb.errors.ModelError` propagate: the check cannot run.
    ``model`` overrides the base's ``model:``; ``embedder`` replaces the model (tests).
    """
    from .index import cache_folder

    root = Path(path)
    try:
        base = load_answer_base(root)
    except AnswerBaseError as error:
        findings = [_loader_finding(problem) for problem in error.problems]
        return CheckReport(
            base=str(root), loaded=False, checks=list(LOADER_CODES), findings=_ordered(findings)
        )

    cache = cache_folder(base, Path(cache_dir) if cache_dir else None)

    def open_index() -> tuple[Embedder, QuestionIndex]:
        # The same embedder and index as KnowledgeBase.load, so a check leaves the cache
        # (index and ONNX export) ready for a fast first lookup.
        from .kb import open_index as open_base_index

        return open_base_index(base, cache, model=model, embedder=embedder)

    context = CheckContext(
        base=base,
        today=today or date.today(),
        cache_dir=cache,
        open_index=open_index,
    )
    findings = [finding for check in CHECKS for finding in check(context)]
    return CheckReport(
        base=str(root),
        answers=len(base.answers),
        questions=sum(len(a.questions) for a in base.answers),
        checks=list(RULES),
        findings=_ordered(findings),
    )


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (f.location.file, f.location.line, f.location.column, f.code, f.message),
    )
