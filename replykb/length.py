"""Platform-exact length counting.

A reply "fits" a channel only by that platform's own arithmetic, never by ``len``:
X weighs characters and shortens every link to 23, an SMS is billed per segment,
Mastodon discounts links and the domains of remote mentions. Each rule here
follows the platform's published algorithm so the reply fitter can trust it:

``chars``
    Unicode code points (``len``).
``graphemes``
    Extended grapheme clusters (UAX #29), what a person counts as a character.
``twitter``
    twitter-text v3 weighted length (``config/v3.json``): text is NFC-normalised;
    code points in the light ranges weigh 1, all others 2; every URL twitter-text
    would extract weighs 23; every emoji sequence (ZWJ, flag, keycap, skin tone,
    tag) weighs 2 as a whole.
``sms``
    Number of SMS segments: GSM-7 (3GPP TS 23.038) when every character is in the
    default alphabet or its extension table, otherwise UCS-2 (UTF-16 code units).
    Empty text is 0 segments.
``mastodon``
    Mastodon's ``StatusLengthValidator``: every URL with a scheme counts 23, a
    mention ``@user@domain`` counts as ``@user``, and the result is measured in
    grapheme clusters (``mb_chars.grapheme_length``), like the server does.
``utf8``
    Bytes of the text's UTF-8 encoding: Instagram's Send API takes message texts of at
    most 1000 bytes (an ``è`` is 2, most emoji 4).

Known limits. URLs are found by :mod:`replykb.urls` (twitter-text 3.x's extractor, with a
snapshot of the valid top-level domains; see there). Emoji sequences are recognised by
their Unicode structure, not the RGI list: a well-formed non-RGI sequence (an unlisted
ZWJ pair, an invalid flag pair) counts 2 here where twitter-text may count its parts.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

import regex

from .urls import LATIN_ACCENTS, TWITTER_URL_RE, find_urls, mastodon_url_re, scan_urls

__all__ = [
    "COUNT_RULES",
    "MASTODON_URL_LENGTH",
    "SMS_GSM7_BASIC",
    "SMS_GSM7_MULTIPART",
    "SMS_GSM7_SINGLE",
    "SMS_UCS2_MULTIPART",
    "SMS_UCS2_SINGLE",
    "TWITTER_MAX_WEIGHTED_LENGTH",
    "TWITTER_URL_LENGTH",
    "CountRule",
    "count_length",
    "find_urls",
    "gsm_incompatible_chars",
    "is_gsm7",
    "sms_segments",
    "sms_units",
]

CountRule: TypeAlias = Literal["chars", "graphemes", "twitter", "sms", "mastodon", "utf8"]
COUNT_RULES: Final[tuple[str, ...]] = (
    "chars",
    "graphemes",
    "twitter",
    "sms",
    "mastodon",
    "utf8",
)

# --------------------------------------------------------------------------------------
# twitter-text config/v3.json, verbatim: weights are in 1/scale units.
_TW_SCALE: Final = 100
_TW_DEFAULT_WEIGHT: Final = 200
_TW_RANGES: Final[tuple[tuple[int, int, int], ...]] = (
    (0, 4351, 100),
    (8192, 8205, 100),
    (8208, 8223, 100),
    (8242, 8247, 100),
)
TWITTER_MAX_WEIGHTED_LENGTH: Final = 280
TWITTER_URL_LENGTH: Final = 23  # transformedURLLength

# Every v3 range has the same weight, so a code point weighs either "light" or "heavy"
# (the default); counting heavy code points with one C-level regex scan is then enough.
if len({weight for _, _, weight in _TW_RANGES}) != 1:  # pragma: no cover - config guard
    raise AssertionError("twitter-text v3 ranges are expected to share one weight")
_TW_LIGHT: Final = _TW_RANGES[0][2] // _TW_SCALE
_TW_HEAVY: Final = _TW_DEFAULT_WEIGHT // _TW_SCALE
_TW_EMOJI: Final = _TW_DEFAULT_WEIGHT // _TW_SCALE  # an emoji sequence weighs defaultWeight
_TW_HEAVY_RE: Final = re.compile(
    "[^" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi, _ in _TW_RANGES) + "]"
)

# --------------------------------------------------------------------------------------
# SMS: 3GPP TS 23.038 section 6.2.1 (GSM 7-bit default alphabet and extension table).
SMS_GSM7_SINGLE: Final = 160
SMS_GSM7_MULTIPART: Final = 153  # 7 septets of each part go to the concatenation header
SMS_UCS2_SINGLE: Final = 70
SMS_UCS2_MULTIPART: Final = 67

# The 128 positions of the default alphabet, less 0x1B (the escape to the extension table,
# which is not a character a message can contain).
_GSM7_BASIC: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (ESC + code).
_GSM7_EXTENSION: Final[frozenset[str]] = frozenset("\f^{}\\[~]|€")
# The characters that cost one septet each (what a reply may print freely on SMS).
SMS_GSM7_BASIC: Final = _GSM7_BASIC


def _char_class(chars: Iterable[str], *, negate: bool = False) -> str:
    """A regex character class of exactly ``chars``, each written as a hex escape."""
    body = "".join(f"\\U{ord(c):08x}" for c in sorted(chars))
    return f"[{'^' if negate else ''}{body}]"


# Plain character classes use the standard library's engine: several times faster than
# ``regex`` at scanning a long text for a set of code points.
_NON_GSM7_RE: Final = re.compile(_char_class(_GSM7_BASIC | _GSM7_EXTENSION, negate=True))
_GSM7_EXTENSION_RE: Final = re.compile(_char_class(_GSM7_EXTENSION))
_ASTRAL_RE: Final = re.compile(r"[\U00010000-\U0010FFFF]")

# --------------------------------------------------------------------------------------
# Mastodon (app/validators/status_length_validator.rb): URL_PLACEHOLDER is 23 characters.
MASTODON_URL_LENGTH: Final = 23

_GRAPHEME_RE: Final = regex.compile(r"\X")
# Code points that never join a neighbour into one grapheme cluster (UAX #29 classes
# Other, Control and LF): between two of them there is always a cluster boundary, so
# only the stretches around any other code point need real segmentation. The ranges are
# whole blocks (or blocks less their marks), checked against the Unicode data in tests.
_GRAPHEME_PLAIN: Final = (
    "\x00-\x0c\x0e-\u02ff"  # ASCII but CR, Latin-1, Latin Extended-A/B, IPA, modifiers
    "\u0370-\u0482\u048a-\u052f"  # Greek, Cyrillic (less its combining marks)
    "\u1e00-\u1fff"  # Latin Extended Additional, Greek Extended
    "\u2000-\u200b\u200e-\u20cf"  # punctuation (less ZWNJ, ZWJ), currency signs
    "\u2100-\u2bff"  # letterlike symbols ... miscellaneous symbols and arrows
    "\u3000-\u3029\u3030-\u3098\u309b-\u30ff"  # CJK punctuation, kana (less their marks)
    "\u3400-\u4dbf\u4e00-\u9fff\uff00-\uff9d"  # CJK ideographs, full/halfwidth forms
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff"  # symbols, emoji
    "\U00020000-\U0003134f"  # CJK ideographs, supplementary planes
)
_GRAPHEME_JOINING_RE: Final = re.compile(f"[^{_GRAPHEME_PLAIN}]")
_GRAPHEME_WINDOW_RE: Final = re.compile(f"(?s:.?(?:[^{_GRAPHEME_PLAIN}]++.?)+)")


# Account::MENTION_RE, and twitter-text's end_mention_match that vetoes a mention.
_M_MENTION_RE: Final = regex.compile(
    r"(?<![=/\w])@(?P<local>(?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*))(?:@\w+(?:[.-]+\w+)*)?"
)
_M_END_MENTION_RE: Final = regex.compile(f"[@\\uff20{LATIN_ACCENTS}]|://")

# --------------------------------------------------------------------------------------
# Emoji sequences (UTS #51), each of which twitter-text v3 weighs as one default-weight
# character: tag sequences (subdivision flags), flags, keycaps, and ZWJ sequences of
# pictographs with an optional skin tone or VS16. (C) and (R) are emoji only with VS16,
# and a pictograph followed by VS15 (text presentation) is text, as in twemoji-parser.
_EMOJI_ELEMENT: Final = (
    r"(?:\p{Emoji_Modifier_Base}[\U0001F3FB-\U0001F3FF]"
    r"|[\u00a9\u00ae]\ufe0f"
    r"|(?![\u00a9\u00ae])\p{Extended_Pictographic}(?!\ufe0e)\ufe0f?)"
)
_EMOJI_GLUE_RE: Final = re.compile(
    "[\u200d\ufe0f\u20e3\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
)
_EMOJI_RE: Final = regex.compile(
    r"\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"
    r"|[\U0001F1E6-\U0001F1FF]{2}"
    r"|[#*0-9]\ufe0f?\u20e3"
    f"|{_EMOJI_ELEMENT}(?:\\u200d{_EMOJI_ELEMENT})*"
)


# --------------------------------------------------------------------------------------
# Rules


def _grapheme_count(text: str) -> int:
    """Extended grapheme clusters (UAX #29), segmenting only where clusters can form.

    Each window holds a run of possibly-joining code points with one neighbour on either
    side; everything outside a window is one cluster per code point.
    """
    if text.isascii():
        return len(text) - text.count("\r\n")
    if _GRAPHEME_JOINING_RE.search(text) is None:
        return len(text)
    count = len(text)
    for window in _GRAPHEME_WINDOW_RE.findall(text):
        count -= len(window) - len(_GRAPHEME_RE.findall(window))
    return count


def _tw_weight(text: str) -> int:
    """Sum of twitter-text per-code-point weights (in characters, i.e. weight / scale)."""
    heavy = len(_TW_HEAVY_RE.findall(text))
    return _TW_LIGHT * (len(text) - heavy) + _TW_HEAVY * heavy


def _twitter_length(text: str) -> int:
    """twitter-text v3 ``parseTweet(...).weightedLength``."""
    if not text:
        return 0
    normalized = unicodedata.normalize("NFC", text)
    urls = scan_urls(TWITTER_URL_RE, normalized, require_protocol=False)
    if normalized.isascii():  # every ASCII code point is light and none starts an emoji
        return _TW_LIGHT * len(normalized) + sum(
            TWITTER_URL_LENGTH - _TW_LIGHT * (end - start) for start, end in urls
        )
    total = _tw_weight(normalized)
    for start, end in urls:
        total += TWITTER_URL_LENGTH - _tw_weight(normalized[start:end])
    if _EMOJI_GLUE_RE.search(normalized) is None:
        # Without a joiner, selector, modifier, keycap, flag letter or tag every emoji is a
        # single pictograph (U+203C or above), which weighs 2 as a character anyway.
        return total
    starts = [start for start, _ in urls]
    for emoji in _EMOJI_RE.finditer(normalized):
        # parseTweet walks the text: a URL starting first swallows any emoji inside it.
        at: int = emoji.start()
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and at < urls[i][1]:
            continue
        total += _TW_EMOJI - _tw_weight(emoji[0])
    return total


def is_gsm7(text: str) -> bool:
    """Whether ``text`` encodes in the GSM 7-bit alphabet (basic or extension table)."""
    return _NON_GSM7_RE.search(text) is None


def gsm_incompatible_chars(text: str) -> list[str]:
    """The distinct characters, in order of first appearance, that force UCS-2.

    One such character turns a 160-character SMS into a 70-character one, so a check
    can name the culprit (often a curly quote or a dash pasted from a word processor).
    """
    return list(dict.fromkeys(_NON_GSM7_RE.findall(text)))


def _segments(length: int, wide: list[int], single: int, multi: int) -> int:
    """Segments for ``length`` characters, those at the indexes ``wide`` costing 2 units.

    A 2-unit character (GSM-7 escape pair, UTF-16 surrogate pair) is never split across
    segments, so with any of them each part is filled greedily rather than divided.
    """
    total = length + len(wide)
    if total <= single:
        return 1
    if not wide:
        return -(-total // multi)
    segments = start = 0
    while start < length:
        segments += 1
        first_wide = bisect.bisect_left(wide, start)
        low, high = start + 1, min(length, start + multi)  # the part ends in (low, high]
        while low < high:  # the longest part that fits: cost grows with its end
            mid = (low + high + 1) // 2
            if mid - start + bisect.bisect_left(wide, mid) - first_wide <= multi:
                low = mid
            else:
                high = mid - 1
        start = low
    return segments


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` is sent as; 0 for empty text.

    GSM-7 when possible (160 septets, or 153 per part), else UCS-2 (70 UTF-16 code
    units, or 67 per part; a character outside the BMP takes 2). Text is sent as given:
    no normalisation or look-alike substitution is assumed of the gateway.
    """
    if not text:
        return 0
    if is_gsm7(text):
        wide = [m.start() for m in _GSM7_EXTENSION_RE.finditer(text)]
        return _segments(len(text), wide, SMS_GSM7_SINGLE, SMS_GSM7_MULTIPART)
    wide = [m.start() for m in _ASTRAL_RE.finditer(text)]
    return _segments(len(text), wide, SMS_UCS2_SINGLE, SMS_UCS2_MULTIPART)


def sms_units(text: str) -> int:
    """What ``text`` takes of an SMS segment: GSM-7 septets (2 for a character of the
    extension table) when it encodes in GSM-7, else UTF-16 code units (UCS-2)."""
    if is_gsm7(text):
        return len(text) + len(_GSM7_EXTENSION_RE.findall(text))
    return len(text) + len(_ASTRAL_RE.findall(text))


def _mastodon_length(text: str) -> int:
    """Mastodon's countable length: URLs as 23 characters, mentions without their domain.

    Like ``StatusLengthValidator#countable_text``: URL (scheme required) and mention
    entities are extracted, overlaps dropped, each rewritten, and graphemes counted.
    """
    if not text:
        return 0
    entities: list[tuple[int, int, str]] = [
        (start, end, "x" * MASTODON_URL_LENGTH)
        for start, end in scan_urls(mastodon_url_re(), text, require_protocol=True)
    ]
    if "@" in text:
        for mention in _M_MENTION_RE.finditer(text):
            if _M_END_MENTION_RE.match(text, mention.end()):
                continue
            entities.append((mention.start(), mention.end(), "@" + mention["local"]))
    if not entities:
        return _grapheme_count(text)
    entities.sort(key=lambda entity: entity[0])
    parts: list[str] = []
    position = 0
    for start, end, replacement in entities:
        if start < position:  # overlaps an entity already kept
            continue
        parts += (text[position:start], replacement)
        position = end
    parts.append(text[position:])
    return _grapheme_count("".join(parts))


def _utf8_length(text: str) -> int:
    # A lone surrogate (never in a rendered reply) counts as the 3 bytes it would take.
    return len(text.encode("utf-8", "surrogatepass"))


_COUNTERS: Final[Mapping[str, Callable[[str], int]]] = MappingProxyType(
    {
        "chars": len,
        "graphemes": _grapheme_count,
        "twitter": _twitter_length,
        "sms": sms_segments,
        "mastodon": _mastodon_length,
        "utf8": _utf8_length,
    }
)


def count_length(text: str, rule: CountRule | str) -> int:
    """The length of ``text`` as the platform behind ``rule`` counts it.

    Raises ``ValueError`` naming the known rules when ``rule`` is not one of them.
    """
    counter = _COUNTERS.get(rule)
    if counter is None:
        raise ValueError(f"unknown count rule {rule!r}; known rules: {', '.join(COUNT_RULES)}")
    return counter(text)
