"""Reviewable YAML drafts of the gaps found (gaps.py), one file per topic.

A new topic becomes a new answer file in the base's own format: an ``id``, its
customers' messages as ``questions`` (about one in four kept aside as ``tests``), and an
``answer`` that is a TODO which ``replykb check`` refuses (RKB605) until a person writes
it. A topic near an existing answer becomes a list of questions to add to it, naming the
answer and its file. Each draft opens with comments saying how many messages and
conversations it covers and showing representative messages; file names start with the
topic's rank by volume (``001-...``), so a sorted listing reads largest first.

The folder holds drafts only: drafts of an earlier run are replaced, anything else in
it stops the run (nothing of a person's is deleted), and it may not be inside the base,
whose loader would read the question lists as broken answers. Each file is written to a
temporary name and renamed, so a draft is whole or absent.

A draft's second line holds a digest of the rest of its text, so a later run replaces
only drafts still exactly as written. A draft a person has started editing is kept, and
no new draft is written for its topic (same new id, same answer to extend, or same file
name): the team finishes the one they started rather than finding it gone or doubled.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from ..checks.drafts import TODO_MARKER
from ..errors import DataError
from ..languages import language_name
from ..models import SLUG_PATTERN, AnswerBase
from .gaps import GapCluster, GapReport

HEADER = "# replykb gaps draft"
TODO_ANSWER = (
    f"{TODO_MARKER}: write the reply to these questions (replykb check refuses this answer, "
    "RKB605, until you do)"
)
# At most this many questions and tests are copied into a draft; the header says so.
MAX_QUESTIONS = 30
MAX_TESTS = 5
_SHOWN = 160
# The second line of a draft; the digest covers every other line.
_DIGEST_LINE = re.compile(r"# Draft digest sha256:([0-9a-f]{64})\b.*\n?")

__all__ = ["HEADER", "TODO_ANSWER", "draft_text", "new_answer_id", "one_line", "write_drafts"]


def write_drafts(report: GapReport, base: AnswerBase, folder: Path) -> GapReport:
    """Write a draft for every drafted topic of ``report`` into ``folder`` (created if
    missing), and return the report with each topic's ``file``. Raises
    :class:`DataError` when the folder cannot be used."""
    if not report.drafted and not folder.exists():
        return report  # nothing to write: no empty folder left behind
    _check_folder(folder, base)
    edited = _edited_drafts(folder)
    taken = {answer.id for answer in base.answers}
    drafted = report.drafted
    width = max(3, len(str(len(drafted))))
    files: dict[int, str] = {}
    texts: dict[str, str] = {}
    for cluster in drafted:
        if cluster.kind == "new_answer":
            answer_id = new_answer_id(cluster, taken)
            taken.add(answer_id)
            key, name = ("id", answer_id), f"{cluster.rank:0{width}d}-new-{answer_id}.yaml"
        else:
            key = ("answer_id", cluster.answer_id or "")
            name = f"{cluster.rank:0{width}d}-add-to-{cluster.answer_id}.yaml"
        # The topic's draft a person is writing (same id or answer, or the same file
        # when they changed the id in it): theirs stands, no second draft beside it.
        if key in edited or name in edited.values():
            files[cluster.rank] = edited.get(key, name)
            continue
        if cluster.kind == "new_answer":
            texts[name] = draft_text(cluster, base, len(drafted), new_id=key[1], near=report.near)
        else:
            texts[name] = draft_text(cluster, base, len(drafted))
        files[cluster.rank] = name
    # Every new draft is written in full before any earlier one goes: a failed run
    # (a full disk) leaves the earlier drafts as they were.
    temporaries = _write_temporaries(folder, texts)
    try:
        _remove_old_drafts(folder, keep=set(temporaries.values()))
        for name, temporary in temporaries.items():
            os.replace(temporary, folder / name)
    except OSError as error:
        raise DataError(f"cannot write drafts to {folder}: {error.strerror or error}") from error
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
    clusters = [c.model_copy(update={"file": files.get(c.rank)}) for c in report.clusters]
    kept = sorted(set(edited.values()))
    return report.model_copy(update={"clusters": clusters, "kept": kept})


def new_answer_id(cluster: GapCluster, taken: set[str]) -> str:
    """An id for a new topic from its most central message (``where-can-i-pick-up``),
    different from every id in ``taken``."""
    # Accents dropped, not the letters that carry them ("però" -> "pero").
    ascii_text = unicodedata.normalize("NFKD", cluster.texts[0]).encode("ascii", "ignore")
    words = re.findall(r"[a-z0-9]+", ascii_text.decode().casefold())
    stem = "-".join(words[:6])[:60].strip("-") or "new-topic"
    if not re.fullmatch(SLUG_PATTERN, stem):
        stem = "new-topic"
    candidate, number = stem, 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}", number + 1
    return candidate


def draft_text(
    cluster: GapCluster,
    base: AnswerBase,
    total: int,
    *,
    new_id: str | None = None,
    near: float = 1.0,
) -> str:
    """The YAML of one draft: the header comments, then the answer or the questions."""
    lines = [f"{HEADER} {cluster.rank} of {total}: " + _title(cluster, base, new_id)]
    reasons = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in cluster.reasons.items())
    lines.append(
        f"# Covers {cluster.messages} message{_s(cluster.messages)} in "
        f"{cluster.conversations} conversation{_s(cluster.conversations)} ({reasons}); "
        f"{len(cluster.texts)} distinct."
    )
    lines.append("# Representative messages (masked):")
    lines += [f"#   - {one_line(text)}" for text in cluster.representatives]
    by_language = _by_language(cluster, base)
    body: dict[str, Any]
    if new_id is not None:
        if cluster.answer_id is not None:
            lines.append(
                f"# Nearest existing answer: {cluster.answer_id} (score {cluster.score:.2f}; "
                f"a group extends an answer from {near:.2f})."
            )
        body, left = _new_answer(new_id, by_language, base, lines)
    else:
        body, left = _added_questions(cluster, by_language, base, lines)
    if left > 0:
        lines.append(f"# {left} more distinct messages are not copied here.")
    dumped = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
    return _with_digest("\n".join(lines) + "\n" + dumped)


def _by_language(cluster: GapCluster, base: AnswerBase) -> dict[str, list[str]]:
    """The topic's texts by the language whose questions they belong with: the source
    language first (texts with no language known count as the source's), then the
    others in the base's order."""
    source = base.settings.languages[0]
    groups: dict[str, list[str]] = {source: []}
    for listed in base.settings.languages:
        groups.setdefault(listed, [])
    languages = cluster.languages or [None] * len(cluster.texts)
    for text, language in zip(cluster.texts, languages, strict=True):
        groups.setdefault(language or source, []).append(text)
    # A language without messages here is left out; the source stays (maybe empty).
    return {lang: texts for lang, texts in groups.items() if texts or lang == source}


def _new_answer(
    new_id: str, by_language: dict[str, list[str]], base: AnswerBase, lines: list[str]
) -> tuple[dict[str, Any], int]:
    """A new answer's body: the source language's messages as its `questions:` (about
    one in four as `tests:`), another language's under `translations: <lang>:`, where
    that language's customers are matched."""
    source = base.settings.languages[0]
    own, tests = _split(by_language[source])
    others = {lang: texts for lang, texts in by_language.items() if lang != source and texts}
    lines.append(
        "# To use it: write `answer:` (replykb check refuses the TODO, code RKB605), "
        "review the questions and tests, then move this file into the base."
    )
    if others:
        named = ", ".join(language_name(lang) for lang in others)
        lines.append(
            f"# The {named} messages are under `translations: <language>: questions:`: "
            f"customers writing in {named} are matched against those, not against the "
            f"{language_name(source)} `questions:`; write each translation's `answer:` too."
        )
    body: dict[str, Any] = {"id": new_id}
    if own:
        body["questions"] = own
    else:
        body["questions"] = [
            f"{TODO_MARKER}: write how customers ask this in {language_name(source)}, the "
            "source language (these messages were in another language: see translations)"
        ]
        lines.append(
            f"# The source texts are still to write: `questions:` and `answer:` in "
            f"{language_name(source)} (every answer is written in the source language first)."
        )
    body["answer"] = TODO_ANSWER
    if tests:
        body["tests"] = tests
    left = len(by_language[source]) - len(own) - len(tests)
    if others:
        body["translations"] = {}
        for language, texts in others.items():
            questions, language_tests = _split(texts)
            translation: dict[str, Any] = {
                "questions": questions,
                "answer": f"{TODO_MARKER}: write the {language_name(language)} reply",
            }
            if language_tests:
                translation["tests"] = language_tests
            body["translations"][language] = translation
            left += len(texts) - len(questions) - len(language_tests)
    return body, left


def _added_questions(
    cluster: GapCluster, by_language: dict[str, list[str]], base: AnswerBase, lines: list[str]
) -> tuple[dict[str, Any], int]:
    """Questions to add to an existing answer: the source language's under its
    `questions:`, another language's under `translations.<lang>.questions` (with the
    line where that list is), since that language's customers are matched there."""
    answer = base.answer(cluster.answer_id or "")
    source = base.settings.languages[0]
    where = _relative(answer.source.file, base.root)
    scores = f"# The centroid of these messages scores {cluster.score:.2f} against it."
    if len(by_language) > 1:
        lines.append(scores)
    body: dict[str, Any] = {"answer_id": answer.id, "file": where}
    left = repeated = 0
    for language, texts in by_language.items():
        if not texts:
            continue
        if language == source:
            known_texts = answer.questions + answer.tests
        else:
            translation = answer.translations.get(language)
            known_texts = translation.questions + translation.tests if translation else []
        known = {_plain(text) for text in known_texts}
        fresh = [text for text in texts if _plain(text) not in known]
        repeated += len(texts) - len(fresh)
        questions = fresh[:MAX_QUESTIONS]
        left += len(fresh) - len(questions)
        if language == source:
            lines.append(
                f"{scores[:-1]}. To use it: copy the questions that belong under `questions:` "
                f"in {where}, then run replykb check."
                if len(by_language) == 1
                else f"# {language_name(language)}: copy the questions that belong under "
                f"`questions:` in {where}:{answer.source.locate('questions').line}."
            )
            body["questions"] = questions
            continue
        name = language_name(language)
        if language in answer.translations:
            place = answer.source.locate("translations", language, "questions")
            lines.append(
                f"# {name}: copy the questions that belong under "
                f"`translations.{language}.questions` in {where}:{place.line} (customers "
                f"writing in {name} are matched against those, not against `questions:`)."
            )
        else:
            lines.append(
                f"# {name}: {answer.id} has no {name} translation yet: add `translations: "
                f"{language}:` to {where} with these as its `questions:` and the {name} "
                "`answer:` (customers writing in it are matched against those)."
            )
        body.setdefault("translations", {})[language] = {"questions": questions}
    if len(by_language) > 1:
        lines.append("# Then run replykb check.")
    if repeated:
        lines.append(
            f"# {repeated} of these messages are already questions or tests of this answer "
            "(not copied again)."
        )
    return body, left


def _with_digest(text: str) -> str:
    """``text`` with the digest line inserted after its first line."""
    first, _, rest = text.partition("\n")
    digest = hashlib.sha256(f"{first}\n{rest}".encode()).hexdigest()
    return (
        f"{first}\n# Draft digest sha256:{digest}: replykb gaps replaces this file only while "
        f"it is unchanged; once edited it is kept.\n{rest}"
    )


def _unchanged(text: str) -> bool:
    """Whether a draft's text is still exactly what replykb gaps wrote."""
    first, _, rest = text.partition("\n")
    found = _DIGEST_LINE.match(rest)
    if found is None:
        return False
    body = rest[found.end() :]
    return hashlib.sha256(f"{first}\n{body}".encode()).hexdigest() == found.group(1)


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the base's own files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _title(cluster: GapCluster, base: AnswerBase, new_id: str | None) -> str:
    if new_id is not None:
        return f"a new answer `{new_id}` (a topic the base does not answer)"
    return f"questions to add to answer `{cluster.answer_id}`"


def _split(texts: list[str]) -> tuple[list[str], list[str]]:
    """Questions, and about one message in four (from the fourth on) kept as a test."""
    if len(texts) < 4:
        return texts[:MAX_QUESTIONS], []
    tests = [t for i, t in enumerate(texts) if i % 4 == 3][:MAX_TESTS]
    chosen = set(tests)
    return [t for t in texts if t not in chosen][:MAX_QUESTIONS], tests


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def one_line(text: str, width: int = _SHOWN) -> str:
    """A message as one line of at most ``width`` characters, no control characters."""
    flat = re.sub(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", text).strip()
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _relative(file: str, root: Path) -> str:
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file


# --- the folder ----------------------------------------------------------------------


def _check_folder(folder: Path, base: AnswerBase) -> None:
    target = folder.resolve()
    root = base.root.resolve()
    if target == root or root in target.parents:
        raise DataError(
            f"--out {folder} is inside the answer base {base.root}: its loader would read "
            "the drafts as answers; write them elsewhere (e.g. drafts/) and move each "
            "finished answer in by hand"
        )
    if target.exists() and not target.is_dir():
        raise DataError(f"--out {folder} is a file, not a folder; choose a folder for drafts")
    try:
        target.mkdir(parents=True, exist_ok=True)
        others = [entry.name for entry in target.iterdir() if not _is_draft(entry)]
    except OSError as error:
        raise DataError(f"cannot write drafts to {folder}: {error.strerror or error}") from error
    if others:
        shown = ", ".join(sorted(others)[:3]) + (" ..." if len(others) > 3 else "")
        raise DataError(
            f"--out {folder} holds files that are not drafts of replykb gaps ({shown}); "
            "choose an empty folder, or one holding only earlier drafts (they are replaced)"
        )


def _is_draft(entry: Path) -> bool:
    """A draft of this command, or the temporary file of one an interrupted run left."""
    name = entry.name
    ours = name.endswith(".yaml") or (name.startswith(".") and name.endswith(".tmp"))
    if not ours or entry.is_symlink() or not entry.is_file():
        return False
    try:
        with entry.open("rb") as stream:
            return stream.readline().startswith(HEADER.encode())
    except OSError:
        return False


def _edited_drafts(folder: Path) -> dict[tuple[str, str], str]:
    """The drafts of ``folder`` a person has changed since they were written (or that
    carry no digest), by the topic they draft: ``("id", new id)`` or ``("answer_id",
    answer to extend)``, else their own name; each maps to its file name."""
    edited: dict[tuple[str, str], str] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.endswith(".tmp") or not _is_draft(entry):
            continue
        try:
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""  # unreadable as written: not ours to delete
        if _unchanged(text):
            continue
        try:
            body = yaml.safe_load(text)
        except yaml.YAMLError:
            body = None
        key = ("file", entry.name)
        if isinstance(body, dict):
            for field in ("id", "answer_id"):
                if isinstance(body.get(field), str):
                    key = (field, body[field])
                    break
        edited.setdefault(key, entry.name)
    return edited


def _remove_old_drafts(folder: Path, keep: set[Path]) -> None:
    """Remove the drafts still exactly as an earlier run wrote them, and the temporary
    files an interrupted run left; an edited draft stays."""
    for entry in folder.iterdir():
        if entry in keep or not _is_draft(entry):
            continue
        if not entry.name.endswith(".tmp"):
            try:
                if not _unchanged(entry.read_text(encoding="utf-8")):
                    continue
            except (OSError, UnicodeDecodeError):
                continue
        entry.unlink()


def _write_temporaries(folder: Path, texts: dict[str, str]) -> dict[str, Path]:
    """Each text in a hidden temporary file of ``folder``, flushed to disk; all or none."""
    written: dict[str, Path] = {}
    try:
        for name, text in texts.items():
            temporary = folder / f".{name}.{secrets.token_hex(4)}.tmp"
            written[name] = temporary
            with temporary.open("x", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
    except OSError as error:
        for temporary in written.values():
            temporary.unlink(missing_ok=True)
        raise DataError(f"cannot write drafts to {folder}: {error.strerror or error}") from error
    return written
