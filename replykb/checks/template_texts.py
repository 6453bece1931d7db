"""Every template text of a base read statically: its syntax and the names it uses.

Templates are parsed, not rendered, so a mistake is found even in a branch no answer
takes today. Only the base's own texts are read (templates/, openings, answers): the
built-in templates are replykb's, and a finding never points inside the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..models import Location, Tone
from ..render import PRIVATE_INVITE_TEMPLATE, TemplateKind, template_variables

if TYPE_CHECKING:
    from .base_view import BaseView

__all__ = ["TemplateText", "locate_name", "read_template_texts"]

JINJA_SPANS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


@dataclass(frozen=True)
class TemplateText:
    """One template text of the base and what a static reading found in it."""

    what: str  # "template private_invite.j2", "opening apology #2", "`short` of answer 'x'"
    source: str
    location: Location
    # Its own lines map to the file's (a template file); a YAML string's do not.
    maps_lines: bool
    known: frozenset[str]
    answer: str | None
    syntax_error: str | None
    syntax_line: int | None
    # Names it uses that no reply defines (empty when it does not parse).
    unknown: tuple[str, ...]

    def line(self, line: int | None) -> Location:
        """Line ``line`` of this text, as a place in its file."""
        if not line or line <= 1 or not self.maps_lines:
            return self.location
        return Location(file=self.location.file, line=self.location.line + line - 1)

    def name_location(self, name: str) -> Location:
        """Where ``name`` is first used inside a Jinja tag of this text."""
        return locate_name(self.source, name, self.location) if self.maps_lines else self.location


def locate_name(source: str, name: str, start: Location) -> Location:
    """Where ``name`` first appears inside a Jinja tag of ``source`` (a file from ``start``)."""
    pattern = re.compile(rf"(?<![\w]){re.escape(name)}(?!\w)")
    for span in JINJA_SPANS.finditer(source):
        found = pattern.search(span.group())
        if found:
            offset = span.start() + found.start()
            line = source.count("\n", 0, offset) + 1
            column = offset - (source.rfind("\n", 0, offset) + 1) + 1
            return Location(file=start.file, line=start.line + line - 1, column=column)
    return start


def read_template_texts(ctx: BaseView) -> tuple[TemplateText, ...]:
    environment = _parse_environment()
    texts: list[TemplateText] = []

    def add(
        what: str,
        source: str,
        location: Location,
        kind: TemplateKind,
        *,
        maps_lines: bool,
        answer: str | None = None,
    ) -> None:
        known = template_variables(kind)
        error: str | None = None
        error_line: int | None = None
        unknown: tuple[str, ...] = ()
        try:
            tree = environment.parse(source)
        except TemplateSyntaxError as syntax:
            error, error_line = syntax.message or "syntax error", syntax.lineno
        else:
            names = meta.find_undeclared_variables(tree) - known - set(environment.globals)
            unknown = tuple(sorted(names))
        texts.append(
            TemplateText(
                what, source, location, maps_lines, known, answer, error, error_line, unknown
            )
        )

    for name, source in sorted(ctx.base.templates.items()):
        # templates/<lang>/private_invite.j2 is a language's invitation template.
        invite = name.rsplit("/", 1)[-1] == PRIVATE_INVITE_TEMPLATE
        kind: TemplateKind = "invite" if invite else "channel"
        add(f"template {name}", source, ctx.template_location(name), kind, maps_lines=True)
    settings = ctx.base.settings
    # The source language's openings, then each language's under `translations.<lang>`.
    holders: list[tuple[tuple[str, ...], Any]] = [((), settings)]
    holders += [(("translations", code), texts) for code, texts in settings.translations.items()]
    for prefix, holder in holders:
        for key in ("openings", "anonymous_openings"):
            lists: dict[Tone, list[str]] = getattr(holder, key)
            for tone, variants in lists.items():
                for i, variant in enumerate(variants):
                    location = ctx.base.settings_source.locate(*prefix, key, tone, i)
                    what = f"{'.'.join((*prefix, ''))}{key[:-1].replace('_', ' ')} {tone} #{i + 1}"
                    add(what, variant, location, "opening", maps_lines=False)
        invitation = getattr(holder, "private_invite", None) if prefix else None
        if invitation is not None:
            location = ctx.base.settings_source.locate(*prefix, "private_invite")
            add(
                f"{'.'.join(prefix)}.private_invite",
                invitation,
                location,
                "answer",
                maps_lines=False,
            )
    for answer in ctx.base.answers:
        for key in ("answer", "short"):
            text = getattr(answer, key)
            if text is not None:
                add(
                    f"`{key}` of answer {answer.id!r}",
                    text,
                    answer.source.locate(key),
                    "answer",
                    maps_lines=False,
                    answer=answer.id,
                )
    return tuple(texts)


class _AnyName(dict[str, Any]):
    """Filters or tests that claim every name: the static pass looks at variables only;
    an unknown filter is found when the template is rendered."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> Any:
        return _identity

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]


def _identity(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def _parse_environment() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    # Jinja folds constant expressions while it reads a template ({{ 'a' * 10**9 }} would
    # be built right here); intercepted operators are never folded, only rendered, where
    # the renderer's sandbox bounds them.
    environment.intercepted_binops = frozenset(("+", "-", "*", "/", "//", "%", "**"))
    environment.intercepted_unops = frozenset(("+", "-"))
    environment.filters = _AnyName(environment.filters)
    environment.tests = _AnyName(environment.tests)
    return environment
