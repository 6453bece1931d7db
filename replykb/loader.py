"""YAML files -> :class:`AnswerBase`, with every problem located.

The loader reports all problems of a base at once (not only the first), each
with its file, line, column, field and what is expected, and never returns a
half-loaded base: either everything validates or :class:`AnswerBaseError` is
raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .basefiles import (
    ANSWER_SUFFIXES,
    SETTINGS_FILE,
    TEMPLATES_DIR,
    discover,
    outside_link_problem,
    read_text,
)
from .errors import AnswerBaseError, BaseNotFoundError
from .models import (
    SLUG_PATTERN,
    Answer,
    AnswerBase,
    Location,
    Problem,
    Settings,
    SourceMap,
)
from .schemaerrors import describe_error, located, shown
from .yamldoc import BOOLEAN_KEY, EMPTY, parse_yaml

__all__ = [
    "ANSWER_SUFFIXES",
    "SETTINGS_FILE",
    "TEMPLATES_DIR",
    "content_fingerprint",
    "load_answer_base",
    "load_answer_file",
]

# What each kind of file must hold, for the messages about a file that holds something else.
_SETTINGS_SHAPE = f"{SETTINGS_FILE} must be a mapping of settings (brand:, channels:, agents:, ...)"
_ANSWER_SHAPE = "an answer file must be a mapping of keys (questions:, answer:, ...)"


def load_answer_base(path: str | Path) -> AnswerBase:
    """Load and validate the answer base in folder ``path``.

    Raises :class:`BaseNotFoundError` when the folder or its ``replykb.yaml`` is
    missing, and :class:`AnswerBaseError` listing every located problem otherwise
    (never without one: a base either loads completely or says where it does not).
    """
    root = Path(path)
    if not root.is_dir():
        raise BaseNotFoundError(_not_a_folder(root))
    settings_path = root / SETTINGS_FILE
    if not _exists(settings_path):
        raise BaseNotFoundError(
            f"{settings_path}: not found; an answer base needs a {SETTINGS_FILE} "
            "(run `replykb init` to create one)"
        )

    problems: list[Problem] = []
    settings, settings_source = _load_settings(settings_path, root, problems)
    files = discover(root, problems)
    answers: list[Answer] = []
    first_file_of_id: dict[str, str] = {}
    for file in files.answers:
        answer = _load_answer(file, problems)
        if answer is None:
            continue
        if answer.id in first_file_of_id:
            problems.append(
                Problem(
                    code="RKB002",
                    location=answer.source.locate("id"),
                    field="id",
                    message=f"duplicate answer id {answer.id!r}, already used by "
                    f"{first_file_of_id[answer.id]}; give each answer its own id",
                )
            )
            continue
        first_file_of_id[answer.id] = answer.source.file
        answers.append(answer)
    templates = {
        name: text
        for name, file in files.templates.items()
        if (text := read_text(file, problems)) is not None
    }

    problems += [problem for answer in answers for problem in _detail_problems(answer)]
    if settings is not None:
        problems += _reference_problems(settings, settings_source)
    elif not problems:
        # Every way settings fail to load records why; this keeps that promise if one
        # day a path forgets, so a caller never sees a failure without a location.
        problems.append(
            Problem(
                code="RKB001",
                location=Location(file=str(settings_path)),
                message=f"{SETTINGS_FILE} could not be loaded; check that it holds the settings",
            )
        )
    if problems:
        raise AnswerBaseError(sorted(problems, key=_problem_order))
    assert settings is not None  # no problem means the settings validated
    answers.sort(key=lambda a: a.id)
    return AnswerBase(
        root=root,
        settings=settings,
        answers=tuple(answers),
        templates=templates,
        fingerprint=content_fingerprint(settings, answers, templates),
        settings_source=settings_source,
    )


def load_answer_file(file: str | Path) -> Answer:
    """One answer file, validated alone (settings and other files unread), for a tool
    that has just edited it; :class:`AnswerBaseError` with its located problems."""
    problems: list[Problem] = []
    answer = _load_answer(Path(file), problems)
    if answer is not None:
        problems += _detail_problems(answer)
    if problems:
        raise AnswerBaseError(problems)
    assert answer is not None  # every way an answer fails to load records a problem
    return answer


def content_fingerprint(
    settings: Settings, answers: list[Answer], templates: dict[str, str]
) -> str:
    """sha256 of the base's meaning: blind to file order, key order and YAML layout."""
    canonical = {
        "settings": settings.model_dump(mode="json"),
        "answers": sorted((a.model_dump(mode="json") for a in answers), key=lambda a: a["id"]),
        "templates": templates,
    }
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _not_a_folder(root: Path) -> str:
    """Why ``root`` is not a base's folder, and which folder to pass instead."""
    if not _exists(root):
        return f"{root}: no such folder; pass the folder that holds {SETTINGS_FILE}"
    # A file of the base (`replykb check answers/replykb.yaml`): the base is a folder up.
    holder = next((p for p in root.parents if (p / SETTINGS_FILE).is_file()), None)
    instead = (
        f"pass {holder}" if holder is not None else f"pass the folder that holds {SETTINGS_FILE}"
    )
    return f"{root}: a file, not a folder; an answer base is a folder: {instead}"


def _exists(file: Path) -> bool:
    """Whether anything (even an unreadable file or a broken link) has this name."""
    try:
        return file.exists() or file.is_symlink()
    except OSError:
        return True  # it is there but cannot be examined: the reader says why


def _load_settings(
    file: Path, root: Path, problems: list[Problem]
) -> tuple[Settings | None, SourceMap]:
    link_problem = outside_link_problem(file, root)
    if link_problem is not None:
        problems.append(link_problem)
        return None, SourceMap(file=str(file))
    data, source = _read_mapping(file, _SETTINGS_SHAPE, problems)
    if data is None:
        return None, source
    return _validate(Settings, data, source, problems), source


def _load_answer(file: Path, problems: list[Problem]) -> Answer | None:
    data, source = _read_mapping(file, _ANSWER_SHAPE, problems)
    if data is None:
        return None
    if "id" not in data:
        if not _is_slug(file.stem):
            problems.append(
                Problem(
                    code="RKB001",
                    location=source.locate(),
                    field="id",
                    message=f"the file name {file.stem!r} is not a valid id (lowercase letters, "
                    "digits and dashes); rename the file or add an `id:` key",
                )
            )
            return None
        data = {"id": file.stem, **data}
    answer = _validate(Answer, data, source, problems)
    if answer is not None:
        answer._source = source
    return answer


def _read_mapping(
    file: Path, shape: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, SourceMap]:
    """The mapping at the top of a YAML file; ``None`` with a located problem otherwise."""
    empty = SourceMap(file=str(file))
    text = read_text(file, problems)
    if text is None:
        return None, empty
    parsed = parse_yaml(str(file), text, problems)
    if parsed is None:
        return None, empty
    data, source = parsed
    if isinstance(data, dict):
        return data, source
    held = "nothing (an empty file)" if data is EMPTY else _describe(data)
    problems.append(
        Problem(
            code="RKB001",
            location=source.locate(),
            message=f"{shape}, but it holds {held}; fill it in, or remove the file",
        )
    )
    return None, source


def _describe(data: Any) -> str:
    if data is None:
        return "null (`~`, `null` or a document with no content)"
    return shown(data)


def _reference_problems(settings: Settings, source: SourceMap) -> list[Problem]:
    """Agents' signatures, in every language, must name channels that the base defines."""
    known = set(settings.channels) | {a for c in settings.channels.values() for a in c.aliases}
    problems = []
    for agent_id, agent in settings.agents.items():
        signed: list[tuple[tuple[str, ...], str]] = [
            (("agents", agent_id, "signatures", channel), channel) for channel in agent.signatures
        ]
        signed += [
            (("agents", agent_id, "translations", language, "signatures", channel), channel)
            for language, texts in agent.translations.items()
            for channel in texts.signatures
        ]
        for path, channel in signed:
            if channel not in known:
                problems.append(
                    Problem(
                        code="RKB003",
                        location=source.locate(*path),
                        field=".".join(path),
                        message=f"unknown channel {channel!r}; the base defines: "
                        f"{', '.join(sorted(settings.channels))}: fix the name, or add "
                        f"`{channel}: {{}}` under `channels:`",
                    )
                )
    return problems


def _detail_problems(answer: Answer) -> list[Problem]:
    """A translation may give only the fallbacks of details its answer declares."""
    declared = ", ".join(sorted(answer.details)) or "none"
    return [
        Problem(
            code="RKB003",
            location=answer.source.locate("translations", language, "details", name),
            field=f"translations.{language}.details.{name}",
            message=f"the answer declares no detail {name!r} (declared: {declared}); "
            "declare it under the answer's `details:` first, or fix the name",
        )
        for language, translation in answer.translations.items()
        for name in translation.details
        if name not in answer.details
    ]


M = TypeVar("M", bound=BaseModel)


def _validate(
    model: type[M], data: dict[str, Any], source: SourceMap, problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        found = [_problem_from_error(detail, source, model, data) for detail in error.errors()]
    # A `no:` key that is wrong even as the text "no" (an unknown key, not a language
    # code): quoting it would not help, so only the validation problem is kept.
    wrong_as_text = {(source.file, problem.field) for problem in found}
    problems[:] = [
        problem
        for problem in problems
        if not (
            problem.message.startswith(BOOLEAN_KEY)
            and (problem.location.file, problem.field) in wrong_as_text
        )
    ]
    problems.extend(found)
    return None


def _problem_from_error(
    detail: ErrorDetails, source: SourceMap, model: type[BaseModel], data: dict[str, Any]
) -> Problem:
    loc = located(detail)
    # A part is a key as written: a huge one is cut, as the message cuts values.
    field = ".".join(str(part) if len(str(part)) <= 40 else f"{str(part)[:37]}..." for part in loc)
    message = describe_error(detail, model, source.booleans.get(loc))
    if loc[:1] == ("translations",) and loc[-1:] == ("source",) and model is Answer:
        # The one command that writes a translation's `source:`, with this answer's values.
        answer_id = data.get("id")
        answer_id = answer_id if isinstance(answer_id, str) and _is_slug(answer_id) else "ID"
        command = f"--mark-current {answer_id} {loc[1]}"
        message = message.replace("--mark-current ID LANG", command)
    return Problem(code="RKB001", location=source.locate(*loc), field=field, message=message)


def _is_slug(text: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, text) is not None


def _problem_order(problem: Problem) -> tuple[str, int, int]:
    return (problem.location.file, problem.location.line, problem.location.column)
