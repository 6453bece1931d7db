"""Records from JSONL or CSV files: the one reader behind batch triage and ``replykb eval``.

It reads bytes, not text, so that nothing in a record can stop the others: a line
that is not UTF-8, not JSON, not an object, nested too deeply, holds a number too
long to convert, or is longer than a record may be becomes a :class:`RecordError`
for that line, and reading goes on with the next. Blank lines come out as errors
too, so the n-th result of a JSONL file is always about its n-th line.

CSV column names are compared without case, surrounding spaces, or the difference
between a space, a hyphen and an underscore (``Message``, ``Conversation ID``), and
a UTF-8 byte order mark (Excel's "CSV UTF-8") is skipped. A CSV file without a
column a caller requires is a :class:`DataError` naming the columns found, raised
before any record.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict

from .errors import DataError
from .triage_models import json_kind

# A longer line is an error rather than a memory hazard; no message needs this much.
MAX_LINE_SIZE = 4 * 1024 * 1024
BLANK_LINE = "blank line: no record"
_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes that are not UTF-8 reach CSV fields as these code points (errors="surrogateescape").
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


class Record(BaseModel):
    """One record: its first line in the file and its fields (CSV: text or ``None``)."""

    model_config = ConfigDict(frozen=True)

    line: int
    fields: dict[str, Any]


class RecordError(BaseModel):
    """A record that could not be read, and why; ``id`` when its ``id`` field was readable.

    ``blank``: the line was empty (batch still answers it, to keep lines aligned;
    evaluation skips it).
    """

    model_config = ConfigDict(frozen=True)

    line: int
    error: str
    id: str | None = None
    blank: bool = False


def read_records(
    stream: BinaryIO,
    *,
    csv_format: bool,
    name: str = "<input>",
    required: Sequence[Sequence[str]] = (("message",),),
    optional: Sequence[str] = (),
) -> Iterator[Record | RecordError]:
    """Records of a JSONL or CSV byte stream, lazily, one result per record.

    ``required`` lists the CSV columns a caller needs, each as its accepted names
    (``("expected", "answer_id")``); ``optional`` only completes the error message
    when one is missing. ``name`` is how errors refer to the stream.
    """
    _refuse_utf16(stream, name)
    if csv_format:
        return _csv_records(stream, name, required, optional)
    return _jsonl_records(stream)


def column_name(header: str) -> str:
    """``" Conversation ID "`` -> ``"conversation_id"``: how CSV columns are compared."""
    return re.sub(r"[\s_-]+", "_", header.strip()).lower()


# --- JSONL ------------------------------------------------------------------------


def _jsonl_records(stream: BinaryIO) -> Iterator[Record | RecordError]:
    for number, raw in enumerate(_byte_lines(stream), start=1):
        if raw is None:
            yield RecordError(line=number, error=_too_long("bytes"))
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        yield _json_record(number, raw)


def _json_record(number: int, raw: bytes) -> Record | RecordError:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return RecordError(line=number, error=_not_utf8(raw[error.start], error.start + 1))
    if not text.strip():
        return RecordError(line=number, error=BLANK_LINE, blank=True)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return RecordError(
            line=number, error=f"not valid JSON ({error.msg} at column {error.colno})"
        )
    except RecursionError:
        return RecordError(line=number, error="not valid JSON here: nested too deeply")
    except ValueError as error:
        if "digits" in str(error):  # Python converts at most 4,300 digits to an int
            return RecordError(
                line=number, error="a number with too many digits; write it as text, in quotes"
            )
        return RecordError(line=number, error=f"not valid JSON ({error})")
    if not isinstance(data, dict):
        return RecordError(
            line=number,
            error=f'expected a JSON object such as {{"message": "..."}}, not {json_kind(data)}',
        )
    return Record(line=number, fields=data)


def _byte_lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """Lines without their ending; ``None`` for a line over ``MAX_LINE_SIZE``."""
    while raw := stream.readline(MAX_LINE_SIZE + 1):
        if len(raw) > MAX_LINE_SIZE and not raw.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield raw.removesuffix(b"\n")


# --- CSV ----------------------------------------------------------------------------


class _TooLong(Exception):
    """A CSV line over ``MAX_LINE_SIZE``; raised through the csv reader."""


class _QuoteCountingLines:
    """The text lines fed to the csv reader, counting quotes since the last record.

    After an error inside a record the csv module starts afresh at the next line;
    when the error struck inside a quoted field that spans lines, the lines up to
    the closing quote belong to the bad record and are skipped (:meth:`resync`).
    """

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text
        self.quotes = 0
        self.lines = 0

    def __iter__(self) -> _QuoteCountingLines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_LINE_SIZE + 1)
        if not line:
            raise StopIteration
        self.lines += 1
        self.quotes += line.count('"')
        if len(line) > MAX_LINE_SIZE and not line.endswith(("\n", "\r")):
            while (rest := self.text.readline(1 << 20)) and not rest.endswith(("\n", "\r")):
                self.quotes += rest.count('"')
            self.quotes += rest.count('"')
            raise _TooLong
        return line

    def resync(self) -> None:
        """Skip the rest of a quoted field left open by an error; start a new record."""
        while self.quotes % 2:
            try:
                next(self)
            except StopIteration:
                break
            except _TooLong:
                continue
        self.quotes = 0


def _csv_records(
    stream: BinaryIO, name: str, required: Sequence[Sequence[str]], optional: Sequence[str]
) -> Iterator[Record | RecordError]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        lines = _QuoteCountingLines(text)
        reader = csv.reader(lines)
        header = _csv_header(reader, lines, name, required, optional)
        if header is None:
            return
        while True:
            start = lines.lines + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, _TooLong) as error:
                lines.resync()
                yield RecordError(line=start, error=_csv_problem(error))
                continue
            if lines.quotes % 2 and lines.lines > start:
                # A quote left open ran to the end of the file: the csv module returns
                # every following line as one field, which would lose those records.
                lines.quotes = 0
                yield RecordError(line=start, error=_unclosed_quote(start, lines.lines))
                continue
            lines.quotes = 0
            yield _csv_record(start, header, row)
    finally:
        # The stream is the caller's to close (it may be closed already).
        with contextlib.suppress(ValueError):
            text.detach()


def _csv_header(
    reader: Any,
    lines: _QuoteCountingLines,
    name: str,
    required: Sequence[Sequence[str]],
    optional: Sequence[str],
) -> list[str] | None:
    try:
        raw = next(reader)
    except StopIteration:
        return None
    except (csv.Error, _TooLong) as error:
        raise DataError(f"{name}:1: cannot read the CSV header ({_csv_problem(error)})") from None
    lines.quotes = 0
    header = [column_name(column) for column in raw]
    seen: dict[str, str] = {}
    for original, column in zip(raw, header, strict=True):
        if column and column in seen:
            raise DataError(
                f"{name}:1: the columns {seen[column]!r} and {original!r} both mean "
                f"`{column}`; rename or remove one"
            )
        seen[column] = original
    for names in required:
        if not any(column in seen for column in names):
            found = ", ".join(repr(column) for column in raw if column.strip()) or "none"
            wanted = " or ".join(f"`{column}`" for column in names)
            known = [*(n[0] for n in required), *optional]
            raise DataError(
                f"{name}:1: no {wanted} column in the CSV header; found: {found}; "
                f"expected the columns {', '.join(known)} (names compared without case "
                "or spaces)"
            )
    return header


def _csv_record(line: int, header: list[str], row: list[str]) -> Record | RecordError:
    if not row:
        return RecordError(line=line, error=BLANK_LINE, blank=True)
    fields: dict[str, Any] = dict.fromkeys((column for column in header if column), None)
    for column, value in zip(header, row, strict=False):
        if column:
            fields[column] = value
    bad = next((c for c, v in fields.items() if v and _ESCAPED_BYTE.search(v)), None)
    if bad is not None:
        value = fields[bad]
        position = _ESCAPED_BYTE.search(value)
        assert position is not None
        byte = ord(value[position.start()]) - 0xDC00
        record_id = fields.get("id")
        clean_id = record_id if record_id and not _ESCAPED_BYTE.search(record_id) else None
        return RecordError(
            line=line,
            error=_not_utf8(byte, position.start() + 1, where=f"column `{bad}`"),
            id=clean_id,
        )
    if len(row) > len(header):
        return RecordError(
            line=line,
            error=f"{len(row)} fields, but the header names {len(header)} columns "
            "(a comma in a field that is not quoted?)",
        )
    return Record(line=line, fields=fields)


def _unclosed_quote(start: int, end: int) -> str:
    return (
        f'a quote (") opened on this line is never closed, so lines {start}-{end} were '
        'read as one field: close it, or double a quote inside a field ("")'
    )


def _csv_problem(error: Exception) -> str:
    if isinstance(error, _TooLong):
        return _too_long("characters")
    text = str(error)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        return f"a field longer than {limit:,} characters, the CSV reader's limit"
    return f"not valid CSV ({text})"


# --- shared -------------------------------------------------------------------------


def _refuse_utf16(stream: BinaryIO, name: str) -> None:
    peek = getattr(stream, "peek", None)
    start = peek(2)[:2] if peek is not None else b""
    if start in _UTF16_BOMS:
        raise DataError(
            f"{name}: the file is UTF-16 (Excel's 'Unicode Text'); save it as UTF-8 "
            "(Excel: 'CSV UTF-8')"
        )


def _not_utf8(byte: int, offset: int, *, where: str = "") -> str:
    place = f"{where}, " if where else ""
    return f"not valid UTF-8 ({place}byte 0x{byte:02X} at offset {offset}); save the file as UTF-8"


def _too_long(unit: str) -> str:
    return f"a line longer than {MAX_LINE_SIZE:,} {unit}"
