"""Which templates a channel renders with, where they come from, what they see, and how
their failures become structured :class:`~replykb.errors.RenderError`\\ s.

One place knows these, so the renderer and the linter (``replykb check``) never derive
them twice: :func:`channel_templates` names a channel's templates,
:class:`TemplateFiles` finds each one (the base's ``templates/`` first, then the
built-in ones) with its file path, and :func:`template_variables` lists the names a
template's render context gives it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

from jinja2 import (
    BaseLoader,
    Environment,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from pydantic import BaseModel, ConfigDict

from ..basefiles import TEMPLATES_DIR
from ..errors import RenderError, RenderErrorKind, RenderPart
from ..models import Answer, Channel
from .sandbox import HINT, BoundExceeded

__all__ = [
    "BUILTIN_TEMPLATES",
    "PRIVATE_INVITE_TEMPLATE",
    "STRING_FILENAME",
    "TemplateFile",
    "TemplateFiles",
    "TemplateKind",
    "channel_templates",
    "html_template",
    "invite_template",
    "render_error",
    "template_variables",
    "text_template",
]

BUILTIN_TEMPLATES: Final = Path(__file__).parent.parent / "templates"
PRIVATE_INVITE_TEMPLATE: Final = "private_invite.j2"
# The file name Jinja gives an answer text or an opening (they live inside YAML files).
STRING_FILENAME: Final = "<text>"

TemplateKind = Literal["channel", "invite", "answer", "opening"]

# Answer fields a template does not see: what customers ask, held-out tests, check
# ignores, and the other languages' texts (a reply is in one language).
HIDDEN_ANSWER_FIELDS: Final = frozenset({"questions", "tests", "check", "translations"})
_SHARED: Final = frozenset(
    (set(Answer.model_fields) - HIDDEN_ANSWER_FIELDS)
    | {"brand", "customer", "agent", "channel", "language"}
)
_VARIABLES: Final[Mapping[TemplateKind, frozenset[str]]] = {
    "opening": _SHARED,
    "answer": _SHARED | {"opening"},
    # `invitation`: the language's invitation text (built in, or the base's under
    # `translations.<lang>.private_invite`), which the built-in template prints.
    "invite": _SHARED | {"opening", "invitation"},
    "channel": _SHARED | {"opening", "body"},
}


def template_variables(kind: TemplateKind) -> frozenset[str]:
    """The names the render context gives a template of ``kind`` (Jinja's globals aside:
    see :data:`~replykb.render.TEMPLATE_GLOBALS`). Openings are rendered first, so they
    do not see ``opening``; only channel templates see the ``body`` being sent."""
    return _VARIABLES[kind]


def text_template(spec: Channel) -> str:
    """The template that renders the text of a reply on ``spec``."""
    if spec.template is not None:
        return spec.template
    return "email.txt.j2" if spec.family == "email" else f"{spec.family}.j2"


def html_template(spec: Channel) -> str:
    """The template of the HTML part, on channels whose format is html."""
    return spec.template or "email.html.j2"


def invite_template(files: TemplateFiles, language: str, *, is_source: bool) -> str | None:
    """The template a private invitation in ``language`` renders with: the base's
    ``templates/<language>/private_invite.j2``; else ``private_invite.j2`` (the base's
    for the source language, the built-in one, which prints ``invitation``); None for
    another language when the base's own ``private_invite.j2`` (written in the source
    language) would be found: the invitation text is then rendered on its own."""
    name = files.localized(PRIVATE_INVITE_TEMPLATE, language)
    if name != PRIVATE_INVITE_TEMPLATE or is_source:
        return name
    return None if files.is_base_template(name) else name


def channel_templates(spec: Channel) -> tuple[str, ...]:
    """Every template a reply on ``spec`` may render with: the text one, the HTML one on
    html channels, and the private invitation on public channels."""
    names = [text_template(spec)]
    if spec.format == "html":
        names.append(html_template(spec))
    if spec.public:
        names.append(PRIVATE_INVITE_TEMPLATE)
    return tuple(dict.fromkeys(names))


class TemplateFile(BaseModel):
    """A template and the file it comes from: the base's ``templates/`` or built in."""

    model_config = ConfigDict(frozen=True)

    name: str
    # None when neither the base nor replykb has a template of that name.
    path: Path | None
    builtin: bool


class TemplateFiles(BaseLoader):
    """Jinja's loader for a base: its ``templates/`` override the built-in templates.

    Each template carries its real file path as its file name, so an error anywhere in
    it (or in a template it includes) is located in that file.
    """

    def __init__(self, templates: Mapping[str, str], folder: Path | None) -> None:
        self._templates = dict(templates)
        self._folder = folder if folder is not None else Path(TEMPLATES_DIR)
        self._names = {str(self._folder / name): name for name in self._templates}

    def localized(self, name: str, language: str) -> str:
        """The template called ``name`` for a reply in ``language``: the base's
        ``templates/<language>/<name>`` when it has one, else ``name``."""
        translated = f"{language}/{name}"
        return translated if translated in self._templates else name

    def is_base_template(self, name: str) -> bool:
        """Whether the base gives the template called ``name``."""
        return name in self._templates

    def find(self, name: str) -> TemplateFile:
        if name in self._templates:
            return TemplateFile(name=name, path=self._folder / name, builtin=False)
        try:
            path = BUILTIN_TEMPLATES.joinpath(*split_template_path(name))
        except TemplateNotFound:  # ".." in the name: never outside the folder
            return TemplateFile(name=name, path=None, builtin=False)
        found = path.is_file()
        return TemplateFile(name=name, path=path if found else None, builtin=found)

    def name_of(self, filename: str) -> str | None:
        """The template whose file is ``filename`` (as Jinja reports it)."""
        if filename in self._names:
            return self._names[filename]
        path = Path(filename)
        if path.is_relative_to(BUILTIN_TEMPLATES):
            return path.relative_to(BUILTIN_TEMPLATES).as_posix()
        return None

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        found = self.find(template)
        if found.path is None:
            raise TemplateNotFound(template)
        if found.builtin:
            source = found.path.read_text(encoding="utf-8")
        else:
            source = self._templates[template]
        return source, str(found.path), lambda: True


# --- Jinja's exceptions -> RenderError ------------------------------------------------------

_UNDEFINED: Final = re.compile(r"^'([^']+)' is undefined$|has no attribute '([^']+)'")
_UNSAFE: Final = re.compile(r"attribute '([^']+)'")


def _innermost_template_frame(error: BaseException) -> tuple[str, int] | None:
    """(file name, line) of the innermost template frame of the error's traceback.

    Jinja rewrites a render error's traceback so that each template frame reports its
    template's file name and line; the innermost is where the error happened.
    """
    found = None
    trace = error.__traceback__
    while trace is not None:
        if "__jinja_exception__" in trace.tb_frame.f_globals:
            found = (trace.tb_frame.f_code.co_filename, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _kind_and_name(error: BaseException) -> tuple[RenderErrorKind, str | None, str]:
    """What kind of failure, the name it is about, and its reason."""
    if isinstance(error, TemplateSyntaxError):
        return "syntax", None, error.message or "syntax error"
    if isinstance(error, BoundExceeded):
        return "bound", None, error.message or "over a bound"
    if isinstance(error, RecursionError):
        return "bound", None, "the template calls itself (macros or includes) too deeply"
    if isinstance(error, MemoryError):
        return "bound", None, "the template needs more memory than there is"
    if isinstance(error, TemplateNotFound):
        missing = str(error.name)
        return "error", missing, f"template {missing!r} not found"
    message = str(error) or type(error).__name__
    if isinstance(error, SecurityError):
        found = _UNSAFE.search(message)
        return "security", found.group(1) if found else None, message
    if isinstance(error, UndefinedError):
        found = _UNDEFINED.search(message)
        return "undefined", next((g for g in found.groups() if g), None) if found else None, message
    if isinstance(error, ArithmeticError | TypeError | ValueError | LookupError):
        return "error", None, f"{type(error).__name__}: {message}"
    return "error", None, message


def render_error(
    error: BaseException,
    files: TemplateFiles,
    *,
    what: RenderPart,
    answer: Answer,
    channel: str,
    template: str | None = None,
    path: Path | None = None,
    file_line: int | None = None,
    opening: int | None = None,
    builtin: bool = False,
) -> RenderError:
    """The :class:`RenderError` for an exception raised compiling or rendering a template.

    ``what``/``template``/``path`` say which text was being rendered; when the error
    happened in a template file it included (or in the channel template), that file is
    named instead, at the line Jinja reports.
    """
    kind, name, reason = _kind_and_name(error)
    line: int | None = None
    filename: str | None = None
    if isinstance(error, TemplateSyntaxError):
        line, filename = error.lineno, error.filename
    elif (frame := _innermost_template_frame(error)) is not None:
        filename, line = frame
    if filename is not None and filename != STRING_FILENAME:
        named = files.name_of(filename)
        if named is not None:
            found = files.find(named)
            what, template, path, builtin = "template", named, found.path, found.builtin
    # An answer text or opening keeps ``file_line`` at its key: the lines of a folded
    # YAML string do not map to the file's.
    return RenderError(
        reason,
        kind=kind,
        what=what,
        template=template,
        path=path,
        builtin=builtin,
        line=line,
        file_line=file_line if what != "template" else line,
        name=name,
        opening=opening,
        answer_id=answer.id,
        channel=channel,
        hint=HINT if kind == "bound" else "",
    )
