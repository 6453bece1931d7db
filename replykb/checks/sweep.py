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
from typing import TYPE_CHECKING, Literal

from ..errors import RenderError, ReplyTooLongError
from ..length import count_length, is_gsm7
from ..loader import TEMPLATES_DIR
from ..models import Answer, Location, Reply, Tone
from ..render import DEFAULT_OPENINGS, PRIVATE_INVITE_TEMPLATE, Renderer, worst_case_names
from .render_errors import RenderProblem, RenderProblems

if TYPE_CHECKING:
    from .base_view import BaseView

__all__ = [
    "BRACES_CUSTOMER_NAME",
    "Overflow",
    "RenderSweep",
    "SettingOverflow",
    "render_sweep",
    "signature_location",
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
# The smallest reply an answer can have: what is left of the limit is the answers' room.
_MINIMAL = Answer(id="replykb-minimal", questions=["a sample question"], answer="Ok.")

Kind = Literal["reply", "invite"]
# A customer the check renders for: a worst-case name, or None (no name: the
# anonymous openings).
Customer = str | None


@dataclass(frozen=True)
class Conversations:
    """Per tone, a conversation id that picks the longest opening variant, for a named
    customer and for one without a name (whose openings are another list)."""

    named: Mapping[Tone, str | None]
    nameless: Mapping[Tone, str | None]

    def of(self, tone: Tone, customer: Customer) -> str | None:
        return (self.named if customer is not None else self.nameless)[tone]


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


@dataclass(frozen=True)
class SettingOverflow:
    """A setting that leaves no room for any answer on a channel: one cause, many answers.

    ``cause`` is a clause ("paola's signature on x is too long"); ``customer`` the name
    the smallest reply was measured with."""

    channel: str
    location: Location
    cause: str
    length: int
    limit: int
    answers: tuple[str, ...]
    customer: Customer
    # How to fix it ("shorten paola's signature for x (under `signatures:`)").
    fix: str
    agent: str | None = None


@dataclass(frozen=True)
class RenderSweep:
    """What rendering every answer on every channel at the worst case gave."""

    worst_agent: Mapping[str, str | None] = field(default_factory=dict)
    customers: Mapping[str, tuple[Customer, ...]] = field(default_factory=dict)
    replies: Mapping[tuple[str, str], Reply] = field(default_factory=dict)
    overflows: Sequence[Overflow] = ()
    setting_overflows: Sequence[SettingOverflow] = ()
    problems: Sequence[RenderProblem] = ()


def render_sweep(ctx: BaseView) -> RenderSweep:
    """Render what the fit, fact and privacy checks need, once, at the worst case."""
    settings = ctx.base.settings
    channels = ctx.usable_channels
    problems = RenderProblems(ctx)
    if not ctx.base.answers or not channels:
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
        _longest_openings(ctx, unlimited, channels[0], first_name, problems),
        _longest_openings(ctx, unlimited, channels[0], None, problems),
    )
    worst_agent: dict[str, str | None] = {}
    customers: dict[str, tuple[Customer, ...]] = {}
    setting_overflows: list[SettingOverflow] = []
    blocked: set[tuple[str, str]] = set()  # (answer id, channel) a setting blocks
    for channel in channels:
        names = _worst_names(ctx, unlimited, channel, conversations, problems)
        customers[channel] = names
        ranking = _rank_agents(ctx, unlimited, channel, names[0], conversations, problems)
        if channel in problems.stopped_channels:
            continue
        found, unusable = _setting_overflows(ctx, channel, names, conversations)
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
    for answer in ctx.base.answers:
        for channel in channels:
            if (answer.id, channel) in blocked or channel not in worst_agent:
                continue
            for customer in customers[channel]:
                if answer.id in problems.stopped_answers:
                    break
                outcome = _render_answer(
                    ctx, answer, channel, worst_agent[channel], customer, conversations, problems
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
) -> Reply | Overflow | None:
    """The reply at the worst case, or why it is too long (None: a template error)."""
    conversation = conversations.of(answer.tone, customer)
    try:
        return ctx.renderer.render(
            answer, channel=channel, agent=agent, customer=customer, conversation_id=conversation
        )
    except ReplyTooLongError as error:
        spec = ctx.base.settings.channels[channel]
        unsigned = agent is not None and _fits(ctx, answer, channel, None, customer, conversation)
        invite = answer.private and spec.public
        return Overflow(
            answer, channel, agent, customer, error.length, error.limit, invite, unsigned
        )
    except RenderError as error:
        problems.add(error, answer, channel, agent, customer)
        return None


def _render(
    renderer: Renderer,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversation: str | None,
    problems: RenderProblems,
) -> Reply | None:
    """A reply, or None when it fails (a template error is recorded)."""
    if channel in problems.stopped_channels:
        return None
    try:
        return renderer.render(
            answer, channel=channel, agent=agent, customer=customer, conversation_id=conversation
        )
    except ReplyTooLongError:
        return None  # only the real renderer has limits; the fit check reports them
    except RenderError as error:
        problems.add(error, answer, channel, agent, customer)
        return None


def _fits(
    ctx: BaseView,
    answer: Answer,
    channel: str,
    agent: str | None,
    customer: Customer,
    conversation: str | None,
) -> bool:
    try:
        ctx.renderer.render(
            answer, channel=channel, agent=agent, customer=customer, conversation_id=conversation
        )
    except RenderError:  # ReplyTooLongError included; template errors are found elsewhere
        return False
    return True


def _length_key(text: str, count: str) -> tuple[int, bool, int]:
    """How long a reply is as its channel counts it; UCS-2 outweighs GSM-7 on SMS."""
    return count_length(text, count), not is_gsm7(text), len(text)


def _longest_openings(
    ctx: BaseView,
    renderer: Renderer,
    channel: str,
    customer: Customer,
    problems: RenderProblems,
) -> dict[Tone, str | None]:
    """Per tone, a conversation id whose opening is the longest variant for ``customer``.

    Openings are picked by a hash of the conversation id, so ids are tried until every
    variant has been seen (or a cap is reached).
    """
    chosen: dict[Tone, str | None] = {}
    settings = ctx.base.settings
    for tone, defaults in DEFAULT_OPENINGS.items():
        # A nameless customer may be greeted from either list: bound by the longest.
        lists = (settings.openings.get(tone), settings.anonymous_openings.get(tone), defaults)
        variants = max(len(variants) for variants in lists if variants)
        seen: dict[str, str] = {}
        answer = PROBE.model_copy(update={"tone": tone})
        for i in range(max(64, 16 * variants)):
            conversation = f"replykb-check-{i}"
            reply = _render(renderer, answer, channel, None, customer, conversation, problems)
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
) -> tuple[Customer, ...]:
    """The customers that make replies on ``channel`` longest: the longest name and,
    where the encoding counts (SMS), also the longest that is not GSM-7; and a customer
    without a name, greeted by other openings, when that reply is longer still."""
    spec = ctx.base.settings.channels[channel]
    measured: list[tuple[tuple[int, bool, int], str]] = []
    for name in worst_case_names(spec):
        conversation = conversations.of(PROBE.tone, name)
        reply = _render(renderer, PROBE, channel, None, name, conversation, problems)
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
    for tone in DEFAULT_OPENINGS:
        answer = PROBE.model_copy(update={"tone": tone})
        named = _render(
            renderer, answer, channel, None, chosen[0], conversations.of(tone, chosen[0]), problems
        )
        nameless = _render(
            renderer, answer, channel, None, None, conversations.of(tone, None), problems
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
) -> dict[str | None, tuple[int, bool, int]]:
    """How long each agent's (and the team's) replies are on ``channel``.

    Every agent renders the sample answer, a name that looks like Jinja and, on a
    public channel, the private invitation: that finds agent-dependent template errors.
    """
    spec = ctx.base.settings.channels[channel]
    invite = PROBE.model_copy(update={"private": True})
    ranking: dict[str | None, tuple[int, bool, int]] = {}
    for agent in (None, *ctx.base.settings.agents):
        conversation = conversations.of(PROBE.tone, customer)
        reply = _render(renderer, PROBE, channel, agent, customer, conversation, problems)
        _render(renderer, PROBE, channel, agent, BRACES_CUSTOMER_NAME, None, problems)
        if spec.public:
            _render(renderer, invite, channel, agent, customer, None, problems)
        if reply is not None:
            ranking[agent] = _length_key(reply.text, spec.count)
    return ranking


def _setting_overflows(
    ctx: BaseView,
    channel: str,
    names: Sequence[Customer],
    conversations: Conversations,
) -> tuple[list[SettingOverflow], set[str | None]]:
    """Settings that leave no room for even the smallest answer on ``channel``, and the
    agents who cannot sign there at all.

    The smallest reply ("Ok.") is rendered per tone, for the team and for each agent:
    too long for the team, the cause is the channel (its limit, the openings, the
    private invitation); too long for one agent only, it is their signature.
    """
    settings = ctx.base.settings
    spec = settings.channels[channel]
    if spec.limit is None:
        return [], set()
    groups: dict[tuple[Kind, Tone], list[str]] = {}
    for answer in ctx.base.answers:
        kind: Kind = "invite" if answer.private and spec.public else "reply"
        groups.setdefault((kind, answer.tone), []).append(answer.id)
    causes: dict[Location, SettingOverflow] = {}
    unusable: set[str | None] = set()
    for (kind, tone), answers in sorted(groups.items()):
        minimal = _MINIMAL.model_copy(update={"tone": tone, "private": kind == "invite"})
        for agent in (None, *settings.agents):
            overflow = _overflow(ctx, minimal, channel, agent, names, conversations)
            if overflow is None:
                continue
            length, limit, customer = overflow
            if agent is None:
                location, cause, fix = _team_cause(ctx, channel, minimal, customer, conversations)
            else:
                location = signature_location(ctx, agent, channel)
                cause = f"{agent}'s signature on {channel} is too long"
                fix = f"shorten {agent}'s signature for {channel} (under `signatures:`)"
            unusable.add(agent)
            previous = causes.get(location)
            merged = tuple(dict.fromkeys((*(previous.answers if previous else ()), *answers)))
            causes[location] = SettingOverflow(
                channel,
                location,
                cause,
                max(length, previous.length if previous else 0),
                limit,
                merged,
                customer,
                fix,
                agent,
            )
            if agent is None:
                break  # nobody can sign these replies: the agents are not the cause
    return list(causes.values()), unusable


def _overflow(
    ctx: BaseView,
    answer: Answer,
    channel: str,
    agent: str | None,
    names: Sequence[Customer],
    conversations: Conversations,
    renderer: Renderer | None = None,
) -> tuple[int, int, Customer] | None:
    """(length, limit, customer) of the smallest reply when it is over the limit for one
    of the ``names``."""
    for name in names:
        try:
            (renderer or ctx.renderer).render(
                answer,
                channel=channel,
                agent=agent,
                customer=name,
                conversation_id=conversations.of(answer.tone, name),
            )
        except ReplyTooLongError as error:
            return error.length, error.limit, name
        except RenderError:
            return None  # a template error, reported by the template checks
    return None


def _team_cause(
    ctx: BaseView,
    channel: str,
    minimal: Answer,
    customer: Customer,
    conversations: Conversations,
) -> tuple[Location, str, str]:
    """Where the fix goes when even the team's smallest reply (for ``customer``) does not
    fit, the cause (a clause) and the fix."""
    settings = ctx.base.settings
    invite = minimal.private
    if invite and ctx.is_base_template(PRIVATE_INVITE_TEMPLATE):
        return (
            ctx.template_location(PRIVATE_INVITE_TEMPLATE),
            "the private invitation is too long",
            f"shorten {TEMPLATES_DIR}/{PRIVATE_INVITE_TEMPLATE}",
        )
    tone = minimal.tone
    key = "openings" if customer is not None else "anonymous_openings"
    if tone in getattr(settings, key):
        # The base's own openings are the cause when the built-in ones would fit.
        plain = ctx.renderer_for(settings.model_copy(update={key: {}}))
        if _overflow(ctx, minimal, channel, None, [customer], conversations, plain) is None:
            return (
                ctx.base.settings_source.locate(key, tone),
                f"the {tone} {key.replace('_', ' ')} are too long",
                f"shorten the {tone} {key.replace('_', ' ')} (`{key}: {tone}:`)",
            )
    what = "the private invitation" if invite else "an opening and a sign-off"
    return (
        ctx.channel_location(channel, "limit"),
        f"the limit of {channel} is too small for {what}",
        f"raise `limit:` of {channel}, if the platform allows it",
    )


def signature_location(ctx: BaseView, agent: str, channel: str) -> Location:
    """The line of replykb.yaml with ``agent``'s sign-off on ``channel`` (their entry when
    the sign-off is the default one, made of their name and the brand)."""
    spec = ctx.base.settings.channels[channel]
    signatures = ctx.base.settings.agents[agent].signatures
    for key in (channel, *spec.aliases):
        if key in signatures:
            return ctx.base.settings_source.locate("agents", agent, "signatures", key)
    return ctx.base.settings_source.locate("agents", agent)
