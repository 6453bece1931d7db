"""RKB7xx: languages and translations (README: "Languages").

The source language is ``languages[0]`` of replykb.yaml; every other listed language
needs a translation of every answer, made from the source as it is now and keeping
its facts, and replies in it need texts in it. This module declares the family and
the rules that read the loaded base (RKB701-704, 708, 709; RKB704 also reads the
languages' render sweeps); RKB705 is in languages_fit.py, RKB706 in
languages_matching.py, RKB707 in languages_model.py, RKB710 and RKB711 in languages_templates.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..languages import ISO_639_1, language_name, translation_status
from ..models import Answer, Location
from ..render.texts import fallback_texts
from .facts import fact_findings
from .languages_copies import untranslated_copies
from .languages_sentences import untranslated_sentences
from .languages_tokens import HardToken, missing_tokens
from .model_kind import model_phrase
from .registry import Family, Found
from .sweep import sweep_answers
from .ticket_texts import fallback_gaps

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["LanguagePlace", "language_places", "languages", "model_phrase"]

languages = Family("languages", "RKB7xx", "languages and translations")


@dataclass(frozen=True)
class LanguagePlace:
    """Where a language code is written, in what (for messages), and in which answer."""

    code: str
    location: Location
    what: str
    answer: str | None = None


def language_places(ctx: CheckContext) -> Iterator[LanguagePlace]:
    """Every language code the base writes, where it writes it."""
    settings, where = ctx.base.settings, ctx.base.settings_source
    listed = ("languages",) in where.positions or ("language",) not in where.positions
    for i, code in enumerate(settings.languages):
        location = where.locate("languages", i) if listed else where.locate("language")
        yield LanguagePlace(code, location, "`languages:`" if listed else "`language:`")
    for code in settings.translations:
        yield LanguagePlace(code, where.locate("translations", code), "`translations:`")
    for agent_id, agent in settings.agents.items():
        for code in agent.translations:
            yield LanguagePlace(
                code,
                where.locate("agents", agent_id, "translations", code),
                f"{agent_id}'s `translations:`",
            )
    for answer in ctx.base.answers:
        for code in answer.translations:
            yield LanguagePlace(
                code,
                answer.source.locate("translations", code),
                f"the `translations:` of {answer.id!r}",
                answer.id,
            )


@languages.rule(
    "RKB701",
    "error",
    "language code not in ISO 639-1",
    hint="use the ISO 639-1 code of the language, such as en, it, es, fr, de or pt",
)
def iso_codes(ctx: CheckContext) -> Iterator[Found]:
    """
    A two-letter code under `languages:` (or the old `language:`), or a `translations:`
    key of replykb.yaml, of an agent or of an answer, that is not an ISO 639-1 code:
    built-in texts, language identification and the readers of the base know
    languages by these codes only. Each place is reported (each needs the fix).
    ```yaml
    languages: [en, jp]                      # Japanese is `ja` (JP is the country)
    ```
    Fix: write the language's ISO 639-1 code (en, it, es, fr, de, pt...).
    """
    for place in language_places(ctx):
        if place.code not in ISO_639_1:
            yield Found(
                place.location,
                f"{place.code!r} in {place.what} is not an ISO 639-1 language code",
                answer=place.answer,
            )


@languages.rule(
    "RKB702",
    "error",
    "translation missing",
    hint="write the translation under `translations: <lang>:` of the answer",
)
def missing_translations(ctx: CheckContext) -> Iterator[Found]:
    """
    An answer with no translation into a language of `languages:` (never sent in it:
    its messages are matched through the source's questions, which an English-only
    model rarely matches them to, so most go to other answers), or a translation
    without `short:` while the source has one (the short form, sent where the full
    answer does not fit, would be missing). A translation without `questions:` is
    reported here too when the model is not known to be multilingual (RKB707): its
    language's messages are matched to other answers' questions in that language, and
    it is seldom sent; with a multilingual model, the policy's `min_questions`
    (RKB602) counts each language's questions. And a translation whose `answer:` or `short:`
    prints a ticket detail (`{{ details.order_id }}`, unguarded) whose `fallback:` only
    the source gives: on public channels and for tickets without the detail, its reply
    prints the source language's fallback (`Segui your order al link`); a fallback with
    no words (a link, an e-mail address, a number) is the same in every language. It
    is reported here, not as RKB105 (a detail with no fallback at all: no reply),
    because the cause is the one of a missing `short:`: a text the source has and the
    translation lacks. Reported at the translation's text that prints it. And a
    translation's `answer:` or `short:` that is the source's text untranslated (the
    same words once case, whitespace and punctuation are ignored), even marked
    current: its replies would be in the source language. Only texts of at least
    4 words of letters (outside `{{ }}`, URLs and e-mail addresses) count: a URL, a
    number or a brand name alone may be the same in every language. Reported at that
    text's line. And a sentence left in the source language in a translation's
    `answer:` or `short:`, or in replykb.yaml's `translations: <lang>:`
    `private_invite:`, `team_signature:` and openings, or an agent's translated
    signature: each sentence of at least 4 words of letters is given to the language
    detector `suggest` uses, and reported when the source language comes first with
    a probability of 0.6 or more; a shorter sign-off or opening is reported when its
    words (names and the brand aside) are all the source language text's
    (`Paola Ricci / Fernhill Customer Care` as the Italian e-mail signature).
    ```yaml
    # replykb.yaml: languages: [en, it]
    id: double-charge                        # no `translations: it:`
    short: "Refunded in 3 working days: {{ link }}"
    ```
    Fix: add `translations: it:` with `answer:` (and `short:` when the source has one),
    then `replykb translations --mark-current ID it`; for a detail, its fallback in the
    language: `translations: it: details: {order_id: {fallback: il tuo ordine}}`; for a
    copy, translate the text, then mark it current.
    """
    listed = ctx.base.settings.languages
    english_only = model_phrase(ctx) is not None
    for status in translation_status(ctx.base):
        answer = ctx.base.answer(status.answer_id)
        name = language_name(status.language)
        if status.state == "missing":
            # Where `replykb translations` says it too: its `translations:`, or `answer:`.
            yield Found(
                status.location,
                f"answer {answer.id!r} has no {name} translation (`languages:` lists "
                f"{', '.join(listed)}): {_unreached(ctx, status.language)} and it is "
                f"never sent in {name}",
                answer=answer.id,
            )
        elif english_only and not answer.translations[status.language].questions:
            yield Found(
                answer.source.locate("translations", status.language),
                f"the {name} translation of {answer.id!r} has no {name} questions: "
                f"{_unreached(ctx, status.language)}, so its {name} text is seldom sent",
                answer=answer.id,
                hint=f"add `questions:` in {name} to `translations: {status.language}:` of "
                f"{answer.id!r} (the ways customers ask it in {name})",
            )
        for field in status.missing_fields:
            yield Found(
                answer.source.locate("translations", status.language),
                f"the {name} translation of {answer.id!r} has no `{field}:` while the source "
                f"has one: where the full answer does not fit, the {name} reply has no "
                f"`{field}` form",
                answer=answer.id,
                hint=f"add `{field}:` to `translations: {status.language}:` of {answer.id!r}",
            )
        for gap in fallback_gaps(answer, status.language):
            where = " and ".join(f"`{key}:`" for key in gap.texts)
            yield Found(
                gap.location,
                f"the {name} translation of {answer.id!r} prints details.{gap.name} in {where} "
                f"with no {name} `fallback:`: public replies and tickets without it get the "
                f"source's {gap.fallback!r}",
                answer=answer.id,
                related=[answer.source.locate("details", gap.name, "fallback")],
                hint=f"add `details: {{{gap.name}: {{fallback: ...}}}}` in {name} to "
                f"`translations: {status.language}:` of {answer.id!r}",
            )
    yield from untranslated_copies(ctx)
    yield from untranslated_sentences(ctx)


def _unreached(ctx: CheckContext, language: str) -> str:
    """What happens to messages in ``language`` about an answer without questions in it."""
    name, source = language_name(language), language_name(ctx.base.settings.languages[0])
    model = model_phrase(ctx)
    if model is None:
        return f"{name} messages about it are matched through its {source} questions"
    return (
        f"{name} messages about it are matched to other answers (with {model} they rarely "
        f"reach its {source} questions)"
    )


@languages.rule(
    "RKB703",
    "error",
    "translation stale or never marked as reviewed",
    hint="review the translation against the source, then run "
    "`replykb translations --mark-current ID LANG`",
)
def stale_translations(ctx: CheckContext) -> Iterator[Found]:
    """
    A translation records, as `source:`, the version of the source's texts (`answer`,
    `short`, `facts`) it was reviewed against. The source was edited since (stale),
    or the translation was never marked (no `source:`): it may say something the
    source no longer says.
    ```yaml
    answer: Refunds take 3 working days...   # was "5 working days"
    translations:
      it:
        source: 3f2a9c1e0b7d                 # recorded for the old text
        answer: I rimborsi richiedono 5 giorni lavorativi...
    ```
    Fix: review the translation against the source, correct it, then run
    `replykb translations --mark-current ID LANG` (it writes the current `source:`).
    """
    for status in translation_status(ctx.base):
        if status.state not in ("stale", "unmarked"):
            continue
        answer = ctx.base.answer(status.answer_id)
        name = language_name(status.language)
        command = f"`replykb translations --mark-current {answer.id} {status.language}`"
        if status.state == "stale":
            yield Found(
                answer.source.locate("translations", status.language, "source"),
                f"the {name} translation of {answer.id!r} was reviewed against source "
                f"version {status.recorded}, but the source's `answer`, `short` or `facts` "
                f"changed since (now {status.current})",
                answer=answer.id,
                hint=f"review it against the source's texts, correct it, then run {command}",
            )
        else:
            yield Found(
                answer.source.locate("translations", status.language),
                f"the {name} translation of {answer.id!r} was never marked as reviewed "
                "against the source (no `source:`)",
                answer=answer.id,
                hint=f"review it against the source's texts, then run {command}",
            )


@languages.rule(
    "RKB704",
    "error",
    "fact of the source missing from a translation",
    hint="write the source's numbers, amounts, dates, times, URLs, e-mails and phone "
    "numbers in the translation as digits and symbols",
)
def translated_facts(ctx: CheckContext) -> Iterator[Found]:
    """
    Compared across languages: every amount, percentage, number, time, date, URL,
    e-mail address and phone number of the source's `answer`, `short` and `facts`
    must be in the translation's same field, written in any of the ways languages
    write it (`£3.95` = `£3,95` = `3,95 £`; `8pm` = `20:00` = `20`; `24 December` =
    `24 dicembre`; phone numbers by their digits). Numbers must be digits (`3 giorni`,
    not `tre giorni`). A date written with numbers is read day first in every
    language, as Italian, Spanish, French, German, Portuguese and British English
    write it: `1/2/2027` is 1 February in the source and in the translation, so a
    true translation keeps `1/2/2027` (or `1 febbraio 2027`) and a swapped
    `2/1/2027` is reported; a US English base writes `January 2, 2027` or
    `2027-01-02`, which read one way only. And every `facts:` item of a translation
    must be in that language's reply on every channel, as RKB301 asks of the source.
    ```yaml
    answer: Standard delivery is £3.95, free over £40.
    translations:
      it:
        answer: La consegna costa £4,95, gratuita sopra le 40 sterline.   # no £3.95
    ```
    Fix: keep the source's values in the translation (and its translated facts in
    `short:` and early in `answer:`, so every form keeps them).
    """
    for answer in ctx.base.answers:
        for language, translation in answer.translations.items():
            if language not in ctx.base.settings.languages[1:]:
                continue  # RKB708
            for field in ("answer", "short", "facts"):
                source, translated = _texts(answer, field), _texts(translation, field)
                if not source or (field == "short" and not translated):
                    continue  # no short in the translation: RKB702
                lost = missing_tokens(source, translated)
                if lost:
                    yield _lost(answer, language, field, lost, bool(translated))
    for language, sweep in ctx.language_sweeps.items():
        answers = sweep_answers(ctx, language)
        yield from fact_findings(ctx, sweep, answers, language_name(language))


def _texts(holder: object, field: str) -> list[str]:
    value = getattr(holder, field)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _lost(answer: Answer, language: str, field: str, lost: list[HardToken], has: bool) -> Found:
    name = language_name(language)
    shown = ", ".join(str(token) for token in lost)
    where = ("translations", language, field) if has else ("translations", language)
    which = f"`{field}`" if field != "facts" else "`facts:`"
    dates = [token.text for token in lost if token.day_first]
    return Found(
        answer.source.locate(*where),
        f"the {name} {which} of {answer.id!r} lacks {shown} of the source's {which}"
        + ("" if has else f" (the {name} translation has no `{field}:`)")
        + (
            f"; dates written with numbers are read day first in every language "
            f"({', '.join(dates)}: day/month/year, as in British English)"
            if dates
            else ""
        ),
        answer=answer.id,
        hint="write the same day and month in the same order as the source (day first); "
        "a US English source writes the month's name (January 2, 2027) or 2027-01-02"
        if dates
        else None,
    )


@languages.rule(
    "RKB708",
    "error",
    "translation for a language not in `languages:`",
    hint="add the language to `languages:` in replykb.yaml, or remove the translation",
)
def unlisted_languages(ctx: CheckContext) -> Iterator[Found]:
    """
    A `translations:` block (of an answer, an agent, or replykb.yaml's overrides) for
    a language that `languages:` does not list is never used: no reply is in that
    language. A block for the source language (the first of `languages:`) is
    reported too (an answer's or an agent's: their own texts and `signatures:` are
    already the source language's; replykb.yaml's `translations: <source>:` is where a
    source language without built-in texts gets its `private_invite:`, `cut_marker:`
    and `team_signature:`).
    ```yaml
    languages: [en, it]
    translations:
      fr:                                    # French is not listed
        answer: ...
    ```
    Fix: add the language to `languages:` (then every answer needs it), or remove the
    block; for the source language, move its texts to the top-level keys.
    """
    listed = ctx.base.settings.languages
    for place in language_places(ctx):
        if place.what.endswith(("`languages:`", "`language:`")) or place.code not in ISO_639_1:
            continue  # the list itself; an unknown code is RKB701
        name = language_name(place.code)
        if place.code == listed[0] and place.what == "`translations:`":
            # replykb.yaml's: the home of the source's invitation, cut marker and team
            # sign-off; its openings and out-of-scope messages have top-level keys.
            texts = ctx.base.settings.translations[place.code]
            for key in ("openings", "anonymous_openings", "out_of_scope"):
                if getattr(texts, key):
                    yield Found(
                        ctx.base.settings_source.locate("translations", place.code, key),
                        f"`translations: {place.code}: {key}:` is for {name}, the source "
                        f"language, whose {key.replace('_', ' ')} are the top-level "
                        f"`{key}:`: these are never used",
                        hint=f"move them to the top-level `{key}:`",
                    )
            continue
        if place.code == listed[0]:
            yield Found(
                place.location,
                f"{place.what} has a block for {name}, the source language: its texts "
                "are the ones outside `translations:`",
                answer=place.answer,
                hint="move these texts to the top-level keys (or the answer's own), and "
                "remove the block",
            )
        elif place.code not in listed:
            yield Found(
                place.location,
                f"{place.what} has a block for {name}, which `languages:` does not list "
                f"({', '.join(listed)}): no reply is ever in {name}",
                answer=place.answer,
            )


@languages.rule(
    "RKB709",
    "error",
    "language without built-in texts gets English ones",
    hint="write the language's texts under `translations: <lang>:` of replykb.yaml and the "
    "agents' `translations: <lang>: signatures:`",
)
def english_fallback_texts(ctx: CheckContext) -> Iterator[Found]:
    """
    replykb has built-in openings, private invitations, cut markers, team sign-offs
    and agents' default signatures in English, Italian, Spanish, French, German and
    Portuguese. In any other listed language, the source included, each text the base
    does not give itself
    is the English one: its replies would be half English. Reported once per
    language, naming the texts that fall back.
    ```yaml
    languages: [en, nl]
    translations:
      nl:
        private_invite: "Stuur ons een privébericht, dan helpen we je verder."
        # no openings, team_signature, nor agents' Dutch signatures: English ones
    ```
    Fix: give the language's `openings:` (every tone), `anonymous_openings:`,
    `private_invite:` and `team_signature:` under `translations: <lang>:`, and each
    agent's `translations: <lang>: signatures:` for every channel. For the source
    language: the top-level `openings:` and `anonymous_openings:`, the agents'
    `signatures:`, and `translations: <source>: private_invite:`/`team_signature:`.
    """
    settings, where = ctx.base.settings, ctx.base.settings_source
    listed = ("languages",) in where.positions or ("language",) not in where.positions
    for i, language in enumerate(settings.languages):
        if language not in ISO_639_1:
            continue  # RKB701
        missing = fallback_texts(settings, language)
        if i == 0 and missing:
            # The source's signatures are the agents' own `signatures:`.
            missing = (
                *(text for text in missing if not text.startswith("signatures of ")),
                *(
                    f"signatures of {agent_id}"
                    for agent_id, agent in settings.agents.items()
                    if set(settings.channels) - set(agent.signatures)
                ),
            )
        if not missing:
            continue
        name = language_name(language)
        if language in settings.translations:
            location = where.locate("translations", language)
        else:
            location = where.locate("languages", i) if listed else where.locate("language")
        yield Found(
            location,
            f"replykb has no built-in {name} texts and the base does not give these: "
            f"{', '.join(missing)}; {name} replies would say them in English",
            hint=None
            if i
            else "give the top-level `openings:` and `anonymous_openings:`, the agents' "
            f"`signatures:` for every channel, and `translations: {language}: "
            "private_invite:`/`team_signature:`",
        )
