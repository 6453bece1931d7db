"""Rendering the texts of a reply with Jinja: the channel templates (files), the
answer's texts and openings (strings from YAML), and the texts of a language (the
invitation, the team's sign-off), each in the bounded sandbox (:mod:`.sandbox`), each
failure a :class:`~replykb.errors.RenderError` located in the file it comes from.

Every rendered text has an absent customer name taken out (:mod:`.openings`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template
from markupsafe import Markup

from ..errors import RenderError
from ..models import Answer, SourceMap
from .links import link_urls
from .openings import OpeningChoice, drop_stop_after_name, elide_absent_name
from .sandbox import BoundedSandbox
from .templates import STRING_FILENAME, TemplateFiles, render_error
from .texts import TextChoice

__all__ = ["TextEngine"]


class TextEngine:
    """Compiles and renders a base's templates and texts; immutable after creation."""

    def __init__(self, files: TemplateFiles, settings_source: SourceMap | None) -> None:
        self._files = files
        self._settings_source = settings_source
        options: dict[str, Any] = {
            "loader": files,
            "undefined": StrictUndefined,
            "keep_trailing_newline": False,
            "filters": {"linebreaks": _linebreaks},
        }
        self._plain = BoundedSandbox(autoescape=False, **options)
        self._html = BoundedSandbox(autoescape=True, **options)
        # Answer texts, short forms and openings come from the base, so there are finitely
        # many; compiling is most of a render's time, so each is compiled once.
        self._compile = functools.lru_cache(maxsize=None)(self._compile_text)

    def _compile_text(self, source: str) -> Template:
        environment = self._plain
        code = environment.compile(source, filename=STRING_FILENAME)
        return environment.template_class.from_code(
            environment, code, environment.make_globals(None)
        )

    def template(
        self, name: str, context: dict[str, Any], answer: Answer, *, html: bool = False
    ) -> str:
        environment = self._html if html else self._plain
        try:
            text = environment.get_template(name).render(context).strip()
        except Exception as error:  # a template may raise anything; all are the base's
            found = self._files.find(name)
            raise render_error(
                error,
                self._files,
                what="template",
                answer=answer,
                channel=context["channel"].name,
                template=name,
                path=found.path,
                builtin=found.builtin,
            ) from error
        return drop_stop_after_name(elide_absent_name(text), context["customer"].name)

    def string(
        self,
        source: str,
        context: dict[str, Any],
        *,
        answer: Answer,
        what: str,
        opening: OpeningChoice | None = None,
    ) -> str:
        try:
            text = self._compile(source).render(context)
        except Exception as error:  # a template may raise anything; all are the base's
            path, file_line, builtin = self._text_location(answer, what, opening)
            raise render_error(
                error,
                self._files,
                what="opening" if what == "opening" else "short" if what == "short" else "answer",
                answer=answer,
                channel=context["channel"].name,
                path=path,
                file_line=file_line,
                opening=opening.index if opening else None,
                builtin=builtin,
            ) from error
        return drop_stop_after_name(elide_absent_name(text), context["customer"].name)

    def text(self, text: TextChoice, context: dict[str, Any], answer: Answer, key: str) -> str:
        """A text of the reply's language (an invitation, the team's sign-off): built
        in, or the base's under ``translations.<lang>.<key>`` of replykb.yaml, where an
        error in it is located."""
        try:
            rendered = self._compile(text.source).render(context)
        except Exception as error:  # a template may raise anything; all are the base's
            found = render_error(
                error, self._files, what="answer", answer=answer, channel=context["channel"].name
            )
            where = text.origin or ("translations", context["language"], key)
            path, line = None, None
            if text.origin is not None and self._settings_source is not None:
                located = self._settings_source.locate(*text.origin)
                path, line = Path(located.file), located.line
            raise RenderError(
                f"`{'.'.join(where)}`{'' if text.origin else ' (built in)'}: {found.reason}",
                kind=found.kind,
                path=path,
                builtin=text.origin is None,
                file_line=line,
                name=found.name,
                answer_id=answer.id,
                channel=found.channel,
                hint=found.hint,
            ) from error
        return drop_stop_after_name(elide_absent_name(rendered), context["customer"].name).strip()

    def _text_location(
        self, answer: Answer, what: str, opening: OpeningChoice | None
    ) -> tuple[Path | None, int | None, bool]:
        """The file and line of an answer text or an opening (built-in openings: none)."""
        if opening is not None:
            source = self._settings_source
            if opening.origin is None or source is None:
                return None, None, opening.origin is None
            where = source.locate(*opening.origin, opening.tone, opening.index)
            return Path(where.file), where.line, False
        if answer.source.file.startswith("<"):  # an answer made in code, not read from a file
            return None, None, False
        where = answer.source.locate(what)
        return Path(where.file), where.line, False


def _linebreaks(value: str) -> Markup:
    # Plain text: escaped once, its URLs linked (links.py). Markup is HTML already: kept.
    lines = value.splitlines() if isinstance(value, Markup) else str(value).splitlines()
    return Markup("<br>\n").join(link_urls(line) for line in lines)
