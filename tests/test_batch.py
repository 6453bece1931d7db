"""Batch triage: one row per input line, in order; a bad record is its own error row;
the output is written safely; rows are what kb.suggest gives."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from replykb import DataError, KnowledgeBase
from replykb.batch import result_row, run_batch, triage_records
from replykb.cli import cli
from replykb.records import Record, RecordError, read_records

from .conftest import SHOP_BASE

GOOD = b'{"id": "g", "message": "my refund hasn\'t arrived yet"}'
LAST = b'{"id": "z", "message": "I forgot my password", "channel": "email"}'


def run(kb: KnowledgeBase, path: Path, **options: Any) -> list[dict[str, Any]]:
    """Triage ``path`` into a file next to it and return the rows written."""
    output = path.with_name(path.name + ".out.jsonl")
    run_batch(kb, path, output, **{"channel": "x", **options})
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def shop_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop base in a folder of its own: the command line builds its cache there."""
    root = tmp_path_factory.mktemp("batch-cli") / "shop"
    shutil.copytree(SHOP_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


# --- one malformed JSONL record among good ones -------------------------------------------

JSONL_CASES = {
    "surrogate-message": (b'{"message": "refund \\ud800"}', "`message` is not valid Unicode text"),
    "surrogate-id": (b'{"id": "a\\udc00", "message": "refund"}', "`id` is not valid Unicode text"),
    "surrogate-conversation": (
        b'{"message": "refund", "conversation_id": "\\udfff"}',
        "`conversation_id` is not valid Unicode text: a lone surrogate (U+DFFF)",
    ),
    "5000-digit-integer": (
        b'{"id": ' + b"7" * 5000 + b', "message": "refund"}',
        "a number with too many digits; write it as text",
    ),
    "nested-lists": (b"[" * 100_000, "nested too deeply"),
    "nested-objects": (b'{"a": ' * 100_000, "nested too deeply"),
    "not-json": (b"{this is not json", "not valid JSON (Expecting property name"),
    "not-an-object": (
        b"[1, 2, 3]",
        'expected a JSON object such as {"message": "..."}, not a list',
    ),
    "customer-true": (
        b'{"message": "refund", "customer": true}',
        "`customer` must be a name, an @handle or an object with `name` and `handle`, not true",
    ),
    # A misspelt key inside `customer` was dropped: the reply silently addressed no one.
    "customer-misspelt-key": (
        b'{"message": "refund", "customer": {"nmae": "Mario"}}',
        "unknown field `customer.nmae` (known: name, handle)",
    ),
    "message-number": (b'{"message": 12}', "`message` must be text, not a number"),
    "no-message": (b'{"text": "refund"}', "no `message`"),
    "blank-message": (b'{"message": "   "}', "the message is empty"),
    "channel-list": (b'{"message": "refund", "channel": ["x"]}', "`channel` must be text"),
    "unknown-channel-no-match": (
        b'{"message": "who won the football last night", "channel": "fax"}',
        "unknown channel 'fax'; known channels: chat, email, facebook",
    ),
    "unknown-agent": (b'{"message": "refund", "agent": "nobody"}', "unknown agent 'nobody'"),
    "blank-line": (b"", "blank line: no record"),
    "spaces-line": (b"   \t ", "blank line: no record"),
    "latin-1-byte": (b'{"message": "caf\xe9 refund"}', "not valid UTF-8 (byte 0xE9 at offset"),
}


@pytest.mark.parametrize(("line", "words"), JSONL_CASES.values(), ids=JSONL_CASES.keys())
def test_a_malformed_jsonl_record_is_its_own_error_row(  # type: ignore[no-untyped-def]
    shop_kb, tmp_path: Path, line: bytes, words: str
) -> None:
    path = tmp_path / "backlog.jsonl"
    path.write_bytes(b"\n".join([GOOD, line, LAST]) + b"\n")
    rows = run(shop_kb, path)
    assert [row["line"] for row in rows] == [1, 2, 3]
    assert [row["status"] for row in rows] == ["confident", "error", "confident"]
    assert words in rows[1]["error"]
    assert rows[0]["id"] == "g" and rows[2]["id"] == "z"
    assert rows[2]["reply"]["channel"] == "email"


def test_an_invalid_byte_on_line_81_names_that_line_only(
    shop_copy, shop_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    lines = [b'{"id": "%d", "message": "I forgot my password"}' % n for n in range(1, 101)]
    lines[80] = b'{"id": "81", "message": "Gr\xfc\xdfe, mein Passwort"}'  # Latin-1, not UTF-8
    path = tmp_path / "backlog.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    output = tmp_path / "out.jsonl"
    result = invoke("suggest", "--input", path, "--output", output, "--kb", shop_copy, "-c", "x")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["line"] for row in rows] == list(range(1, 101))
    assert [row["line"] for row in rows if row["status"] == "error"] == [81]
    offset = lines[80].index(b"\xfc") + 1
    assert f"{path}:81: not valid UTF-8 (byte 0xFC at offset {offset})" in result.output
    assert "1 line could not be triaged" in result.output


def test_jsonl_with_bom_and_crlf_reads_every_line(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "backlog.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD + b"\r\n" + LAST + b"\r\n")
    assert [row["status"] for row in run(shop_kb, path)] == ["confident", "confident"]


def test_a_huge_line_is_an_error_row(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from replykb.records import MAX_LINE_SIZE

    path = tmp_path / "backlog.jsonl"
    huge = b'{"message": "' + b"a" * MAX_LINE_SIZE + b'"}'
    path.write_bytes(b"\n".join([GOOD, huge, LAST]))  # and no newline at the end
    rows = run(shop_kb, path)
    assert [row["status"] for row in rows] == ["confident", "error", "confident"]
    assert "a line longer than 4,194,304 bytes" in rows[1]["error"]


# --- CSV --------------------------------------------------------------------------------

LONG = "x" * 131_073
CSV_CASES = {
    "excel-bom-and-capitals": (
        "\ufeffID, Message ,CHANNEL\r\n7,my refund hasn't arrived yet,sms\r\n",
        [("confident", 2)],
    ),
    "field-over-the-csv-limit": (
        f"id,message\n1,{LONG}\n2,my refund hasn't arrived yet\n",
        [("error", 2), ("confident", 3)],
    ),
    "quoted-field-over-the-limit-on-several-lines": (
        f'id,message\n1,"refund\n{LONG}\nmore"\n2,my refund hasn\'t arrived yet\n',
        [("error", 2), ("confident", 5)],
    ),
    # The open quote ran to the end of the file: lines 4 and 5 vanished into line 3's field.
    "quote-never-closed": (
        "message,channel\nmy refund hasn't arrived yet,x\n\"my refund,x\nI forgot my password,x\n"
        "my refund hasn't arrived yet,x\n",
        [("confident", 2), ("error", 3)],
    ),
    # A bare quote inside an unquoted field is text, as the csv module reads it.
    "bare-quote-in-a-field": (
        "message,channel\nmy 5\" refund hasn't arrived yet,x\nI forgot my password,x\n",
        [("confident", 2), ("confident", 3)],
    ),
    "blank-line": ("message\nmy refund hasn't arrived yet\n\nI forgot my password\n", None),
    "extra-field": (
        "message,channel\nmy refund hasn't arrived yet,x\nrefund, please,x\nI forgot my password,x\n",
        [("confident", 2), ("error", 3), ("confident", 4)],
    ),
}


@pytest.mark.parametrize(("text", "expected"), CSV_CASES.values(), ids=CSV_CASES.keys())
def test_csv_records(shop_kb, tmp_path: Path, text: str, expected) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "backlog.csv"
    path.write_text(text, encoding="utf-8", newline="")
    rows = run(shop_kb, path)
    if expected is None:  # blank line: a row of its own, so rows stay aligned
        expected = [("confident", 2), ("error", 3), ("confident", 4)]
    assert [(row["status"], row["line"]) for row in rows] == expected
    for row in rows:
        if row["status"] == "error":
            assert row["error"] in (
                "a field longer than 131,072 characters, the CSV reader's limit",
                "blank line: no record",
                "3 fields, but the header names 2 columns (a comma in a field that is not quoted?)",
                'a quote (") opened on this line is never closed, so lines 3-5 were read as '
                'one field: close it, or double a quote inside a field ("")',
            )


def test_csv_invalid_utf8_is_an_error_row_keeping_the_id(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "backlog.csv"
    path.write_bytes(b"id,message\n1,caf\xe9 refund\n2,my refund hasn't arrived yet\n")
    rows = run(shop_kb, path)
    assert [(row["status"], row["id"]) for row in rows] == [("error", "1"), ("confident", "2")]
    assert rows[0]["error"].startswith("not valid UTF-8 (column `message`, byte 0xE9")


def test_csv_column_names_ignore_case_and_spaces(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "backlog.csv"
    path.write_text(
        "Message,Conversation ID,Customer\nmy refund hasn't arrived yet,c-42,Zoë\n", "utf-8"
    )
    (row,) = run(shop_kb, path, agent="paola")
    expected = shop_kb.suggest(
        "my refund hasn't arrived yet",
        channel="x",
        agent="paola",
        customer="Zoë",
        conversation_id="c-42",
    )
    assert row["reply"]["text"] == expected.reply.text and "Zoë" in row["reply"]["text"]


@pytest.mark.parametrize(
    ("header", "found"),
    [("text,author", "found: 'text', 'author'"), ("\ufeffMsg,Channel", "found: 'Msg', 'Channel'")],
)
def test_csv_without_a_message_column_is_a_clear_error(  # type: ignore[no-untyped-def]
    shop_copy, shop_kb, tmp_path: Path, header: str, found: str
) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f"{header}\nwhere is my refund,x\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    with pytest.raises(DataError) as error:
        run_batch(shop_kb, path, output, channel="x")
    assert str(error.value).startswith(f"{path}:1: no `message` column in the CSV header; {found}")
    assert "expected the columns message, channel, agent, customer, conversation_id, id" in str(
        error.value
    )
    assert not output.exists() and list(tmp_path.iterdir()) == [path]
    result = invoke("suggest", "--input", path, "--kb", shop_copy, "-c", "x")
    assert result.exit_code == 2 and "no `message` column" in result.output
    assert "Traceback" not in result.output


def test_a_utf16_file_is_a_clear_error(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "posts.csv"
    path.write_text("message\nwhere is my refund\n", encoding="utf-16")
    with pytest.raises(DataError, match="the file is UTF-16"):
        run_batch(shop_kb, path, None, channel="x")


# --- the output file --------------------------------------------------------------------


def _backlog(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "backlog.jsonl"
    content = GOOD + b"\n" + LAST + b"\n"
    path.write_bytes(content)
    return path, content


@pytest.mark.parametrize("how", ["same-path", "symlink", "hardlink", "relative"])
def test_output_that_is_the_input_is_refused_and_the_input_kept(  # type: ignore[no-untyped-def]
    shop_copy, shop_kb, tmp_path: Path, monkeypatch, how: str
) -> None:
    path, content = _backlog(tmp_path)
    output = {
        "same-path": path,
        "symlink": tmp_path / "link.jsonl",
        "hardlink": tmp_path / "hard.jsonl",
        "relative": Path("sub/../backlog.jsonl"),
    }[how]
    if how == "symlink":
        output.symlink_to(path)
    elif how == "hardlink":
        os.link(path, output)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="is the input file"):
        run_batch(shop_kb, path, output, channel="x")
    assert path.read_bytes() == content
    result = invoke("suggest", "--input", path, "--output", output, "--kb", shop_copy, "-c", "x")
    assert result.exit_code == 2, result.output
    assert f"--output {output} is the input file" in result.output
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    ("output", "words"),
    [
        (
            "nodir/x.jsonl",
            "cannot write the results to nodir/x.jsonl: the folder nodir does not exist",
        ),
        ("/dev/full", "cannot write the results to /dev/full: No space left on device"),
        (".", "cannot write the results to .: it is a folder"),
    ],
    ids=["missing-folder", "dev-full", "a-folder"],
)
def test_unwritable_output_is_a_clear_error(  # type: ignore[no-untyped-def]
    shop_copy, shop_kb, tmp_path: Path, monkeypatch, output: str, words: str
) -> None:
    if output == "/dev/full" and not Path(output).exists():
        pytest.skip("no /dev/full on this system")
    path, _ = _backlog(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=words.replace(".", r"\.")):
        run_batch(shop_kb, path, Path(output), channel="x")
    result = invoke("suggest", "--input", path, "--output", output, "--kb", shop_copy, "-c", "x")
    assert result.exit_code == 2
    # The command line refuses a folder before the library sees it.
    shown = "is a directory" if output == "." else f"replykb: error: {words}"
    assert shown in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backlog.jsonl"]  # no temporary left


def test_output_appears_whole_or_not_at_all(shop_copy, shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "backlog.jsonl"
    path.write_bytes(GOOD + b"\nnot json\n" + LAST + b"\n")
    output = tmp_path / "replies.jsonl"
    output.write_text("yesterday's replies\n")
    output.chmod(0o640)
    result = invoke(
        "suggest", "--input", path, "--output", output, "--kb", shop_copy, "-c", "x", "--strict"
    )
    assert result.exit_code == 1
    assert f"{path}:2: not valid JSON (Expecting value at column 1) (--strict: no output file" in (
        result.output
    )
    assert output.read_text() == "yesterday's replies\n"  # untouched by the stopped run
    summary = run_batch(shop_kb, path, output, channel="x")
    assert (summary.rows, summary.failed, summary.statuses) == (3, 1, {"confident": 2, "error": 1})
    assert len(output.read_text().splitlines()) == 3
    assert output.stat().st_mode & 0o777 == 0o640  # the file replaced keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backlog.jsonl", "replies.jsonl"]


def _as_unprivileged_user() -> list[str]:
    """A command prefix under which file modes apply: none for a normal user; for root,
    setpriv to nobody (root writes whatever the mode); skipped when neither works."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file would be written")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder the unprivileged user can reach and write (pytest's tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="replykb-batch-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def test_a_read_only_output_file_is_refused_not_replaced(shared_tmp: Path) -> None:
    """Run as a user whom the file's mode applies to, in a folder that user may write:
    only the file's own mode protects it."""
    prefix = _as_unprivileged_user()
    backlog, _ = _backlog(shared_tmp)
    backlog.chmod(0o644)
    output = shared_tmp / "replies.jsonl"
    output.write_text("keep me\n")
    output.chmod(0o444)
    script = (
        "import sys\nfrom pathlib import Path\nfrom replykb import DataError\n"
        "from replykb.batch import run_batch\n"
        "try:\n    run_batch(None, Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "except DataError as error:\n    print(error)\n"
    )
    done = subprocess.run(
        [*prefix, sys.executable, "-c", script, str(backlog), str(output)],
        capture_output=True,
        text=True,
        cwd=shared_tmp,
        timeout=120,
    )
    if done.returncode != 0 and "ModuleNotFoundError" in done.stderr:
        pytest.skip(f"the unprivileged user cannot import replykb here: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"cannot write the results to {output}: the file is read-only; "
        "choose another file or make it writable"
    )
    assert output.read_text() == "keep me\n"
    assert sorted(p.name for p in shared_tmp.iterdir()) == ["backlog.jsonl", "replies.jsonl"]


def test_output_through_a_symlink_writes_its_target(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, _ = _backlog(tmp_path)
    target = tmp_path / "target.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    run_batch(shop_kb, path, link, channel="x")
    assert link.is_symlink() and len(target.read_text().splitlines()) == 2


@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "dash"])
def test_cli_batch_writes_one_line_per_record(  # type: ignore[no-untyped-def]
    shop_copy, tmp_path: Path, monkeypatch, to_stdout
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "backlog.csv"
    source.write_text(
        'id,message,channel,customer\n7,"my refund hasn\'t arrived yet",x,Mario\n8,,x,\n'
    )
    target = Path("-") if to_stdout else tmp_path / "out.jsonl"
    result = invoke("suggest", "--input", source, "--output", target, "--kb", shop_copy)
    assert result.exit_code == 0, result.output
    written = result.stdout if to_stdout else target.read_text()
    assert not (tmp_path / "-").exists(), "- is standard output, not a file"
    lines = [json.loads(line) for line in written.splitlines()]
    assert [line["line"] for line in lines] == [2, 3]
    assert lines[0]["answer_id"] == "refund-timing" and lines[1]["status"] == "error"
    assert lines[1]["error"] == "the message is empty; there is nothing to match"
    assert f"{source}:3: the message is empty" in result.output


def test_a_record_without_any_channel_says_how_to_give_one(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, _ = _backlog(tmp_path)
    rows = run(shop_kb, path, channel=None)
    assert rows[0]["status"] == "error" and rows[0]["id"] == "g"
    assert (
        rows[0]["error"] == "no channel: give the record a `channel`, or a default one (--channel)"
    )
    assert rows[1]["status"] == "confident"  # it names its channel


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["suggest", "refund?"], "give a MESSAGE and its --channel"),
        (["suggest", "x", "--input", "README.md"], "not both"),
        (["suggest", "--input", "README.md", "-c", "fax"], "unknown channel 'fax'"),
    ],
)
def test_cli_suggest_usage_errors(shop_copy, args: list[str], words: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke(*args, "--kb", shop_copy)
    assert result.exit_code == 2 and words in result.output


# --- batch rows are kb.suggest's replies ---------------------------------------------------


def test_batch_rows_hold_what_kb_suggest_gives_alternatives_included(  # type: ignore[no-untyped-def]
    example_kb, tmp_path: Path
) -> None:
    messages = ["delivery", "my refund still hasn't come through??", "lol", "refund", "cancel"]
    records = [
        {"id": f"{channel}-{i}", "message": m, "channel": channel, "conversation_id": f"c{i}"}
        for channel in ("x", "sms", "email", "facebook", "chat")
        for i, m in enumerate(messages)
    ]
    path = tmp_path / "backlog.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    rows = run(example_kb, path, agent="jo", batch_size=7)
    assert len(rows) == len(records)
    assert {row["status"] for row in rows} == {"confident", "ambiguous", "no_match"}
    for record, row in zip(records, rows, strict=True):
        expected = example_kb.suggest(
            record["message"],
            channel=record["channel"],
            agent="jo",
            conversation_id=record["conversation_id"],
        )
        assert row["status"] == expected.status and row["score"] == expected.match.score
        assert row["reply"] == (expected.reply and expected.reply.model_dump(mode="json"))
        assert row["alternatives"] == [a.model_dump(mode="json") for a in expected.alternatives]
        if expected.status == "ambiguous":
            assert len(row["alternatives"]) >= 2


# --- the reader and the triage never fail on any input ------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = ("message", "channel", "customer", "conversation_id", "id", "agent")
records_strategy = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=5),
    st.text(max_size=30) | st.sampled_from(["x", "sms", "refund?", "fax", "paola"]) | json_values,
    max_size=5,
)


def _json_line(draw_record: dict[str, Any], ascii_only: bool) -> bytes:
    text = json.dumps(draw_record, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate makes invalid UTF-8


line_strategy = (
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b""))
    | st.builds(_json_line, records_strategy, st.booleans())
    | st.sampled_from([b"", b"  ", b"[" * 3000, b'{"message": "refund \\ud800"}'])
)


def expected_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(line_strategy, max_size=8), trailing_newline=st.booleans())
def test_any_jsonl_gives_one_row_per_line_in_order(shop_kb, lines, trailing_newline) -> None:  # type: ignore[no-untyped-def]
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    records = read_records(io.BytesIO(data), csv_format=False)
    outcomes = list(triage_records(shop_kb, records, channel="x", batch_size=3))
    assert [o.line for o in outcomes] == list(range(1, expected_lines(data) + 1))
    assert [o.position for o in outcomes] == list(range(len(outcomes)))
    for outcome in outcomes:
        row = json.dumps(result_row(outcome), ensure_ascii=False)
        row.encode("utf-8")  # every row can be written
        assert json.loads(row)["status"] == outcome.status


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_csv_bytes_give_rows_in_order_or_a_header_error(shop_kb, data: bytes) -> None:  # type: ignore[no-untyped-def]
    data = b"message,channel\n" + data
    records = read_records(io.BytesIO(data), csv_format=True)
    outcomes = list(triage_records(shop_kb, records, channel="x"))
    lines = [o.line for o in outcomes]
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)
    assert len(outcomes) <= len(data.splitlines()) - 1  # CSV ends lines at \r too


def test_the_reader_alone_keeps_one_result_per_line() -> None:
    data = b"\n".join([GOOD, b"", b"[1]", b"\xff", GOOD])
    results = list(read_records(io.BytesIO(data), csv_format=False))
    assert [type(r) for r in results] == [Record, RecordError, RecordError, RecordError, Record]
    assert [r.line for r in results] == [1, 2, 3, 4, 5]
    assert [getattr(r, "blank", False) for r in results] == [False, True, False, False, False]


def test_a_reader_that_stops_early_ends_the_run_quietly(shop_copy: Path, tmp_path: Path) -> None:
    """`replykb suggest --input big.jsonl | head -1`: the reader closes the pipe, and the
    command stops as `cat` would (exit 141, 128 + SIGPIPE), with nothing on stderr."""
    backlog = tmp_path / "big.jsonl"
    line = json.dumps({"message": "when will I get my refund"})
    backlog.write_text((line + "\n") * 3000, encoding="utf-8")
    command = [sys.executable, "-m", "replykb", "suggest", "--input", str(backlog)]
    process = subprocess.Popen(
        [*command, "--kb", str(shop_copy), "--channel", "x"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    first = json.loads(process.stdout.readline())
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141, stderr
    assert first["line"] == 1 and first["status"] == "confident"
    assert "error" not in stderr and "Traceback" not in stderr, stderr
