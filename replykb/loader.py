"""YAML files -> :class:`AnswerBase`, with every problem located.

The loader reports all problems of a base at once (not only the first), each
with its file, line, column, field and what is expected, and never returns a
half-loaded base: either everything validates or :class:`AnswerBaseError` is
raised.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import AnswerBaseError, BaseNotFoundError
from .models import (
    SLUG_PATTERN,
    Agent,
    Answer,
    AnswerBase,
    Channel,
    Location,
    MatchSettings,
    Policy,
    Problem,
    Settings,
    SourceMap,
)

SETTINGS_FILE = "replykb.yaml"
TEMPLATES_DIR = "templates"
ANSWER_SUFFIXES = (".yaml", ".yml")

_KNOWN_KEYS = sorted(
    {
        name
        for model in (Settings, Answer, Channel, Agent, Policy, MatchSettings)
        for name in model.model_fields
    }
)


def load_answer_base(path: str | Path) -> AnswerBase:
    """Load and validate the answer base in folder ``path``.

    Raises :class:`BaseNotFoundError` when the folder or its ``replykb.yaml`` is
    missing, and :class:`AnswerBaseError` listing every located problem otherwise.
    """
    root = Path(path)
    if not root.is_dir():
        raise BaseNotFoundError(
            f"{root}: no such folder; pass the folder that holds {SETTINGS_FILE}"
        )
    settings_path = root / SETTINGS_FILE
    if not settings_path.is_file():
        raise BaseNotFoundError(
            f"{settings_path}: not found; an answer base needs a {SETTINGS_FILE} "
            "(run `replykb init` to create one)"
        )

    problems: list[Problem] = []
    settings, settings_source = _load_settings(settings_path, problems)
    answers: list[Answer] = []
    first_file_of_id: dict[str, str] = {}
    for file in _answer_files(root):
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
    templates = _load_templates(root, problems)

    if settings is not None:
        problems += _reference_problems(settings, settings_source)
    if problems or settings is None:
        raise AnswerBaseError(sorted(problems, key=_problem_order))
    answers.sort(key=lambda a: a.id)
    return AnswerBase(
        root=root,
        settings=settings,
        answers=tuple(answers),
        templates=templates,
        fingerprint=content_fingerprint(settings, answers, templates),
        settings_source=settings_source,
    )


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


def _answer_files(root: Path) -> list[Path]:
    files = []
    for file in root.rglob("*"):
        relative = file.relative_to(root)
        if (
            file.suffix not in ANSWER_SUFFIXES
            or not file.is_file()
            or relative == Path(SETTINGS_FILE)
            or relative.parts[0] == TEMPLATES_DIR
            or any(part.startswith(".") for part in relative.parts)
        ):
            continue
        files.append(file)
    return sorted(files)


def _load_settings(file: Path, problems: list[Problem]) -> tuple[Settings | None, SourceMap]:
    data, source = _parse_yaml(file, problems)
    if data is None:
        return None, source
    if not isinstance(data, dict):
        problems.append(_not_a_mapping(source, "brand:, channels:, agents:, ..."))
        return None, source
    return _validate(Settings, data, source, problems), source


def _load_answer(file: Path, problems: list[Problem]) -> Answer | None:
    data, source = _parse_yaml(file, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(_not_a_mapping(source, "questions:, answer:, ..."))
        return None
    if "id" not in data:
        if not _is_slug(file.stem):
            problems.append(
                Problem(
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


def _load_templates(root: Path, problems: list[Problem]) -> dict[str, str]:
    folder = root / TEMPLATES_DIR
    templates: dict[str, str] = {}
    if not folder.is_dir():
        return templates
    for file in sorted(folder.rglob("*")):
        if not file.is_file() or file.name.startswith("."):
            continue
        text = _read_text(file, problems)
        if text is not None:
            templates[file.relative_to(folder).as_posix()] = text
    return templates


def _reference_problems(settings: Settings, source: SourceMap) -> list[Problem]:
    """Agents' signatures must name channels that the base defines."""
    known = set(settings.channels) | {a for c in settings.channels.values() for a in c.aliases}
    problems = []
    for agent_id, agent in settings.agents.items():
        for channel in agent.signatures:
            if channel not in known:
                problems.append(
                    Problem(
                        code="RKB003",
                        location=source.locate("agents", agent_id, "signatures", channel),
                        field=f"agents.{agent_id}.signatures.{channel}",
                        message=f"unknown channel {channel!r}; the base defines: "
                        f"{', '.join(sorted(settings.channels))}",
                    )
                )
    return problems


# libyaml's parser when PyYAML was built with it: the same nodes and marks, several
# times faster (it is most of a cold start's loading time).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_text(file: Path, problems: list[Problem]) -> str | None:
    raw = file.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        problems.append(
            Problem(
                location=Location(file=str(file), line=line, column=column),
                message=f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
            )
        )
        return None


def _parse_yaml(file: Path, problems: list[Problem]) -> tuple[Any, SourceMap]:
    """Parse one YAML document, recording the position of every key and item.

    PyYAML keeps the last of two equal keys silently, so duplicates are found
    on the node tree before it is turned into Python data.
    """
    empty = SourceMap(file=str(file))
    text = _read_text(file, problems)
    if text is None:
        return None, empty
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.append(
                Problem(
                    location=Location(file=str(file)), message="empty file; remove it or fill it in"
                )
            )
            return None, empty
        positions: dict[tuple[str | int, ...], tuple[int, int]] = {}
        _record_positions(node, (), positions, problems, str(file))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(part for part in (error.context, error.problem) if part)
        if error.context_mark and mark is not error.context_mark:
            reason += f" (it started on line {error.context_mark.line + 1})"
        problems.append(
            Problem(
                location=Location(file=str(file), line=line, column=column),
                message=f"YAML syntax error: {reason}",
            )
        )
        return None, empty
    except yaml.YAMLError as error:
        problems.append(Problem(location=Location(file=str(file)), message=f"YAML error: {error}"))
        return None, empty
    finally:
        loader.dispose()
    return data, SourceMap(file=str(file), positions=positions)


def _record_positions(
    node: yaml.Node,
    path: tuple[str | int, ...],
    positions: dict[tuple[str | int, ...], tuple[int, int]],
    duplicates: list[Problem],
    file: str,
) -> None:
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in first_line:
                duplicates.append(
                    Problem(
                        location=Location(file=file, line=where[0], column=where[1]),
                        field=".".join(str(p) for p in (*path, key)),
                        message=f"duplicate key {key!r} (first on line {first_line[key]}); "
                        "YAML would keep only the last one: merge them",
                    )
                )
                continue
            first_line[key] = where[0]
            positions[(*path, key)] = where
            _record_positions(value_node, (*path, key), positions, duplicates, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            positions[(*path, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _record_positions(item, (*path, index), positions, duplicates, file)


M = TypeVar("M", bound=BaseModel)


def _validate(
    model: type[M], data: dict[str, Any], source: SourceMap, problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(_problem_from_error(detail, source) for detail in error.errors())
        return None


def _problem_from_error(detail: ErrorDetails, source: SourceMap) -> Problem:
    loc = tuple(detail["loc"])
    field = ".".join(str(part) for part in loc)
    kind = detail["type"]
    if kind == "missing":
        message = f"missing required key `{loc[-1]}`"
    elif kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1, cutoff=0.7)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        message = f"unknown key `{key}`{hint}"
    elif kind == "string_type":
        message = (
            f"expected text, got {type(detail['input']).__name__} {detail['input']!r}; quote it"
        )
    elif kind == "string_pattern_mismatch":
        message = (
            f"{detail['input']!r} is not a valid id: use lowercase letters, digits and dashes "
            f"(pattern {SLUG_PATTERN})"
        )
    elif kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        message = f"expected a date such as 2026-10-01, got {detail['input']!r}"
    else:
        message = detail["msg"].removeprefix("Value error, ")
        message = message[0].lower() + message[1:] if message else message
    return Problem(location=source.locate(*loc), field=field, message=message)


def _not_a_mapping(source: SourceMap, expected: str) -> Problem:
    return Problem(location=source.locate(), message=f"expected a mapping of keys ({expected})")


def _is_slug(text: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, text) is not None


def _problem_order(problem: Problem) -> tuple[str, int, int]:
    return (problem.location.file, problem.location.line, problem.location.column)
