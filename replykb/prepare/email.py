"""Prepare an e-mail for matching: keep what the customer wrote now.

An e-mail carries much more than its question: the thread it replies to (quoted with
``>`` or under an "On ... wrote:" line or an Outlook "From: ... Sent: ..." block),
forwarded messages, the sender's signature and the legal notice their server appends.
Matched whole, a long e-mail is matched on its first 256 tokens (the model's window),
which are often the quoted thread and the signature, not the question.

:func:`prepare_email` keeps the customer's newest text and says what it removed. It is
built on mail-parser-reply (chosen by measurement over email-reply-parser and quotequail:
see ``benchmarks/email_parsers.py`` and the README), which splits an e-mail at the
headers of the messages it carries in 13 languages. This module adds what that library
leaves to its callers or misses (patterns in :mod:`replykb.prepare.email_patterns`):

- bottom-posted and inline replies: the customer's text is every line not quoted with
  ``>`` in the first part that has any, wherever it sits;
- wrapped attribution lines and the languages the library lacks (Portuguese, Spanish as
  Gmail writes it), forward marker lines, and forwards told apart from replies;
- a signature is cut only at a real sign-off line ("Thanks," alone or with a name, not
  "Thanks, that worked but..."), and a few more sign-offs ("Grazie", "Inviato dal mio");
- a legal notice is cut only where it reads like one;
- an e-mail with no text of its own (a bare forward) is matched on the message it
  carries, and says so (``fell_back``); one that carries none either (only a
  signature) has no text to match: ``text_used`` is empty.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from mailparser_reply.parser import EmailMessage

from . import email_patterns as patterns
from .email_result import PreparedText, StrippedKind, StrippedPart

__all__ = ["PreparedText", "StrippedKind", "StrippedPart", "prepare_email"]

# Every language the library has patterns for ("david" is a mail program, not a
# language): a customer's client may write headers in any of them, whatever the base's
# language.
LANGUAGES: tuple[str, ...] = tuple(sorted(code for code in MAIL_LANGUAGES if len(code) == 2))

# Longer e-mails are prepared on their first MAX_EMAIL_CHARS characters (and ``note``
# says so): the library's patterns are regular expressions over the whole text, and the
# time they take on a crafted e-mail grows with its length. A top-posted reply is at the
# start; only a bottom-posted reply under a thread this long loses its text.
MAX_EMAIL_CHARS = 50_000
# A sign-off line is followed by at most this many lines (name, title, company, phone,
# address, website): further text means the line was part of the message.
MAX_SIGNATURE_LINES = 10
# "Thanks, Omar" is a sign-off, "Thanks, that worked for the first order" is not.
MAX_NAME_WORDS = 3
# The library's header patterns try every line that starts like an attribution ("Am",
# "On", "Il"...) in time that grows with the square of its length, and more with every
# "schrieb" in it (seconds for a crafted 20,000-character e-mail of 200-character
# lines). Only lines that may be headers are shown whole: up to MAX_LINE_CHARS when they
# end with ":" (attribution lines do); any other line longer than LINE_HEAD is shown by
# its start only (all a header field, sign-off or notice opener needs) and put back whole.
MAX_LINE_CHARS = 200
LINE_HEAD = 100
# What stands for the rest of a long line meanwhile: private-use characters, removed
# from the input first, so that they mean nothing else.
_HIDDEN = re.compile("\ue000(\\d+)\ue001")
# A legal notice is told by the words of its first lines.
MAX_NOTICE_LINES = 20
# How many lines a wrapped attribution line may take ("On ..., Fernhill <\n...> wrote:").
MAX_ATTRIBUTION_LINES = 3


def prepare_email(text: str) -> PreparedText:
    """The customer's newest text of the e-mail body ``text`` (plain text), and what was
    removed: quoted replies, forwarded messages, the signature, legal notices.

    >>> prepare_email("Where is my order?\\n\\nOn Mon, 3 Mar 2025 at 14:02, Shop <a@b.c> "
    ...               "wrote:\\n> Your order has shipped.").text_used
    'Where is my order?'
    """
    long_lines = _LongLines()
    normalized = long_lines.hide(_unwrap_attributions(_normalize(text[:MAX_EMAIL_CHARS])))
    prepared = long_lines.restore(_prepare(normalized))
    if len(text) > MAX_EMAIL_CHARS:
        cut = f"only its first {MAX_EMAIL_CHARS:,} characters were read"
        note = f"{prepared.note}; {cut}" if prepared.note else cut
        prepared = prepared.model_copy(update={"note": note})
    return prepared


def _prepare(text: str) -> PreparedText:
    message = _Message(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True)
    parts = _parts(message.read())
    for index, part in enumerate(parts):
        own = _own_text(part, message)
        if own.text and (index == 0 or (own.after_quote and part.kind == "quote")):
            stripped = [removed for other in parts[:index] for removed in _removed(other, message)]
            stripped.extend(own.stripped)
            stripped.extend(StrippedPart(kind=o.kind, text=o.text) for o in parts[index + 1 :])
            return PreparedText(text_used=own.text, stripped=_merged(stripped))
    return _fallback(text, parts, message)


# --- splitting ---------------------------------------------------------------------------


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_PRIVATE_MARKS)


_PRIVATE_MARKS = {0xE000: None, 0xE001: None}


class _LongLines:
    """Long lines hidden from the patterns but for their start, and put back after."""

    def __init__(self) -> None:
        self.tails: list[str] = []

    def hide(self, text: str) -> str:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            header_like = len(line) <= MAX_LINE_CHARS and line.rstrip().endswith(":")
            if len(line) > LINE_HEAD and not header_like:
                self.tails.append(line[LINE_HEAD:].rstrip())
                lines[index] = f"{line[:LINE_HEAD]}\ue000{len(self.tails) - 1}\ue001"
        return "\n".join(lines)

    def restore(self, prepared: PreparedText) -> PreparedText:
        if not self.tails:
            return prepared
        return prepared.model_copy(
            update={
                "text_used": self._back(prepared.text_used),
                "stripped": [
                    StrippedPart(kind=part.kind, text=self._back(part.text))
                    for part in prepared.stripped
                ],
            }
        )

    def _back(self, text: str) -> str:
        return _HIDDEN.sub(lambda found: self.tails[int(found.group(1))], text)


def _unwrap_attributions(text: str) -> str:
    """Join attribution lines that a client wrapped, so that they are recognized whole."""
    lines = text.split("\n")
    joined: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if patterns.ATTRIBUTION_OPENER.match(line.strip()) and not patterns.ATTRIBUTION.match(
            line.strip()
        ):
            for extra in range(1, MAX_ATTRIBUTION_LINES):
                pieces = [line.strip()] + [
                    _unquoted(piece.strip()) for piece in lines[index + 1 : index + 1 + extra]
                ]
                candidate = _join_wrapped(pieces)
                if patterns.ATTRIBUTION.match(candidate):
                    joined.append(candidate)
                    index += 1 + extra
                    break
            else:
                joined.append(line)
                index += 1
            continue
        joined.append(line)
        index += 1
    return "\n".join(joined)


def _join_wrapped(pieces: list[str]) -> str:
    text = pieces[0]
    for piece in pieces[1:]:
        # Gmail breaks after the "<" of an address: no space belongs there.
        text += piece if text.endswith(("<", "(<")) else f" {piece}"
    return text


def _unquoted(line: str) -> str:
    return re.sub(r"^(?:> ?)+", "", line)


class _Message(EmailMessage):  # type: ignore[misc]  # the library has no type hints
    """The library's message, with the header patterns it lacks added to its own, and its
    sign-off lines found line by line (its documented way to extend: the ``HEADER_REGEX``
    and ``SIGNATURE_REGEX`` properties)."""

    _extended: re.Pattern[str] | None = None

    @property
    def HEADER_REGEX(self) -> re.Pattern[str]:  # the library's name
        if self._extended is None:
            own: re.Pattern[str] = super().HEADER_REGEX
            # The library reads every group of a match as a header: one group each.
            extra = "|".join(f"({pattern.pattern})" for pattern in _EXTRA_HEADERS)
            self._extended = re.compile(f"{own.pattern}|{extra}", re.MULTILINE | re.IGNORECASE)
        return self._extended

    @property
    def SIGNATURE_REGEX(self) -> re.Pattern[str]:  # the library's name
        return _LIBRARY_SIGN_OFFS


def _library_sign_offs() -> re.Pattern[str]:
    """The library's sign-off lines of every language, matched at a line's start only.

    Its own signature pattern runs from the sign-off to the end of the text through
    ``(.|\\s)*`` after a ``\\s*``, which takes time quadratic in the text's length (an
    e-mail of blank lines stalls it); we only need where each sign-off line starts.
    """
    phrases: list[str] = []
    for code in LANGUAGES:
        table = MAIL_LANGUAGES[code]
        for key in ("signatures", "sent_from"):
            value = table.get(key) or []
            phrases.extend([value] if isinstance(value, str) else value)
    alternatives = "|".join(f"(?:{phrase})" for phrase in phrases if phrase)
    return re.compile(
        rf"^{QUOTED_MATCH_INCLUDE}(?:[-_]{{2}}$|{alternatives})", re.MULTILINE | re.IGNORECASE
    )


_LIBRARY_SIGN_OFFS = _library_sign_offs()
_EXTRA_HEADERS = (patterns.ATTRIBUTION, patterns.FORWARD_MARKER, patterns.HEADER_BLOCK)


@dataclass
class _Part:
    """One message of the e-mail: the first (before any header) or one a header opens."""

    header: str
    body: str
    kind: Literal["quote", "forward"]

    @property
    def text(self) -> str:
        return f"{self.header}\n{self.body}".strip()


def _parts(message: Any) -> list[_Part]:
    """The e-mail split at the headers the library finds: the customer's part first (it
    may be empty), then each carried message; all after a forward are the forward's."""
    parts: list[_Part] = []
    forwarded = False
    for index, reply in enumerate(message.replies):
        header = str(reply.headers or "")
        content = str(reply.content)
        body = content[len(header) :] if header and content.startswith(header) else content
        if index == 0 and header:
            # The library drops an empty first part: the e-mail opens with a header.
            parts.append(_Part(header="", body="", kind="quote"))
        forwarded = forwarded or _is_forward(header)
        parts.append(_Part(header=header, body=body.strip("\n"), kind=_kind(forwarded)))
    for part, following in itertools.pairwise(parts):
        # An Outlook rule above a header block belongs to that header, not to the text.
        lines = part.body.rstrip().split("\n")
        if lines and patterns.RULE.match(lines[-1].strip()):
            part.body = "\n".join(lines[:-1])
            following.header = f"{lines[-1].strip()}\n{following.header}"
    return parts or [_Part(header="", body="", kind="quote")]


def _kind(forwarded: bool) -> Literal["quote", "forward"]:
    return "forward" if forwarded else "quote"


def _is_forward(header: str) -> bool:
    return any(patterns.FORWARD_MARKER.match(line) for line in header.split("\n")) or bool(
        patterns.FORWARD_SUBJECT.search(header)
    )


# --- the customer's own text --------------------------------------------------------------


@dataclass
class _Own:
    text: str = ""
    after_quote: bool = False
    stripped: list[StrippedPart] = field(default_factory=list)


def _own_text(part: _Part, message: Any) -> _Own:
    """The lines of ``part`` not quoted with ``>``, without signature and legal notice."""
    own = _Own()
    kept: list[str] = []
    quoted: list[str] = []
    for line in part.body.split("\n"):
        if line.startswith(">"):
            quoted.append(line)
            continue
        if quoted:
            own.stripped.append(StrippedPart(kind="quote", text="\n".join(quoted).strip()))
            quoted = []
            own.after_quote = own.after_quote or not any(k.strip() for k in kept)
        kept.append(line)
    body, tail = _cut_tail(kept, message)
    own.stripped.extend(tail)
    if quoted:
        own.stripped.append(StrippedPart(kind="quote", text="\n".join(quoted).strip()))
    own.text = _tidy(body)
    if part.header:
        own.stripped.insert(0, StrippedPart(kind=part.kind, text=part.header))
    return own


def _removed(part: _Part, message: Any) -> list[StrippedPart]:
    """What a part before the one used held: its header, quotes, signature (and any own
    text, as its kind: it was not the customer's newest text)."""
    own = _own_text(part, message)
    if not own.text:
        return own.stripped
    return [*own.stripped[:1], StrippedPart(kind=part.kind, text=own.text), *own.stripped[1:]]


def _cut_tail(lines: list[str], message: Any) -> tuple[list[str], list[StrippedPart]]:
    """``lines`` without the legal notice and the signature at their end."""
    stripped: list[StrippedPart] = []
    notice = _disclaimer_start(lines, message)
    if notice is not None:
        stripped.append(StrippedPart(kind="disclaimer", text=_tidy(lines[notice:])))
        lines = lines[:notice]
    signature = _signature_start(lines)
    if signature is not None:
        kind: StrippedKind = "quote" if patterns.RULE.match(lines[signature]) else "signature"
        stripped.insert(0, StrippedPart(kind=kind, text=_tidy(lines[signature:])))
        lines = lines[:signature]
    return lines, [part for part in stripped if part.text]


def _signature_start(lines: list[str]) -> int | None:
    """The line where the signature starts: a sign-off line (ours, or where the library's
    signature pattern starts) that follows some text and is followed by few lines."""
    text = "\n".join(lines)
    starts = _line_starts(lines)
    library = {_line_at(starts, found.start()) for found in _LIBRARY_SIGN_OFFS.finditer(text)}
    filled = [bool(line.strip()) for line in lines]
    after = sum(filled)
    seen_text = False
    for index, line in enumerate(lines):
        after -= filled[index]
        if _is_sign_off(
            line.strip(), lines_after=after, by_library=index in library, after_text=seen_text
        ):
            return index
        seen_text = seen_text or filled[index]
    return None


def _is_sign_off(line: str, *, lines_after: int, by_library: bool, after_text: bool) -> bool:
    """Whether ``line``, followed by ``lines_after`` non-blank lines, opens a signature.

    "-- " and "Sent from my iPhone" do wherever they are (a reply may hold nothing else);
    a valediction only after some text ("Thanks," may open a message).
    """
    if patterns.SEPARATOR.match(line) or patterns.SENT_FROM.match(line):
        return True
    if not after_text:
        return False
    valediction = patterns.VALEDICTION.match(line)
    if valediction is not None:
        name = valediction.group("name").strip()
        short = len(name.split()) <= MAX_NAME_WORDS and not re.search(r"[?!.;:]\s*\S", name)
    else:
        # The library's sign-offs in languages we have no list for ("Med venlig hilsen").
        short = by_library and 0 < len(line.split()) <= MAX_NAME_WORDS + 1
    return short and lines_after <= MAX_SIGNATURE_LINES


def _disclaimer_start(lines: list[str], message: Any) -> int | None:
    """The first line of a legal notice: a paragraph that opens like one (the library's
    openers or ours) and reads like one; it runs to the end of the text."""
    text = "\n".join(lines)
    starts = _line_starts(lines)
    openers = {_line_at(starts, m.start()) for m in message.DISCLAIMERS_REGEX.finditer(text)}
    for index, line in enumerate(lines):
        paragraph_start = index == 0 or not lines[index - 1].strip()
        if paragraph_start and patterns.DISCLAIMER_OPENER.match(line.strip()):
            openers.add(index)
    first_text = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
    for index in sorted(openers):
        if not first_text < index < len(lines):
            continue
        paragraph = _paragraph(lines, index)
        if patterns.DISCLAIMER_WORDS.search(paragraph):
            return index
    return None


def _paragraph(lines: list[str], index: int) -> str:
    end = index
    while end < min(len(lines), index + MAX_NOTICE_LINES) and lines[end].strip():
        end += 1
    return " ".join(lines[index : max(end, index + 1)])


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _line_at(starts: list[int], offset: int) -> int:
    """The index of the line holding character ``offset`` (a newline: the next line)."""
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def _tidy(lines: list[str] | str) -> str:
    """Lines as one text: stripped, runs of blank lines made one."""
    text = lines if isinstance(lines, str) else "\n".join(lines)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _merged(parts: list[StrippedPart]) -> list[StrippedPart]:
    """Neighbouring parts of the same kind as one, in the order of the e-mail."""
    merged: list[StrippedPart] = []
    for part in parts:
        if not part.text:
            continue
        if merged and merged[-1].kind == part.kind:
            merged[-1] = StrippedPart(kind=part.kind, text=f"{merged[-1].text}\n\n{part.text}")
        else:
            merged.append(part)
    return merged


# --- no text of its own --------------------------------------------------------------------


def _fallback(original: str, parts: list[_Part], message: Any) -> PreparedText:
    """The e-mail has no text of its own: match the first message it carries (subject and
    body, unquoted), or, when it carries none, nothing (an empty ``text_used``)."""
    for index, part in enumerate(parts):
        body_lines = [_unquoted(line) for line in part.body.split("\n")]
        carried = _Message(
            text="\n".join(body_lines), languages=list(LANGUAGES), keep_hyphen_lists=True
        )
        body, tail = _cut_tail(_first_body(carried), message)
        text = _tidy(body)
        if not text:
            continue
        subject = _subject(part.header)
        used = f"{subject}\n\n{text}" if subject and subject not in text else text
        stripped = [removed for other in parts[:index] for removed in _removed(other, message)]
        if part.header:
            stripped.append(StrippedPart(kind=part.kind, text=part.header))
        stripped.extend(tail)
        stripped.extend(StrippedPart(kind=o.kind, text=o.text) for o in parts[index + 1 :])
        what = "forwarded" if part.kind == "forward" else "quoted"
        return PreparedText(
            text_used=used,
            stripped=_merged(stripped),
            fell_back=True,
            note=f"the e-mail has no text of its own: matched on the {what} message",
        )
    # Nothing but a signature ("Sent from my iPhone", "--\nMark"), a notice or empty
    # quotes: nothing to match. Matched whole, the signature itself found an answer
    # (app-crash for "Inviato da iPhone"); empty, the message is a no_match
    # (`no-request`, replykb/triage.py) and a person reads it.
    stripped = [removed for part in parts for removed in _removed(part, message)]
    return PreparedText(
        text_used="",
        stripped=_merged(stripped),
        note="the e-mail has no text apart from quotes, signatures and notices: nothing to match",
    )


def _first_body(carried: Any) -> list[str]:
    """The text of a carried message up to the next message it carries itself."""
    replies = carried.read().replies
    for reply in replies:
        header = str(reply.headers or "")
        content = str(reply.content)
        body = content[len(header) :] if header and content.startswith(header) else content
        if body.strip():
            return body.strip("\n").split("\n")
    return []


def _subject(header: str) -> str:
    found = patterns.SUBJECT_LINE.search(header)
    if found is None:
        return ""
    return patterns.SUBJECT_PREFIXES.sub("", found.group("subject").strip()).strip()
