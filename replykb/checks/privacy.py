"""RKB5xx: private answers must not show account details or themselves in public."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Final

from ..languages import language_name
from ..models import Answer, Location, Reply
from ..render import PRIVATE_INVITE_TEMPLATE
from .privacy_patterns import account_details
from .registry import Family, Found
from .sweep import sweep_answers
from .sweep_settings import invite_location
from .template_texts import JINJA_SPANS
from .ticket_texts import personal_data

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["privacy"]

privacy = Family("privacy", "RKB5xx", "privacy")

# This many consecutive words of a private answer in its public reply expose its content.
_EXPOSED_RUN_WORDS: Final = 6
_OWN_TEXT: Final = "the answer's own text"


@privacy.rule(
    "RKB501",
    "error",
    "private answer exposes account details in public",
    hint="keep the private invitation generic: no answer text, no account details",
)
def private_exposure(ctx: CheckContext) -> Iterator[Found]:
    """
    A `private: true` answer whose reply on a public channel shows an e-mail
    address, an order, card, IBAN or phone number, a customer's amount, or the
    answer's own text (for example through a custom `templates/private_invite.j2`
    that includes `{{ answer }}`). Replies in the base's other languages too (the
    translation's texts, the language's invitation: `templates/<lang>/private_invite.j2`
    or `translations: <lang>: private_invite:`), each read with its language's words:
    a customer's amount is "your ... £23.50" in English, "il tuo ... 23,50 €" in
    Italian, "tu ... 23,50 €" in Spanish, "votre ..." in French, "Ihr/dein ..." in
    German, "o teu/seu ..." in Portuguese; card digits are "card ending in 4242",
    "carta che termina con 4242", "tarjeta terminada en", "carte se terminant par",
    "Karte mit der Endung", "cartão terminado em" (another language is read with the
    English words). What a translation's reply shows that the source's does not is
    reported at the translation's `answer:`.
    ```yaml
    private: true
    answer: Your order FH1234567 of £23.50 left our warehouse.
    ```
    Fix: keep the private invitation generic.
    """
    shown: dict[str, set[str]] = {}
    for answer in ctx.base.answers:
        if not answer.private:
            continue
        exposed = _exposed(ctx, answer, ctx.sweep.replies, ctx.base.settings.language)
        shown[answer.id] = {_cause(what) for what, _ in exposed}
        if exposed:
            template = (
                [ctx.template_location(PRIVATE_INVITE_TEMPLATE)]
                if ctx.is_base_template(PRIVATE_INVITE_TEMPLATE)
                else []
            )
            yield Found(
                answer.source.locate("private"),
                f"private answer {answer.id!r} shows in public: {_details(exposed)}",
                answer=answer.id,
                related=template,
            )
    for language, sweep in ctx.language_sweeps.items():
        for answer in sweep_answers(ctx, language):
            if not answer.private:
                continue
            # Once per cause: what the source's reply shows too is reported there only.
            seen = shown.get(answer.id, set())
            exposed = [
                item
                for item in _exposed(ctx, answer, sweep.replies, language)
                if _cause(item[0]) not in seen
            ]
            if exposed:
                yield Found(
                    answer.source.locate("answer"),
                    f"the {language_name(language)} reply of private answer {answer.id!r} "
                    f"shows in public: {_details(exposed)}",
                    answer=answer.id,
                    related=_invite_places(ctx, language),
                )


@privacy.rule(
    "RKB502",
    "warning",
    "personal data written into an answer",
    hint="print the ticket's own value with a detail ({{ details.order_id }} and a "
    "`details:` fallback); accept the company's own contact data with `check: ignore`",
)
def hard_coded_personal_data(ctx: CheckContext) -> Iterator[Found]:
    """
    An answer's `answer:` or `short:` holds an order or account number, a card
    number, a phone number or an e-mail address, written into the text: every
    customer would get one customer's data. Free and service numbers (0800, 0808,
    03..., 800...), numbers the answer lists in `facts:` and addresses at the domains
    of the base's own links are the company's and not reported. Each translation's
    `answer:` and `short:` too, reported at their lines (its `facts:` publish numbers).
    ```yaml
    answer: Your order FH1234567 left our warehouse; we wrote to mario@example.com.
    ```
    Fix: `answer: Your order {{ details.order_id }} left our warehouse.` with
    `details: {order_id: {fallback: your order}}`.
    """
    source = ctx.base.settings.language
    for language in ctx.base.settings.languages:
        answers = sweep_answers(ctx, language)
        by_id = {answer.id: answer for answer in answers}
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item in personal_data(ctx, answers):
            found[(item.answer.id, item.key)].append(f"{item.what} ({item.text!r})")
        for (answer_id, key), items in found.items():
            whose = (
                f"answer {answer_id!r}"
                if language == source
                else f"the {language_name(language)} translation of {answer_id!r}"
            )
            yield Found(
                by_id[answer_id].source.locate(key),
                f"`{key}` of {whose} has {'; '.join(dict.fromkeys(items))}",
                answer=answer_id,
            )


def _exposed(
    ctx: CheckContext, answer: Answer, replies: Mapping[tuple[str, str], Reply], language: str
) -> list[tuple[str, list[str]]]:
    """What ``answer``'s replies in ``language`` on public channels expose, each with its
    channels."""
    settings = ctx.base.settings
    exposed: dict[str, list[str]] = defaultdict(list)
    for channel in ctx.usable_channels:
        reply = replies.get((answer.id, channel))
        if not settings.channels[channel].public or reply is None:
            continue
        for what in _exposures(ctx, answer, reply.text, language):
            exposed[what].append(channel)
    return list(exposed.items())


def _cause(what: str) -> str:
    """What an exposure is across languages: the answer's own text is one cause (the
    invitation prints it) whatever each language's words."""
    return _OWN_TEXT if what.startswith(_OWN_TEXT) else what


def _details(exposed: list[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{what} on {', '.join(channels)}" for what, channels in exposed)


def _invite_places(ctx: CheckContext, language: str) -> list[Location]:
    """The base's own invitation in ``language`` (its template or text), if it has one."""
    settings = ctx.base.settings
    public = [name for name in ctx.usable_channels if settings.channels[name].public]
    if not public:
        return []
    location, fix = invite_location(ctx, public[0], language)
    return [location] if fix is not None else []


def _exposures(ctx: CheckContext, answer: Answer, text: str, language: str) -> list[str]:
    """What a public reply in ``language`` exposes (read with that language's words),
    ignoring the brand and the agents' own signatures (in every language)."""
    settings = ctx.base.settings
    scrubbed = text
    for agent in settings.agents.values():
        translated = [texts.signatures for texts in agent.translations.values()]
        for signatures in (agent.signatures, *translated):
            for signature in signatures.values():
                if signature.strip():
                    scrubbed = scrubbed.replace(signature, " ")
    scrubbed = scrubbed.replace(settings.brand, " ")
    if answer.link:
        scrubbed = scrubbed.replace(answer.link, " ")
    found = [
        f"{what} ({m.group().strip()!r})"
        for what, pattern in account_details(language)
        if (m := pattern.search(scrubbed))
    ]
    answer_words = re.findall(r"\w+", JINJA_SPANS.sub(" ", answer.answer).casefold())
    reply_words = " " + " ".join(re.findall(r"\w+", scrubbed.casefold())) + " "
    for start in range(max(len(answer_words) - _EXPOSED_RUN_WORDS + 1, 0)):
        run = " ".join(answer_words[start : start + _EXPOSED_RUN_WORDS])
        if f" {run} " in reply_words:
            found.append(f"{_OWN_TEXT} ({run!r}...)")
            break
    return found
