"""Why even the smallest form of a reply does not fit its channel, said as the fix: the
:class:`~replykb.errors.ReplyTooLongError` raised by the renderer names what takes the
reply over and where to shorten it, for a reply in any language (the cut marker and
the invitation are the reply language's own, or built in).

The cut form is the answer's first words, the cut marker of the reply's language and
the link, between the opening and the signature. When it does not fit:

- the opening, signature and template alone are over: no `short` form can help, only a
  shorter signature (or template);
- the cut fits without its marker: the marker takes it over, the base's own
  (``translations.<lang>.cut_marker``, at its line of replykb.yaml) or the built-in one;
  a `short` form that fits is never cut, so it needs no marker;
- else the generic fix: a shorter `short` form or signature.

A private answer on a public channel sends only the invitation to continue in private,
which has no shorter form: the invitation (the base's
``translations.<lang>.private_invite`` at its line, or the built-in one), its template
and the signature are what to shorten.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ReplyTooLongError
from ..languages import language_name
from ..models import Answer, Settings, SourceMap
from .cutting import longest_cut
from .templates import TemplateFiles, invite_template
from .texts import ReplyTexts

__all__ = ["cut_overflow", "invite_overflow"]


def cut_overflow(
    answer: Answer,
    channel: str,
    limit: int,
    length: int,
    *,
    full: str,
    marker: str,
    measure: Callable[[str], tuple[str, int]],
    language: str,
    settings: Settings,
    settings_source: SourceMap | None,
) -> ReplyTooLongError:
    """The error for ``answer`` on ``channel`` whose shortest cut counts ``length``:
    ``full`` is its full text, ``marker`` the cut marker as the channel prints it and
    ``measure`` renders and counts the reply around a body (as the cut does)."""
    link = answer.link or ""
    _, bare = measure("")
    if bare > limit:
        fix = (
            f"even with no answer text the reply counts {bare}: shorten the signature "
            "for this channel (or the opening, or the channel's template); a `short` "
            "form cannot help"
        )
    elif longest_cut(full, link, "", limit, measure)[0] is not None:
        fix = _marker_fix(answer, marker, language, settings, settings_source)
    else:
        return ReplyTooLongError(answer.id, channel, length, limit)
    return ReplyTooLongError(answer.id, channel, length, limit, fix=fix)


def invite_overflow(
    answer: Answer,
    channel: str,
    limit: int,
    length: int,
    texts: ReplyTexts,
    files: TemplateFiles,
    settings_source: SourceMap | None,
) -> ReplyTooLongError:
    """The error for the private invitation of ``answer`` on ``channel`` that counts
    ``length``, in the language of ``texts``: the invitation's text and template (of
    ``files``) are named where they come from."""
    language, invitation = texts.language, texts.private_invite
    name = invite_template(files, language, is_source=texts.is_source)
    template = files.find(name) if name is not None else None
    name = language_name(language)
    if invitation.origin is not None:
        where = f"`{'.'.join(invitation.origin)}`"
        if settings_source is not None:
            found = settings_source.locate(*invitation.origin)
            where += f", {found.file}:{found.line}"
    else:
        settings_file = settings_source.file if settings_source is not None else "replykb.yaml"
        where = (
            f"the built-in {name} one: set a shorter `translations.{language}.private_invite` "
            f"in {settings_file}"
        )
    shown = ""
    if template is not None and not template.builtin and template.path is not None:
        shown = f", its template {template.path}"
    fix = (
        "on a public channel a private answer sends only the invitation to continue in "
        f"private, which has no shorter form: shorten the invitation ({where}){shown} "
        "or the signature for this channel"
    )
    return ReplyTooLongError(answer.id, channel, length, limit, fix=fix)


def _marker_fix(
    answer: Answer,
    marker: str,
    language: str,
    settings: Settings,
    settings_source: SourceMap | None,
) -> str:
    """The cut marker takes the cut over: where it comes from, and what to shorten."""
    name = language_name(language)
    translated = settings.translations.get(language)
    short = f"give the answer a `short` form that fits{_where(answer)}"
    if translated is not None and translated.cut_marker is not None:
        key = f"translations.{language}.cut_marker"
        place = ""
        if settings_source is not None:
            found = settings_source.locate("translations", language, "cut_marker")
            place = f", {found.file}:{found.line}"
        return (
            f"the {name} cut marker {marker!r} (`{key}`{place}) is what takes the cut "
            f"reply over: shorten it, or {short}"
        )
    settings_file = settings_source.file if settings_source is not None else "replykb.yaml"
    return (
        f"the built-in {name} cut marker {marker!r} is what takes the cut reply over: "
        f"{short}, shorten the signature for this channel, or set a shorter "
        f"`translations.{language}.cut_marker` in {settings_file}"
    )


def _where(answer: Answer) -> str:
    """`` (file:line)`` of the answer's `short` (else of the answer), when in a file."""
    if answer.source.file.startswith("<"):  # an answer made in code
        return ""
    found = answer.source.locate("short")
    return f" ({found.file}:{found.line})"
