"""RKB2xx: replies that do not fit their channel, as the platform counts them."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..languages import language_name
from ..length import gsm_incompatible_chars
from ..models import Location
from .registry import Family, Found
from .sweep_settings import invite_location, signature_location
from .template_texts import JINJA_SPANS

if TYPE_CHECKING:
    from .context import CheckContext
    from .sweep import Overflow, RenderSweep, SettingOverflow

__all__ = ["fit", "length_findings"]

fit = Family("fit", "RKB2xx", "length and encoding")

_SHOWN_ANSWERS = 5


@fit.rule(
    "RKB201",
    "error",
    "reply over its channel's limit",
    hint="write a shorter `short:` form, or shorten the agent's signature for this channel",
)
def reply_length(ctx: CheckContext) -> Iterator[Found]:
    """
    Even cut at a word boundary, with the opening, the link, the longest signature and
    the longest customer name (long, in a non-GSM script, or with long combining
    sequences) or none (a customer without a name is greeted by `anonymous_openings`),
    the reply does not fit. When the cause is a setting (a signature, the
    openings, the channel's limit, the private invitation) that pushes replies over
    whatever they say, it is reported once, at that setting's line, with the number of
    answers it affects.
    ```yaml
    short: "{{ link }} — a 300-character short form..."   # on x (280)
    ```
    Fix: a shorter `short:` form; or, when the finding is at a signature or a channel,
    a shorter signature for that channel or a higher limit.
    """
    yield from length_findings(ctx, ctx.sweep)


def length_findings(
    ctx: CheckContext, sweep: RenderSweep, language: str | None = None
) -> Iterator[Found]:
    """RKB201's findings in a sweep of the replies in ``language`` (None: the source
    language); RKB705 reports them for every other language."""
    translated = language is not None and language != ctx.base.settings.language
    # "the Italian (it) reply of ": who says what, in a translated sweep's messages.
    of = f"the {language_name(language)} reply of " if translated and language else ""
    reply = f"{language_name(language)} reply" if translated and language else "reply"
    by_setting: dict[Location, list[SettingOverflow]] = defaultdict(list)
    for setting in sweep.setting_overflows:
        by_setting[setting.location].append(setting)
    for location, settings in by_setting.items():
        answers = sorted({a for s in settings for a in s.answers})
        channels = ", ".join(s.channel for s in settings)
        counts = "; ".join(
            f"on {s.channel} it counts {_units(ctx, s.channel, s.length)} against a limit of "
            f"{s.limit}, {s.length - s.limit} over, {_for(s.customer)}"
            for s in settings
        )
        yield Found(
            location,
            f"{settings[0].cause}: even the smallest {reply} does not fit, whatever the "
            f"answer says; {counts}. {_answers(answers)} cannot be sent on {channels}",
            count=len(answers),
            hint=settings[0].fix,
        )
    by_signature: dict[tuple[str, str | None], list[Overflow]] = defaultdict(list)
    by_invite: dict[str, list[Overflow]] = defaultdict(list)
    by_text: dict[tuple[str, ...], list[Overflow]] = defaultdict(list)
    for overflow in sweep.overflows:
        if overflow.invite:
            by_invite[overflow.channel].append(overflow)
        elif overflow.fits_unsigned:
            by_signature[(overflow.channel, overflow.agent)].append(overflow)
        elif overflow.pushed_by is not None:
            by_text[overflow.pushed_by].append(overflow)
        else:
            yield _answer_overflow(ctx, overflow, of)
    for (channel, agent), overflows in by_signature.items():
        assert agent is not None
        worst = max(overflows, key=lambda o: o.length - o.limit)
        yield Found(
            signature_location(ctx, agent, channel, language),
            f"{agent}'s signature on {channel} pushes {of}{_answers(_ids(overflows))} over the "
            f"limit of {worst.limit} (up to {worst.length - worst.limit} over, "
            f"{_for(worst.customer)}); signed by the team they fit",
            count=len(overflows),
            related=[
                o.answer.source.locate("short" if o.answer.short else "answer")
                for o in overflows[:_SHOWN_ANSWERS]
            ],
            hint=f"shorten {agent}'s signature for {channel}, or the answers' `short:` forms",
        )
    for origin, overflows in by_text.items():
        yield _text_overflow(ctx, origin, overflows)
    for channel, overflows in by_invite.items():
        where, fix = invite_location(ctx, channel, language)
        worst = max(overflows, key=lambda o: o.length - o.limit)
        yield Found(
            where,
            f"the private invitation{f' in {language_name(language)}' if of and language else ''}"
            f" does not fit {channel}: it counts "
            f"{_units(ctx, channel, worst.length)} "
            f"against a limit of {worst.limit} ({worst.length - worst.limit} over) when "
            f"signed by {worst.agent or 'the team'} {_for(worst.customer)}; "
            f"{_answers(_ids(overflows))} cannot be sent on {channel}",
            answer=overflows[0].answer.id if len(overflows) == 1 else None,
            count=len(overflows),
            related=[o.answer.source.locate("private") for o in overflows[:_SHOWN_ANSWERS]],
            hint=fix,
        )


def _text_overflow(ctx: CheckContext, origin: tuple[str, ...], overflows: list[Overflow]) -> Found:
    """A base's own text of a language (its cut marker, its team sign-off) that pushes
    replies over their limit where the built-in one would fit: once, at its line."""
    _, code, key = origin
    keys = ": ".join(origin)
    what = "cut marker" if key == "cut_marker" else "team's sign-off"
    worst: dict[str, Overflow] = {}
    for overflow in overflows:
        seen = worst.get(overflow.channel)
        if seen is None or overflow.length - overflow.limit > seen.length - seen.limit:
            worst[overflow.channel] = overflow
    counts = "; ".join(
        f"on {channel} {_units(ctx, channel, o.length)} against a limit of {o.limit} "
        f"({o.length - o.limit} over, {_for(o.customer)})"
        for channel, o in worst.items()
    )
    replies = f"{len(overflows)} repl{'y' if len(overflows) == 1 else 'ies'}"
    return Found(
        ctx.base.settings_source.locate(*origin),
        f"the {language_name(code)} {what} (`{keys}:`) is too long: it pushes {replies} of "
        f"{_answers(sorted({o.answer.id for o in overflows}))} over the limit of "
        f"{', '.join(worst)}, where the built-in one would fit; {counts}",
        answer=overflows[0].answer.id if len({o.answer.id for o in overflows}) == 1 else None,
        count=len(overflows),
        related=[
            o.answer.source.locate("short" if o.answer.short else "answer")
            for o in overflows[:_SHOWN_ANSWERS]
        ],
        hint=f"shorten `{keys}:` in replykb.yaml",
    )


def _answer_overflow(ctx: CheckContext, overflow: Overflow, of: str) -> Found:
    answer = overflow.answer
    return Found(
        answer.source.locate("short" if answer.short else "answer"),
        f"{of}answer {answer.id!r} does not fit {overflow.channel}: its smallest reply counts "
        f"{_units(ctx, overflow.channel, overflow.length)} against a limit of {overflow.limit} "
        f"({overflow.length - overflow.limit} over) "
        f"{'even with' if overflow.agent else 'with'} the team's sign-off, "
        f"{_for(overflow.customer)}",
        answer=answer.id,
    )


def _for(customer: str | None) -> str:
    return "for a customer without a name" if customer is None else f"for the name {customer!r}"


def _units(ctx: CheckContext, channel: str, length: int) -> str:
    """A length as the channel counts it: SMS in segments."""
    if ctx.base.settings.channels[channel].count == "sms":
        return f"{length} segment{'s' if length != 1 else ''}"
    return str(length)


def _ids(overflows: Sequence[Overflow]) -> list[str]:
    return [overflow.answer.id for overflow in overflows]


def _answers(ids: Sequence[str]) -> str:
    shown = ", ".join(repr(answer) for answer in ids[:_SHOWN_ANSWERS])
    more = f" and {len(ids) - _SHOWN_ANSWERS} more" if len(ids) > _SHOWN_ANSWERS else ""
    noun = "answer" if len(ids) == 1 else "answers"
    return f"{len(ids)} {noun} ({shown}{more})"


@fit.rule(
    "RKB202",
    "warning",
    "non-GSM characters in an SMS",
    hint="replace the characters named (curly quotes, dashes, emoji) with plain ones",
)
def sms_characters(ctx: CheckContext) -> Iterator[Found]:
    """
    ```yaml
    answer: It’s on its way — 🚚           # ’ — 🚚 switch the SMS to UCS-2: 70 characters a segment
    ```
    Fix: plain quotes, hyphens, no emoji in answers sent by SMS.
    """
    settings = ctx.base.settings
    signatures: dict[Location, tuple[str, list[str], list[str]]] = {}
    texts: dict[Location, tuple[str, str, list[str], list[str]]] = {}
    for channel in ctx.usable_channels:
        spec = settings.channels[channel]
        if spec.count != "sms":
            continue
        for agent_id, agent in settings.agents.items():
            for name in (channel, *spec.aliases):
                bad = gsm_incompatible_chars(agent.signatures.get(name, ""))
                if bad:
                    where = ctx.base.settings_source.locate("agents", agent_id, "signatures", name)
                    signatures.setdefault(where, (agent_id, bad, []))[2].append(channel)
        for answer in ctx.base.answers:
            if answer.private and spec.public:
                continue  # it sends the private invitation
            for key in ("answer", "short"):
                bad = gsm_incompatible_chars(JINJA_SPANS.sub(" ", getattr(answer, key) or ""))
                if bad:
                    where = answer.source.locate(key)
                    texts.setdefault(where, (answer.id, key, bad, []))[3].append(channel)
    for where, (agent_id, bad, channels) in signatures.items():
        yield Found(
            where,
            f"{agent_id}'s signature on {', '.join(channels)} has non-GSM characters "
            f"{_show_chars(bad)}: every SMS they sign costs about twice as many segments",
        )
    for where, (answer_id, key, bad, channels) in texts.items():
        yield Found(
            where,
            f"`{key}` of {answer_id!r}, sent on {', '.join(channels)}, has non-GSM characters "
            f"{_show_chars(bad)}: the SMS goes out as UCS-2 (70 characters per segment "
            "instead of 160) and costs about twice as many segments",
            answer=answer_id,
        )


def _show_chars(chars: Iterable[str]) -> str:
    return ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for c in chars)
