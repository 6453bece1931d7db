"""Settings that leave no room for any answer on a channel: a signature, the openings,
the private invitation or the channel's limit, found with the smallest reply and
reported once, where the fix goes, in the language of the replies swept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..errors import RenderError, ReplyTooLongError
from ..loader import TEMPLATES_DIR
from ..models import Answer, AnswerTranslation, Location, Settings, Tone
from ..render import PRIVATE_INVITE_TEMPLATE, Renderer
from ..render.texts import reply_texts

if TYPE_CHECKING:
    from .base_view import BaseView

__all__ = [
    "Conversations",
    "Customer",
    "SettingOverflow",
    "find_setting_overflows",
    "in_language",
    "invite_location",
    "signature_location",
    "without_text",
]

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


def find_setting_overflows(
    ctx: BaseView,
    answers: Sequence[Answer],
    channel: str,
    names: Sequence[Customer],
    conversations: Conversations,
    language: str | None,
) -> tuple[list[SettingOverflow], set[str | None]]:
    """Settings that leave no room for even the smallest answer on ``channel``, and the
    agents who cannot sign there at all.

    The smallest reply ("Ok.") is rendered per tone, for the team and for each agent:
    too long for the team, the cause is the channel (its limit, the openings, the
    private invitation); too long for one agent only, it is their signature. In
    ``language`` (None: the source), for its ``answers``.
    """
    settings = ctx.base.settings
    spec = settings.channels[channel]
    if spec.limit is None:
        return [], set()
    groups: dict[tuple[Kind, Tone], list[str]] = {}
    for answer in answers:
        kind: Kind = "invite" if answer.private and spec.public else "reply"
        groups.setdefault((kind, answer.tone), []).append(answer.id)
    causes: dict[Location, SettingOverflow] = {}
    unusable: set[str | None] = set()
    translated = language is not None and language != settings.language
    under = f"`translations: {language}: signatures:`" if translated else "`signatures:`"
    for (kind, tone), ids in sorted(groups.items()):
        minimal = in_language(_MINIMAL, language).model_copy(
            update={"tone": tone, "private": kind == "invite"}
        )
        for agent in (None, *settings.agents):
            overflow = _overflow(ctx, minimal, channel, agent, names, conversations, language)
            if overflow is None:
                continue
            length, limit, customer = overflow
            if agent is None:
                location, cause, fix = _team_cause(
                    ctx, channel, minimal, customer, conversations, language
                )
            else:
                location = signature_location(ctx, agent, channel, language)
                cause = f"{agent}'s signature on {channel} is too long"
                fix = f"shorten {agent}'s signature for {channel} (under {under})"
            unusable.add(agent)
            previous = causes.get(location)
            merged = tuple(dict.fromkeys((*(previous.answers if previous else ()), *ids)))
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
    language: str | None,
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
                language=language,
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
    language: str | None,
) -> tuple[Location, str, str]:
    """Where the fix goes when even the team's smallest reply (for ``customer``) does not
    fit, the cause (a clause) and the fix."""
    settings = ctx.base.settings
    texts = reply_texts(settings, language)
    invite = minimal.private
    if invite:
        where, fix = invite_location(ctx, channel, language)
        if fix is not None:
            return where, "the private invitation is too long", fix
    team = texts.team_signature.origin
    if team is not None:
        # The base's own team sign-off is the cause when the built-in one would fit.
        plain = ctx.renderer_for(without_text(settings, team))
        fits = _overflow(ctx, minimal, channel, None, [customer], conversations, language, plain)
        if fits is None:
            keys = ": ".join(team)
            return (
                ctx.base.settings_source.locate(*team),
                f"the team's sign-off (`{keys}:`) is too long",
                f"shorten `{keys}:`",
            )
    tone = minimal.tone
    key = "openings" if customer is not None else "anonymous_openings"
    own = getattr(texts, key).get(tone)
    if own is not None:
        # The base's own openings are the cause when the built-in ones would fit.
        plain = ctx.renderer_for(_without(settings, own.origin))
        fits = _overflow(ctx, minimal, channel, None, [customer], conversations, language, plain)
        keys = ": ".join((*own.origin, tone))
        what = f"the {tone} {key.replace('_', ' ')}"
        if fits is None:
            return (
                ctx.base.settings_source.locate(*own.origin, tone),
                f"{what} are too long",
                f"shorten {what} (`{keys}:`)",
            )
        if team is not None:
            # Neither alone, but both together: reported at the sign-off, naming both.
            plain = ctx.renderer_for(without_text(_without(settings, own.origin), team))
            fits = _overflow(
                ctx, minimal, channel, None, [customer], conversations, language, plain
            )
            if fits is None:
                return (
                    ctx.base.settings_source.locate(*team),
                    f"the team's sign-off (`{': '.join(team)}:`) and {what} are too long",
                    f"shorten `{': '.join(team)}:` and {what} (`{keys}:`)",
                )
    what = "the private invitation" if invite else "an opening and a sign-off"
    return (
        ctx.channel_location(channel, "limit"),
        f"the limit of {channel} is too small for {what}",
        f"raise `limit:` of {channel}, if the platform allows it",
    )


def invite_location(
    ctx: BaseView, channel: str, language: str | None
) -> tuple[Location, str | None]:
    """Where the private invitation in ``language`` (None: the source) is written, and
    how to shorten it: the base's template (``templates/<lang>/private_invite.j2`` for
    another language), else ``translations.<lang>.private_invite``; for a built-in one,
    the channel's `limit:` and no fix of its own."""
    texts = reply_texts(ctx.base.settings, language)
    name = PRIVATE_INVITE_TEMPLATE
    if not texts.is_source:
        name = f"{texts.language}/{PRIVATE_INVITE_TEMPLATE}"
    if ctx.is_base_template(name):
        return ctx.template_location(name), f"shorten {TEMPLATES_DIR}/{name}"
    if texts.private_invite.origin is not None:
        return (
            ctx.base.settings_source.locate(*texts.private_invite.origin),
            f"shorten `translations: {texts.language}: private_invite:`",
        )
    return ctx.channel_location(channel, "limit"), None


def in_language(answer: Answer, language: str | None) -> Answer:
    """A sample answer (the probe, the smallest reply) as a translation into ``language``
    with the same words: the renderer replies in a language only for an answer that
    has it, and the sweep measures that language's openings and sign-offs."""
    if language is None:
        return answer
    translation = AnswerTranslation(answer=answer.answer, short=answer.short, facts=answer.facts)
    return answer.model_copy(update={"translations": {language: translation}})


def _without(settings: Settings, origin: tuple[str, ...]) -> Settings:
    """``settings`` without the openings at ``origin`` (``(key,)``, or
    ``("translations", language, key)``): the built-in ones take their place."""
    if len(origin) == 1:
        return settings.model_copy(update={origin[0]: {}})
    _, language, key = origin
    texts = settings.translations[language].model_copy(update={key: {}})
    return settings.model_copy(update={"translations": {**settings.translations, language: texts}})


def without_text(settings: Settings, origin: tuple[str, ...]) -> Settings:
    """``settings`` without the text at ``origin`` (``("translations", language, key)``
    of a cut marker, a team sign-off...): the built-in one of the language takes its
    place."""
    _, language, key = origin
    texts = settings.translations[language].model_copy(update={key: None})
    return settings.model_copy(update={"translations": {**settings.translations, language: texts}})


def signature_location(
    ctx: BaseView, agent: str, channel: str, language: str | None = None
) -> Location:
    """The line of replykb.yaml with ``agent``'s sign-off on ``channel`` in ``language``
    (None: the source language); their entry, or their translation's, when the sign-off
    is the default one, made of their name and the brand."""
    settings = ctx.base.settings
    spec = settings.channels[channel]
    path: tuple[str, ...] = ("agents", agent)
    signatures = settings.agents[agent].signatures
    if language is not None and language != settings.language:
        path = ("agents", agent, "translations", language)
        translated = settings.agents[agent].translations.get(language)
        signatures = translated.signatures if translated is not None else {}
    for key in (channel, *spec.aliases):
        if key in signatures:
            return ctx.base.settings_source.locate(*path, "signatures", key)
    return ctx.base.settings_source.locate(*path)
