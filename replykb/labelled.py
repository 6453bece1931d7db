"""Labelled messages: the base's own (``tests``, ``out_of_scope``, in every language) and
those of a data file, each with the answer it must match and the language it is in.
Used by ``replykb eval`` (evaluate.py) and ``replykb tune``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .errors import DataError
from .models import AnswerBase
from .records import Record, RecordError, read_records
from .triage_models import unicode_problem


class LabelledMessage(BaseModel):
    """A message and the answer it must match (``None``: it must match nothing).

    ``language`` is the language the message is written in as labelled: for the base's
    own messages, the source language for ``tests``/``out_of_scope`` and the
    translation's for ``translations.<lang>.tests``/``.out_of_scope``; from a data file,
    its optional ``language`` column. It groups the per-language figures; it is not
    given to the decision (see ``evaluate.score_messages``). None: not known.
    """

    model_config = ConfigDict(frozen=True)

    message: str
    expected: str | None
    where: str = ""
    language: str | None = None


def labelled_from_base(base: AnswerBase) -> list[LabelledMessage]:
    """The base's own held-out ``tests`` and its out-of-scope messages, in every one of
    its languages (``translations.<lang>.tests`` and ``.out_of_scope``)."""
    source = base.settings.language
    items = [
        LabelledMessage(
            message=test,
            expected=answer.id,
            where=str(answer.source.locate("tests", i)),
            language=source,
        )
        for answer in base.answers
        for i, test in enumerate(answer.tests)
    ]
    items += [
        LabelledMessage(
            message=message,
            expected=None,
            where=str(base.settings_source.locate("out_of_scope", i)),
            language=source,
        )
        for i, message in enumerate(base.settings.out_of_scope)
    ]
    for language in base.settings.languages[1:]:
        items += [
            LabelledMessage(
                message=test,
                expected=answer.id,
                where=str(answer.source.locate("translations", language, "tests", i)),
                language=language,
            )
            for answer in base.answers
            if language in answer.translations
            for i, test in enumerate(answer.translations[language].tests)
        ]
        texts = base.settings.translations.get(language)
        items += [
            LabelledMessage(
                message=message,
                expected=None,
                where=str(base.settings_source.locate("translations", language, "out_of_scope", i)),
                language=language,
            )
            for i, message in enumerate(texts.out_of_scope if texts is not None else ())
        ]
    return items


def read_labelled(
    path: Path, known_ids: Iterable[str], languages: Sequence[str] | None = None
) -> list[LabelledMessage]:
    """Labelled messages from JSONL or CSV: ``message`` and ``expected`` (empty: out of scope).

    ``answer_id`` and ``answer`` are accepted in place of ``expected``; an optional
    ``language`` (one of ``languages``, the base's) says what the message is written
    in, for the per-language figures. Read by the
    same reader as batch triage (records.py), but a labelled set is all or nothing:
    the first record that cannot be used is a :class:`DataError` naming its line.
    Blank lines are skipped.
    """
    known = set(known_ids)
    items = []
    try:
        with path.open("rb") as stream:
            records = read_records(
                stream,
                csv_format=path.suffix.lower() == ".csv",
                name=str(path),
                optional=(*LABEL_COLUMNS, "language"),
            )
            for record in records:
                if isinstance(record, RecordError):
                    if record.blank:
                        continue
                    raise DataError(f"{path}:{record.line}: {record.error}")
                items.append(_labelled(path, record, known, languages))
    except OSError as error:
        raise DataError(f"{path}: cannot read labelled messages ({error.strerror})") from error
    if not items:
        raise DataError(f"{path}: no labelled messages")
    return items


LABEL_COLUMNS = ("expected", "answer_id", "answer")


def _labelled(
    path: Path, record: Record, known: set[str], languages: Sequence[str] | None
) -> LabelledMessage:
    where = f"{path}:{record.line}"
    message = record.fields.get("message")
    if not isinstance(message, str) or not message.strip():
        raise DataError(f"{where}: expected an object with a text `message`")
    if (problem := unicode_problem(message)) is not None:
        raise DataError(f"{where}: `message` is not valid Unicode text: {problem}")
    expected = next((record.fields[key] for key in LABEL_COLUMNS if key in record.fields), None)
    expected = expected or None
    if expected is not None and expected not in known:
        raise DataError(
            f"{where}: unknown answer id {expected!r}; "
            "leave it empty for a message that must match nothing"
        )
    language = record.fields.get("language") or None
    if language is not None and (
        not isinstance(language, str) or (languages is not None and language not in languages)
    ):
        listed = ", ".join(languages or ())
        raise DataError(
            f"{where}: `language` {language!r} is not one of the base's languages ({listed}); "
            "leave it empty when it is not known"
        )
    return LabelledMessage(message=message, expected=expected, where=where, language=language)
