"""Every answer rendered on every channel at the worst case, once, and why a reply is
too long: the answer itself, or a setting that makes replies too long whatever they say.

Worst case, per channel: the agent whose sign-off is longest as the channel counts it,
the opening variant that is longest, and the customer names that make replies longest
(``render.worst_case_names``: long names, non-GSM scripts, long combining sequences).
A signature, opening or channel limit that leaves no room for any answer is reported
once, at its line of replykb.yaml, and the answers it blocks are not reported again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..errors import RenderError, ReplyTooLongError
from ..languages import has_translation, localized
from ..length import count_length, is_gsm7
from ..models import Answer, Reply, Tone
from ..render import Renderer, worst_case_names
from ..render.texts import reply_texts
from .render_errors import RenderProblem, RenderProblems
from .sweep_settings import (
    Conversations,
    Customer,
    SettingOverflow,
    find_setting_overflows,
    in_language,
    signature_location,
    without_text,
)

if TYPE_CHECKING:
    from .base_view import BaseView

__all__ = [
    "BRACES_CUSTOMER_NAME",
    "Overflow",
    "RenderSweep",
    "SettingOverflow",
    "render_sweep",
    "signature_location",
    "sweep_answers",
]

# Customer text is data: a name that looks like Jinja must come out as typed.
BRACES_CUSTOMER_NAME = "{{ agent.signature }} {% if true %}Mallory{% endif %}"
# A well-formed sample answer, rendered with every agent to compare their sign-offs.
PROBE = Answer(
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


@dataclass(frozen=True)
class Overflow:
    """An answer whose smallest reply on a channel is over the limit."""

    answer: Answer
    channel: str
    agent: str | None
    customer: Customer
    length: int
    limit: int
    # The reply is the private invitation (a private answer on a public channel).
    invite: bool
    # It fits when the team signs it: the agent's signature pushes it over.
    fits_unsigned: bool
    # It fits with the language's built-in text in place of the base's own at this
    # path of replykb.yaml (``("translations", "it", "cut_marker")``): that text is
    # the cause.
    pushed_by: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RenderSweep:
    """What rendering every answer on every channel at the worst case gave."""

    worst_agent: Mapping[str, str | None] = field(default_factory=dict)
    customers: Mapping[str, tuple[Customer, ...]] = field(default_factory=dict)
    replies: Mapping[tuple[str, str], Reply] = field(default_factory=dict)
    overflows: Sequence[Overflow] = ()
    setting_overflows: Sequence[SettingOverflow] = ()
    problems: Sequence[RenderProblem] = ()


def sweep_answers(ctx: BaseView, language: str | None) -> tuple[Answer, ...]:
    """The answers as replies in ``language`` say them (None: the source language):
    another language's are the answers translated into it, localized (their `source`
    points at the translation's lines)."""
    if language is None or language == ctx.base.settings.language:
        return ctx.base.answers
    return tuple(localized(a, language) for a in ctx.base.answers if has_translation(a, language))


def render_sweep(ctx: BaseView, language: str | None = None) -> RenderSweep:
    """Render what the fit, fact and privacy checks need, once, at the worst case, in
    ``language`` (None: the source language)."""
    settings = ctx.base.settings
    channels = ctx.usable_channels
    problems = RenderProblems(ctx)
    answers = sweep_answers(ctx, language)
    if not answers or not channels:
        return RenderSweep()
    # Without limits every reply is the full form: comparable between agents and names.
    unlimited = ctx.renderer_for(
        settings.model_copy(
            update={
                "channels": {
                    name: spec.model_copy(update={"limit": None})
                    for name, spec in settings.channels.items()
                }
            }
        )
    )
    first_name = worst_case_names(settings.channels[channels[0]])[0]
    conversations = Conversations(
        _longest_openings(ctx, unlimited, channels[0], first_name, problems, language),
        _longest_openings(ctx, unlimited, channels[0], None, problems, language),
    )
    worst_agent: dict[str, str | None] = {}
    customers: dict[str, tuple[Customer, ...]] = {}
    setting_overflows: list[SettingOverflow] = []
    blocked: set[tuple[str, str]] = set()  # (answer id, channel) a setting blocks
    for channel in channels:
        names = _worst_names(ctx, unlimited, channel, conversations, problems, language)
        customers[channel] = names
        ranking = _rank_agents(ctx, unlimited, channel, names[0], conversations, problems, language)
        if channel in problems.stopped_channels:
            continue
        found, unusable = find_setting_overflows(
            ctx, answers, channel, names, conversations, language
        )
        setting_overflows += found
        blocked |= {
            (answer, channel)
            for overflow in found
            if overflow.agent is None  # a signature blocks one agent, who is then not used
            for answer in overflow.answers
        }
        usable = [agent for agent in ranking if agent not in unusable]
        worst_agent[channel] = max(usable, key=ranking.__getitem__) if usable else None

    replies: dict[tuple[str, str], Reply] = {}
    overflows: list[Overflow] = []
    for answer in answers:
        for channel in channels:
            if (answer.id, channel) in blocked or channel not in worst_agent:
                continue
            for customer in customers[channel]:
                if answer.id in problems.stopped_answers:
                    break
                outcome = _render_answer(
                    ctx,
                    answer,
                    channel,
                    worst_agent[channel],
                    customer,
                    conversations,
                    problems,
                    language,
                )
                if isinstance(outcome, Overflow):
                    overflows.append(outcome)
                if not isinstance(outcome, Reply):
                    break
                replies.setdefault((answer.id, channel), outcome)
    return RenderSweep(
        worst_agent, customers, replies, overflows, setting_overflows, problems.found()
    )


def _render_answer(
    ctx: BaseView,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversations: Conversations,
    problems: RenderProblems,
    language: str | None,
) -> Reply | Overflow | None:
    """The reply at the worst case, or why it is too long (None: a template error)."""
    conversation = conversations.of(answer.tone, customer)
    outcome = _try_render(ctx.renderer, answer, channel, agent, customer, conversation, language)
    if not isinstance(outcome, ReplyTooLongError):
        return _recorded(outcome, problems, answer, channel, agent, customer)
    spec = ctx.base.settings.channels[channel]
    unsigned = agent is not None and _fits(
        ctx, answer, channel, None, customer, conversation, language
    )
    invite = answer.private and spec.public
    pushed_by = None
    if not unsigned and not invite:
        pushed_by = _own_text_cause(ctx, answer, channel, agent, customer, conversation, language)
    return Overflow(
        answer, channel, agent, customer, outcome.length, outcome.limit, invite, unsigned, pushed_by
    )


def _render(
    renderer: Renderer,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversation: str | None,
    problems: RenderProblems,
    language: str | None,
) -> Reply | None:
    """A reply, or None when it fails (a template error is recorded)."""
    if channel in problems.stopped_channels:
        return None
    outcome = _try_render(renderer, answer, channel, agent, customer, conversation, language)
    if isinstance(outcome, ReplyTooLongError):
        return None  # only the real renderer has limits; the fit check reports them
    return _recorded(outcome, problems, answer, channel, agent, customer)


def _recorded(
    outcome: Reply | RenderError,
    problems: RenderProblems,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
) -> Reply | None:
    """The reply, or None with its template error recorded."""
    if isinstance(outcome, RenderError):
        problems.add(outcome, answer, channel, agent, customer)
        return None
    return outcome


def _try_render(
    renderer: Renderer,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversation: str | None,
    language: str | None,
) -> Reply | RenderError:
    """The reply, or the error rendering it raised (too long, or a template error):
    the one render call of the sweep, each caller deciding what an error means."""
    try:
        return renderer.render(
            answer,
            channel=channel,
            agent=agent,
            customer=customer,
            conversation_id=conversation,
            language=language,
        )
    except RenderError as error:  # ReplyTooLongError included
        return error


def _own_text_cause(
    ctx: BaseView,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversation: str | None,
    language: str | None,
) -> tuple[str, ...] | None:
    """The path of the base's own cut marker or team sign-off in the reply's language
    (``translations.<lang>.cut_marker``) when the reply fits with the built-in one."""
    settings = ctx.base.settings
    code = language or settings.language
    own = settings.translations.get(code)
    if own is None:
        return None
    keys = ("cut_marker",) if agent is not None else ("cut_marker", "team_signature")
    for key in keys:
        if getattr(own, key) is None:
            continue
        origin = ("translations", code, key)
        renderer = ctx.renderer_for(without_text(settings, origin))
        if _fits(ctx, answer, channel, agent, customer, conversation, language, renderer):
            return origin
    return None


def _fits(
    ctx: BaseView,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversation: str | None,
    language: str | None,
    renderer: Renderer | None = None,
) -> bool:
    """Whether the reply renders (template errors are found elsewhere)."""
    outcome = _try_render(
        renderer or ctx.renderer, answer, channel, agent, customer, conversation, language
    )
    return isinstance(outcome, Reply)


def _length_key(text: str, count: str) -> tuple[int, bool, int]:
    """How long a reply is as its channel counts it; UCS-2 outweighs GSM-7 on SMS."""
    return count_length(text, count), not is_gsm7(text), len(text)


def _longest_openings(
    ctx: BaseView,
    renderer: Renderer,
    channel: str,
    customer: Customer,
    problems: RenderProblems,
    language: str | None,
) -> dict[Tone, str | None]:
    """Per tone, a conversation id whose opening is the longest variant for ``customer``.

    Openings are picked by a hash of the conversation id, so ids are tried until every
    variant has been seen (or a cap is reached).
    """
    chosen: dict[Tone, str | None] = {}
    texts = reply_texts(ctx.base.settings, language)
    for tone, defaults in texts.builtin.openings.items():
        # A nameless customer may be greeted from either list: bound by the longest.
        own = (texts.openings.get(tone), texts.anonymous_openings.get(tone))
        lists = (*(o.variants for o in own if o is not None), defaults)
        variants = max(len(variants) for variants in lists if variants)
        seen: dict[str, str] = {}
        answer = in_language(PROBE, language).model_copy(update={"tone": tone})
        for i in range(max(64, 16 * variants)):
            conversation = f"replykb-check-{i}"
            reply = _render(
                renderer, answer, channel, None, customer, conversation, problems, language
            )
            if reply is None:
                break
            seen.setdefault(reply.text, conversation)
            if len(seen) >= variants:
                break
        chosen[tone] = seen[max(seen, key=len)] if seen else None
    return chosen


def _worst_names(
    ctx: BaseView,
    renderer: Renderer,
    channel: str,
    conversations: Conversations,
    problems: RenderProblems,
    language: str | None,
) -> tuple[Customer, ...]:
    """The customers that make replies on ``channel`` longest: the longest name and,
    where the encoding counts (SMS), also the longest that is not GSM-7; and a customer
    without a name, greeted by other openings, when that reply is longer still."""
    spec = ctx.base.settings.channels[channel]
    measured: list[tuple[tuple[int, bool, int], str]] = []
    for name in worst_case_names(spec):
        conversation = conversations.of(PROBE.tone, name)
        probe = in_language(PROBE, language)
        reply = _render(renderer, probe, channel, None, name, conversation, problems, language)
        if reply is not None:
            measured.append((_length_key(reply.text, spec.count), name))
    if not measured:
        return (worst_case_names(spec)[0],)
    chosen: list[Customer] = [max(measured)[1]]
    if spec.count == "sms":
        for ucs2 in (False, True):
            same = [m for m in measured if m[0][1] is ucs2]
            if same:
                chosen.append(max(same)[1])
    # Nameless openings are a list of their own: rendered per tone, they may be longer.
    for tone in conversations.named:
        answer = in_language(PROBE, language).model_copy(update={"tone": tone})
        named = _render(
            renderer,
            answer,
            channel,
            None,
            chosen[0],
            conversations.of(tone, chosen[0]),
            problems,
            language,
        )
        nameless = _render(
            renderer, answer, channel, None, None, conversations.of(tone, None), problems, language
        )
        if named is None or nameless is None:
            continue
        if _length_key(nameless.text, spec.count) > _length_key(named.text, spec.count):
            chosen.append(None)
            break
    return tuple(dict.fromkeys(chosen))


def _rank_agents(
    ctx: BaseView,
    renderer: Renderer,
    channel: str,
    customer: Customer,
    conversations: Conversations,
    problems: RenderProblems,
    language: str | None,
) -> dict[str | None, tuple[int, bool, int]]:
    """How long each agent's (and the team's) replies are on ``channel``.

    Every agent renders the sample answer, a name that looks like Jinja and, on a
    public channel, the private invitation: that finds agent-dependent template errors.
    """
    spec = ctx.base.settings.channels[channel]
    probe = in_language(PROBE, language)
    invite = probe.model_copy(update={"private": True})
    ranking: dict[str | None, tuple[int, bool, int]] = {}
    for agent in (None, *ctx.base.settings.agents):
        conversation = conversations.of(PROBE.tone, customer)
        reply = _render(renderer, probe, channel, agent, customer, conversation, problems, language)
        _render(renderer, probe, channel, agent, BRACES_CUSTOMER_NAME, None, problems, language)
        if spec.public:
            _render(renderer, invite, channel, agent, customer, None, problems, language)
        if reply is not None:
            ranking[agent] = _length_key(reply.text, spec.count)
    return ranking
