"""The translation workflow: what is missing or stale per language (``replykb
translations``), and marking a translation as reviewed against the current source
(``--mark-current``) by writing ``source: <hash>`` into the answer's file.

The mark is an in-place text edit, not a YAML dump: comments, key order, quoting and
layout stay as the team wrote them. Only one span changes (the value of ``source:``,
or a new ``source:`` line after the language's key); the edited text must parse to the
same data plus the hash before it replaces the file (atomically, keeping the file's
mode), and each edited file is read back to prove the translation is now current.
Anything the edit cannot do safely is an :class:`EditError` naming the file, the line
and what to do instead, and no file is left changed.

Marking runs hold an exclusive lock on the base for the whole run (two runs at once
would each write a file planned from text the other is replacing, losing marks), and
each file is read again just before it is replaced: a file someone saved since it was
planned (a translator's note) is never overwritten; the run stops and undoes its own
writes instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from .cachefiles import DEFAULT_CACHE_DIR
from .errors import EditError, UnknownNameError
from .languages import (
    LANGUAGE_NAMES,
    TranslationState,
    TranslationStatus,
    source_hash,
    translation_status,
)
from .loader import load_answer_file
from .models import AnswerBase

__all__ = [
    "LanguageReport",
    "Marked",
    "TranslationsReport",
    "mark_current",
    "translatable_languages",
    "translation_needs",
    "translations_report",
]

# The parser the loader uses (yamldoc): libyaml and PyYAML's own parser differ on edge
# cases (`[When is my refund?]` is a list to one and an error to the other).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STATES: tuple[TranslationState, ...] = ("missing", "stale", "unmarked", "current")


# --- what is missing or stale --------------------------------------------------------


class LanguageReport(BaseModel):
    """Every answer's translation into one language, and how many are in each state."""

    model_config = ConfigDict(frozen=True)

    language: str
    name: str
    counts: dict[TranslationState, int]
    translations: list[TranslationStatus]

    @property
    def needs_work(self) -> bool:
        return any(status.needs_work for status in self.translations)


class TranslationsReport(BaseModel):
    """``replykb translations``: the base's languages after the source, one report each."""

    model_config = ConfigDict(frozen=True)

    base: str
    source_language: str
    languages: list[LanguageReport]

    @property
    def ok(self) -> bool:
        """No translation missing, stale, unmarked or lacking a field."""
        return not any(report.needs_work for report in self.languages)


def translatable_languages(base: AnswerBase, language: str | None = None) -> tuple[str, ...]:
    """The base's languages after the source, or just ``language`` when it is one of them
    (:class:`UnknownNameError` otherwise, naming them)."""
    source, others = base.settings.languages[0], base.settings.languages[1:]
    if language is None or language in others:
        return others if language is None else (language,)
    error = UnknownNameError("translation language", language, others)
    if not others:
        example = language if language != source and len(language) == 2 else "it"
        error.args = (
            f"{base.root} has one language ({source}), so there are no translations: list "
            f"more in replykb.yaml (`languages: [{source}, {example}]`)",
        )
    elif language == source:
        error.args = (
            f"{language} is the source language of {base.root}: its texts are the answers' "
            f"own, not a translation; translations are into: {', '.join(others)}",
        )
    raise error


def translation_needs(base: AnswerBase, languages: tuple[str, ...]) -> list[TranslationStatus]:
    """:func:`~replykb.languages.translation_status` of each answer in ``languages``,
    with a detail the translation prints whose fallback only the source gives among
    its missing fields (``details.order_id.fallback``): its replies without the detail
    would print the source language's words. The same reading as `replykb check`'s
    RKB702 (:func:`~replykb.checks.ticket_texts.fallback_gaps`), so the two commands
    never disagree."""
    # The one decision RKB702 reports; checks never import this module (no cycle).
    from .checks.ticket_texts import fallback_gaps

    needs = []
    for status in translation_status(base, languages):
        gaps = fallback_gaps(base.answer(status.answer_id), status.language)
        if gaps:
            fields = (*status.missing_fields, *(f"details.{gap.name}.fallback" for gap in gaps))
            status = status.model_copy(update={"missing_fields": fields})
        needs.append(status)
    return needs


def translations_report(base: AnswerBase, language: str | None = None) -> TranslationsReport:
    """Where every translation of the base stands, per language (or for ``language``)."""
    reports = []
    for code in translatable_languages(base, language):
        statuses = translation_needs(base, (code,))
        counts = {state: sum(s.state == state for s in statuses) for state in STATES}
        reports.append(
            LanguageReport(
                language=code,
                name=LANGUAGE_NAMES.get(code, code),
                counts=counts,
                translations=statuses,
            )
        )
    return TranslationsReport(
        base=str(base.root), source_language=base.settings.languages[0], languages=reports
    )


# --- --mark-current ----------------------------------------------------------------------


class Marked(BaseModel):
    """One translation marked as reviewed against the current source."""

    model_config = ConfigDict(frozen=True)

    answer_id: str
    language: str
    file: str
    line: int
    source: str
    # The hash it recorded before (None: never marked); equal to `source` when it was
    # already current and the file was left as it was.
    previous: str | None


def mark_current(
    base: AnswerBase,
    marks: Sequence[tuple[str, str]],
    *,
    before_replace: Callable[[Path], None] | None = None,
) -> list[Marked]:
    """Record that each ``(answer_id, language)`` translation was reviewed against the
    answer's current source: write ``source: <source_hash>`` into its file.

    Every mark is checked before any file is written (the answer exists, the language is
    one of the base's translations and the answer has it, the file is writable and the
    edit is safe), so an error leaves every file as it was. The whole run holds the
    base's marking lock (another run marking the same base is an :class:`EditError` at
    once). Just before each file is replaced it is read again: if it changed since it
    was planned, it is left as it is, the files already written are restored and the
    run fails naming it. After writing, each edited file is read back and its
    translation must read as current; if not, the files are restored.

    ``before_replace`` is called with each file just before that check (for tools and
    tests that need to act at that moment).
    """
    with _marking_lock(base.root):
        return _mark_locked(base, marks, before_replace)


def _mark_locked(
    base: AnswerBase,
    marks: Sequence[tuple[str, str]],
    before_replace: Callable[[Path], None] | None,
) -> list[Marked]:
    plans: dict[Path, tuple[str, str]] = {}  # file -> (text before, text after)
    results = []
    for answer_id, language in marks:
        answer = base.answer(answer_id)
        translatable_languages(base, language)
        translation = answer.translations.get(language)
        # Where `replykb translations` and `check` (RKB702) say it is missing.
        where = answer.source.locate("translations" if answer.translations else "answer")
        if translation is None:
            raise EditError(
                f"{where}: {answer_id} has no `translations.{language}`; write the "
                f"translation (answer:, short:, facts:...) before marking it current"
            )
        digest = source_hash(answer)
        file = Path(answer.source.file).resolve()
        before, after = plans.get(file) or (_read(file), "")
        edited, line = _with_source(after or before, language, digest, str(file))
        plans[file] = (before, edited)
        results.append(
            Marked(
                answer_id=answer_id,
                language=language,
                file=answer.source.file,
                line=line,
                source=digest,
                previous=translation.source,
            )
        )
    for file, (before, after) in plans.items():
        if after != before:
            _check_writable(file)
    written: list[tuple[Path, str, str]] = []  # file, its text before, what we wrote
    try:
        for file, (before, after) in plans.items():
            if after == before:
                continue
            if before_replace is not None:
                before_replace(file)
            if _read_bytes(file) != before.encode("utf-8"):
                raise EditError(
                    f"{file}: {file.name} changed while marking (saved by someone else "
                    "since it was read); it was left as it is and no mark was written: "
                    "run the command again"
                )
            _write_atomically(file, after)
            written.append((file, before, after))
        _verify(results)
    except BaseException as error:
        kept = _restore(written)
        if kept and isinstance(error, EditError):
            names = ", ".join(str(file) for file in kept)
            raise EditError(
                f"{error}; not restored because they changed after this run wrote them "
                f"(check their `source:` lines): {names}"
            ) from None
        raise
    return results


def _restore(written: list[tuple[Path, str, str]]) -> list[Path]:
    """Put back the original of each file this run wrote, but only where the file still
    holds what the run wrote: an edit saved since then is someone's work, never undone.
    Returns the files left as they are."""
    kept = []
    for file, before, after in written:
        with contextlib.suppress(OSError):
            if _read_bytes(file) == after.encode("utf-8"):
                _write_atomically(file, before)
                continue
        kept.append(file)
    return kept


@contextlib.contextmanager
def _marking_lock(root: Path) -> Iterator[None]:
    """Hold the base's exclusive marking lock, or fail at once naming the other run.

    The lock file is ``.replykb/translations.lock`` in the base (the base's own folder,
    not the chosen cache folder: two runs with different ``--cache-dir`` mark the same
    files), else a file in the temporary folder named after the base's resolved path.
    """
    if sys.platform == "win32":
        # No flock on Windows: runs there are not serialized; the re-read before each
        # replace still keeps other people's edits.
        yield
        return
    import fcntl

    handle = _open_lock_file(Path(root).resolve())
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EditError(
                f"{root}: another `replykb translations --mark-...` is marking this base; "
                "wait until it ends, then run the command again"
            ) from None
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def _open_lock_file(root: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT
    with contextlib.suppress(OSError):
        folder = root / DEFAULT_CACHE_DIR
        folder.mkdir(exist_ok=True)
        return os.open(folder / "translations.lock", flags, 0o644)
    key = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:16]
    name = Path(tempfile.gettempdir()) / f"replykb-translations-{key}.lock"
    try:
        return os.open(name, flags, 0o644)
    except OSError as error:
        raise EditError(
            f"{root}: cannot create the marking lock in {root / DEFAULT_CACHE_DIR} or "
            f"{name} ({error.strerror}); make one of them writable and run the command again"
        ) from None


def _verify(results: list[Marked]) -> None:
    """Each edited file, read back from the disk, holds its answer with the translation
    current. Only the edited files are read: another file of the base being mid-edit
    (a colleague saving) must not undo these marks."""
    for marked in results:
        answer = load_answer_file(marked.file)
        recorded = answer.translations[marked.language].source
        if recorded != marked.source or source_hash(answer) != marked.source:
            raise EditError(
                f"{marked.file}:{marked.line}: {marked.answer_id} changed while it was "
                f"being marked (its source is now {source_hash(answer)}); the file was "
                "restored: review the translation again, then run the command again"
            )


def _read(file: Path) -> str:
    try:
        # Bytes, not read_text: the file's own line endings (\r\n) are kept as they are.
        return _read_bytes(file).decode("utf-8")
    except UnicodeDecodeError as error:
        raise EditError(f"{file}: cannot be read ({error}); fix it and run again") from None


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise EditError(f"{file}: cannot be read ({error}); fix it and run again") from None


def _check_writable(file: Path) -> None:
    try:
        mode = file.stat().st_mode
    except OSError as error:
        raise EditError(f"{file}: cannot be examined ({error.strerror})") from None
    # The write bits, not only access(): a file made read-only on purpose (a locked
    # folder, a checkout of someone else's branch) is refused even for root.
    if not mode & 0o222 or not os.access(file, os.W_OK):
        raise EditError(
            f"{file}: the file is read-only, so the translation cannot be marked; make it "
            f"writable (chmod u+w {file}) and run the command again"
        )


def _write_atomically(file: Path, text: str) -> None:
    """Readers see the old file or the new one, never half; the file keeps its mode.
    The temporary's name is hidden and does not end in .yaml, so a loader or a watching
    server never mistakes it for an answer file."""
    mode = stat.S_IMODE(file.stat().st_mode)
    try:
        handle, name = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    except OSError as error:
        raise EditError(
            f"{file}: cannot write next to it in {file.parent} ({error.strerror}); make the "
            "folder writable and run the command again"
        ) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, file)
    finally:
        temporary.unlink(missing_ok=True)


# --- the in-place edit -----------------------------------------------------------------


def _with_source(text: str, language: str, digest: str, file: str) -> tuple[str, int]:
    """``text`` with ``translations.<language>.source`` set to ``digest``, and the line
    (from 1) where it is; the edit is proven to change nothing else."""
    if text.startswith("\ufeff"):  # libyaml's positions do not count a byte-order mark
        edited, line = _with_source(text[1:], language, digest, file)
        return "\ufeff" + edited, line
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        raise _no_longer_parses(file, error) from None
    key, value = _entry(root, "translations", file, "the file")
    key, value = _entry(value, language, file, "`translations`")
    if not isinstance(value, yaml.MappingNode) or value.start_mark.index < key.end_mark.index:
        raise _unsafe(file, key, f"translations.{language} is not a mapping written here")
    quoted = f'"{digest}"'  # quoted: 12 digits alone would read as a number
    found = next(
        (pair for pair in value.value if _is_key(pair[0], "source")),
        None,
    )
    if found is not None:
        source_key, old = found
        if old.value == digest and isinstance(old, yaml.ScalarNode):
            return text, source_key.start_mark.line + 1
        if (
            not isinstance(old, yaml.ScalarNode)
            or old.start_mark.index < source_key.end_mark.index
            or old.start_mark.line != old.end_mark.line
            or old.style in ("|", ">")
        ):
            raise _unsafe(file, source_key, f"translations.{language}.source is not one value")
        start, end = old.start_mark.index, old.end_mark.index
        # `source:` with nothing after it: its empty value sits right after the colon.
        replacement = f" {quoted}" if start == end else quoted
        edited = text[:start] + replacement + text[end:]
        line = source_key.start_mark.line + 1
    elif value.flow_style:
        brace = value.start_mark.index
        if text[brace : brace + 1] != "{":
            raise _unsafe(file, key, f"translations.{language} does not start with {{")
        separator = ", " if value.value else ""
        edited = text[: brace + 1] + f"source: {quoted}{separator}" + text[brace + 1 :]
        line = value.start_mark.line + 1
    else:
        first_key = value.value[0][0]
        indent = " " * first_key.start_mark.column
        newline = "\r\n" if "\r\n" in text else "\n"
        end_of_key_line = text.find("\n", key.end_mark.index)
        if end_of_key_line < 0 or end_of_key_line >= first_key.start_mark.index:
            raise _unsafe(file, key, f"translations.{language} starts on its key's line")
        at = end_of_key_line + 1
        edited = text[:at] + f"{indent}source: {quoted}{newline}" + text[at:]
        line = key.start_mark.line + 2
    _prove(text, edited, language, digest, file)
    return edited, line


def _entry(
    node: yaml.Node | None, name: str, file: str, inside: str
) -> tuple[yaml.Node, yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if _is_key(key, name):
                return key, value
    line = node.start_mark.line + 1 if node is not None else 1
    raise EditError(f"{file}:{line}: no `{name}:` key in {inside}; nothing to mark")


def _is_key(node: yaml.Node, name: str) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == name


def _unsafe(file: str, node: yaml.Node, what: str) -> EditError:
    return EditError(
        f"{file}:{node.start_mark.line + 1}: {what}, so `source:` cannot be written into it "
        "without touching the rest (YAML anchors and aliases, a multi-line value); write it "
        "as a plain block (one key per line) and run the command again"
    )


def _prove(before: str, after: str, language: str, digest: str, file: str) -> None:
    """The edited text must read as the original data with only the hash added."""
    try:
        expected: Any = _unshared(yaml.load(before, Loader=_LOADER))
    except yaml.YAMLError as error:
        raise _no_longer_parses(file, error) from None
    expected["translations"][language]["source"] = digest
    try:
        edited = _unshared(yaml.load(after, Loader=_LOADER))
    except yaml.YAMLError:
        edited = None
    if edited != expected:
        raise EditError(
            f"{file}: adding `source:` to translations.{language} would change more than the "
            f'hash; add `source: "{digest}"` under translations.{language} by hand'
        )


def _no_longer_parses(file: str, error: yaml.YAMLError) -> EditError:
    """The answer file loaded, but no longer reads as YAML: it was saved (half-written,
    or broken) after the base was loaded."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return EditError(
        f"{file}{line}: changed while marking and no longer parses ({problem}); no mark "
        "was written: fix it and run again"
    )


def _unshared(data: Any) -> Any:
    """``data`` as a tree with no shared parts: a mapping an alias repeats is copied, so
    an edit that reaches two places through an anchor shows as a difference."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))
