"""Errors a user of replykb can cause, and what to do about them.

Every error raised for a user mistake is a :class:`ReplyKBError`, so helpdesk
code can catch one class and show its message. The tree::

    ReplyKBError
    ├── AnswerBaseError        the answer base has problems (each located: file, line, column)
    ├── BaseNotFoundError      no such folder, or no replykb.yaml in it
    ├── BaseExistsError        `replykb init` into a folder that already holds a base
    ├── ModelError             the embedding model cannot be resolved, verified or loaded
    ├── MessageError           an incoming message that cannot be matched (empty, blank)
    ├── UnknownNameError       an unknown channel, agent or answer id (lists the known ones)
    ├── DataError              a labelled data file (eval, batch input) that cannot be read
    ├── CacheError             `replykb build` cannot keep the cache in its folder (names it)
    ├── UsageLogError          the usage log cannot be opened or read (names it and the fix)
    ├── EditError              a file of the base cannot be edited in place (names file:line)
    └── RenderError            a template fails to compile or render
        └── ReplyTooLongError  even the smallest form of a reply is over the channel's limit
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .locations import Problem


class ReplyKBError(Exception):
    """Base class of every error a user of replykb can cause and fix."""


class BaseNotFoundError(ReplyKBError):
    """The answer base folder, or its ``replykb.yaml``, does not exist."""


class BaseExistsError(ReplyKBError):
    """``replykb init`` would overwrite an existing base or file."""


class AnswerBaseError(ReplyKBError):
    """The answer base has one or more problems; ``problems`` lists them all, located."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = [f"the answer base has {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


class ModelError(ReplyKBError):
    """The embedding model cannot be resolved, verified or loaded."""


class MessageError(ReplyKBError, ValueError):
    """An incoming message that cannot be matched, such as an empty one."""


_MAX_SHOWN_NAME = 80


class UnknownNameError(ReplyKBError, LookupError):
    """A channel, agent or answer id that the answer base does not define."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        # The name comes from a request or a file: shown shortened, so a megabyte of it
        # is not echoed back into a response body or a log line.
        shown = repr(name) if len(name) <= _MAX_SHOWN_NAME else f"{name[:_MAX_SHOWN_NAME]!r}…"
        super().__init__(
            f"unknown {kind} {shown}; known {kind}s: {', '.join(self.known) or 'none'}"
        )


class DataError(ReplyKBError):
    """A labelled data file or batch input that cannot be read."""


class CacheError(ReplyKBError):
    """The cache folder cannot keep what ``replykb build`` made (read-only, full); the
    message names the folder and how to choose another."""


class UsageLogError(ReplyKBError):
    """The usage log (a SQLite file, a PostgreSQL database) cannot be opened or read;
    the message names it (a password never shown) and what to do."""


class EditError(ReplyKBError):
    """``replykb translations --mark-current`` cannot write into an answer file (read-only,
    a layout an in-place edit cannot keep); names the file, the line and the fix, and
    leaves every file as it was."""


RenderPart = Literal["template", "answer", "short", "opening", "customer"]
RenderErrorKind = Literal["syntax", "undefined", "security", "bound", "error", "too_long"]


class RenderError(ReplyKBError):
    """A template fails to compile or to render, or goes over a sandbox bound.

    The fields say where and why, so callers (``replykb check``) never read the message:
    ``what`` failed (a channel ``template`` file, an answer's ``answer`` or ``short``
    text, an ``opening``, or the ``customer`` value), the template's file name and
    ``path`` (a base override or a ``builtin`` one; the answer's YAML file for its
    texts; ``replykb.yaml`` for openings), the ``line`` inside the template text (as
    Jinja counts it) and ``file_line`` inside ``path`` when it is known, the ``reason``
    without a location, its ``kind``, the offending ``name`` (an undefined variable or
    attribute, an unsafe attribute), the ``opening`` variant's index, and the
    ``answer_id`` and ``channel`` being rendered.
    """

    def __init__(
        self,
        reason: str,
        *,
        kind: RenderErrorKind = "error",
        what: RenderPart | None = None,
        template: str | None = None,
        path: Path | None = None,
        builtin: bool = False,
        line: int | None = None,
        file_line: int | None = None,
        name: str | None = None,
        opening: int | None = None,
        answer_id: str | None = None,
        channel: str | None = None,
        hint: str = "",
    ) -> None:
        self.reason = reason
        self.kind: RenderErrorKind = kind
        self.what: RenderPart | None = what
        self.template = template
        self.path = path
        self.builtin = builtin
        self.line = line
        self.file_line = file_line
        self.name = name
        self.opening = opening
        self.answer_id = answer_id
        self.channel = channel
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        place = ""
        if self.path is not None:
            line = self.file_line or (self.line if self.template is not None else None)
            place = f"{self.path}:{line}: " if line else f"{self.path}: "
        subject = {
            "template": f"template {self.template}",
            "answer": f"`answer` of answer {self.answer_id!r}",
            "short": f"`short` of answer {self.answer_id!r}",
            "opening": "opening" + (f" #{self.opening + 1}" if self.opening is not None else ""),
            "customer": "customer",
        }.get(self.what or "", "")
        if subject and self.line and self.what != "template":
            subject += f", line {self.line}"
        occasion = []
        if self.answer_id is not None and self.what in ("template", "opening"):
            occasion.append(f"answer {self.answer_id!r}")
        if self.channel is not None:
            occasion.append(f"on {self.channel}")
        about = f" (rendering {' '.join(occasion)})" if occasion else ""
        text = f"{place}{subject + ': ' if subject else ''}{self.reason}{about}"
        return f"{text}; {self.hint}" if self.hint else text


class ReplyTooLongError(RenderError):
    """Even the smallest form of the reply does not fit the channel's limit; ``fix``
    says what takes it over and where to shorten it (the renderer knows: the cut
    marker, the signature...)."""

    def __init__(
        self,
        answer_id: str,
        channel: str,
        length: int,
        limit: int,
        *,
        fix: str = "shorten its `short` form or the agent's signature for this channel",
    ) -> None:
        self.length = length
        self.limit = limit
        self.overflow = length - limit
        self.fix = fix
        super().__init__(
            f"answer {answer_id!r} does not fit channel {channel!r}: its smallest reply "
            f"counts {length} against a limit of {limit} ({self.overflow} over); {fix}",
            kind="too_long",
            answer_id=answer_id,
            channel=channel,
        )

    def _message(self) -> str:
        return self.reason
