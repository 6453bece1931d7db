"""Whether a message carries a request: what is left once greetings, thanks, sign-offs,
mail-client signatures, @mentions, emoji and punctuation are removed.

A message that is only "buongiorno", "grazie!", "Sent from my iPhone", "@FernhillCare"
or "🙏" asks nothing, yet the model finds a nearest answer for it, sometimes above
the threshold (the example base sent its gift-card answer to "buongiorno"). The triage
core (:mod:`replykb.triage`) makes such a message a ``no_match`` with the reason
``no-request``. Only the words of :mod:`replykb.prepare.chatter_words` and the base's
own names (agents, brand) are removed to decide. A message with anything else in it
("Buongiorno, dov'è il mio ordine? Grazie mille") is matched without its polite frame
(:func:`request_text`): the leading greeting and the trailing thanks and sign-off weigh
in the vector of a short message as much as its request, and turned confident Italian
matches into ambiguous ones. The whole message is kept for the mood, the reply's
language and display.

Plain regular expressions over the text; no model, so every door decides the same.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from . import chatter_words as words

__all__ = ["carries_request", "request_text", "request_words"]

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


# Words that are a frame only when punctuation or a line break sets them off from the
# rest: at the edge of a request they may be its topic ("evening delivery?", "which
# plan is best").
SET_OFF_ONLY: frozenset[tuple[str, ...]] = frozenset(
    (word,)
    for word in (
        "morning", "afternoon", "evening", "greetings", "dear", "yo", "best", "regards",
        "cheers", "bye", "ty", "lg", "mfg", "liebe", "lieber", "buenas", "salut", "oi",
    )
)  # fmt: skip
# Words after which thanks are what is said, not a closing ("pass on my thanks").
_THANKS_AS_OBJECT = frozenset(
    ("my", "our", "your", "his", "her", "their", "the", "a", "say", "said", "send", "no",
     "on", "to", "mie", "miei", "i", "dei", "di", "un", "dire", "detto", "mis", "meus")
)  # fmt: skip
# What is left of a framed message is matched without its frame only when it holds at
# least this many words that are not chatter (as many as make a message a request in
# carries_request).
MIN_REQUEST_WORDS = MAX_NAME_WORDS + 1
_WORD_AT = re.compile(r"[^\W_]+(?:['’‘`´][^\W_]+)*|(?<![\w.])@[\w.]+")


def request_text(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without its polite frame, the part that is matched: the greetings (and
    @mentions, the agent's or brand's name, a name right after a greeting) it opens
    with, and the thanks, sign-offs, a signing name and mail-client lines it closes
    with. The request itself is never cut into; a message that is only a frame (it
    asks nothing, see :func:`carries_request`) and one without a frame come back as
    they are.

    >>> request_text("Salve, dov'è il mio ordine? Grazie mille, Marco")
    "dov'è il mio ordine?"
    """
    _, longest = _phrases(tuple(sorted({name.strip() for name in names if name.strip()})))
    named = {_split(name) for name in names if name.strip()} - {()}
    greetings = _kind_phrases(words.GREETINGS)
    closings = _kind_phrases(words.THANKS) | _kind_phrases(words.SIGN_OFFS)
    end = _end_without_client_lines(text)
    head = _tokens(text[: min(end, MAX_CHATTER_CHARS)], 0)
    start = _leading_frame_end(text, head, greetings, named, longest)
    tail_from = max(start, end - MAX_CHATTER_CHARS)
    tail = [t for t in _tokens(text[tail_from:end], tail_from) if t[0] >= start]
    if tail_from > start and tail:
        tail = tail[1:]  # the window may have cut the first word in two
    stop = _trailing_frame_start(text, tail, closings, named, longest, end)
    middle = text[start:stop].strip(" \t\n\r,;:-–—")
    if start == 0 and stop == len(text):
        return text
    # A short rest may be what the frame means ("great, thanks!", "have a good day,
    # bye", "hey, what's new"): the frame is kept unless a request is left.
    if len(request_words(middle, names, enough=MIN_REQUEST_WORDS)) < MIN_REQUEST_WORDS:
        return text
    return middle


_Token = tuple[int, int, str]  # start, end, the plain word (or "@" for a mention)


def _tokens(text: str, offset: int) -> list[_Token]:
    found = []
    for token in _WORD_AT.finditer(text):
        word = token.group()
        plain = "@" if word.startswith("@") else _plain(_split_one(word))
        found.append((token.start() + offset, token.end() + offset, plain))
    return found


def _split_one(word: str) -> str:
    return unicodedata.normalize("NFKC", word).translate(_APOSTROPHES)


def _set_off(gap: str) -> bool:
    """Whether the text between two words separates them (punctuation, a line break,
    an emoji), not only spaces."""
    return any(not char.isspace() or char == "\n" for char in gap)


def _leading_frame_end(
    text: str,
    tokens: list[_Token],
    greetings: set[tuple[str, ...]],
    named: set[tuple[str, ...]],
    longest: int,
) -> int:
    """Where the request starts: after the greetings and mentions it opens with, and
    the agent's or brand's name right after a greeting ("Ciao Paola,"; "fernhill app
    freezes" keeps its name)."""
    position, start, greeted = 0, 0, False
    plain = [t[2] for t in tokens]
    while position < len(tokens):
        if plain[position] == "@":
            start, position = tokens[position][1], position + 1
            continue
        for size in range(min(longest, len(tokens) - position), 0, -1):
            phrase = tuple(plain[position : position + size])
            if phrase not in greetings and not (greeted and phrase in named):
                continue
            after = position + size
            gap = text[tokens[after - 1][1] : tokens[after][0]] if after < len(tokens) else ""
            if phrase in SET_OFF_ONLY and not _set_off(gap):
                continue
            start, position, greeted = tokens[after - 1][1], after, True
            break
        else:
            break
    if greeted and position < len(tokens):
        # "Ciao Marco, ...": a capitalized name right after the greeting, set off.
        for size in range(1, MAX_NAME_WORDS + 1):
            run = tokens[position : position + size]
            if len(run) < size or not all(_capitalized(text[a:b]) for a, b, _ in run):
                break
            if _set_off(text[start : run[0][0]]):
                break
            following = position + size
            gap = text[run[-1][1] : tokens[following][0]] if following < len(tokens) else ""
            if gap.strip().startswith((",", "\n")) or "\n" in gap:
                start = run[-1][1]
                break
    return start


def _trailing_frame_start(
    text: str,
    tokens: list[_Token],
    closings: set[tuple[str, ...]],
    named: set[tuple[str, ...]],
    longest: int,
    end: int,
) -> int:
    """Where the request stops: before the thanks, sign-offs and names it closes with.
    A closing must be set off from the request by punctuation, except thanks not said
    as an object ("dov'è il mio ordine grazie"; "please pass on my thanks" keeps it);
    the agent's or brand's name only right after a closing ("grazie Fernhill!")."""
    stop, position = end, len(tokens)
    plain = [t[2] for t in tokens]
    closed = False
    thanks = _kind_phrases(words.THANKS)
    while position > 0:
        for size in range(min(longest, position), 0, -1):
            phrase = tuple(plain[position - size : position])
            first = position - size
            if phrase in named and first > 0:
                if not any(
                    tuple(plain[max(0, first - n) : first]) in closings
                    for n in range(1, longest + 1)
                ):
                    continue
            elif phrase not in closings:
                continue
            gap = text[tokens[first - 1][1] : tokens[first][0]] if first > 0 else ""
            if phrase in named or _set_off(gap):
                pass
            elif (
                phrase in SET_OFF_ONLY
                or phrase not in thanks
                or plain[first - 1] in _THANKS_AS_OBJECT
            ):
                continue
            stop, position, closed = tokens[first][0], first, True
            break
        else:
            signed = 0 if closed else _signed_name_size(text, tokens, position, closings, longest)
            if signed:
                # "Grazie mille, Marco": the customer's name after the closing.
                position -= signed
                stop = tokens[position][0]
                continue
            break
    return stop if closed else end


def _signed_name_size(
    text: str, tokens: list[_Token], position: int, closings: set[tuple[str, ...]], longest: int
) -> int:
    """How many words before ``position`` are a name signing after a closing ("Grazie
    mille, Marco"): capitalized, at most MAX_NAME_WORDS, set off from the closing, in
    a message whose end asks nothing; 0 when they are not."""
    for size in range(1, min(MAX_NAME_WORDS, position) + 1):
        start, stop, _ = tokens[position - size]
        if not _capitalized(text[start:stop]) or "?" in text[start:]:
            return 0
        before = position - size
        for phrase_size in range(min(longest, before), 0, -1):
            if tuple(t[2] for t in tokens[before - phrase_size : before]) in closings:
                gap = text[tokens[before - 1][1] : tokens[before][0]]
                return size if _set_off(gap) else 0
    return 0


def _capitalized(word: str) -> bool:
    return word[:1].isupper() and (word[1:].islower() or len(word) == 1)


def _end_without_client_lines(text: str) -> int:
    """The end of ``text`` without the mail-client lines that close it."""
    end = len(text.rstrip())
    while end > 0:
        line_start = text.rfind("\n", 0, end) + 1
        if not _is_client_line(_split_one(text[line_start:end])):
            return end
        end = len(text[:line_start].rstrip())
    return end


@lru_cache(maxsize=4)
def _kind_phrases_cached(kind: tuple[tuple[str, ...], ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(_split(phrase) for phrases in kind for phrase in phrases) - {()}


def _kind_phrases(lists: dict[str, tuple[str, ...]]) -> set[tuple[str, ...]]:
    return set(_kind_phrases_cached(tuple(lists.values())))
