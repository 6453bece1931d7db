"""Batch triage: a backlog of messages in, one result per message out, streaming.

Input is JSONL (one object per line) or CSV with a header; each record has a
``message`` and optionally ``channel``, ``customer``, ``conversation_id`` and
``id``. Output is one JSON object per input record, in order. Memory stays
constant however long the input: records are read, matched in batches (the
model encodes a batch much faster than its messages one by one) and written as
they go. A bad record becomes an ``error`` result naming its line, and every
other record still gets its result.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import BaseModel, ConfigDict

from .errors import DataError, ReplyKBError

if TYPE_CHECKING:
    from .kb import KnowledgeBase
    from .models import Match

BATCH_SIZE = 64


class BatchRecord(BaseModel):
    """One message of the backlog, with the line it came from."""

    model_config = ConfigDict(frozen=True)

    line: int
    id: str | None = None
    message: str
    channel: str | None = None
    customer: str | None = None
    conversation_id: str | None = None


class BadRecord(BaseModel):
    """A line that could not be read as a record, and why."""

    model_config = ConfigDict(frozen=True)

    line: int
    id: str | None = None
    error: str


def read_records(stream: TextIO, *, csv_format: bool) -> Iterator[BatchRecord | BadRecord]:
    """Records from JSONL or CSV, lazily; unreadable lines come out as :class:`BadRecord`."""
    if csv_format:
        reader = csv.DictReader(stream)
        for row in reader:
            yield _record(reader.line_num, dict(row))
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            yield BadRecord(line=number, error=f"not valid JSON ({error.msg})")
            continue
        yield _record(number, data)


def _record(line: int, data: Any) -> BatchRecord | BadRecord:
    if not isinstance(data, dict):
        return BadRecord(line=line, error="expected an object with a `message`")
    record_id = data.get("id")
    record_id = None if record_id in (None, "") else str(record_id)
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        return BadRecord(line=line, id=record_id, error="`message` is missing or empty")
    fields = {}
    for key in ("channel", "customer", "conversation_id"):
        value = data.get(key)
        if value not in (None, ""):
            if not isinstance(value, str | int):
                return BadRecord(line=line, id=record_id, error=f"`{key}` must be text")
            fields[key] = str(value)
    return BatchRecord(line=line, id=record_id, message=message, **fields)


def triage(
    kb: KnowledgeBase,
    records: Iterable[BatchRecord | BadRecord],
    *,
    channel: str | None,
    agent: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """One result per record, in order: the match and, when confident, the reply.

    ``channel`` is the default for records that name none.
    """
    iterator = iter(records)
    while batch := list(islice(iterator, batch_size)):
        good = [record for record in batch if isinstance(record, BatchRecord)]
        matches = iter(kb.match_many((record.message for record in good), batch_size=batch_size))
        for record in batch:
            if isinstance(record, BadRecord):
                yield {
                    "line": record.line,
                    "id": record.id,
                    "status": "error",
                    "error": record.error,
                }
            else:
                yield _result(kb, record, next(matches), channel, agent)


def _result(
    kb: KnowledgeBase, record: BatchRecord, match: Match, channel: str | None, agent: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "line": record.line,
        "id": record.id,
        "status": match.status,
        "answer_id": match.answer_id,
        "score": match.score,
        "candidates": match.candidates,
        "reply": None,
    }
    target = record.channel or channel
    if match.status != "confident" or match.answer_id is None:
        return result
    if target is None:
        return {**result, "status": "error", "error": "no channel: give `channel` or --channel"}
    try:
        reply = kb.render(
            match.answer_id,
            channel=target,
            agent=agent,
            customer=record.customer,
            conversation_id=record.conversation_id,
        )
    except ReplyKBError as error:
        return {**result, "status": "error", "error": str(error)}
    result["reply"] = reply.model_dump(mode="json")
    return result


def is_csv(path: Path) -> bool:
    """CSV by extension; anything else is read as JSONL."""
    return path.suffix.lower() == ".csv"


def count_lines(path: Path) -> int:
    """Lines in ``path`` (for a progress bar), read in blocks without decoding."""
    try:
        with path.open("rb") as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error})") from error
