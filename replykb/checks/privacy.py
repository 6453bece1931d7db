"""RKB5xx: private answers must not show account details or themselves in public."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from ..models import Answer
from ..render import PRIVATE_INVITE_TEMPLATE
from .registry import Family, Found
from .template_texts import JINJA_SPANS
from .ticket_texts import personal_data

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["privacy"]

privacy = Family("privacy", "RKB5xx", "privacy")

# Account details a public reply must never show.
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


@privacy.rule(
    "RKB501",
    "error",
    "private answer exposes account details in public",
    hint="keep the private invitation generic: no answer text, no account details",
)
def private_exposure(ctx: CheckContext) -> Iterator[Found]:
    """
    A `private: true` answer whose reply on a public channel shows an e-mail
    address, an order, card or phone number, a customer's amount, or the answer's
    own text (for example through a custom `templates/private_invite.j2` that
    includes `{{ answer }}`).
    ```yaml
    private: true
    answer: Your order FH1234567 of £23.50 left our warehouse.
    ```
    Fix: keep the private invitation generic.
    """
    settings = ctx.base.settings
    for answer in ctx.base.answers:
        if not answer.private:
            continue
        exposed: dict[str, list[str]] = defaultdict(list)
        for channel in ctx.usable_channels:
            reply = ctx.sweep.replies.get((answer.id, channel))
            if not settings.channels[channel].public or reply is None:
                continue
            for what in _exposures(ctx, answer, reply.text):
                exposed[what].append(channel)
        if exposed:
            template = (
                [ctx.template_location(PRIVATE_INVITE_TEMPLATE)]
                if ctx.is_base_template(PRIVATE_INVITE_TEMPLATE)
                else []
            )
            details = "; ".join(f"{what} on {', '.join(chans)}" for what, chans in exposed.items())
            yield Found(
                answer.source.locate("private"),
                f"private answer {answer.id!r} shows in public: {details}",
                answer=answer.id,
                related=template,
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
    of the base's own links are the company's and not reported.
    ```yaml
    answer: Your order FH1234567 left our warehouse; we wrote to mario@example.com.
    ```
    Fix: `answer: Your order {{ details.order_id }} left our warehouse.` with
    `details: {order_id: {fallback: your order}}`.
    """
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    answers = {answer.id: answer for answer in ctx.base.answers}
    for item in personal_data(ctx):
        found[(item.answer.id, item.key)].append(f"{item.what} ({item.text!r})")
    for (answer_id, key), items in found.items():
        yield Found(
            answers[answer_id].source.locate(key),
            f"`{key}` of answer {answer_id!r} has {'; '.join(dict.fromkeys(items))}",
            answer=answer_id,
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
    answer_words = re.findall(r"\w+", JINJA_SPANS.sub(" ", answer.answer).casefold())
    reply_words = " " + " ".join(re.findall(r"\w+", scrubbed.casefold())) + " "
    for start in range(max(len(answer_words) - _EXPOSED_RUN_WORDS + 1, 0)):
        run = " ".join(answer_words[start : start + _EXPOSED_RUN_WORDS])
        if f" {run} " in reply_words:
            found.append(f"the answer's own text ({run!r}...)")
            break
    return found
