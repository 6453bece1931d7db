"""The hard tokens of a text: what a translation must keep whatever its language (RKB704).

Words are translated; amounts, percentages, numbers, times, dates, URLs, e-mail
addresses and phone numbers are not. Each token is read into a language-neutral key, so
the ways languages write the same value compare equal: ``£3.95``, ``£3,95`` and
``3,95 £``; ``8pm``, ``20:00`` and ``20h``; ``24 December`` and ``24 dicembre``;
``+44 20 7946 0000`` and ``+44 (20) 79460000``. Jinja tags (``{{ link }}``) are not
text and are skipped.

Dates written with numbers (``1/2/2027``, ``1.2.27``) are read day first, in every
language: the convention of every language with built-in texts (it, es, fr, de, pt)
and of British English, the English of a base that writes £. So ``1/2/2027`` is
1 February 2027 in the source and in the translation: a true translation copies it
(or writes ``1 febbraio 2027``), and a swapped ``2/1/2027`` is reported. A date that
can be read one way only (``12/24/2026``: there is no month 24) is read that way. A
base in US English, where ``1/2/2027`` is 2 January, writes its dates with the
month's name (``January 2, 2027``) or as ``2027-01-02``, which every reader and this
check read one way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from ..urls import find_urls
from .template_texts import JINJA_SPANS

__all__ = ["HardToken", "TokenKind", "hard_tokens", "missing_tokens"]

TokenKind = Literal["url", "e-mail", "phone", "date", "time", "amount", "percentage", "number"]


@dataclass(frozen=True)
class HardToken:
    """A value a translation must keep: its kind, how the source wrote it, and the
    language-neutral keys it may be written as. ``day_first``: a date written with
    numbers that could be read either way (``1/2/2027``), read day first."""

    kind: TokenKind
    text: str
    keys: frozenset[str]
    day_first: bool = False

    def __str__(self) -> str:
        return f"{self.text!r} ({self.kind})"


_NUMBER = r"\d+(?:[.,\u00a0\u202f]\d{3})*(?:[.,]\d+)?|\d+"
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Seven or more digits, grouped by spaces, dots, dashes or brackets, maybe with a +.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?!\w)")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b")
_TIME_12 = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s?m\b\.?", re.I)
_TIME_24 = re.compile(r"\b(\d{1,2})(?::(\d{2})|\s?h\s?(\d{2})?)(?![\w:])", re.I)
_CURRENCIES = {
    "£": "GBP",
    "€": "EUR",
    "$": "USD",
    "us$": "USD",
    "gbp": "GBP",
    "eur": "EUR",
    "usd": "USD",
    "chf": "CHF",
    "euro": "EUR",
    "euros": "EUR",
    "sterline": "GBP",
    "sterlina": "GBP",
    "pounds": "GBP",
    "dollars": "USD",
    "dollari": "USD",
}
_CURRENCY = r"US\$|[£€$]|\b(?:GBP|EUR|USD|CHF)\b"
_CURRENCY_AFTER = r"[£€$]|\b(?:GBP|EUR|USD|CHF|euros?|sterlin[ae]|pounds|dollars|dollari)\b"
_AMOUNT = re.compile(
    rf"(?P<cur>{_CURRENCY})\s?(?P<num>{_NUMBER})|(?P<num2>{_NUMBER})\s?(?P<cur2>{_CURRENCY_AFTER})",
    re.I,
)
_PERCENT = re.compile(
    rf"(?P<num>{_NUMBER})\s?(?:%|per\s?cent[oa]?\b|percent\b|por\s?ciento\b|pour\s?cent\b"
    r"|prozent\b|por\s?cento\b)",
    re.I,
)
_PLAIN = re.compile(r"(?<![\w.,])(" + _NUMBER + r")(?:st|nd|rd|th|º|°|ª|\.?(?=\s))?(?!\w)")
_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

# Month names in the languages with built-in texts (en, it, es, fr, de, pt), and English
# abbreviations.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january gennaio enero janvier januar janeiro jan",
        "february febbraio febrero février februar fevereiro feb",
        "march marzo marzo mars märz março mar",
        "april aprile abril avril april abril apr",
        "may maggio mayo mai mai maio",
        "june giugno junio juin juni junho jun",
        "july luglio julio juillet juli julho jul",
        "august agosto agosto août august agosto aug",
        "september settembre septiembre septembre september setembro sep sept",
        "october ottobre octubre octobre oktober outubro oct",
        "november novembre noviembre novembre november novembro nov",
        "december dicembre diciembre décembre dezember dezembro dec",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
# The other languages' abbreviations ("24 dic.", "24 déc.", "24 Dez."): those that are
# no English word are read with or without their full stop; "set", "out", "mai" only
# with it ("3 out of 5" is no date).
for _number, _names in enumerate(
    (
        "gen ene janv jän",
        "febbr févr fev",
        "mär",
        "avr abr",
        "mag",
        "giu juin",
        "lug juil",
        "ago",
        "sett",
        "ott okt",
        "",
        "dic déc dez",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)
_DOTTED_MONTHS = {"set": 9, "out": 10, "mai": 5}
_MONTHS.update(_DOTTED_MONTHS)
_MONTH = "|".join(
    rf"{re.escape(name)}(?=\.)" if name in _DOTTED_MONTHS else re.escape(name)
    for name in sorted(_MONTHS, key=len, reverse=True)
)
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|º|°)?\.?\s+(?:of\s+|de\s+)?({_MONTH})(?:\.|\b)"
    rf"(?:,?\s+(?:de\s+)?(\d{{4}}))?",
    re.I,
)
_MONTH_DAY = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?",
    re.I,
)


def _number_key(text: str) -> str:
    """A number as a plain decimal: ``1.000`` = ``1,000`` = ``1000``; ``3,95`` = ``3.95``.

    A separator followed by exactly three digits, after at most three digits that do
    not start with 0, is a thousands separator; otherwise it is the decimal point.
    """
    digits = re.sub(r"[\u00a0\u202f ]", "", text)
    separators = [c for c in digits if c in ".,"]
    if len(separators) >= 2 and len(set(separators)) == 2:
        decimal = separators[-1]
        thousands = "," if decimal == "." else "."
        digits = digits.replace(thousands, "").replace(decimal, ".")
    elif len(separators) >= 2:
        digits = digits.replace(separators[0], "")
    elif separators:
        whole, _, fraction = digits.partition(separators[0])
        if len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0"):
            digits = whole + fraction
        else:
            digits = f"{whole}.{fraction}"
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return digits
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _year(text: str | None) -> str:
    if not text:
        return "*"
    return text if len(text) == 4 else f"20{text}"


def _date_key(year: str, month: int, day: int) -> str | None:
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year}-{month:02d}-{day:02d}"
    return None


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


# A day and month with no year (`24/12`), read day first: only in a translation, as a
# way to write the source's `24 December` (in a source, `24/7` is no date).
_DAY_SLASH_MONTH = re.compile(r"(?<![\d/.,])(\d{1,2})/(\d{1,2})(?![\d/]|[.,]\d)")


def _scan(text: str, *, translation: bool = False) -> tuple[list[HardToken], set[str]]:
    """The hard tokens of ``text`` in reading order, and every number value in it
    (what a source's plain number or whole hour may be written as); ``translation``:
    also read the ways a translation may write a source's value (`24/12`)."""
    text = JINJA_SPANS.sub(" ", text)
    found: list[tuple[int, HardToken]] = []

    def take(
        pattern: re.Pattern[str], kind: TokenKind, keys_of: Callable[[re.Match[str]], set[str]]
    ) -> None:
        nonlocal text
        for match in list(pattern.finditer(text)):
            keys = keys_of(match)
            if not keys:
                continue
            day_first = kind == "date" and pattern is _NUMERIC_DATE and _either_way(match)
            token = HardToken(kind, match.group().strip(" .,;:"), frozenset(keys), day_first)
            found.append((match.start(), token))
            text = _blank(text, match.start(), match.end())

    take(_EMAIL, "e-mail", lambda m: {m.group().casefold()})
    # The links replies count and keep whole (urls.find_urls), whatever their scheme.
    for start, end in find_urls(text):
        link = text[start:end]
        key = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.casefold()).rstrip("/")
        found.append((start, HardToken("url", link, frozenset({f"url:{key}"}))))
        text = _blank(text, start, end)
    take(_ISO_DATE, "date", lambda m: _keys(_date_key(m[1], int(m[2]), int(m[3]))))
    take(_NUMERIC_DATE, "date", _numeric_date_keys)
    take(
        _DAY_MONTH,
        "date",
        lambda m: _keys(_date_key(_year(m[3]), _MONTHS[m[2].casefold()], int(m[1]))),
    )
    take(
        _MONTH_DAY,
        "date",
        lambda m: _keys(_date_key(_year(m[3]), _MONTHS[m[1].casefold()], int(m[2]))),
    )
    if translation:
        take(_DAY_SLASH_MONTH, "date", lambda m: _keys(_date_key("*", int(m[2]), int(m[1]))))
    take(_PHONE, "phone", _phone_keys)
    take(_TIME_12, "time", _time_12_keys)
    take(_TIME_24, "time", _time_24_keys)
    take(_AMOUNT, "amount", _amount_keys)
    take(_PERCENT, "percentage", lambda m: {f"%{_number_key(m['num'])}"})
    values: set[str] = set()
    for _, token in found:
        if token.kind in ("amount", "percentage", "time", "date"):
            values.update(_number_key(n) for n in _ANY_NUMBER.findall(token.text))
    for match in _PLAIN.finditer(text):
        key = _number_key(match[1])
        values.add(key)
        found.append(
            (match.start(), HardToken("number", match.group().strip(" .,"), frozenset({key})))
        )
    found.sort(key=lambda item: item[0])
    return [token for _, token in found], values


def _keys(*keys: str | None) -> set[str]:
    return {f"date:{key}" for key in keys if key}


def _numeric_date_keys(match: re.Match[str]) -> set[str]:
    """``d/m/y`` read day first; ``m/d/y`` only when it cannot be day first (a month
    over 12): see the module's docstring."""
    year, first, second = _year(match[3]), int(match[1]), int(match[2])
    return _keys(_date_key(year, second, first) or _date_key(year, first, second))


def _either_way(match: re.Match[str]) -> bool:
    """Whether a date written with numbers is a valid date read either way round."""
    return int(match[1]) != int(match[2]) and max(int(match[1]), int(match[2])) <= 12


def _phone_keys(match: re.Match[str]) -> set[str]:
    digits = re.sub(r"\D", "", match.group())
    if len(digits) < 7:
        return set()
    if not match.group().lstrip("(").startswith("+"):
        return {digits}
    # `+44 800 123 4567` is `0800 123 4567` at home (the trunk 0 dropped after the
    # country code), `+39 02 1234 5678` is `02 1234 5678`: a country code has 1-3 digits.
    national = {form for k in (1, 2, 3) for form in (digits[k:], "0" + digits[k:])}
    return {"+" + digits, *national}


def _time_12_keys(match: re.Match[str]) -> set[str]:
    hour, minute = int(match[1]), int(match[2] or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return set()
    hour = hour % 12 + (12 if match[3].casefold() == "p" else 0)
    return {f"time:{hour:02d}:{minute:02d}"}


def _time_24_keys(match: re.Match[str]) -> set[str]:
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    if hour > 24 or minute > 59:
        return set()
    return {f"time:{hour:02d}:{minute:02d}"}


def _amount_keys(match: re.Match[str]) -> set[str]:
    currency = (match["cur"] or match["cur2"]).casefold()
    number = match["num"] or match["num2"]
    return {f"{_CURRENCIES.get(currency, currency.upper())}:{_number_key(number)}"}


def hard_tokens(text: str) -> list[HardToken]:
    """The hard tokens of ``text``, each once, in reading order."""
    tokens, _ = _scan(text)
    return list(dict.fromkeys(tokens))


def missing_tokens(source: Iterable[str], translation: Iterable[str]) -> list[HardToken]:
    """The hard tokens of the ``source`` texts that none of the ``translation`` texts has.

    A plain number is kept when the translation has the value anywhere (``3`` in
    ``3 giorni`` or in ``£3``); a whole hour (``8pm``) when the translation has that time
    or the hour on the 24-hour clock as a number (``alle 20``).
    """
    wanted: dict[HardToken, None] = {}
    for text in source:
        wanted.update(dict.fromkeys(hard_tokens(text)))
    keys: set[str] = set()
    values: set[str] = set()
    for text in translation:
        tokens, numbers = _scan(text, translation=True)
        keys.update(key for token in tokens for key in token.keys)
        values |= numbers
    missing: list[HardToken] = []
    for token in wanted:
        if token.keys & keys:
            continue
        if token.kind == "number" and token.keys & values:
            continue
        if token.kind == "time" and any(_whole_hour(key) in values for key in token.keys):
            continue
        missing.append(token)
    return missing


def _whole_hour(key: str) -> str | None:
    hour, minute = key.removeprefix("time:").split(":")
    return str(int(hour)) if minute == "00" else None
