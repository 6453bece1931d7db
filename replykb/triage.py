"""The parts of the triage core that need no index: turning an item into a request
(or the error that stops it) and choosing its reply's language, the rule for a
message that asks nothing (:class:`RequestGate`), the rule that picks an ambiguous
match's alternatives, the suggestion made of a match, and the record an item carries
through :meth:`KnowledgeBase._triage`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .details import whole_number_text
from .errors import MessageError, ReplyKBError, UnknownNameError
from .models import Customer, LanguageChoice, Match, Mood, Reply, Suggestion
from .prepare.chatter import carries_request, request_text
from .prepare.language import choose_language, settle_language, untranslated
from .prepare.mood import read_mood
from .triage_models import TriageFailure, TriageRequest, TriageResult, unicode_problem

if TYPE_CHECKING:
    from .models import Answer, AnswerBase, Settings
    from .prepare.email_result import PreparedText
    from .render import Renderer


def close_answers(match: Match, margin: float) -> list[str]:
    """The answers an ambiguous match offers: every candidate within ``margin`` of the
    best, best first. The one place that decides it, for every door."""
    return [answer_id for answer_id, score in match.candidates if score >= match.score - margin]


# What a message that asks nothing gets: no answer, no candidates to offer, and why.
NO_REQUEST = Match(status="no_match", answer_id=None, score=0.0, candidates=[], reason="no-request")


@dataclass(frozen=True)
class RequestGate:
    """The one rule for a message that asks nothing ("buongiorno", "grazie!", "Sent from
    my iPhone", "@FernhillCare", "🙏": :mod:`replykb.prepare.chatter`): it is a
    ``no_match`` whose reason is ``no-request`` (:data:`NO_REQUEST`), whatever its
    scores, so no canned answer goes to a greeting. Every door applies it to the match
    of the text it matched (an e-mail's newest text), through :meth:`decide`.

    Unless the base answers such messages itself: an answer with a question that asks
    nothing either ("thanks!" in a feedback answer, "hi" in a welcome one) is written
    for them, so a message that asks nothing keeps a match whose best answer is one of
    those (``answers``); any other answer still gives ``no-request``.
    """

    # The agents' names and the brand: "ciao Paola", "thanks Fernhill!" ask nothing.
    names: tuple[str, ...] = ()
    # The answers with a question that asks nothing.
    answers: frozenset[str] = frozenset()

    @classmethod
    def for_base(cls, base: AnswerBase) -> RequestGate:
        settings = base.settings
        names = (*(agent.name for agent in settings.agents.values()), settings.brand)
        answers = frozenset(
            answer.id
            for answer in base.answers
            if not all(carries_request(question, names) for question in _questions(answer))
        )
        return cls(names=names, answers=answers)

    def carries_request(self, text: str) -> bool:
        return carries_request(text, self.names)

    def request_text(self, text: str) -> str:
        """What of ``text`` is embedded to match it: without the greeting it opens with
        and the thanks and sign-off it closes with ("Salve, ... Grazie mille"), which
        otherwise weigh as much as the request in a short message's vector. Every door
        (suggest, match, eval, check) embeds this; the mood, the reply's language and
        the gate read the whole text."""
        return request_text(text, self.names)

    def admits(self, text: str, answer_id: str | None) -> bool:
        """Whether ``text`` may get ``answer_id`` (its best candidate): it asks
        something, or the answer is written for messages that ask nothing."""
        return self.carries_request(text) or answer_id in self.answers

    def decide(self, text: str, found: Match) -> Match:
        """``found``, the match of ``text``; or :data:`NO_REQUEST` when ``text`` asks
        nothing and ``found`` has no answer written for such messages (a no_match of
        such a text says so too)."""
        best = found.candidates[0][0] if found.candidates else None
        if self.carries_request(text) or (found.status != "no_match" and best in self.answers):
            return found
        return NO_REQUEST

    def decide_choice(
        self, text: str, choice: LanguageChoice, decided: tuple[Match, LanguageChoice]
    ) -> tuple[Match, LanguageChoice]:
        """:meth:`decide` for ``LanguageMatchers.match_choice(..., choice)``'s
        ``decided``: the match and the reply's language settled as for a no_match when
        the text asks nothing (no "matched" language for a greeting)."""
        found, settled = decided
        match = self.decide(text, found)
        if match is found:
            return found, settled
        return match, settle_language(choice, settled.matched, found_answer=False)


def _questions(answer: Answer) -> list[str]:
    """The answer's questions in every language."""
    found = list(answer.questions)
    for translation in answer.translations.values():
        found.extend(translation.questions)
    return found


@dataclass
class Work:
    """One item on its way through the core: its request or the error that stopped it."""

    request: TriageRequest | None = None
    id: str | None = None
    line: int | None = None
    channel: str = ""
    match: Match | None = None
    suggestion: Suggestion | None = None
    error: ReplyKBError | None = None
    field: str | None = None

    prepared: PreparedText | None = None
    # The customer's mood, read from what is matched (an e-mail's newest text).
    mood: Mood | None = None
    # The reply's language and why (asked for, detected, the source as a fallback).
    language: LanguageChoice | None = None

    @property
    def message(self) -> str:
        """What is matched: the message, or on an e-mail channel its newest text."""
        assert self.request is not None
        return self.prepared.text_used if self.prepared is not None else self.request.message

    def outcome(self, position: int) -> TriageResult | TriageFailure:
        if self.error is None and self.suggestion is not None:
            return TriageResult(
                status=self.suggestion.status,
                position=position,
                line=self.line,
                id=self.id,
                suggestion=self.suggestion,
            )
        error = self.error or MessageError("not triaged")
        return TriageFailure(
            position=position,
            line=self.line,
            id=self.id,
            error=str(error),
            kind=type(error).__name__,
            field=self.field,
            match=self.match,
        )


def prepare(item: object, renderer: Renderer, settings: Settings) -> Work:
    """Validate one item: its request and its channel's name, or the error that stops it
    (field types and text, the channel, the agent, the message)."""
    record_id, line = _salvage(item)
    try:
        if isinstance(item, TriageRequest):
            request = item
        elif isinstance(item, Mapping):
            request = TriageRequest.model_validate(dict(item))
        else:
            raise MessageError(f"expected a request with a `message`, not {type(item).__name__}")
    except ValidationError as error:
        text, field = _describe(error)
        return Work(id=record_id, line=line, error=MessageError(text), field=field)
    except MessageError as error:
        return Work(id=record_id, line=line, error=error)
    work = Work(request=request, id=request.id, line=request.line)
    try:
        work.channel, spec = renderer.channel(request.channel)
        if request.agent is not None and request.agent not in settings.agents:
            raise UnknownNameError("agent", request.agent, settings.agents)
        language = checked_language(request.language, settings)
        checked_message(request.message)
        if spec.family == "email":
            work.prepared = _prepare_email(request.message)
        work.mood = read_mood(work.message)
        work.language = choose_language(work.message, settings.languages, language)
    except UnknownNameError as error:
        work.error, work.field = error, error.kind
    except MessageError as error:
        work.error, work.field = error, "message"
    return work


def checked_language(language: str | None, settings: Settings) -> str | None:
    """The base's code for ``language`` (or None); else the error naming the base's
    languages and what to write (422 on the server). Helpdesks send locales: a request's
    "IT", "it-IT", "it_IT" or " it" is read by its language part, case-folded, so
    every door accepts what the base lists as ``it``."""
    if language is None:
        return None
    code = _LOCALE_SEPARATOR.split(language.strip(), maxsplit=1)[0].casefold()
    if code in settings.languages:
        return code
    error = UnknownNameError("language", language, settings.languages)
    two_letters = code.isascii() and code.isalpha() and len(code) == 2
    if two_letters and code == language:
        raise error  # a plain code the base does not list: the known ones say it all
    if two_letters:
        hint = f"a locale is read by its language, `{code}`, which the base does not list"
    else:
        hint = f"write a two-letter ISO 639-1 code, e.g. `{settings.languages[0]}`"
    # UnknownNameError's own message, with the fix (its kind stays, for every door).
    error.args = (f"{error} ({hint})",)
    raise error


# What parts a locale: "it-IT" (browsers, BCP 47), "it_IT" (Salesforce, gettext).
_LOCALE_SEPARATOR = re.compile(r"[-_]")


def make_suggestion(
    work: Work, match: Match, base: AnswerBase, renderer: Renderer, now: datetime
) -> Suggestion:
    """The one policy: a confident match gets its reply, an ambiguous one a reply per
    close answer (:func:`close_answers`), no match none; every reply in the language
    chosen for the message (``work.language``)."""
    request, choice = work.request, work.language
    assert request is not None and choice is not None
    language = choice.language

    def render(answer_id: str) -> Reply:
        return renderer.render(
            base.answer(answer_id),
            channel=work.channel,
            agent=request.agent,
            customer=request.customer,
            conversation_id=request.conversation_id,
            details=request.details,
            last_customer_message_at=request.last_customer_message_at,
            now=now,
            # The opening follows the customer's mood when it calls for one (an
            # apology, thanks), else the answer's own tone; the body never changes.
            tone=work.mood.tone if work.mood is not None else None,
            language=language,
        )

    reply, alternatives = None, []
    if match.status == "confident" and match.answer_id is not None:
        reply = render(match.answer_id)
        # An answer without a translation into the chosen language is replied to in the
        # source language (the renderer decides it); the choice says so. Alternatives
        # each say their own language (Reply.language).
        choice = untranslated(choice, reply.language)
    elif match.status == "ambiguous":
        alternatives = [render(a) for a in close_answers(match, base.settings.match.margin)]
    return Suggestion(
        message=request.message,
        channel=work.channel,
        match=match,
        reply=reply,
        alternatives=alternatives,
        prepared=work.prepared,
        mood=work.mood,
        language=choice,
    )


def _prepare_email(message: str) -> PreparedText:
    """The e-mail's newest text (quotes, forwards, signature and notices stripped)."""
    # Imported here: only bases that receive e-mail pay for loading the reply parser.
    from .prepare.email import prepare_email

    return prepare_email(message)


def checked_type(message: object) -> None:
    if not isinstance(message, str):
        raise TypeError(f"a message must be a str, not {type(message).__name__}")


def _has_visible_character(text: str) -> bool:
    """Whether ``text`` holds anything but spaces, control and format characters: a
    message of zero-width spaces, byte order marks or NULs is as empty as a blank one."""
    return any(
        not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf") for char in text
    )


def checked_message(message: object) -> str:
    checked_type(message)
    assert isinstance(message, str)
    if not _has_visible_character(message):
        raise MessageError("the message is empty; there is nothing to match")
    if (problem := unicode_problem(message)) is not None:
        raise MessageError(
            f"the message is not valid Unicode text: {problem}; decode it without "
            "`surrogateescape` and pair or drop the surrogate"
        )
    return message


_MISSING = {
    "message": "no `message`: there is nothing to match",
    "channel": "no `channel`: name the channel the message came from (x, sms, email...)",
}


def _describe(error: ValidationError) -> tuple[str, str | None]:
    """A request's validation errors as one sentence, and the first field at fault."""
    parts, fields = [], []
    for detail in error.errors(include_url=False):
        where = ".".join(str(part) for part in detail["loc"])
        fields.append(str(detail["loc"][0]) if detail["loc"] else None)
        if detail["type"] == "missing":
            parts.append(_MISSING.get(where, f"no `{where}`"))
        elif detail["type"] == "extra_forbidden":
            # A key inside `customer` (name, handle), else a request field.
            nested = len(detail["loc"]) > 1 and detail["loc"][0] == "customer"
            known = ", ".join((Customer if nested else TriageRequest).model_fields)
            parts.append(f"unknown field `{where}` (known: {known})")
        else:
            parts.append(f"`{where}` {detail['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts), next((f for f in fields if f), None)


def _salvage(item: object) -> tuple[str | None, int | None]:
    """The id and line of an item that may fail validation, to keep them in its error."""
    if isinstance(item, TriageRequest):
        return item.id, item.line
    if not isinstance(item, Mapping):
        return None, None
    line = item.get("line")
    valid_line = isinstance(line, int) and not isinstance(line, bool) and line >= 1
    return readable_id(item.get("id")), line if valid_line else None


def readable_id(value: object) -> str | None:
    """An id as a request would hold it (text, or a whole number as text), or ``None``
    when it could not be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return whole_number_text(value)
        except ValueError:
            return None
    return value if isinstance(value, str) and unicode_problem(value) is None else None
