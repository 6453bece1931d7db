"""Masking personal data out of a message before the usage log stores it.

What goes (each replaced by a token, so that gap mining still sees "my order <order>
has not arrived, call me on <phone>"), in this order:

- e-mail addresses -> ``<email>``;
- IBANs (checked with their mod-97 digits) -> ``<iban>``;
- Italian tax codes (codice fiscale; a partita IVA after its name) -> ``<tax_id>``;
- a card's security code and expiry after their names (CVV 123, exp 12/27) ->
  ``<cvv>``, ``<expiry>``;
- the base's own patterns (``log.mask`` in replykb.yaml, each under its token's name);
- order and ticket numbers -> ``<order>``: an id after "order", "ordine", "ticket",
  "pratica", "n.", "#"..., or a run of capitals and digits such as FH1234567;
- phone numbers -> ``<phone>``: Google's libphonenumber (the ``phonenumbers``
  package) finds numbers written in Italian and international formats (+39 347 123
  4567, 0039 347..., 347-1234567, 02 1234 5678) and in the UK and US ones, and checks
  them against each country's numbering plan;
- card numbers (13 to 19 digits, spaced, dashed, dotted or not, checked with Luhn) ->
  ``<card>``, and such runs that fail Luhn -> ``<number>``;
- a number libphonenumber does not know that follows a word such as "call", "tel",
  "chiamami", "numero" -> ``<phone>``;
- any other run of six or more digits -> ``<number>`` (a customer number, a postcode
  with its city).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import phonenumbers

from ..urls import CARD_RE, EMAIL_RE

TOKEN = "<{}>"

# E-mail addresses and card numbers: the shapes check looks for in answers too
# (urls.py). Phone numbers are NOT the shared loose shape (urls.PHONE_SHAPE_RE): in a
# customer's message it would take order ids and amounts for phones, so libphonenumber
# decides here (:func:`mask_phones`), plus a number after a word such as "call".
EMAIL = EMAIL_RE
# Written in groups of four or not; the longest run that checks out is the IBAN.
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}", re.IGNORECASE)
CARD = CARD_RE
# An id after the word that introduces one (English, Italian), or a code of capitals
# and digits that no sentence has (FH1234567, TKT-004512). Where a pattern
# has a group named `id`, only that group is masked ("order <order>").
ORDER = (
    r"(?i:\b(?:order|ordine|ordinazione|ticket|pratica|spedizione|tracking|rma|reso|"
    r"fattura|invoice|booking|prenotazione|case|caso)\b(?:\s*(?:n[or]?\.?|no\.?|"
    r"num(?:ero|ber)?\.?|id|code|codice|#|:|nr\.?)(?!\w))*\s*)"
    # The id: letters, digits, dashes and slashes with a digit in it, and any groups
    # of digits that follow it after a space (tracking 9400 1000 0000 ...).
    r"(?P<id>(?=[A-Za-z0-9/-]*\d)[A-Za-z0-9][A-Za-z0-9/-]{3,}(?:[ ]\d{3,}(?![\w/-]))*)",
    r"(?<![\w#])#\s?(?P<id>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{4,})\b",
    r"\b(?=[A-Z-]*[A-Z][A-Z-]*\d)(?=[A-Z0-9-]*\d{3})[A-Z]{1,5}-?\d[A-Z0-9-]{3,}\b",
)
# Personal data that only its name gives away; each masks its `id` group.
NAMED = (
    ("tax_id", r"(?i:\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b)"),
    (
        "tax_id",
        r"(?i:\b(?:p\.?\s?iva|partita\s+iva|vat(?:\s+(?:number|no\.?|id))?|"
        r"codice\s+fiscale|c\.f\.)\s*[:.°n]*\s*)(?P<id>(?:IT)?\d{11})\b",
    ),
    (
        "cvv",
        r"(?i:\b(?:cvv2?|cvc2?|cid|security\s+code|codice\s+(?:di\s+)?sicurezza)"
        r"\s*[:.]?\s*)(?P<id>\d{3,4})\b",
    ),
    (
        "expiry",
        r"(?i:\b(?:exp(?:iry|ires|iration)?(?:\s+date)?|valid\s+thru|scad(?:enza|e)?|"
        r"valida\s+fino\s+al?)\.?\s*[:.]?\s*)(?P<id>(?:0?[1-9]|1[0-2])\s?[/-]\s?(?:\d{4}|\d{2}))\b",
    ),
)
# A number after a word that says it is a phone, for those libphonenumber does not
# know (a range it holds unassigned): "call me on 07700 900123".
PHONE_AFTER_WORD = re.compile(
    r"(?i:\b(?:call|ring|phone|tel|telephone|mobile|cell|whatsapp|text\s+me|"
    r"chiam\w*|telefon\w*|cellulare|numero|number|contatt\w*)\b[^\d<\n]{0,20}?)"
    r"(?P<id>\+?\(?\d[\d ().-]{5,}\d)"
)
LONG_NUMBER = re.compile(r"(?<!\w)\d{6,}(?!\w)")
# Countries whose national formats are read without a +prefix: most users of replykb
# write Italian; English messages carry British and American numbers.
PHONE_REGIONS = ("IT", "GB", "US")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    code = re.sub(r"[ -]", "", text).upper()
    if not 15 <= len(code) <= 34:
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


class Masker:
    """Masks a text; built once per log (the patterns are compiled here)."""

    def __init__(self, extra: Mapping[str, Iterable[str]] | None = None) -> None:
        patterns: list[tuple[str, re.Pattern[str]]] = [
            (name, re.compile(pattern))
            for name, group in (extra or {}).items()
            for pattern in group
        ]
        patterns = [(name, re.compile(pattern)) for name, pattern in NAMED] + patterns
        patterns += [("order", re.compile(pattern)) for pattern in ORDER]
        self._patterns = patterns

    def mask(self, text: str) -> str:
        text = EMAIL.sub(TOKEN.format("email"), text)
        text = IBAN.sub(_longest_iban, text)
        # Ids first: "ordine n. 2026-118734" is an order, though it reads as a number
        # to the phone matcher; then phones, so that a phone number that happens to
        # pass Luhn is a phone, not a card.
        for name, pattern in self._patterns:
            text = pattern.sub(_token_for(name), text)
        text = mask_phones(text)
        text = CARD.sub(_card_or_number, text)
        text = PHONE_AFTER_WORD.sub(_token_for("phone"), text)
        return LONG_NUMBER.sub(TOKEN.format("number"), text)


def mask(text: str, extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """``text`` with its personal data replaced by tokens (see the module's doc);
    ``extra`` adds patterns per token, as ``log.mask`` does. A log builds its
    :class:`Masker` once; this builds one per call."""
    return Masker(extra).mask(text)


def _longest_iban(match: re.Match[str]) -> str:
    found = match.group()
    for end in range(len(found), 14, -1):
        # An IBAN ends at a word's end, not inside one ("IT60...456 grazie").
        if end < len(found) and found[end].isalnum() and found[end - 1].isalnum():
            continue
        candidate = found[:end].rstrip(" -")
        if iban_valid(candidate):
            return TOKEN.format("iban") + found[len(candidate) :]
    return found


def _card_or_number(match: re.Match[str]) -> str:
    # 13 to 19 digits in a row or in groups: a card when Luhn says so, else some other
    # long number (a mistyped card, an account): masked either way.
    return TOKEN.format("card" if luhn_valid(re.sub(r"\D", "", match.group())) else "number")


def _token_for(name: str) -> Callable[[re.Match[str]], str]:
    token = TOKEN.format(name)

    def replace(match: re.Match[str]) -> str:
        if "id" not in match.re.groupindex or match.start("id") < 0:
            return token
        start, end = match.span("id")
        whole = match.group()
        return whole[: start - match.start()] + token + whole[end - match.start() :]

    return replace


def mask_phones(text: str) -> str:
    """``text`` with every phone number that libphonenumber finds replaced."""
    for region in PHONE_REGIONS:
        # No phone number has fewer than 6 digits: most messages skip the matcher.
        if sum(char.isdigit() for char in text) < 6:
            return text
        spans = [
            (found.start, found.end)
            for found in phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
        ]
        for start, end in reversed(spans):
            text = text[:start] + TOKEN.format("phone") + text[end:]
    return text
