"""Channel formatting: an answer written in Markdown, shown the way its channel shows text.

Answers, short forms and invitations may use a small Markdown subset. Each channel's
``format`` says what its platform renders, and the body is converted before the reply is
fitted, so the length counts what the customer sees:

``markdown``
    Kept as written (a chat widget that renders Markdown).
``plain``, ``html`` (the text part of an e-mail)
    What Markdown means, without the marks: ``**bold**``, ``_italic_``, ``~~struck~~``
    and `` `code` `` lose their marks, ``[text](url)`` becomes ``text url`` (the URL
    alone when the text is the URL), ``<url>`` the URL, ``# Heading`` its text, and
    ``*``/``+`` list items ``- `` items. X, SMS, Facebook, Instagram and the rest show
    Markdown raw, so this is their format.
``whatsapp``
    WhatsApp's own marks: ``*bold*``, ``_italic_``, ``~struck~``, `` `code` ``,
    headings in bold, links as ``text url`` (WhatsApp links bare URLs).

Conservative by design: text with no Markdown is returned unchanged, byte for byte;
emphasis is read within one line, at word boundaries only (``snake_case``, ``2*3*4``,
``@first_last`` and every URL are left as written); a backslash keeps a mark literal
(``\\*``). What the subset does not convert (tables, images, HTML tags, a mark left
open) shows as written: :func:`raw_markdown` finds it, for ``replykb check``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

from ..models import OutputFormat
from ..urls import find_urls

__all__ = ["convert_markdown", "convert_template", "raw_markdown"]

# Placeholders: \x00 opens an emphasis mark, \x01 wraps a kept span. The loader refuses
# control characters in a base, and names are cleaned of them, so neither occurs in a
# body; a body that has one anyway is left unconverted.
_MARKS: Final = {"plain": ("", "", ""), "whatsapp": ("*", "_", "~")}
# Control characters, so a placeholder is neither a word character nor a mark to the
# emphasis patterns that run after it is placed (`**_both_**`).
_BOLD, _ITALIC, _STRIKE = "\x00\x02", "\x00\x03", "\x00\x04"
_KEPT: Final = re.compile("\x01(\\d+)\x01")

# Jinja tags of an answer text (`{{ }}`, `{% %}`, `{# #}`): kept whole, so the values
# they print are never Markdown. Found by str.find, not a lazy `.*?` pattern, which made
# every opening without a closing scan the rest of the text (`{{` * 20,000: seconds).
_JINJA_OPENING: Final = re.compile(r"\{[{%#]")
_JINJA_CLOSING: Final = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _keep_jinja_tags(source: str, keep: Callable[[str], str]) -> str:
    """``source`` with each Jinja tag replaced by ``keep(tag)``, as the first closing
    after each opening ends it (what ``\\{\\{.*?\\}\\}|...`` would match), in linear time."""
    parts: list[str] = []
    done = 0  # source[:done] is in parts
    unclosed: set[str] = set()  # an opening with no closing after it: none later has one
    position = 0
    while (opening := _JINJA_OPENING.search(source, position)) is not None:
        mark = opening.group()
        close = -1 if mark in unclosed else source.find(_JINJA_CLOSING[mark], opening.end())
        if close < 0:
            unclosed.add(mark)
            position = opening.start() + 1
            continue
        end = close + 2
        parts += [source[done : opening.start()], keep(source[opening.start() : end])]
        done = position = end
    return "".join(parts) + source[done:]


_FENCE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING: Final = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_BULLET: Final = re.compile(r"^([ \t]*)[*+]([ \t]+)(?=\S)")
_CODE: Final = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_ESCAPE: Final = re.compile(r"\\([!-/:-@\[-`{-~])")
_AUTOLINK: Final = re.compile(r"<((?:https?|mailto):[^\s<>]+)>")
_LINK: Final = re.compile(
    r"!?\[(?P<text>[^\[\]\n]+)\]\(\s*<?(?P<url>[^\s()<>]+(?:\([^\s()<>]*\))?)>?"
    r"(?:\s+\"[^\"\n]*\")?\s*\)"
)
# Emphasis at word boundaries, within one line: an opening mark not after a letter or
# digit (nor, for `_`, another `_`) and followed by a non-space; a closing one after a
# non-space and not followed by a letter or digit.
# At most 1,000 characters between the marks: an unbounded span made every opening mark
# without a closing one scan the rest of its line, so a long line of `*a *a *a` took
# minutes; emphasis that long is left as written, and `check` shows it (RKB203).
_EMPHASIS: Final = (
    (
        re.compile(r"(?<![^\W_]|[*\\])\*\*\*(?=[^\s*])([^\n]{0,999}?[^\s*\\])\*\*\*(?![^\W_]|\*)"),
        _BOLD + _ITALIC,
    ),
    (re.compile(r"(?<![^\W_]|[*\\])\*\*(?=[^\s*])([^\n]{0,999}?[^\s*\\])\*\*(?![^\W_]|\*)"), _BOLD),
    (re.compile(r"(?<![\w_\\])__(?=[^\s_])([^\n]{0,999}?[^\s_\\])__(?![\w_])"), _BOLD),
    (re.compile(r"(?<![^\W_]|[~\\])~~(?=[^\s~])([^\n]{0,999}?[^\s~\\])~~(?![^\W_]|~)"), _STRIKE),
    (re.compile(r"(?<![^\W_]|[*\\])\*(?=[^\s*])([^\n]{0,999}?[^\s*\\])\*(?![^\W_]|\*)"), _ITALIC),
    (re.compile(r"(?<![\w_\\])_(?=[^\s_])([^\n]{0,999}?[^\s_\\])_(?![\w_])"), _ITALIC),
)


def convert_markdown(text: str, output: OutputFormat | str) -> str:
    """``text`` (Markdown) as a channel of ``output`` format shows it."""
    if output == "markdown" or "\x00" in text or "\x01" in text:
        return text
    style = "whatsapp" if output == "whatsapp" else "plain"
    return _Converter(style).convert(text)


@functools.lru_cache(maxsize=4096)
def convert_template(source: str, output: OutputFormat | str) -> str:
    """An answer text's Jinja source converted like :func:`convert_markdown`, its tags
    (``{{ }}``, ``{% %}``, ``{# #}``) kept as written: the ticket details and names they
    print later are data, never read as Markdown (an order id ``A_1_B``, a name
    ``*Bob*``). Cached: a base has finitely many texts, rendered many times."""
    if output == "markdown" or "\x00" in source or "\x01" in source:
        return source
    converter = _Converter("whatsapp" if output == "whatsapp" else "plain")
    return converter.convert(_keep_jinja_tags(source, converter.keep))


def raw_markdown(text: str, output: OutputFormat | str) -> list[str]:
    """The Markdown in ``text`` that a channel of ``output`` format would show as
    written (a table, an image, an HTML tag, a mark left open), each once, in order."""
    if output == "markdown":
        return []
    if "\x00" in text or "\x01" in text:
        return []
    # Code and URLs are shown as written on purpose: blank them before looking.
    shown = _Converter("whatsapp" if output == "whatsapp" else "plain", blank_kept=True).convert(
        text
    )
    found: list[str] = []
    for label, pattern in _RAW:
        if pattern.search(text if label in _SOURCE_ONLY else shown) and label not in found:
            found.append(label)
    return found


_SOURCE_ONLY: Final = frozenset({"an image", "a table"})
_RAW: Final = (
    # Bounded: `[^)\n]*` made each `![a](` with no `)` scan the rest of its line.
    ("an image", re.compile(r"!\[[^\]\n]{0,2000}\]\([^)\n]{0,2000}\)")),
    ("a table", re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.MULTILINE)),
    ("an HTML tag", re.compile(r"</?(?:[a-z][a-z0-9]*)(?:\s[^<>\n]*)?/?>", re.IGNORECASE)),
    ("a link left as Markdown", re.compile(r"\]\(")),
    ("bold or strike marks left open", re.compile(r"(?<![\w\\])(\*\*|__|~~)(?=\S)")),
)


class _Converter:
    """One conversion: the spans kept as they are, then the marks rewritten."""

    def __init__(self, style: str, *, blank_kept: bool = False) -> None:
        self.style = style
        self.blank_kept = blank_kept
        self.kept: list[str] = []

    def keep(self, shown: str) -> str:
        self.kept.append(" " if self.blank_kept else shown)
        return f"\x01{len(self.kept) - 1}\x01"

    def convert(self, text: str) -> str:
        lines: list[str] = []
        fence: str | None = None  # the mark that opened the code block we are in
        for line in text.split("\n"):
            found = _FENCE.match(line)
            if fence is None and found is None:
                lines.append(self._line(line))
                continue
            if found is not None and (fence is None or found.group(1).startswith(fence)):
                fence = found.group(1) if fence is None else None
                # WhatsApp shows a ``` block as monospace; elsewhere the fence goes.
                if self.style == "whatsapp":
                    lines.append(self.keep("```"))
                continue
            lines.append(self.keep(line))  # inside a code block: as written
        converted = self._inline("\n".join(lines))
        bold, italic, strike = _MARKS[self.style]
        for mark, shown in ((_BOLD, bold), (_ITALIC, italic), (_STRIKE, strike)):
            converted = converted.replace(mark, shown)
        # Kept spans may nest (a link's URL inside a heading), so restore until none is left.
        while _KEPT.search(converted):
            converted = _KEPT.sub(lambda m: self.kept[int(m.group(1))], converted)
        return converted

    def _line(self, line: str) -> str:
        heading = _HEADING.match(line)
        if heading:
            title = re.sub(r"^\*\*(.+)\*\*$", r"\1", heading.group(1))
            return f"{_BOLD}{title}{_BOLD}" if self.style == "whatsapp" and title else title
        return _BULLET.sub(r"\1-\2", line, count=1)

    def _inline(self, text: str) -> str:
        code = "`" if self.style == "whatsapp" else ""
        text = _CODE.sub(lambda m: self.keep(f"{code}{m.group(2).strip()}{code}"), text)
        text = _ESCAPE.sub(lambda m: self.keep(m.group(1)), text)
        text = _AUTOLINK.sub(lambda m: self.keep(m.group(1).removeprefix("mailto:")), text)
        text = _LINK.sub(self._link, text)
        text = self._keep_urls(text)
        for pattern, mark in _EMPHASIS:
            text = pattern.sub(_wrap(mark), text)
        return text

    def _link(self, match: re.Match[str]) -> str:
        label, url = match.group("text").strip(), match.group("url")
        bare = re.sub(r"^(?:https?://|mailto:)", "", url).rstrip("/")
        if label in (url, bare, f"{bare}/") or label.rstrip("/") == bare:
            return self.keep(url.removeprefix("mailto:"))
        return f"{label} {self.keep(url.removeprefix('mailto:'))}"

    def _keep_urls(self, text: str) -> str:
        parts: list[str] = []
        last = 0
        for start, stop in find_urls(text):
            parts += [text[last:start], self.keep(text[start:stop])]
            last = stop
        return "".join(parts) + text[last:]


def _wrap(mark: str) -> Callable[[re.Match[str]], str]:
    closing = mark[2:] + mark[:2]  # bold-italic closes in the reverse order
    return lambda match: f"{mark}{match.group(1)}{closing}"
