"""What a public reply must never show (RKB501), per language.

Most account details look the same in every language (an e-mail address, a card,
IBAN or phone number); two are recognised by their words: an amount tied to the
customer ("your ... £23.50", "il tuo ... 23,50 €") and a card's last digits ("card
ending in 4242", "carta che termina con 4242"). Those words are data, one entry per
language with built-in texts; a reply is read with its own language's words (a
language without an entry: English's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

__all__ = ["AccountDetail", "account_details"]

AccountDetail = tuple[str, re.Pattern[str]]


@dataclass(frozen=True)
class _Words:
    """A language's words for the details that need them (regex alternatives)."""

    # "your" (informal and polite forms, every gender and number).
    your: str
    # A card or account, then what introduces its last digits ("ending in").
    card: str
    ending: str


WORDS: Final[dict[str, _Words]] = {
    "en": _Words(your=r"your", card=r"card|account|iban", ending=r"(?:number\s+)?ending(?:\s+in)?"),
    "it": _Words(
        your=r"tuo|tua|tuoi|tue|suo|sua|suoi|sue|vostro|vostra|vostri|vostre",
        card=r"carta|conto|iban",
        ending=r"(?:che\s+)?(?:termina(?:nte)?|finisce)\s+(?:con|in|per)",
    ),
    "es": _Words(
        your=r"tu|tus|su|sus|vuestro|vuestra|vuestros|vuestras",
        card=r"tarjeta|cuenta|iban",
        ending=r"(?:que\s+)?(?:termina(?:da|do)?|acaba(?:da|do)?)\s+en",
    ),
    "fr": _Words(
        your=r"ton|ta|tes|votre|vos",
        card=r"carte|compte|iban",
        ending=r"(?:qui\s+)?(?:se\s+)?termin(?:ant|ée|é|e)\s+par",
    ),
    "de": _Words(
        your=r"dein|deine|deinen|deinem|deiner|deines|ihr|ihre|ihren|ihrem|ihrer|ihres",
        card=r"karte|kreditkarte|konto|iban",
        ending=r"(?:mit\s+(?:der\s+)?endung|endend\s+(?:auf|mit)|die\s+auf)",
    ),
    "pt": _Words(
        your=r"teu|tua|teus|tuas|seu|sua|seus|suas|vosso|vossa|vossos|vossas",
        card=r"cartão|cartao|conta|iban",
        ending=r"(?:que\s+)?termina(?:do|da)?\s+(?:em|com)",
    ),
}

# An amount in any language's way: £23.50, € 23,50, 23,50 €, 1.234,50 EUR.
_AMOUNT: Final = (
    r"(?:[£$€]\s?\d(?:[\d.,]*\d)?"
    r"|\b\d(?:[\d.,]*\d)?\s?(?:[£$€]|(?:EUR|GBP|USD|CHF|euros?)\b))"
)

_NEUTRAL: Final[tuple[AccountDetail, ...]] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("a card or account number", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    # Grouped by four or not; the last group may be shorter (IT: 27 characters).
    ("an IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")),
    ("a phone number", re.compile(r"(?<![\w/.])\+?\d[\d ().-]{7,}\d(?![\w/])")),
    (
        "an order or account number",
        re.compile(
            r"\b[A-Z]{1,4}-?\d{5,}\b|#\d{4,}\b|\b(?:order|account|reference|ref)\s*(?:no\.?|number|#)?\s*:?\s*\d{4,}\b",
            re.I,
        ),
    ),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")),
)


@cache
def account_details(language: str) -> tuple[AccountDetail, ...]:
    """What a public reply in ``language`` must not show, each with what to call it."""
    words = WORDS.get(language, WORDS["en"])
    your = rf"\b(?:{words.your})\b"
    return (
        *_NEUTRAL[:2],
        (
            "card digits",
            re.compile(rf"\b(?:{words.card})(?:\s+\w+)?\s+{words.ending}\s+\d{{2,4}}\b", re.I),
        ),
        *_NEUTRAL[2:],
        (
            "an amount tied to the customer",
            re.compile(rf"{your}[^.!?\n]{{0,60}}?{_AMOUNT}|{_AMOUNT}[^.!?\n]{{0,60}}?{your}", re.I),
        ),
    )
