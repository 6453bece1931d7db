"""Every load error a user can cause names the file, the line and the fix, in YAML words.

Table-driven: each broken base below must fail with a located :class:`AnswerBaseError`
(never another exception), at the line where the mistake is written, with a message
that says what to write instead and names no Python type ("instance of Agent", "valid
tuple", "dict"); `replykb check` must show the same, exit 1 and print no traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import AnswerBaseError, ReplyKBError, load_answer_base
from replykb.cli import cli

from .conftest import EXAMPLE_BASE

SETTINGS = "brand: Acme\nlanguages: [en, it]\nchannels: {x: {}, email: {}}\n"  # 3 lines
ANSWER = "questions: [When will I get my refund?]\nanswer: Within 5 days.\n"  # 2 lines
IT = "translations:\n  it:\n    answer: Entro 5 giorni.\n"  # lines 3-5 after ANSWER

# What pydantic or Python would say and a person editing YAML does not write.
PYTHON_WORDS = re.compile(
    r"instance of|valid dictionary|valid tuple|valid list|valid string|Input should|"
    r"Value error|\b(dict|tuple|NoneType|str|int|float|bool|datetime)\b|Traceback"
)

# name: (files, the file at fault, its line, words of the message, fix included)
CASES: dict[str, tuple[dict[str, str | bytes], str, int, str]] = {
    # --- replykb.yaml, top level ---------------------------------------------------
    "brand is a list": (
        {"replykb.yaml": "brand: [Acme]\n"},
        "replykb.yaml",
        1,
        "brand: expected one text, got a list of 1 item ['Acme']; write a single text",
    ),
    "brand is blank": (
        {"replykb.yaml": "brand: '  '\n"},
        "replykb.yaml",
        1,
        "must not be blank; write the text",
    ),
    "language is a list": (
        {"replykb.yaml": "brand: Acme\nlanguage: [en]\n"},
        "replykb.yaml",
        2,
        "`language:` takes one code, got a list [en]; write `languages: [en]` (the first "
        "is the source), or `language: en`",
    ),
    "languages is a mapping": (
        {"replykb.yaml": "brand: Acme\nlanguages: {en: x}\n"},
        "replykb.yaml",
        2,
        "languages: expected a list, got a mapping {'en': 'x'}; write a list: `[a, b]`",
    ),
    "Norwegian unquoted in languages": (
        {"replykb.yaml": "brand: Acme\nlanguages: [en, no]\n"},
        "replykb.yaml",
        2,
        'languages.1: YAML reads `no` unquoted as false, not as text; quote it: "no"',
    ),
    "Norwegian alone, unquoted": (
        {"replykb.yaml": "brand: Acme\nlanguages: no\n"},
        "replykb.yaml",
        2,
        "expected a list, got `no`, which YAML reads unquoted as false; write it as a list, "
        'quoted: `["no"]`',
    ),
    # Quoting would not help a key that is wrong as text too: only that is said.
    "unknown top-level no: key": (
        {"replykb.yaml": SETTINGS + "no: 1\n"},
        "replykb.yaml",
        4,
        "no: unknown key `no`; the keys here are brand, language, languages,",
    ),
    "settings typo": (
        {"replykb.yaml": "brand: Acme\nlangauges: [en, it]\n"},
        "replykb.yaml",
        2,
        "unknown key `langauges`; did you mean `languages`?",
    ),
    "out_of_scope is a text": (
        {"replykb.yaml": SETTINGS + "out_of_scope: hello\n"},
        "replykb.yaml",
        4,
        "out_of_scope: expected a list, got the text 'hello'; write it as a list: `[hello]`",
    ),
    "openings is a text": (
        {"replykb.yaml": SETTINGS + "openings:\n  apology: Sorry\n"},
        "replykb.yaml",
        5,
        "openings.apology: expected a list, got the text 'Sorry'; write it as a list",
    ),
    "opening tone unknown": (
        {"replykb.yaml": SETTINGS + "openings:\n  angry: [Sorry]\n"},
        "replykb.yaml",
        5,
        "expected 'neutral', 'apology' or 'thanks', got the text 'angry'; write one of them",
    ),
    # --- match:, tune:, log:, policy:, check: -------------------------------------------
    "match is a number": (
        {"replykb.yaml": SETTINGS + "match: 0.5\n"},
        "replykb.yaml",
        4,
        "match: expected a mapping with the keys of matching settings (threshold:, margin:,",
    ),
    "match threshold is a word": (
        {"replykb.yaml": SETTINGS + "match:\n  threshold: high\n"},
        "replykb.yaml",
        5,
        "expected a number, got the text 'high'; write a number such as 0.5",
    ),
    "tune is a list": (
        {"replykb.yaml": SETTINGS + "tune: [1]\n"},
        "replykb.yaml",
        4,
        "tune: expected a mapping with the keys of tuning settings (epochs:,",
    ),
    "tune epochs yes": (
        {"replykb.yaml": SETTINGS + "tune:\n  epochs: yes\n"},
        "replykb.yaml",
        5,
        "expected a number, got `yes`, which YAML reads unquoted as true; write a number",
    ),
    "tune epochs 0": (
        {"replykb.yaml": SETTINGS + "tune:\n  epochs: 0\n"},
        "replykb.yaml",
        5,
        "tune.epochs: must be greater than or equal to 1, got the number 0; change the value",
    ),
    "log is a number": (
        {"replykb.yaml": SETTINGS + "log: 5\n"},
        "replykb.yaml",
        4,
        "log: expected a mapping with the keys of usage-log settings (url:,",
    ),
    "log keep_text maybe": (
        {"replykb.yaml": SETTINGS + "log:\n  keep_text: sometimes\n"},
        "replykb.yaml",
        5,
        "expected true or false, got the text 'sometimes'; write true or false",
    ),
    "check ignore is a mapping": (
        {"replykb.yaml": SETTINGS + "check:\n  ignore: {code: RKB101}\n"},
        "replykb.yaml",
        5,
        "check.ignore: expected a list, got a mapping {'code': 'RKB101'}; write a list",
    ),
    "policy min_questions 0": (
        {"replykb.yaml": SETTINGS + "policy:\n  min_questions: 0\n"},
        "replykb.yaml",
        5,
        "must be greater than or equal to 1, got the number 0; change the value",
    ),
    # --- channels: --------------------------------------------------------------------
    "channels is a list": (
        {"replykb.yaml": "brand: Acme\nchannels: [x, sms]\n"},
        "replykb.yaml",
        2,
        "channels: expected a mapping of channel names to their settings",
    ),
    "channel is a text": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  x: short\n"},
        "replykb.yaml",
        3,
        "channels.x: expected a mapping with the keys of a channel (limit:, count:,",
    ),
    "channel limit is a word": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  x:\n    limit: many\n"},
        "replykb.yaml",
        4,
        "expected a whole number, got the text 'many'; write digits only",
    ),
    "channel aliases is a mapping": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  x:\n    aliases: {a: b}\n"},
        "replykb.yaml",
        4,
        "channels.x.aliases: expected a list, got a mapping",
    ),
    "channel key typo": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  x:\n    lmit: 5\n"},
        "replykb.yaml",
        4,
        "unknown key `lmit`; did you mean `limit`?",
    ),
    "private_channel is public": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  x:\n    private_channel: facebook\n"},
        "replykb.yaml",
        4,
        "private_channel `facebook` is public; name a private channel",
    ),
    "window then unknown": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  x:\n    window: {hours: 24, then: never}\n"},
        "replykb.yaml",
        4,
        "expected 'template', 'human_agent_tag' or 'closed', got the text 'never'",
    ),
    # --- agents: ----------------------------------------------------------------------
    "agent is a text": (
        {"replykb.yaml": "brand: Acme\nagents:\n  paola: Paola\n"},
        "replykb.yaml",
        3,
        "agents.paola: expected a mapping with the keys of an agent (name:, signatures:,",
    ),
    "agent signatures is a list": (
        {"replykb.yaml": "brand: Acme\nagents:\n  paola:\n    name: Paola\n    signatures: [x]\n"},
        "replykb.yaml",
        5,
        "expected a mapping of channel names to sign-offs",
    ),
    "agent without name": (
        {"replykb.yaml": "brand: Acme\nagents:\n  paola:\n    signatures: {}\n"},
        "replykb.yaml",
        3,
        "missing required key `name`; add `name:` under `agents.paola`",
    ),
    "agent id with a space": (
        {"replykb.yaml": "brand: Acme\nagents:\n  Paola Rossi: {name: P}\n"},
        "replykb.yaml",
        3,
        "is not a valid id: use lowercase letters, digits and dashes",
    ),
    "agent translation key no:": (
        {
            "replykb.yaml": "brand: Acme\nlanguages: [en, 'no']\nagents:\n  paola:\n"
            "    name: Paola\n    translations:\n      no:\n        name: Paola\n"
        },
        "replykb.yaml",
        7,
        'YAML reads the key `no` unquoted as false, not as text; quote it: `"no":`',
    ),
    "signature for a channel the base lacks": (
        {
            "replykb.yaml": "brand: Acme\nchannels: {x: {}}\nagents:\n  paola:\n"
            "    name: Paola\n    signatures:\n      sms: Paola\n"
        },
        "replykb.yaml",
        7,
        "unknown channel 'sms'; the base defines: x, x_dm: fix the name, or add `sms: {}` under "
        "`channels:`",
    ),
    # --- translations: of replykb.yaml -----------------------------------------------
    "settings translation is a text": (
        {"replykb.yaml": SETTINGS + "translations:\n  it: ciao\n"},
        "replykb.yaml",
        5,
        "translations.it: expected a mapping with the keys of a language's texts",
    ),
    "settings translation language upper-case": (
        {"replykb.yaml": SETTINGS + "translations:\n  IT: {}\n"},
        "replykb.yaml",
        5,
        "'IT' is not a language code (write `it`)",
    ),
    # --- answer files -------------------------------------------------------------------
    "questions is a text": (
        {"a/refund.yaml": "questions: hello\nanswer: x\n"},
        "a/refund.yaml",
        1,
        "questions: expected a list, got the text 'hello'; write it as a list: `[hello]`",
    ),
    "questions is one long text with a comma": (
        {"a/refund.yaml": "questions: When is my refund due, I sent it back?\nanswer: x\n"},
        "a/refund.yaml",
        1,
        "write it as a list, one `- item` line per item, indented: `- When is my refund due, "
        "I sent it back?`",
    ),
    "question holds a colon": (
        {"a/refund.yaml": "questions:\n  - Hi: where is my refund?\nanswer: x\n"},
        "a/refund.yaml",
        2,
        "(YAML reads `key: value` inside a text as a mapping); quote the whole text",
    ),
    "answer is a date": (
        {"a/refund.yaml": "questions: [hi]\nanswer: 2026-01-01\n"},
        "a/refund.yaml",
        2,
        "answer: expected text, got the date 2026-01-01; quote it",
    ),
    "answer is empty": (
        {"a/refund.yaml": "questions: [hi]\nanswer:\n"},
        "a/refund.yaml",
        2,
        "answer: expected text, got null (nothing)",
    ),
    "private maybe": (
        {"a/refund.yaml": ANSWER + "private: maybe\n"},
        "a/refund.yaml",
        3,
        "expected true or false, got the text 'maybe'; write true or false",
    ),
    "tone off": (
        {"a/refund.yaml": ANSWER + "tone: off\n"},
        "a/refund.yaml",
        3,
        "got `off`, which YAML reads unquoted as false; write one of them",
    ),
    "reviewed is a year": (
        {"a/refund.yaml": ANSWER + "reviewed: 2026\n"},
        "a/refund.yaml",
        3,
        "expected a date such as 2026-10-01, got the number 2026; write it as YYYY-MM-DD",
    ),
    "answer typo is not proposed as itself": (
        {"a/refund.yaml": ANSWER + "answers: x\n"},
        "a/refund.yaml",
        3,
        "unknown key `answers`; did you mean `answer`?",
    ),
    "details is a text": (
        {"a/refund.yaml": ANSWER + "details:\n  order_id: your order\n"},
        "a/refund.yaml",
        4,
        "details.order_id: expected a mapping with the keys of a detail (fallback:,",
    ),
    "a key YAML reads as a date": (
        {"a/refund.yaml": ANSWER + "2026-01-01: c\n"},
        "a/refund.yaml",
        3,
        "unknown key `2026-01-01`",
    ),
    "unsupported tag": (
        {"a/refund.yaml": "questions: [hi]\nanswer: !secret x\n"},
        "a/refund.yaml",
        2,
        "the YAML tag `!secret` is not supported in an answer base; remove it",
    ),
    "a list as a key": (
        {"a/refund.yaml": ANSWER + "? [a, b]\n: c\n"},
        "a/refund.yaml",
        3,
        "a key must be a name (`name: value`)",
    ),
    # --- translations: of an answer ------------------------------------------------------
    "link under a translation": (
        {"a/refund.yaml": ANSWER + IT + "    link: https://x.example/it\n"},
        "a/refund.yaml",
        6,
        "unknown key `link` in `translations.it`; the keys here are source, questions, "
        "answer, short, facts, tests, details; `link:` belongs at the top of the file",
    ),
    "translation is a text": (
        {"a/refund.yaml": ANSWER + "translations:\n  it: ciao\n"},
        "a/refund.yaml",
        4,
        "translations.it: expected a mapping with the keys of a translation (source:,",
    ),
    "translations is a list": (
        {"a/refund.yaml": ANSWER + "translations: [it]\n"},
        "a/refund.yaml",
        3,
        "translations: expected a mapping of language codes to their texts",
    ),
    "hand-typed source hash": (
        {"a/refund.yaml": ANSWER + IT + "    source: zzz\n"},
        "a/refund.yaml",
        6,
        "run `replykb translations --mark-current refund it` once the translation is reviewed",
    ),
    "translation without answer": (
        {"a/refund.yaml": ANSWER + "translations:\n  it:\n    questions: [ciao]\n"},
        "a/refund.yaml",
        4,
        "missing required key `answer`; add `answer:` under `translations.it`",
    ),
    **{
        f"translation language {word}: unquoted": (
            {"a/refund.yaml": ANSWER + f"translations:\n  {word}:\n    answer: x\n"},
            "a/refund.yaml",
            4,
            f"YAML reads the key `{word}` unquoted as {meaning}, not as text; "
            f'quote it: `"{word}":`',
        )
        for word, meaning in (("no", "false"), ("on", "true"))
    },
    "translation language NO: unquoted": (
        {"a/refund.yaml": ANSWER + "translations:\n  NO:\n    answer: x\n"},
        "a/refund.yaml",
        4,
        """'NO' is not a language code (write `"no"`, in quotes)""",
    ),
    "translation language yes: is no code even quoted": (
        {"a/refund.yaml": ANSWER + "translations:\n  yes:\n    answer: x\n"},
        "a/refund.yaml",
        4,
        "translations.yes: 'yes' is not a language code: use a two-letter lowercase",
    ),
    "translation detail fallback is a number": (
        {
            "a/refund.yaml": ANSWER
            + "details:\n  order_id: {fallback: your order}\n"
            + IT
            + "    details:\n      order_id: {fallback: 5}\n"
        },
        "a/refund.yaml",
        9,
        "expected text, got the number 5; quote it",
    ),
    # --- the file itself ---------------------------------------------------------------
    "byte-order mark": (
        {"a/refund.yaml": "\ufeff" + ANSWER + "tone: angry\n"},
        "a/refund.yaml",
        3,
        "got the text 'angry'; write one of them",
    ),
    "CRLF line ends": (
        {"a/refund.yaml": (ANSWER + "tone: angry\n").replace("\n", "\r\n")},
        "a/refund.yaml",
        3,
        "got the text 'angry'; write one of them",
    ),
    "tab indentation": (
        {"a/refund.yaml": ANSWER + "details:\n\torder_id: {}\n"},
        "a/refund.yaml",
        4,
        "a tab character here; YAML indents with spaces only: replace the tab with spaces",
    ),
    "duplicate key": (
        {"a/refund.yaml": ANSWER + "answer: again\n"},
        "a/refund.yaml",
        3,
        "duplicate key 'answer' (first on line 2); YAML would keep only the last one: merge",
    ),
    "empty file": ({"a/refund.yaml": ""}, "a/refund.yaml", 1, "fill it in, or remove the file"),
    "not UTF-8": (
        {"replykb.yaml": b"brand: Caf\xe9\n"},
        "replykb.yaml",
        1,
        "not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    "replykb.yaml is a folder": (
        {"replykb.yaml/x": "hi"},
        "replykb.yaml",
        1,
        "not a regular file (a folder, pipe, socket or device has this name); rename it",
    ),
    "unclosed bracket": (
        {"a/refund.yaml": 'questions: ["When?"\nanswer: x\n'},
        "a/refund.yaml",
        2,
        "check the indentation, and quote a text",
    ),
}


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    if not any(name.startswith("replykb.yaml") for name in files):
        files = {"replykb.yaml": SETTINGS, **files}
    for relative, content in files.items():
        file = root / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


@pytest.mark.parametrize(("files", "file", "line", "words"), CASES.values(), ids=CASES)
def test_broken_base_names_file_line_and_fix(
    tmp_path: Path, files: dict[str, str | bytes], file: str, line: int, words: str
) -> None:
    root = tmp_path / "base"
    _write(root, files)
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    at_line = [
        p
        for p in raised.value.problems
        if (p.location.file, p.location.line) == (str(root / file), line)
    ]
    assert at_line, str(raised.value)
    assert any(words in str(p) for p in at_line), str(raised.value)
    for problem in raised.value.problems:
        assert not PYTHON_WORDS.search(problem.message), problem.message
        same = re.search(r"unknown key `([^`]+)`; did you mean `\1`", problem.message)
        assert same is None, problem.message


@pytest.mark.parametrize(("files", "file", "line", "words"), CASES.values(), ids=CASES)
def test_check_prints_the_located_fix_and_exits_1(
    tmp_path: Path, files: dict[str, str | bytes], file: str, line: int, words: str
) -> None:
    root = tmp_path / "base"
    _write(root, files)
    result = CliRunner().invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{root / file}:{line}:" in result.output, result.output
    assert words in result.output, result.output
    assert "Traceback" not in result.output


def test_a_symlink_loop_is_located(tmp_path: Path) -> None:
    root = tmp_path / "base"
    _write(root, {"a/refund.yaml": ANSWER})
    (root / "a/one.yaml").symlink_to(root / "a/two.yaml")
    (root / "a/two.yaml").symlink_to(root / "a/one.yaml")
    with pytest.raises(ReplyKBError) as raised:
        load_answer_base(root)
    assert isinstance(raised.value, AnswerBaseError)
    files = {problem.location.file for problem in raised.value.problems}
    assert files & {str(root / "a/one.yaml"), str(root / "a/two.yaml")}, str(raised.value)


def test_a_folder_named_like_an_answer_file_is_walked_not_read(tmp_path: Path) -> None:
    root = tmp_path / "base"
    _write(root, {"a/refund.yaml/inner.yaml": "questions: hello\nanswer: x\n"})
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    (problem,) = raised.value.problems
    assert (problem.location.file, problem.location.line) == (
        str(root / "a/refund.yaml/inner.yaml"),
        1,
    )


@pytest.fixture(scope="module")
def broken_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example base with the defects of issue 16's closing note written into it."""
    root = tmp_path_factory.mktemp("broken") / "answers"
    shutil.copytree(EXAMPLE_BASE, root)
    order = root / "orders/cancel-order.yaml"
    text = order.read_text(encoding="utf-8")
    source = re.search(r'    source: "([0-9a-f]{12})"\n', text)
    assert source is not None
    text = text.replace(
        source.group(0), '    source: "abc"\n    link: https://x.example\n    no: x\n'
    )
    order.write_text(text, encoding="utf-8")
    settings = root / "replykb.yaml"
    written = settings.read_text(encoding="utf-8").replace("languages: [en, it]", "language: [en]")
    settings.write_text(written, encoding="utf-8")
    return root


def _line(file: Path, starts: str) -> int:
    lines = file.read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, 1) if text.startswith(starts))


def test_the_broken_example_base_as_replykb_check_reports_it(broken_example: Path) -> None:
    order = broken_example / "orders/cancel-order.yaml"
    settings = broken_example / "replykb.yaml"
    result = CliRunner().invoke(cli, ["check", str(broken_example)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1
    out = result.output
    assert (
        f"{order}:{_line(order, '    source:')}:5: RKB001 error translations.it.source: 'abc' "
        "is not a source hash (12 hex digits); do not write `source:` by hand: run "
        "`replykb translations --mark-current cancel-order it`"
    ) in out
    assert f"{order}:{_line(order, '    link:')}:5: RKB001 error translations.it.link: " in out
    assert "did you mean `link`" not in out
    assert (
        f"{order}:{_line(order, '    no:')}:5: RKB001 error translations.it.no: unknown key" in out
    )
    assert (
        f"{settings}:{_line(settings, 'language:')}:1: RKB001 error language: `language:` takes "
        "one code, got a list [en]; write `languages: [en]`"
    ) in out
    assert not PYTHON_WORDS.search(out), out


def test_suggest_on_a_broken_base_exits_1_with_the_first_problem(broken_example: Path) -> None:
    """A real process, as an agent runs it: one line on stderr, no traceback."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "replykb",
            "suggest",
            "--kb",
            str(broken_example),
            "--channel",
            "x",
            "where is my order",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    order = broken_example / "orders/cancel-order.yaml"
    assert (
        f"does not load: {order}:{_line(order, '    source:')}:5: translations.it.source: "
        "'abc' is not a source hash"
    ) in result.stderr
    assert "--mark-current cancel-order it" in result.stderr
    assert "(and 3 more)" in result.stderr
    assert f"run `replykb check {broken_example}` to see every problem" in result.stderr


def test_quoted_no_is_norwegian_and_keys_are_read_as_written(tmp_path: Path) -> None:
    root = tmp_path / "base"
    settings = (
        "brand: Acme\nlanguages: [en, 'no']\nchannels:\n  x: &x {limit: 200}\n"
        "  sms:\n    <<: *x\n    count: sms\nagents:\n  123: {name: Ola}\n"
    )
    answer = ANSWER + 'translations:\n  "no":\n    answer: Innen 5 dager.\n'
    _write(root, {"replykb.yaml": settings, "a/refund.yaml": answer})
    base = load_answer_base(root)
    assert base.settings.languages == ("en", "no")
    assert base.answer("refund").translations["no"].answer == "Innen 5 dager."
    assert list(base.settings.agents) == ["123"]  # a name, as written
    assert (base.settings.channels["sms"].limit, base.settings.channels["sms"].count) == (
        200,
        "sms",
    )


LONG = "k" * 5000
HUGE_VALUES = {
    "id": {"a/refund.yaml": f"id: {LONG.upper()}\n" + ANSWER},
    "language": {"replykb.yaml": f"brand: Acme\nlanguages: [en, {LONG}]\n"},
    "check code": {"a/refund.yaml": ANSWER + f"check: {{ignore: [{LONG}]}}\n"},
    "log mask": {"replykb.yaml": f"brand: Acme\nlog: {{mask: {{a: ['({LONG}']}}}}\n"},
    "tone": {"a/refund.yaml": ANSWER + f"tone: {LONG}\n"},
    "source hash": {"a/refund.yaml": ANSWER + IT + f"    source: {LONG}\n"},
    "questions as one text": {"a/refund.yaml": f"questions: {LONG}\nanswer: x\n"},
    "agent id": {"replykb.yaml": f"brand: Acme\nagents:\n  '{LONG}': {{name: P}}\n"},
}


@pytest.mark.parametrize("files", HUGE_VALUES.values(), ids=HUGE_VALUES)
def test_a_huge_value_is_never_echoed_whole(tmp_path: Path, files: dict[str, str]) -> None:
    root = tmp_path / "base"
    _write(root, files)
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    for problem in raised.value.problems:
        assert len(problem.message) < 400, problem.message
        assert len(problem.field) < 100, problem.field
