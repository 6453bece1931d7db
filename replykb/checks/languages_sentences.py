"""RKB702's texts left in the source language: a translation (an answer's, or one of
replykb.yaml's reply texts and agents' signatures) with sentences that read as the
source language, or a short text that is the source's own words.

A translator who translates the first sentence and leaves the second ("I rimborsi
arrivano entro 5 giorni lavorativi. You can follow yours at {{ link }}.") gives a
translation that is complete and current, and a half-English reply. Each sentence of
at least ``MIN_WORDS`` words of letters (template spans, URLs and e-mail addresses
removed) is given to the detector the product uses for customers' messages
(:func:`replykb.prepare.language.detect_language`, over the base's languages and the
built-in ones); it is reported when the source language comes first with at least
:data:`MIN_SOURCE_SCORE`. Shorter sentences say too little to be judged (a brand, a
name, "Grazie!").

Signatures, team sign-offs and openings are mostly shorter than that: they are
reported when their words (names and the brand aside) are all words of the source
language's text for the same place ("Paola Ricci / Fernhill Customer Care" as the
Italian of "Paola Ricci / Fernhill Customer Care").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..languages import language_name
from ..models import Location
from ..render.texts import reply_texts
from .languages_copies import MIN_WORDS, is_copy
from .registry import Found
from .template_texts import JINJA_SPANS

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["MIN_SOURCE_SCORE", "source_sentences", "untranslated_sentences"]

# The source language's probability, first among the languages, for a sentence to be
# taken as left untranslated. Calibrated on the example base (answers/): English ranks
# first on none of its 156 Italian answer and short sentences of 4 words or more (the
# highest English score among them is 0.17) and on all of its 155 English ones (the
# lowest 0.89); 0.6 also takes a half-translated sentence such as "Refunds arrive
# within 5 giorni lavorativi of approval" (en 0.79).
MIN_SOURCE_SCORE = 0.6

_WORD = re.compile(r"[^\W\d_]+")
_ADDRESS = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@\S+", re.I)
# A sentence ends at . ! ? … (then a space or the end) or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def _plain(text: str) -> str:
    """``text`` without template spans, URLs and e-mail addresses."""
    return _ADDRESS.sub(" ", JINJA_SPANS.sub(" ", text))


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(_plain(text))]


def source_sentences(
    text: str, source: str, languages: Iterable[str]
) -> Iterator[tuple[int, str, float]]:
    """The sentences of ``text`` that read as ``source``: (1-based position among the
    text's sentences, the sentence as written, the source's probability)."""
    from ..prepare.language import REPLY_LANGUAGES, detect_language

    ranked = tuple(dict.fromkeys((*languages, *REPLY_LANGUAGES)))
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    for position, sentence in enumerate(sentences, 1):
        plain = _plain(sentence)
        if len(_WORD.findall(plain)) < MIN_WORDS:
            continue
        guess = detect_language(plain, ranked)
        if guess.language == source and guess.confidence >= MIN_SOURCE_SCORE:
            yield position, sentence, guess.confidence


def _shown(sentence: str) -> str:
    return sentence if len(sentence) <= 60 else sentence[:57].rstrip() + "…"


def _own_words(text: str, names: Iterable[str]) -> set[str]:
    """The words of ``text`` that are not names (the agent's, the brand)."""
    excluded = {word for name in names for word in _words(name)}
    return {word for word in _words(text) if word not in excluded}


def _borrows(translated: str, source: str, names: Iterable[str]) -> bool:
    """Whether the short ``translated`` says nothing but the source's words."""
    names = tuple(names)
    own = _own_words(translated, names)
    return bool(own) and own <= _own_words(source, names)


def untranslated_sentences(ctx: CheckContext) -> Iterator[Found]:
    """Translations whose sentences read as the source language, and translated reply
    texts or signatures that are the source's words."""
    for language in ctx.base.settings.languages[1:]:
        yield from _answer_sentences(ctx, language)
        yield from _reply_texts(ctx, language)
        yield from _signatures(ctx, language)


def _finding(
    location: Location,
    what: str,
    language: str,
    source: str,
    position: int,
    sentence: str,
    score: float,
    *,
    answer: str | None = None,
    fix: str,
) -> Found:
    name, source_name = language_name(language), language_name(source)
    return Found(
        location,
        f"sentence {position} of the {name} {what} reads as {source_name}, "
        f"probability {score:.2f}: {_shown(sentence)!r}; {name} replies would say it in "
        f"{source_name}",
        answer=answer,
        hint=fix,
    )


def _answer_sentences(ctx: CheckContext, language: str) -> Iterator[Found]:
    listed = ctx.base.settings.languages
    for answer in ctx.base.answers:
        translation = answer.translations.get(language)
        if translation is None:
            continue
        for field in ("answer", "short"):
            text = getattr(translation, field)
            if not text or is_copy(getattr(answer, field) or "", text):
                continue  # a whole copy is reported as one (languages_copies)
            for position, sentence, score in source_sentences(text, listed[0], listed):
                yield _finding(
                    answer.source.locate("translations", language, field),
                    f"`{field}:` of {answer.id!r}",
                    language,
                    listed[0],
                    position,
                    sentence,
                    score,
                    answer=answer.id,
                    fix=f"translate that sentence of `translations: {language}: {field}:` "
                    f"of {answer.id!r}, then run `replykb translations --mark-current "
                    f"{answer.id} {language}`",
                )


def _reply_texts(ctx: CheckContext, language: str) -> Iterator[Found]:
    """replykb.yaml's `translations.<language>`: invitation, team sign-off, openings."""
    settings, where = ctx.base.settings, ctx.base.settings_source
    own = settings.translations.get(language)
    if own is None:
        return
    source = settings.languages[0]
    theirs = reply_texts(settings, source)
    brand = (settings.brand,)
    name, source_name = language_name(language), language_name(source)
    texts: list[tuple[tuple[str | int, ...], str, tuple[str, ...]]] = []
    if own.private_invite:
        texts.append((("private_invite",), own.private_invite, (theirs.private_invite.source,)))
    if own.team_signature:
        texts.append((("team_signature",), own.team_signature, (theirs.team_signature.source,)))
    for key in ("openings", "anonymous_openings"):
        source_openings = theirs.openings if key == "openings" else theirs.anonymous_openings
        builtin = getattr(theirs.builtin, key)
        for tone, variants in getattr(own, key).items():
            compared = source_openings[tone].variants if tone in source_openings else ()
            for i, variant in enumerate(variants):
                texts.append(((key, tone, i), variant, (*compared, *builtin.get(tone, ()))))
    for path, text, source_texts in texts:
        location = where.locate("translations", language, *path)
        key = f"translations: {language}: {path[0]}:"
        fix = f"write `{key}` in {name}"
        found = next(source_sentences(text, source, settings.languages), None)
        if found is not None:
            yield _finding(location, f"`{path[0]}:`", language, source, *found, fix=fix)
        elif any(_borrows(text, other, brand) for other in source_texts):
            yield Found(
                location,
                f"the {name} `{path[0]}:` {text!r} is in {source_name}: its words are "
                f"the {source_name} text's; {name} replies would say it in {source_name}",
                hint=fix,
            )


def _signatures(ctx: CheckContext, language: str) -> Iterator[Found]:
    """Agents' signatures in ``language`` that are their source-language ones."""
    settings, where = ctx.base.settings, ctx.base.settings_source
    source = settings.languages[0]
    name, source_name = language_name(language), language_name(source)
    for agent_id, agent in settings.agents.items():
        translated = agent.translations.get(language)
        if translated is None:
            continue
        names = (agent.name, translated.name or "", settings.brand)
        for channel, signature in translated.signatures.items():
            theirs = agent.signatures.get(channel)
            location = where.locate(
                "agents", agent_id, "translations", language, "signatures", channel
            )
            fix = f"write {agent_id}'s {name} {channel} signature in {name}"
            found = next(source_sentences(signature, source, settings.languages), None)
            if found is not None:
                what = f"{channel} signature of {agent_id}"
                yield _finding(location, what, language, source, *found, fix=fix)
            elif theirs is not None and _borrows(signature, theirs, names):
                yield Found(
                    location,
                    f"{agent_id}'s {name} {channel} signature {signature!r} is in "
                    f"{source_name}: its words, names aside, are those of the "
                    f"{source_name} one ({theirs!r}); {name} replies would sign in "
                    f"{source_name}",
                    hint=fix,
                )
