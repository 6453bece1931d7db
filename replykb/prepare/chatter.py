"""Whether a message carries a request: what is left once greetings, thanks, sign-offs,
mail-client signatures, @mentions, emoji and punctuation are removed.

A message that is only "buongiorno", "grazie!", "Sent from my iPhone", "@FernhillCare"
or "🙏" asks nothing, yet the model finds a nearest answer for it, sometimes above
the threshold (the example base sent its gift-card answer to "buongiorno"). The triage
core (:mod:`replykb.triage`) makes such a message a ``no_match`` with the reason
``no-request``. Only the words of :mod:`replykb.prepare.chatter_words` and the base's
own names (agents, brand) are removed, and only to decide: a message with anything
else in it ("ciao, il mio ordine non è arrivato") is matched whole, as it came.

Plain regular expressions over the text; no model, so every door decides the same.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from . import chatter_words as words

__all__ = ["carries_request", "request_words"]

# A word: letters or digits, with inner apostrophes ("d'accordo", "merci d'avance").
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# An @mention (X, Instagram, a chat's @agent), not the middle of an e-mail address.
_MENTION = re.compile(r"(?<![\w.])@[\w.]+")
# "ciaooo", "grazieee", "hiiii": a letter said three times or more, as once.
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
# A customer's own name signing off ("Grazie, Marco"): at most this many capitalized
# words right after a greeting, thanks or sign-off, in a message with no question mark.
MAX_NAME_WORDS = 2
# A longer message is taken to hold a request without reading it: greetings, thanks
# and a signature are far shorter, and it bounds the time a crafted message takes.
MAX_CHATTER_CHARS = 1_000
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def carries_request(text: str, names: Iterable[str] = ()) -> bool:
    """Whether ``text`` holds anything but greetings, thanks, sign-offs, mail-client
    signatures, @mentions, emoji and punctuation (in en, it, es, fr, de, pt), and
    ``names`` (the agents' names and the brand, which customers greet: "ciao Paola",
    "thanks Fernhill!").

    >>> carries_request("Buongiorno! 🙏"), carries_request("ciao, il mio ordine?")
    (False, True)
    """
    if len(text) > MAX_CHATTER_CHARS:
        return True
    # Past MAX_NAME_WORDS words left, it holds a request: no need to read on.
    return bool(request_words(text, names, enough=MAX_NAME_WORDS + 1))


def request_words(text: str, names: Iterable[str] = (), *, enough: int = 0) -> list[str]:
    """The words of ``text`` that are not chatter (lower-cased), in order: none when the
    message carries no request (see :func:`carries_request`). With ``enough``, stops
    once that many are found."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    lines = [line for line in text.split("\n") if not _is_client_line(line)]
    text = _MENTION.sub(" ", "\n".join(lines))
    tokens = [found.group() for found in _WORD.finditer(text)]
    lowered = [_plain(token) for token in tokens]
    phrases, longest = _phrases(tuple(sorted({name.strip() for name in names if name.strip()})))
    left: list[int] = []
    # Positions where a removed phrase ended: a capitalized name may follow one.
    after_phrase: set[int] = set()
    position = 0
    while position < len(lowered):
        for size in range(min(longest, len(lowered) - position), 0, -1):
            if tuple(lowered[position : position + size]) in phrases:
                position += size
                after_phrase.add(position)
                break
        else:
            left.append(position)
            position += 1
            if len(left) == enough:
                break
    if _signed_name(left, tokens, after_phrase) and "?" not in text:
        return []
    return [lowered[place] for place in left]


def _plain(token: str) -> str:
    lowered = token.casefold()
    return _STRETCHED.sub(r"\1", lowered)


def _signed_name(places: list[int], tokens: list[str], after_phrase: set[int]) -> bool:
    """Whether the words at ``places`` are a name right after a greeting, thanks or
    sign-off ("Grazie, Marco"): at most MAX_NAME_WORDS capitalized words in a run."""
    if not places or len(places) > MAX_NAME_WORDS or places[0] not in after_phrase:
        return False
    consecutive = all(b == a + 1 for a, b in itertools.pairwise(places))
    return consecutive and all(tokens[p][:1].isupper() and tokens[p][1:].islower() for p in places)


@lru_cache(maxsize=16)
def _phrases(names: tuple[str, ...]) -> tuple[frozenset[tuple[str, ...]], int]:
    """Every phrase of the lists (and ``names``), as tuples of plain words, and the
    length of the longest (phrases are found longest first)."""
    found: set[tuple[str, ...]] = set()
    for lists in (words.GREETINGS, words.THANKS, words.SIGN_OFFS):
        for phrases in lists.values():
            found.update(_split(phrase) for phrase in phrases)
    found.update(_split(name) for name in names)
    found.discard(())
    return frozenset(found), max(len(phrase) for phrase in found)


def _split(phrase: str) -> tuple[str, ...]:
    phrase = unicodedata.normalize("NFKC", phrase).translate(_APOSTROPHES)
    return tuple(_plain(found.group()) for found in _WORD.finditer(phrase))


_CLIENT_OPENERS = tuple(
    sorted({_split(o) for lists in words.CLIENT_OPENERS.values() for o in lists}, key=len)
)
_CLIENT_NAMES = frozenset(words.CLIENT_NAMES)
# Longer lines are the customer's: no client writes this much ("Sent from my iPhone").
MAX_CLIENT_LINE_CHARS = 100


def _is_client_line(line: str) -> bool:
    """Whether ``line`` is a mail client's ("Sent from my iPhone", "Inviato da iPhone")."""
    if "?" in line or len(line) > MAX_CLIENT_LINE_CHARS:
        return False
    plain = [_plain(found.group()) for found in _WORD.finditer(line)]
    if not plain or len(plain) > words.MAX_CLIENT_LINE_WORDS:
        return False
    opens = any(tuple(plain[: len(opener)]) == opener for opener in _CLIENT_OPENERS)
    return opens and any(word in _CLIENT_NAMES for word in plain)
