"""Batch triage: a backlog file in, one JSON line out per record, in order, streaming.

Input is JSONL (one object per line) or CSV with a header (see records.py); each
record has a ``message`` and optionally ``channel``, ``agent``, ``customer``,
``conversation_id``, ``id`` and ``details`` (a JSON object; in a CSV, one
``details.<name>`` column per detail, such as ``details.order_id``). Records go
through :meth:`KnowledgeBase.suggest_many`, the core every door uses, so a line gets
exactly the reply ``kb.suggest`` gives, alternatives included. A record that cannot
be read or triaged becomes an error row naming its line, and every other record still
gets its row. Memory stays constant however long the input: records are read,
encoded in batches and written as they go.

:func:`run_batch` adds the file handling: the input is never overwritten, a result
file appears only when complete (written to a temporary file, then renamed), and
every failure to read or write is a :class:`DataError` naming the file.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import DataError, UnknownNameError
from .records import Record, RecordError, read_records
from .render.windows import aware_time, current_time
from .triage import checked_language, readable_id
from .triage_models import TriageFailure, TriageResult

if TYPE_CHECKING:
    from .kb import KnowledgeBase

BATCH_SIZE = 64
REQUEST_FIELDS = (
    "message",
    "channel",
    "agent",
    "customer",
    "conversation_id",
    "id",
    "details",
    "last_customer_message_at",
    "language",
)
# A CSV has no objects: each ticket detail is a column of its own.
DETAIL_COLUMN = "details."

TriageOutcome = TriageResult | TriageFailure


class BatchSummary(BaseModel):
    """What a run wrote: rows, failed rows, rows per status, and where ``strict`` stopped."""

    model_config = ConfigDict(frozen=True)

    rows: int = 0
    failed: int = 0
    statuses: dict[str, int] = Field(default_factory=dict)
    # With strict=True, the first failure; nothing was written to a file then.
    stopped_at: TriageFailure | None = None


def triage_records(
    kb: KnowledgeBase,
    records: Iterable[Record | RecordError],
    *,
    channel: str | None = None,
    agent: str | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
    language: str | None = None,
) -> Iterator[TriageOutcome]:
    """One result per record, in order; ``position`` counts records from 0.

    ``channel``, ``agent`` and ``language`` are the defaults for records that name none; reply
    windows are those at ``now`` for every record (default: the clock, read once).
    """
    moment = current_time() if now is None else aware_time(now, "now")
    iterator = enumerate(records)
    # A chunk of records at a time, so that memory stays bounded however many bad
    # records come in a row; the requests among them are encoded together.
    while chunk := list(islice(iterator, batch_size)):
        items = [
            (position, _request_fields(record, channel, agent, language))
            if isinstance(record, Record)
            else (position, record)
            for position, record in chunk
        ]
        requests = [item for _, item in items if isinstance(item, dict)]
        results = kb.suggest_many(requests, batch_size=max(len(requests), 1), now=moment)
        for position, item in items:
            if isinstance(item, RecordError):
                yield TriageFailure(
                    position=position,
                    line=item.line,
                    id=item.id,
                    error=item.error,
                    kind="DataError",
                )
            else:
                yield next(results).model_copy(update={"position": position})


def result_row(outcome: TriageOutcome) -> dict[str, Any]:
    """The JSON line of one result (the batch output format the README shows)."""
    row: dict[str, Any] = {"line": outcome.line, "id": outcome.id, "status": outcome.status}
    if isinstance(outcome, TriageFailure):
        row.update(error=outcome.error, kind=outcome.kind, field=outcome.field)
        match = outcome.match
        if match is not None:
            row.update(answer_id=match.answer_id, score=match.score, candidates=match.candidates)
        return row
    suggestion = outcome.suggestion
    reply = suggestion.reply
    row.update(
        channel=suggestion.channel,
        answer_id=suggestion.match.answer_id,
        score=suggestion.match.score,
        candidates=suggestion.match.candidates,
        reply=None if reply is None else reply.model_dump(mode="json"),
        alternatives=[r.model_dump(mode="json") for r in suggestion.alternatives],
    )
    if suggestion.match.reason is not None:
        # Why it is a no_match when the scores did not decide (no-request: a greeting).
        row.update(reason=suggestion.match.reason)
    choice = suggestion.language
    if choice is not None and choice.reason != "fallback-single-language":
        # A base with several languages: the reply's language and why (a one-language
        # base's rows stay as they were).
        row.update(language=choice.model_dump(mode="json"))
    if suggestion.mood is not None:
        # For sorting a backlog: the angry, the urgent and those writing again first.
        mood = suggestion.mood
        row.update(mood=mood.label, urgent=mood.urgent, repeated=mood.repeated)
    if suggestion.prepared is not None:
        # An e-mail is matched on its newest text: the row says which (not the quoted
        # thread again, which the input line already holds).
        row.update(text_used=suggestion.prepared.text_used, fell_back=suggestion.prepared.fell_back)
    return row


def run_batch(
    kb: KnowledgeBase,
    input_path: Path,
    output_path: Path | None,
    *,
    channel: str | None = None,
    agent: str | None = None,
    language: str | None = None,
    strict: bool = False,
    on_result: Callable[[TriageOutcome], None] | None = None,
    stdout: IO[str] | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> BatchSummary:
    """Triage ``input_path`` (JSONL, or CSV by its extension) into ``output_path``.

    ``None`` (or ``-``) writes to standard output as the rows come. A file is
    written next to its final place and renamed when complete, so a failed or
    stopped run leaves any earlier file untouched; ``output_path`` may not be the
    input (through a link either). ``on_result`` sees each row once written (for
    progress and error reports); with ``strict`` the run stops at the first failure
    and writes no file. Raises :class:`DataError` when a file cannot be read or
    written, and :class:`UnknownNameError` for an unknown default channel or agent.
    """
    if channel is not None:
        kb.renderer.channel(channel)
    if agent is not None and agent not in kb.settings.agents:
        raise UnknownNameError("agent", agent, kb.settings.agents)
    if language is not None:
        checked_language(language, kb.settings)
    if output_path is not None and str(output_path) == "-":
        output_path = None
    statuses: Counter[str] = Counter()
    rows = failed = 0
    try:
        source = input_path.open("rb")
    except OSError as error:
        raise DataError(f"{input_path}: cannot read ({_reason(error)})") from error
    with source, _Output(output_path, input_path, stdout or sys.stdout) as sink:
        records = read_records(
            source,
            csv_format=is_csv(input_path),
            name=str(input_path),
            optional=REQUEST_FIELDS[1:],
        )
        try:
            for outcome in triage_records(
                kb,
                records,
                channel=channel,
                agent=agent,
                batch_size=batch_size,
                now=now,
                language=language,
            ):
                if strict and isinstance(outcome, TriageFailure):
                    sink.discard()
                    return BatchSummary(
                        rows=rows, failed=1, statuses=dict(statuses), stopped_at=outcome
                    )
                sink.write(result_row(outcome))
                rows += 1
                failed += isinstance(outcome, TriageFailure)
                statuses[outcome.status] += 1
                if on_result is not None:
                    on_result(outcome)
        except BrokenPipeError:
            raise  # standard output's reader went away: the sink let it through
        except OSError as error:  # the sink reports its own errors as DataError
            raise DataError(f"{input_path}: cannot read ({_reason(error)})") from error
    return BatchSummary(rows=rows, failed=failed, statuses=dict(statuses))


def is_csv(path: Path) -> bool:
    """CSV by extension; anything else is read as JSONL."""
    return path.suffix.lower() == ".csv"


def count_lines(path: Path) -> int:
    """Lines in ``path`` (for a progress bar), read in blocks without decoding."""
    try:
        with path.open("rb") as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError as error:
        raise DataError(f"{path}: cannot read ({_reason(error)})") from error


# --- records -> requests -------------------------------------------------------------


def _request_fields(
    record: Record, channel: str | None, agent: str | None, language: str | None = None
) -> dict[str, Any] | RecordError:
    """A record's request fields, defaults applied; an empty optional field counts as
    absent (an empty CSV cell), an empty message stays (and is reported as empty)."""
    fields = {
        key: value
        for key in REQUEST_FIELDS
        if (value := record.fields.get(key)) is not None and (value != "" or key == "message")
    }
    columns = {
        key.removeprefix(DETAIL_COLUMN): value
        for key, value in record.fields.items()
        if key.startswith(DETAIL_COLUMN) and value not in (None, "")
    }
    if columns and "details" not in fields:
        fields["details"] = columns
    if channel is not None:
        fields.setdefault("channel", channel)
    if agent is not None:
        fields.setdefault("agent", agent)
    if language is not None:
        fields.setdefault("language", language)
    if "channel" not in fields:
        return RecordError(
            line=record.line,
            error="no channel: give the record a `channel`, or a default one (--channel)",
            id=readable_id(fields.get("id")),
        )
    fields["line"] = record.line
    return fields


# --- the output ----------------------------------------------------------------------


class _Output:
    """Where rows go: standard output as they come, a device or pipe as is, or a
    regular file through a temporary file renamed into place at the end."""

    def __init__(self, path: Path | None, input_path: Path, stdout: IO[str]) -> None:
        self.path = path
        self.stdout = stdout
        self.temporary: Path | None = None
        self.target: Path | None = None
        self.stream: IO[bytes] | None = None
        self.keep = True
        if path is not None:
            self._open(path, input_path)
        elif (buffer := getattr(stdout, "buffer", None)) is not None:
            # Bytes, so rows are UTF-8 whatever the terminal's encoding.
            stdout.flush()
            self.stream = buffer

    def _open(self, path: Path, input_path: Path) -> None:
        if _same_file(path, input_path):
            raise DataError(
                f"--output {path} is the input file: writing the results there would "
                "destroy the messages; choose another file"
            )
        # Through a symbolic link, the file it points to is replaced, not the link.
        target = Path(os.path.realpath(path))
        if target.is_dir():
            raise DataError(f"cannot write the results to {path}: it is a folder")
        try:
            if target.exists() and not target.is_file():  # /dev/null, /dev/full, a FIFO
                self.stream = target.open("wb")
                return
            if target.exists() and not os.access(target, os.W_OK):
                raise DataError(
                    f"cannot write the results to {path}: the file is read-only; "
                    "choose another file or make it writable"
                )
            if not target.parent.is_dir():
                raise DataError(
                    f"cannot write the results to {path}: the folder {path.parent} does "
                    "not exist; create it first"
                )
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            # 0o666 minus the umask, as for any new file (mkstemp would make it private).
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as error:
            raise self._write_error(error) from error
        self.temporary, self.target = temporary, target
        self.stream = os.fdopen(descriptor, "wb")

    def __enter__(self) -> _Output:
        return self

    def write(self, row: Mapping[str, Any]) -> None:
        line = json_line(row)
        try:
            if self.stream is not None:
                self.stream.write(line.encode("utf-8", "backslashreplace"))
            else:
                self.stdout.write(line)
        except OSError as error:
            if self.path is None and isinstance(error, BrokenPipeError):
                raise  # whoever read standard output stopped (`| head`): the CLI ends quietly
            raise self._write_error(error) from error

    def discard(self) -> None:
        """Keep no file: the run stopped before its end."""
        self.keep = False

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        keep = self.keep and error is None
        try:
            if self.path is None:
                (self.stream or self.stdout).flush()
                return
            assert self.stream is not None
            try:
                self.stream.flush()
                if keep and self.temporary is not None:
                    os.fsync(self.stream.fileno())
            finally:
                self.stream.close()
            if self.temporary is not None and self.target is not None and keep:
                if self.target.exists():
                    shutil.copymode(self.target, self.temporary)
                os.replace(self.temporary, self.target)
        except OSError as failure:
            if error is None and self.path is None and isinstance(failure, BrokenPipeError):
                raise
            if error is None:
                raise self._write_error(failure) from failure
        finally:
            if self.temporary is not None and self.temporary.exists():
                self.temporary.unlink(missing_ok=True)

    def _write_error(self, error: OSError) -> DataError:
        where = "standard output" if self.path is None else str(self.path)
        return DataError(f"cannot write the results to {where}: {_reason(error)}")


def json_line(row: Mapping[str, Any]) -> str:
    """One output line: JSON with the text as is (not \\u-escaped), then a newline."""
    return json.dumps(row, ensure_ascii=False) + "\n"


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file (the same path, a link, a hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
