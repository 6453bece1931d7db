"""Customer names and handles, as a reply prints them on each channel.

Customer text is data: it reaches templates only as variable values, cleaned of
control, format and bidirectional-override characters (a line break or a control
character becomes a space, so ``"Mario\\nP.S."`` stays two words), and on public
channels without what would notify strangers (@mentions, #hashtags, live URLs).

A name is bounded so it can never push the solution out of a reply: at most
``MAX_NAME_GRAPHEMES`` graphemes, ``MAX_NAME_CODE_POINTS`` code points, each grapheme at
most ``MAX_GRAPHEME_CODE_POINTS`` code points (``"a"`` + 300 combining marks keeps its
``"a"``), and at most ``NAME_BUDGET`` as its channel counts (X's weights, code points,
graphemes; on SMS septets or UTF-16 units). A longer name is shortened at a word
boundary where one fits, and ends with a marker: ``…``, or ``...`` on SMS, where ``…``
is not GSM-7.

A handle is never a name: ``"@giulia_r"``, or a bare text that looks like a handle
(``giulia_r``, ``mario.rossi``, ``tony1987``: letters and digits joined by ``_`` or
``.``, with a digit, ``_`` or ``.``), is the customer's handle, and a customer with no
display name is addressed by none: ``customer.anonymous`` is true and ``customer.name``
is :data:`ABSENT_NAME`, false in ``{% if customer.name %}``, which the renderer takes
out of a reply with the punctuation that joined it (:mod:`.openings`).

On SMS a name is spelled in the GSM-7 alphabet, so a reply that is GSM-7 stays GSM-7
(160 characters a segment; one ``ł`` would make the whole SMS UCS-2, 70 a segment, and
cost the answer its full form): ``Łukasz`` -> ``Lukasz``, ``Zoë`` -> ``Zoe``, ``Ольга`` ->
``Olga``; emoji and symbols are left out; a word with no GSM-7 spelling (``王芳``) is left
out, and a name with none at all gives the anonymous opening. Italian letters (à è é ì ò
ù) are GSM-7 and stay as written. The renderer keeps the name as written only when the
reply is UCS-2 anyway and still fits with the same or a better form.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Final

import regex

from ..errors import RenderError
from ..length import SMS_GSM7_BASIC, count_length, find_urls, is_gsm7, sms_units
from ..models import Channel, CountRule, Customer

__all__ = [
    "ABSENT_NAME",
    "ABSENT_NAME_MARK",
    "MAX_CUSTOMER_CHARS",
    "MAX_GRAPHEME_CODE_POINTS",
    "MAX_NAME_CODE_POINTS",
    "MAX_NAME_GRAPHEMES",
    "NAME_BUDGET",
    "CustomerView",
    "bound_name",
    "clean_customer_text",
    "customer_views",
    "gsm_spelling",
    "looks_like_handle",
    "name_marker",
    "worst_case_names",
]

# No display name is this long; the cap bounds the work done on hostile input.
MAX_CUSTOMER_CHARS: Final = 256
MAX_NAME_GRAPHEMES: Final = 40
MAX_NAME_CODE_POINTS: Final = 80
# The longest emoji sequences (a kiss with two skin tones) are 10 code points.
MAX_GRAPHEME_CODE_POINTS: Final = 10
# What a name may count on its channel, as that channel counts.
NAME_BUDGET: Final = 40
MARKER: Final = "…"
GSM_MARKER: Final = "..."


class AbsentName(str):
    """``customer.name`` of a customer with no name: false (``{% if customer.name %}``
    takes the other branch) and empty to ``length``; printed, it is a mark from a
    private-use plane, which customer text never holds (:func:`clean_customer_text`
    drops those), so the renderer finds every place it was printed and takes it out."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0


ABSENT_NAME_MARK: Final = "\U000f1a00"
ABSENT_NAME: Final = AbsentName(ABSENT_NAME_MARK)

_CLEARED_CATEGORIES: Final = frozenset({"Cf", "Co", "Cs"})
_SPACE_CATEGORIES: Final = frozenset({"Cc", "Zl", "Zp"})
_KEEP_FORMAT: Final = frozenset({"\u200d", "\ufe0f"})  # ZWJ, emoji presentation
_MENTION_OR_TAG: Final = regex.compile(r"(?<![\p{L}\p{N}_])[@＠#＃](?=[\p{L}\p{N}_])")
_GRAPHEME: Final = regex.compile(r"\X")
# A platform handle written without its @: name characters joined by `_` or `.`.
# (`_` is a name character, so a dot is the only separator: no backtracking.)
_HANDLE_LIKE: Final = regex.compile(r"[\p{L}\p{M}\p{N}_]+(?:\.[\p{L}\p{M}\p{N}_]+)*")
# Platforms cap handles well below this (X 15, Instagram 30, Mastodon 30 + domain).
_MAX_HANDLE_CHARS: Final = 64
# What a shortened name or a spelling should not end on: separators left dangling.
_TRIM: Final = " ,;:-/"


@dataclass(frozen=True)
class CustomerView:
    """What templates see of the customer: cleaned, bounded, safe to print."""

    name: str
    handle: str
    # No display name to address the customer by (``name`` is ABSENT_NAME): openings
    # go without one.
    anonymous: bool = False
    # The handle as the platform's mention (``@user``, ``@user@domain``), when it is one:
    # a reply on a channel with ``mention`` starts with it. Never a name.
    mention: str = ""

    def __str__(self) -> str:
        return self.name


def clean_customer_text(
    text: str | None, *, public: bool, max_chars: int = MAX_CUSTOMER_CHARS
) -> str:
    """Customer-supplied text made safe to print in a reply.

    Control characters and line or paragraph separators become spaces (they separate
    words); format, private-use and surrogate code points go (they can reorder or hide
    text). On public channels @mentions and #hashtags lose their sign and URLs their
    dots, so a reply never notifies strangers or links where a customer chose.
    """
    if not text:
        return ""
    chars = []
    for char in unicodedata.normalize("NFC", text[:max_chars]):
        category = unicodedata.category(char)
        if category in _SPACE_CATEGORIES:
            chars.append(" ")
        elif char in _KEEP_FORMAT or category not in _CLEARED_CATEGORIES:
            chars.append(char)
    cleaned = " ".join("".join(chars).split())
    if public:
        for start, end in reversed(find_urls(cleaned)):
            url = cleaned[start:end].split("://", 1)[-1]
            cleaned = cleaned[:start] + url.replace(".", "[.]") + cleaned[end:]
        cleaned = _MENTION_OR_TAG.sub("", cleaned)
    # A leading combining mark would fuse with the space or letter before the name
    # (one grapheme), changing text that is not the customer's.
    while cleaned and len(_GRAPHEME.match(" " + cleaned).group()) > 1:
        cleaned = cleaned[1:].lstrip()
    return cleaned


def name_units(text: str, count: CountRule) -> int:
    """How much of the channel's limit ``text`` takes: its count, in SMS characters on SMS."""
    return sms_units(text) if count == "sms" else count_length(text, count)


def name_marker(name: str, count: CountRule) -> str:
    """The mark of a shortened name: ``...`` where ``…`` would leave GSM-7."""
    return GSM_MARKER if count == "sms" and is_gsm7(name) else MARKER


def bound_name(name: str, count: CountRule) -> str:
    """``name`` within every bound (see the module), shortened with a marker if need be."""
    graphemes = [g if len(g) <= MAX_GRAPHEME_CODE_POINTS else g[0] for g in _GRAPHEME.findall(name)]
    whole = "".join(graphemes)

    def fits(text: str) -> bool:
        return (
            len(text) <= MAX_NAME_CODE_POINTS
            and len(_GRAPHEME.findall(text)) <= MAX_NAME_GRAPHEMES
            and name_units(text, count) <= NAME_BUDGET
        )

    if fits(whole):
        return whole
    marker = name_marker(whole, count)
    word_ends = [i for i in range(1, len(graphemes)) if graphemes[i].isspace()]
    for ends in (word_ends, range(1, len(graphemes))):
        for end in sorted(ends, reverse=True):
            kept = "".join(graphemes[:end]).rstrip(_TRIM + ".")
            if kept and fits(kept + marker):
                return kept + marker
    return marker


# --- GSM-7 spellings ---------------------------------------------------------------------

_LATIN: Final = {
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ħ": "H", "ħ": "h",
    "Ŧ": "T", "ŧ": "t", "ı": "i", "ĸ": "k", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th",
    "Ŋ": "Ng", "ŋ": "ng", "ƒ": "f", "ẞ": "SS", "ſ": "s", "Ə": "E", "ə": "e", "Ɛ": "E",
    "ɛ": "e", "Ɔ": "O", "ɔ": "o", "Ƴ": "Y", "ƴ": "y", "Ɓ": "B", "ɓ": "b", "Ɗ": "D",
    "ɗ": "d", "Ƙ": "K", "ƙ": "k", "ʻ": "'", "ʼ": "'",
}  # fmt: skip
_PUNCTUATION: Final = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"',
    "‟": '"', "«": '"', "»": '"', "‹": "'", "›": "'", "–": "-", "—": "-", "‐": "-",
    "‑": "-", "‒": "-", "―": "-", "−": "-", "…": "...", "·": ".", "•": ".",
    "[": "(", "]": ")", "{": "(", "}": ")", "|": "/", "\\": "/", "~": "-", "^": "",
    "€": "EUR",
}  # fmt: skip
_CYRILLIC: Final = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ђ": "dj", "ј": "j",
    "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
}  # fmt: skip
_GREEK: Final = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o",
}  # fmt: skip


def _cased(table: dict[str, str]) -> dict[str, str]:
    """``table`` plus its capital letters: Ж -> Zh, Ω -> O."""
    upper = {key.upper(): value.capitalize() for key, value in table.items() if key.upper()}
    return {**upper, **table}


# Greek capitals are looked up before the GSM-7 alphabet (which has ten of them): a name
# is spelled in one script, never as "ΣΩKRATIΣ".
_SPELLINGS: Final = {**_LATIN, **_PUNCTUATION, **_cased(_CYRILLIC), **_cased(_GREEK)}
_GSM_PLAIN: Final = SMS_GSM7_BASIC - {"\n", "\r"}


def _spell_char(char: str) -> str | None:
    """A GSM-7 spelling of one character; "" when it is left out (a symbol, an emoji);
    None for a letter or digit that has none."""
    if char in _SPELLINGS:
        return _SPELLINGS[char]
    if char in _GSM_PLAIN:
        return char
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.digit(char))
    if category[0] in "LN":
        return None
    return " " if category == "Zs" else ""


# Greek digraphs read as one sound (ELOT 743): Παπαδοπούλου -> Papadopoulou.
_GREEK_DIGRAPHS: Final = regex.compile("(?i:ο[υύϋΰ]|γγ)")


def _digraph(match: regex.Match[str]) -> str:
    sound = "ng" if match[0].lower() == "γγ" else "ou"
    if match[0].isupper():
        return sound.upper()
    return sound.capitalize() if match[0][0].isupper() else sound


def _spell_word(word: str) -> str | None:
    word = _GREEK_DIGRAPHS.sub(_digraph, word)
    spelled = []
    for grapheme in _GRAPHEME.findall(word):
        if grapheme in _GSM_PLAIN and grapheme not in _SPELLINGS:
            spelled.append(grapheme)  # É, ñ, ò... are GSM-7 as they are
            continue
        for char in unicodedata.normalize("NFKD", grapheme):
            if unicodedata.category(char) in ("Mn", "Me", "Mc"):
                continue  # an accent the base letter goes without: ë -> e
            part = _spell_char(char)
            if part is None:
                return None
            spelled.append(part)
    return "".join(spelled)


def gsm_spelling(text: str) -> str:
    """``text`` in single-septet GSM-7 characters; words with no such spelling left out.

    ``"Łukasz"`` -> ``"Lukasz"``, ``"Ольга"`` -> ``"Olga"``, ``"José 🎉"`` -> ``"José"``,
    ``"王芳"`` -> ``""``. The result has a letter or digit, or is empty.
    """
    words = [_spell_word(word) for word in text.split()]
    spelled = " ".join(" ".join(word for word in words if word).split()).strip(_TRIM)
    return spelled if any(char.isalnum() for char in spelled) else ""


# --- the views a reply tries -------------------------------------------------------------


def customer_views(customer: object, spec: Channel) -> tuple[CustomerView, ...]:
    """The customer as templates see them on ``spec``, the view to use first.

    On SMS the first view is spelled in GSM-7; when the name as written differs, it
    follows, for a reply that is UCS-2 anyway. ``customer`` is a display name, an
    ``@handle``, a :class:`~replykb.models.Customer` or ``None``; anything else is a
    :class:`~replykb.errors.RenderError` (``True`` never becomes "True").
    """
    if customer is not None and not isinstance(customer, str | Customer):
        raise RenderError(
            f"the customer must be a name, an @handle or a Customer, not "
            f"{type(customer).__name__} {customer!r}"[:200],
            what="customer",
        )
    if isinstance(customer, str):
        stripped = customer.strip()
        customer = (
            Customer(handle=stripped) if looks_like_handle(stripped) else Customer(name=stripped)
        )
    elif customer is not None and (customer.name or "").strip().startswith(("@", "＠")):
        # An @handle given as the name is still a handle, never printed as a name.
        customer = Customer(handle=customer.handle or (customer.name or "").strip())
    name = _addressable(
        clean_customer_text(customer.name if customer else None, public=spec.public)
    )
    handle = clean_customer_text(customer.handle if customer else None, public=spec.public)
    mention = _mention(customer.handle if customer else None) if spec.mention else ""
    as_written = _view(name, handle, spec.count, mention)
    if spec.count != "sms":
        return (as_written,)
    spelled = _view(gsm_spelling(name), gsm_spelling(handle), spec.count, mention)
    return (spelled,) if spelled == as_written else (spelled, as_written)


def _addressable(name: str) -> str:
    """``name`` without the separators a sentence would double ("Mario," -> "Mario"), or
    "" when only punctuation is left (",", "...", ". ."): "Thanks, ,." addresses no one."""
    name = name.strip(" ,;:/")
    if all(unicodedata.category(char)[0] in "PZ" for char in name):
        return ""
    return name


# A Mastodon (ActivityPub) account: @user, or @user@domain for another server.
_MENTION: Final = regex.compile(
    r"@[A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+)?"
)


def _mention(handle: str | None) -> str:
    """``handle`` as a mention, or "" when it is not one (a name, text, a URL)."""
    stripped = (handle or "").strip()[:MAX_CUSTOMER_CHARS]
    if stripped and not stripped.startswith("@"):
        stripped = "@" + stripped
    return stripped if _MENTION.fullmatch(stripped) else ""


def looks_like_handle(text: str) -> bool:
    """Whether a customer given as bare text is a handle rather than a display name:
    ``@giulia_r``, and ``giulia_r``, ``mario.rossi`` or ``tony1987`` without the @ (one
    word of letters and digits with a digit, or joined by ``_`` or ``.``). ``Mario``,
    ``Anne-Marie``, ``J.R.`` and ``王芳`` are names; pass a
    :class:`~replykb.models.Customer` with ``name=`` to print such text anyway."""
    stripped = text.strip()
    if stripped.startswith(("@", "＠")):
        return True
    if len(stripped) > _MAX_HANDLE_CHARS:
        return False
    return _HANDLE_LIKE.fullmatch(stripped) is not None and any(
        char in "_." or char.isdigit() for char in stripped
    )


def _view(name: str, handle: str, count: CountRule, mention: str) -> CustomerView:
    # The handle is never the name: without a display name the reply addresses no one.
    return CustomerView(
        name=bound_name(name, count) if name else ABSENT_NAME,
        handle=bound_name(handle, count) if handle else "",
        anonymous=not name,
        mention=mention,
    )


# --- the worst case, for `replykb check` ---------------------------------------------------

# Real display names at (or over) every bound, in the scripts and shapes that cost most:
# the linter renders each and keeps the longest reply, so a base that passes `check`
# never fails for a real customer's name.
_WORST_NAMES: Final = (
    "Josefina Featherstonehaugh-Montgomery Jr",  # 40 GSM-7 characters: kept whole
    "Maximiliana-Josefina 🌻 Featherstonehaugh-Wolfeschlegel 🎉 III",
    "Żaneta Wiśniewska-Przybylska-Łukaszewicz",  # Polish
    "Александра Константиновна Преображенская",  # Cyrillic: longer once spelled in GSM-7
    "Ευαγγελία Παπαδοπούλου-Χατζηγεωργίου",  # Greek
    "司马王芳（北京市朝阳区望京街道社区服务中心客户关系部）",  # Chinese: twice the weight on X
    "👩🏽‍❤️‍💋‍👨🏻 María José 🇮🇹🇵🇱 👨‍👩‍👧‍👦 Zoë 🏴󠁧󠁢󠁳󠁣󠁴󠁿 Renée 🎉",  # the longest emoji sequences
    "Z\u0351\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307o\u0308\u0309\u030a\u030b"
    "\u030c\u030d\u030e\u030f\u0310\u0311ë Ångström-Øvergård Nguyễn Thị Ánh",  # marks
    "a" + "\u0301" * 300,  # one grapheme of 301 code points
)


def worst_case_names(spec: Channel) -> tuple[str, ...]:
    """Customer names that make replies on ``spec`` longest, the longest first.

    Every name a reply prints is bounded (see the module), and each of these reaches a
    bound in its own way (length, script, emoji sequences, combining marks), so no real
    name gives a longer reply than the longest of theirs.
    """
    return _worst_case_names(spec.count, spec.public)


@functools.cache
def _worst_case_names(count: CountRule, public: bool) -> tuple[str, ...]:
    spec = Channel(count=count, public=public)

    def printed(name: str) -> tuple[int, int]:
        view = customer_views(name, spec)[0]
        if view.anonymous:
            return 0, 0
        return name_units(view.name, count), len(view.name)

    return tuple(sorted(_WORST_NAMES, key=printed, reverse=True))
