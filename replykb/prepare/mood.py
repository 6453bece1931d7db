"""The customer's mood, read from the message: angry, neutral or grateful, and whether
it is urgent or not the first time they ask.

A reading weighs cues of two kinds (see :mod:`.mood_cues` for the lexicon):

- words and phrases, in English, Italian, Spanish, French, German and Portuguese:
  anger and frustration, repeated contact ("third time I ask", "sto ancora
  aspettando"), urgency, thanks and praise; praise after a negation ("not happy",
  "non sono soddisfatto") is a complaint, thanks in a message that asks something is
  courtesy, and what comes before "but" counts half;
- how it is written, which carries most of the mood on social media: emojis (an
  eye-roll turns praise into irony), words in capitals, ``!!!`` and ``??``.

Why a lexicon, and not a sentiment library or the embedding model: all three were
measured on the labelled messages of ``benchmarks/data/mood.jsonl`` (``python
benchmarks/mood.py``; figures in the README, "The customer's mood"). vaderSentiment,
made for English social-media text, read 51% right: it reads nothing in Italian
("Vergognatevi, è la terza volta che vi scrivo" scores 0.0) and takes "Can you help
me reset my password, please?" (+0.61) or "Do you do gift wrapping?" (+0.44) for
praise. The packaged all-MiniLM-L6-v2 against labelled prototypes read 69% right (it
is an English model, and a polite question sits close to thanks). The lexicon read
94%, and adding VADER's score to it changed nothing overall (two more angry messages
caught, two neutral ones lost), so replykb ships the lexicon alone: no dependency, no
model, every language read by the same rules, about 0.1 ms a message, and a reason
for every decision (``Mood.cues``).

Deterministic: the same text gives the same :class:`~replykb.models.Mood`, whatever
the thread or the process.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from ..models import Mood, MoodLabel
from . import mood_cues

__all__ = ["MAX_MOOD_CHARS", "Cue", "Reading", "read_cues", "read_mood"]

# Long e-mails carry their mood in the first paragraphs; reading at most this much
# keeps a 1 MB message to bounded time.
MAX_MOOD_CHARS: Final = 4096

# A mood needs this much weight on its side, and more than the other side has.
THRESHOLD: Final = 1.0
# Thanks in a message that asks for something ("where is my order? thanks").
COURTESY_FACTOR: Final = 0.3
# Praise in a message that also complains is more often irony than mixed feelings.
COMPLAINT_PRAISE_FACTOR: Final = 0.5
# Cues before a "but" in their sentence.
CONTRAST_FACTOR: Final = 0.5
# Praise or thanks after a negation.
NEGATED_PRAISE_WEIGHT: Final = 1.0
SHOUTING_WEIGHT: Final = 0.5
EXCLAMATION_WEIGHT: Final = 0.3
QUESTION_MARKS_WEIGHT: Final = 0.5
# Repeated-contact weight from which the flag is raised ("again" alone is not enough).
REPEATED_FLAG: Final = 0.8
REPEATED_FLAG_COMPLAINT: Final = 0.6

Category = Literal["irony", "courtesy", "anger", "repeated", "urgent", "thanks", "praise"]
Side = Literal["angry", "grateful", "none"]
_SIDES: Final[dict[Category, Side]] = {
    "irony": "angry",
    "courtesy": "none",
    "anger": "angry",
    "repeated": "angry",
    "urgent": "none",
    "thanks": "grateful",
    "praise": "grateful",
}
_LEXICON: Final[tuple[tuple[Category, Mapping[str, str]], ...]] = (
    ("irony", mood_cues.IRONY),
    ("courtesy", mood_cues.COURTESY),
    ("anger", mood_cues.ANGER),
    ("repeated", mood_cues.REPEATED),
    ("urgent", mood_cues.URGENT),
    ("thanks", mood_cues.THANKS),
    ("praise", mood_cues.PRAISE),
)
_PATTERNS: Final[tuple[tuple[Category, tuple[tuple[str, float], ...]], ...]] = (
    ("repeated", mood_cues.REPEATED_PATTERNS),
    ("urgent", mood_cues.URGENT_PATTERNS),
)


@dataclass(frozen=True)
class Cue:
    """One thing read in a message, and the weight it adds to a side."""

    position: int
    side: Side
    weight: float
    label: str


@dataclass(frozen=True)
class Reading:
    """The weight of each side and the flags, before the decision."""

    angry: float
    grateful: float
    urgent: bool
    repeated: bool
    cues: tuple[Cue, ...]

    def decide(self, threshold: float = THRESHOLD) -> MoodLabel:
        if self.angry >= threshold and self.angry > self.grateful:
            return "angry"
        if self.grateful >= threshold and self.grateful > self.angry:
            return "grateful"
        return "neutral"


def read_mood(message: str) -> Mood:
    """The customer's mood in ``message`` (see the module's docstring)."""
    reading = read_cues(message)
    score = (reading.grateful - reading.angry) / (reading.grateful + reading.angry + 1.0)
    return Mood(
        label=reading.decide(),
        score=round(score, 3),
        urgent=reading.urgent,
        repeated=reading.repeated,
        cues=tuple(cue.label for cue in reading.cues if cue.weight > 0 or cue.side == "none"),
    )


def read_cues(message: str) -> Reading:
    """Every cue of ``message`` with its weight, and the weight of each side."""
    text = message[:MAX_MOOD_CHARS]
    folded = fold(text)
    cues = _word_cues(folded)
    emojis = _emoji_cues(text)
    irony = any(label.startswith("irony emoji") for _, label, _ in emojis)
    repeated = sum(w for c, w, *_ in cues if c == "repeated")
    urgent = any(c == "urgent" for c, *_ in cues)
    complaint = sum(w for c, w, *_ in cues if _SIDES[c] == "angry")
    complaint += sum(-w for *_, w in emojis if w < 0)
    asking = _asks(folded)
    read: list[Cue] = []
    for category, weight, start, end in cues:
        phrase = folded[start:end]
        side: Side = _SIDES[category]
        label = f'{category}: "{phrase}"'
        if side == "grateful":
            if _negated(folded, start):
                # "Not happy", "non sono soddisfatto": a complaint, however mild the word.
                side, label = "angry", f'not + {category}: "{phrase}"'
                weight = max(weight, NEGATED_PRAISE_WEIGHT)
            elif irony:
                side, label = "angry", f'irony: "{phrase}"'
            else:
                if category == "thanks" and asking:
                    weight, label = weight * COURTESY_FACTOR, f'thanks in a request: "{phrase}"'
                if complaint >= THRESHOLD:
                    weight *= COMPLAINT_PRAISE_FACTOR
        if side != "none" and category != "repeated" and _boosted(folded, start):
            weight *= mood_cues.BOOST
        if side != "none" and _before_contrast(folded, start):
            weight *= CONTRAST_FACTOR
        read.append(Cue(start, side, round(weight, 3) if side != "none" else 0.0, label))
    for position, label, weight in emojis:
        read.append(Cue(position, "angry" if weight < 0 else "grateful", abs(weight), label))
    read.sort(key=lambda cue: (cue.position, cue.label))
    angry = sum(c.weight for c in read if c.side == "angry")
    grateful = sum(c.weight for c in read if c.side == "grateful")
    for position, label, weight in _typography(text):
        side = "grateful" if grateful > angry and "?" not in label else "angry"
        if label.startswith('"!') and angry == grateful == 0:
            continue  # excitement about nothing in particular
        read.append(Cue(position, side, weight, label))
        angry += weight if side == "angry" else 0.0
        grateful += weight if side == "grateful" else 0.0
    read.sort(key=lambda cue: (cue.position, cue.label))
    # "Again" alone may be "order again"; in a complaint it is the problem coming back.
    complaining = angry >= THRESHOLD and angry > grateful
    return Reading(
        angry=round(angry, 3),
        grateful=round(grateful, 3),
        urgent=urgent,
        repeated=repeated >= (REPEATED_FLAG if not complaining else REPEATED_FLAG_COMPLAINT),
        cues=tuple(read),
    )


# --- text ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents, apostrophes as ``'``, ``e'`` as ``e`` (Italian
    keyboards); one character per character of ``text`` where Unicode allows it."""
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"(?<=\w)'(?=\s|$)", " ", stripped)


def _entries(spec: str) -> Iterable[tuple[str, float]]:
    for item in spec.split("|"):
        phrase, _, weight = item.strip().partition("=")
        if phrase:
            yield fold(phrase), float(weight) if weight else 1.0


_TOKEN: Final = re.compile(r"\w+(?:[-'./]\w+)*")


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # the last one is a prefix when ``prefix``
    prefix: bool
    category: Category
    weight: float
    rank: tuple[int, int]  # earlier categories, then longer phrases, win

    def matches(self, tokens: list[str], at: int) -> bool:
        end = at + len(self.words)
        if end > len(tokens):
            return False
        *whole, last = self.words
        if any(tokens[at + i] != word for i, word in enumerate(whole)):
            return False
        return tokens[end - 1].startswith(last) if self.prefix else tokens[end - 1] == last


@dataclass(frozen=True)
class _Lexicon:
    """Every entry, indexed by its first word (or, for one-word prefixes, by the
    prefix), so a message is read in one pass over its words."""

    by_first_word: dict[str, tuple[_Entry, ...]]
    by_prefix: dict[str, tuple[_Entry, ...]]
    prefix_lengths: tuple[int, ...]
    patterns: tuple[tuple[re.Pattern[str], Category, float], ...]
    asking_words: frozenset[str]
    asking_phrases: tuple[tuple[str, ...], ...]

    def candidates(self, token: str) -> list[_Entry]:
        found = list(self.by_first_word.get(token, ()))
        for length in self.prefix_lengths:
            found.extend(self.by_prefix.get(token[:length], ()))
        found.sort(key=lambda entry: entry.rank)
        return found


def _phrase_words(phrase: str) -> tuple[tuple[str, ...], bool]:
    prefix = phrase.endswith("*")
    return tuple(_TOKEN.findall(phrase.rstrip("*"))), prefix


@functools.cache
def _lexicon() -> _Lexicon:
    by_first: dict[str, list[_Entry]] = {}
    by_prefix: dict[str, list[_Entry]] = {}
    for order, (category, languages) in enumerate(_LEXICON):
        for spec in languages.values():
            for phrase, weight in _entries(spec):
                words, prefix = _phrase_words(phrase)
                entry = _Entry(words, prefix, category, weight, (order, -len(phrase)))
                if prefix and len(words) == 1:
                    by_prefix.setdefault(words[0], []).append(entry)
                else:
                    by_first.setdefault(words[0], []).append(entry)
    patterns = tuple(
        (re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), category, weight)
        for category, specs in _PATTERNS
        for pattern, weight in specs
    )
    asking = [_phrase_words(p)[0] for spec in mood_cues.ASKING.values() for p, _ in _entries(spec)]
    return _Lexicon(
        by_first_word={k: tuple(v) for k, v in by_first.items()},
        by_prefix={k: tuple(v) for k, v in by_prefix.items()},
        prefix_lengths=tuple(sorted({len(k) for k in by_prefix})),
        patterns=patterns,
        asking_words=frozenset(words[0] for words in asking if len(words) == 1),
        asking_phrases=tuple(words for words in asking if len(words) > 1),
    )


def _word_cues(folded: str) -> list[tuple[Category, float, int, int]]:
    """(category, weight, start, end) of every entry found, left to right; a word
    belongs to one entry at most (the earliest-starting, then the highest-ranked)."""
    lexicon = _lexicon()
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    tokens = [folded[a:b] for a, b in spans]
    found: list[tuple[Category, float, int, int]] = []
    at = 0
    while at < len(tokens):
        entry = next((e for e in lexicon.candidates(tokens[at]) if e.matches(tokens, at)), None)
        if entry is None:
            at += 1
            continue
        last = at + len(entry.words) - 1
        found.append((entry.category, entry.weight, spans[at][0], spans[last][1]))
        at = last + 1
    for pattern, category, weight in lexicon.patterns:
        for match in pattern.finditer(folded):
            if not any(
                c == category and a < match.end() and match.start() < b for c, _, a, b in found
            ):
                found.append((category, weight, match.start(), match.end()))
    found.sort(key=lambda cue: cue[2])
    return found


def _asks(folded: str) -> bool:
    """Whether the message asks something: a question mark or a request's words."""
    if "?" in folded:
        return True
    lexicon = _lexicon()
    tokens = _TOKEN.findall(folded)
    if lexicon.asking_words.intersection(tokens):
        return True
    return any(
        tokens[i : i + len(words)] == list(words)
        for words in lexicon.asking_phrases
        for i, token in enumerate(tokens)
        if token == words[0]
    )


_CLAUSE_END: Final = re.compile(r"[.!?;,:\n]")
_WORD: Final = re.compile(r"\w+(?:'\w+)?")


def _clause_before(folded: str, start: int) -> str:
    ends = [m.end() for m in _CLAUSE_END.finditer(folded, 0, start)]
    return folded[ends[-1] if ends else 0 : start]


def _negated(folded: str, start: int) -> bool:
    """Whether one of the three words before ``start`` in its clause negates it."""
    words = _WORD.findall(_clause_before(folded, start))[-3:]
    return any(w in mood_cues.NEGATORS or w.endswith("n't") for w in words)


def _boosted(folded: str, start: int) -> bool:
    """Whether one of the two words before ``start`` in its clause strengthens it."""
    return any(w in mood_cues.BOOSTERS for w in _WORD.findall(_clause_before(folded, start))[-2:])


def _before_contrast(folded: str, start: int) -> bool:
    """Whether a "but" follows ``start`` in the same sentence."""
    sentence_end = re.compile(r"[.!?\n]").search(folded, start)
    after = folded[start : sentence_end.start() if sentence_end else len(folded)]
    return any(w in mood_cues.CONTRASTS for w in _WORD.findall(after)[1:])


# --- how it is written --------------------------------------------------------------

# What may follow an emoji without changing it: variation selectors, skin tones, a
# zero-width joiner and the gender sign of a ZWJ sequence.
_EMOJI_TAIL: Final = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[\u2640\u2642]")
# The same emoji repeated adds half again, up to twice its weight.
_EMOJI_REPEAT_CAP: Final = 2.0


def _emoji_cues(text: str) -> list[tuple[int, str, float]]:
    """(position, label, weight) per emoji: negative weights are anger, irony is
    labelled ``irony emoji``."""
    seen: dict[str, float] = {}
    cues = []
    for position, char in enumerate(text):
        for table, kind, sign in (
            (mood_cues.IRONY_EMOJIS, "irony emoji", -1.0),
            (mood_cues.ANGRY_EMOJIS, "emoji", -1.0),
            (mood_cues.HAPPY_EMOJIS, "emoji", 1.0),
        ):
            if char in table:
                base = table[char]
                total = seen.get(char, 0.0)
                added = base if total == 0 else min(base / 2, base * _EMOJI_REPEAT_CAP - total)
                seen[char] = total + added
                if added > 0:
                    cues.append((position, f"{kind} {char}", sign * added))
                break
    return cues


_CAPS_WORD: Final = re.compile(r"(?<![\w@#])[^\W\d_]{4,}(?![\w])")
_EXCLAMATIONS: Final = re.compile(r"!{2,}|!1+")
_QUESTIONS: Final = re.compile(r"\?[?!]+|![?!]*\?")


def _typography(text: str) -> list[tuple[int, str, float]]:
    """Shouting (words in capitals), ``!!`` and ``??``, once each."""
    found = []
    shouted = [
        m for m in _CAPS_WORD.finditer(text)
        if m.group().isupper() and m.group() not in mood_cues.ACRONYMS
    ]  # fmt: skip
    if shouted:
        words = ", ".join(m.group() for m in shouted[:3])
        weight = SHOUTING_WEIGHT * (1.5 if len(shouted) >= 3 else 1.0)
        found.append((shouted[0].start(), f"capitals: {words}", weight))
    if match := _QUESTIONS.search(text):
        found.append((match.start(), f'"{match.group()[:5]}"', QUESTION_MARKS_WEIGHT))
    if match := _EXCLAMATIONS.search(text):
        found.append((match.start(), f'"{match.group()[:5]}"', EXCLAMATION_WEIGHT))
    return found
