from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from replykb import AnswerBaseError, BaseNotFoundError, load_answer_base
from replykb.basefiles import MAX_FILE_BYTES

from .conftest import EXAMPLE_BASE, MINIMAL_ANSWER, MINIMAL_SETTINGS, WriteBase
from .unprivileged import load_and_check_unprivileged, make_world_readable, shared_tmp

__all__ = ["shared_tmp"]  # a fixture, used by name

# "Billion laughs": nine levels of nine aliases, 10**9 values once expanded.
BILLION_LAUGHS = (
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, level in zip("abcdefgh", "bcdefghi", strict=True)
    )
)

# (files, the file the problem is in, its line, words the message must contain)
BAD_INPUTS = {
    "yaml syntax": (
        {"a/refund.yaml": 'questions: ["When?"\nanswer: x\n'},
        "a/refund.yaml",
        2,
        "YAML syntax error",
    ),
    "duplicate key": (
        {"a/refund.yaml": "questions: [hi]\nanswer: one\nanswer: two\n"},
        "a/refund.yaml",
        3,
        "duplicate key 'answer' (first on line 2)",
    ),
    "wrong type": (
        {"a/refund.yaml": "questions:\n  - hello\n  - 42\nanswer: x\n"},
        "a/refund.yaml",
        3,
        "expected text, got the number 42; quote it",
    ),
    "missing field": ({"a/refund.yaml": "questions: [hi]\n"}, "a/refund.yaml", 1, "`answer`"),
    "unknown key": (
        {"a/refund.yaml": "answer: x\nqestions: [hi]\nquestions: [hi]\n"},
        "a/refund.yaml",
        2,
        "unknown key `qestions`; did you mean `questions`?",
    ),
    "empty questions": (
        {"a/refund.yaml": "answer: x\nquestions: []\n"},
        "a/refund.yaml",
        2,
        "questions",
    ),
    "blank question": (
        {"a/refund.yaml": "answer: x\nquestions:\n  - ok\n  - '   '\n"},
        "a/refund.yaml",
        4,
        "must not be blank",
    ),
    "bad id": (
        {"a/refund.yaml": "id: Refund Timing\n" + MINIMAL_ANSWER},
        "a/refund.yaml",
        1,
        "not a valid id",
    ),
    "bad file name as id": (
        {"a/Refund Timing.yaml": MINIMAL_ANSWER},
        "a/Refund Timing.yaml",
        1,
        "rename the file",
    ),
    "bad date": (
        {"a/refund.yaml": MINIMAL_ANSWER + "reviewed: last week\n"},
        "a/refund.yaml",
        4,
        "expected a date such as 2026-10-01",
    ),
    "bad link": (
        {"a/refund.yaml": MINIMAL_ANSWER + "link: help.acme.example\n"},
        "a/refund.yaml",
        4,
        "expected an http(s) URL",
    ),
    "bad tone": (
        {"a/refund.yaml": MINIMAL_ANSWER + "tone: angry\n"},
        "a/refund.yaml",
        4,
        "'neutral', 'apology' or 'thanks'",
    ),
    "duplicate id across files": (
        {"a/refund.yaml": MINIMAL_ANSWER, "b/other.yaml": "id: refund\n" + MINIMAL_ANSWER},
        "b/other.yaml",
        1,
        "duplicate answer id 'refund', already used by",
    ),
    "empty file": ({"a/refund.yaml": ""}, "a/refund.yaml", 1, "empty file"),
    "comments only": ({"a/refund.yaml": "# nothing yet\n"}, "a/refund.yaml", 1, "empty file"),
    "not utf-8": (
        {"a/refund.yaml": b"questions: [hi]\nanswer: caf\xe9\n"},
        "a/refund.yaml",
        2,
        "not valid UTF-8",
    ),
    "not a mapping": (
        {"a/refund.yaml": "- a list\n"},
        "a/refund.yaml",
        1,
        "an answer file must be a mapping of keys (questions:, answer:, ...), but it holds a list",
    ),
    "two documents": (
        {"a/refund.yaml": MINIMAL_ANSWER + "---\n" + MINIMAL_ANSWER},
        "a/refund.yaml",
        4,
        "a second YAML document starts here; a file of the base holds one document",
    ),
    # A document that is not a mapping is located, never dropped (issue 11).
    **{
        f"settings {name}": (
            {"replykb.yaml": text},
            "replykb.yaml",
            1,
            "replykb.yaml must be a mapping of settings (brand:, channels:, agents:, ...), "
            f"but it holds {held}",
        )
        for name, text, held in (
            ("~", "~\n", "null"),
            ("null", "null\n", "null"),
            ("empty", "", "nothing (an empty file)"),
            ("comments only", "# to do\n", "nothing (an empty file)"),
            ("a list", "- brand: Acme\n", "a list of 1 item"),
            ("a text", "Acme\n", "the text 'Acme'"),
            ("a number", "42\n", "the number 42"),
        )
    },
    **{
        f"answer {name}": (
            {"a/refund.yaml": text},
            "a/refund.yaml",
            line,
            "an answer file must be a mapping of keys (questions:, answer:, ...), "
            f"but it holds {held}",
        )
        for name, text, line, held in (
            ("~", "~\n", 1, "null"),
            ("null", "null\n", 1, "null"),
            ("null after a comment", "# to do\nnull\n", 2, "null"),
            ("empty document", "---\n...\n", 2, "null"),  # where its content would be
            ("a text", "When will I get my refund?\n", 1, "the text 'When will I get my"),
        )
    },
    "settings two documents": (
        {"replykb.yaml": "brand: Acme\n---\nbrand: Other\n"},
        "replykb.yaml",
        2,
        "a second YAML document starts here",
    ),
    # Upper-case suffixes are answer files: their mistakes are found, not skipped.
    **{
        f"suffix {suffix}": (
            {f"a/refund{suffix}": "questions: [hi]\n"},
            f"a/refund{suffix}",
            1,
            "missing required key `answer`",
        )
        for suffix in (".YAML", ".YML", ".Yaml", ".yml")
    },
    "alias bomb": (
        {"a/refund.yaml": "questions: [hi]\nanswer: x\n" + BILLION_LAUGHS},
        "a/refund.yaml",
        8,  # the first `*e` of `f:`: 9 x 66,430 values no longer fit the budget
        "YAML aliases expand too far: `*e` here takes the file past 100,000 values",
    ),
    "alias inside its own anchor (list)": (
        {"a/refund.yaml": "questions: &q [hi, *q]\nanswer: x\n"},
        "a/refund.yaml",
        1,
        "YAML alias `*q` is inside its own anchor `&q`, which makes an endless structure",
    ),
    "alias inside its own anchor (mapping)": (
        {"a/refund.yaml": MINIMAL_ANSWER + "link: &l\n  a: [1, *l]\n"},
        "a/refund.yaml",
        5,
        "YAML alias `*l` is inside its own anchor `&l`",
    ),
    "number over Python's conversion limit": (
        {"a/refund.yaml": "questions: [hi]\nanswer: " + "9" * 5000 + "\n"},
        "a/refund.yaml",
        2,
        "cannot read '" + "9" * 37 + "...' as an int: exceeds the limit (4300 digits)",
    ),
    "impossible date": (
        {"a/refund.yaml": MINIMAL_ANSWER + "reviewed: 2026-13-45\n"},
        "a/refund.yaml",
        4,
        "cannot read '2026-13-45' as a timestamp: month must be in 1..12; quote it",
    ),
    "control character": (
        {"a/refund.yaml": b"questions: [hi]\nanswer: one\x07two\n"},
        "a/refund.yaml",
        2,
        "character U+0007 is not allowed in YAML",
    ),
    "flow nesting too deep": (
        {"a/refund.yaml": MINIMAL_ANSWER + "tags: " + "[" * 5000 + "]" * 5000 + "\n"},
        "a/refund.yaml",
        4,
        "exceeded maximum nesting depth",
    ),
    "huge value is cut in the message": (
        {"a/refund.yaml": MINIMAL_ANSWER + "title: [" + "x, " * 10000 + "x]\n"},
        "a/refund.yaml",
        4,
        "title: expected one text, got a list of 10001 items ['x', 'x',",
    ),
    "over the size limit": (
        {"a/refund.yaml": MINIMAL_ANSWER + "# " + "x" * MAX_FILE_BYTES + "\n"},
        "a/refund.yaml",
        1,
        f"over the limit of {MAX_FILE_BYTES:,} bytes for a file of the base; split it",
    ),
    "settings unknown key": (
        {"replykb.yaml": "brand: Acme\nbrnad: Acme\n"},
        "replykb.yaml",
        2,
        "unknown key `brnad`",
    ),
    "settings missing brand": ({"replykb.yaml": "language: en\n"}, "replykb.yaml", 1, "`brand`"),
    "signature for unknown channel": (
        {
            "replykb.yaml": "brand: Acme\nchannels: {x: {}}\nagents:\n  paola:\n    name: Paola\n    signatures: {sms: hi}\n"
        },
        "replykb.yaml",
        6,
        "unknown channel 'sms'",
    ),
    "custom channel without limit type": (
        {"replykb.yaml": "brand: Acme\nchannels:\n  pigeon:\n    limit: many\n"},
        "replykb.yaml",
        4,
        "limit: expected a whole number, got the text 'many'; write digits only",
    ),
}


@pytest.mark.parametrize(("files", "file", "line", "words"), BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_bad_input_is_located(
    write_base: WriteBase, files: dict[str, str | bytes], file: str, line: int, words: str
) -> None:
    root = write_base(files)
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    located = [f"{p.location.file}:{p.location.line}" for p in raised.value.problems]
    assert f"{root / file}:{line}" in located, raised.value
    problem = next(p for p in raised.value.problems if p.location.file == str(root / file))
    assert words in str(raised.value), str(raised.value)
    assert str(problem).startswith(f"{root / file}:")


BOOLEAN_NUMBERS = {
    # pydantic read true as 1: a 1-hour window, a 1-character limit, a threshold of 1.0.
    "window hours": ("channels:\n  messenger:\n    window: {hours: true, then: closed}\n", 4),
    "window tag_hours": (
        "channels:\n  messenger:\n    window: {hours: 24, then: human_agent_tag, tag_hours: on}\n",
        4,
    ),
    "private_reply hours": ("channels:\n  facebook:\n    private_reply: {hours: yes}\n", 4),
    "channel limit": ("channels:\n  x:\n    limit: true\n", 4),
    "match threshold": ("match:\n  threshold: true\n", 3),
    "policy min_questions": ("policy:\n  min_questions: false\n", 3),
}


@pytest.mark.parametrize(("settings", "line"), BOOLEAN_NUMBERS.values(), ids=BOOLEAN_NUMBERS)
def test_a_boolean_where_a_number_is_expected_is_located(
    write_base: WriteBase, settings: str, line: int
) -> None:
    root = write_base({"replykb.yaml": "brand: Acme\n" + settings})
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    (problem,) = raised.value.problems
    assert (problem.location.file, problem.location.line) == (str(root / "replykb.yaml"), line)
    assert problem.message.startswith("expected a number, got "), problem.message


def test_every_problem_is_reported_at_once(write_base: WriteBase) -> None:
    answer_files = {
        f"{name.replace(' ', '-')}.yaml": next(iter(files.values()))
        for name, (files, file, _, _) in BAD_INPUTS.items()
        if list(files) == [file] and file.startswith("a/refund")
    }
    root = write_base(answer_files)
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    assert {p.location.file for p in raised.value.problems} == {str(root / f) for f in answer_files}


def test_no_such_folder(tmp_path: Path) -> None:
    with pytest.raises(BaseNotFoundError, match="no such folder"):
        load_answer_base(tmp_path / "missing")


@pytest.mark.parametrize("file", ["replykb.yaml", "a/refund.yaml"])
def test_a_file_of_the_base_given_as_the_base_names_its_folder(
    write_base: WriteBase, file: str
) -> None:
    root = write_base({"a/refund.yaml": MINIMAL_ANSWER})
    with pytest.raises(BaseNotFoundError) as raised:
        load_answer_base(root / file)
    assert str(raised.value) == (
        f"{root / file}: a file, not a folder; an answer base is a folder: pass {root}"
    )


def test_no_settings_file(tmp_path: Path) -> None:
    with pytest.raises(BaseNotFoundError, match=r"replykb\.yaml: not found"):
        load_answer_base(tmp_path)


def test_id_defaults_to_file_stem_and_skips_templates_and_hidden(write_base: WriteBase) -> None:
    root = write_base(
        {
            "billing/refund-timing.yml": MINIMAL_ANSWER,
            "templates/x.yaml": "not: an answer\n",
            ".replykb/cache.yaml": "junk: [",
            ".github/workflow.yaml": "on: push\n",
        }
    )
    base = load_answer_base(root)
    assert [answer.id for answer in base.answers] == ["refund-timing"]
    assert base.templates == {"x.yaml": "not: an answer\n"}
    assert base.answers[0].source.locate("questions", 0).line == 2


def test_channel_presets_fill_and_override(write_base: WriteBase) -> None:
    root = write_base(
        {"replykb.yaml": "brand: Acme\nchannels:\n  twitter: {}\n  sms: {limit: 3}\n"}
    )
    channels = load_answer_base(root).settings.channels
    assert channels["twitter"].limit == 280 and channels["twitter"].count == "twitter"
    assert channels["sms"].limit == 3 and channels["sms"].count == "sms"


def test_all_presets_when_no_channels_given(write_base: WriteBase) -> None:
    root = write_base({"replykb.yaml": "brand: Acme\n"})
    assert {"x", "sms", "email", "bluesky", "mastodon"} <= set(
        load_answer_base(root).settings.channels
    )


REFORMATTED = {
    "a/refund.yaml": """\
        answer: "Refunds arrive within 5 working days."   # same meaning, other layout
        questions: ["When will I get my refund?"]
        """,
}


def test_fingerprint_ignores_layout_and_order(write_base: WriteBase, tmp_path: Path) -> None:
    first = load_answer_base(
        write_base(
            {
                "a/refund.yaml": MINIMAL_ANSWER,
                "b/other.yaml": MINIMAL_ANSWER.replace("refund", "parcel"),
            }
        )
    )
    second_root = tmp_path / "second"
    second_root.mkdir()
    (second_root / "replykb.yaml").write_text(
        "agents:\n  paola: {signatures: {x: ^Paola}, name: Paola}\nchannels: {email: {}, x: {}}\nbrand: Acme\n"
    )
    (second_root / "z").mkdir()
    (second_root / "z" / "refund.yaml").write_text(
        'answer: "Refunds arrive within 5 working days."\n'
        'questions: ["When will I get my refund?"]\n'
    )
    (second_root / "other.yaml").write_text(MINIMAL_ANSWER.replace("refund", "parcel"))
    assert load_answer_base(second_root).fingerprint == first.fingerprint


@pytest.mark.parametrize(
    "change",
    [
        lambda text: text.replace("5 working days", "6 working days"),
        lambda text: text.replace("When will", "when will"),
        lambda text: text + "private: true\n",
    ],
    ids=["answer text", "question case", "new field"],
)
def test_fingerprint_changes_with_meaning(write_base: WriteBase, change) -> None:  # type: ignore[no-untyped-def]
    before = load_answer_base(write_base({"a/refund.yaml": MINIMAL_ANSWER})).fingerprint
    after = load_answer_base(write_base({"a/refund.yaml": change(MINIMAL_ANSWER)})).fingerprint
    assert before != after


def test_example_base_loads() -> None:
    base = load_answer_base(EXAMPLE_BASE)
    assert len(base.answers) >= 40
    assert all(len(answer.questions) >= 5 and len(answer.tests) >= 2 for answer in base.answers)
    assert len(base.settings.out_of_scope) >= 10
    assert len(base.settings.agents) >= 3


# --- the file system: links, special files, permissions (issue 11) ---------------------

BROKEN_ANSWER = "questions: [When will I get my refund?]\n"  # no `answer:`, on line 1


def _plant_linked_folder(root: Path) -> None:
    (root / ".shared").mkdir()
    (root / ".shared" / "refund.yaml").write_text(BROKEN_ANSWER)
    (root / "shared").symlink_to(".shared", target_is_directory=True)


def _plant_linked_file(root: Path) -> None:
    (root / ".drafts").mkdir()
    (root / ".drafts" / "draft.yaml").write_text(BROKEN_ANSWER)
    (root / "refund.yaml").symlink_to(".drafts/draft.yaml")


def _plant_outside_folder(root: Path) -> None:
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "refund.yaml").write_text(MINIMAL_ANSWER)
    (root / "billing").symlink_to(elsewhere, target_is_directory=True)


def _plant_outside_file(root: Path) -> None:
    (root.parent / "refund.yaml").write_text(MINIMAL_ANSWER)
    (root / "refund.yaml").symlink_to(root.parent / "refund.yaml")


def _plant_outside_settings(root: Path) -> None:
    (root / "replykb.yaml").rename(root.parent / "shared-settings.yaml")
    (root / "replykb.yaml").symlink_to(root.parent / "shared-settings.yaml")


def _plant_outside_template(root: Path) -> None:
    (root.parent / "x.j2").write_text("{{ body }}")
    (root / "templates").mkdir()
    (root / "templates" / "x.j2").symlink_to(root.parent / "x.j2")


def _plant_link_loop(root: Path) -> None:
    (root / "one.yaml").symlink_to("two.yaml")
    (root / "two.yaml").symlink_to("one.yaml")


def _plant_fifo(root: Path) -> None:
    os.mkfifo(root / "refund.yaml")


def _plant_folder_as_settings(root: Path) -> None:
    (root / "replykb.yaml").unlink()
    (root / "replykb.yaml").mkdir()


def _plant_large_template(root: Path) -> None:
    (root / "templates").mkdir()
    (root / "templates" / "sms.j2").write_bytes(b"x" * (MAX_FILE_BYTES + 1))


# plant(root) -> (file with the problem, its line, words of the message)
FILE_SYSTEM_CASES = {
    "symlinked folder inside the base is loaded": (
        _plant_linked_folder,
        "shared/refund.yaml",
        1,
        "missing required key `answer`",
    ),
    "symlinked file inside the base is loaded": (
        _plant_linked_file,
        "refund.yaml",
        1,
        "missing required key `answer`",
    ),
    "symlinked folder leaving the base": (
        _plant_outside_folder,
        "billing",
        1,
        "outside the base folder; replykb follows only links that stay inside the base",
    ),
    "symlinked answer leaving the base": (
        _plant_outside_file,
        "refund.yaml",
        1,
        "outside the base folder",
    ),
    "symlinked replykb.yaml leaving the base": (
        _plant_outside_settings,
        "replykb.yaml",
        1,
        "outside the base folder",
    ),
    "symlinked template leaving the base": (
        _plant_outside_template,
        "templates/x.j2",
        1,
        "outside the base folder",
    ),
    "symlink loop": (
        _plant_link_loop,
        "one.yaml",
        1,
        "symlink to 'two.yaml' cannot be followed (Too many levels of symbolic links)",
    ),
    "broken symlink": (
        lambda root: (root / "refund.yaml").symlink_to("gone.yaml"),
        "refund.yaml",
        1,
        "symlink to 'gone.yaml' cannot be followed (No such file or directory); fix the link",
    ),
    "named pipe named like an answer": (
        _plant_fifo,
        "refund.yaml",
        1,
        "not a regular file",
    ),
    "replykb.yaml is a folder": (
        _plant_folder_as_settings,
        "replykb.yaml",
        1,
        "not a regular file",
    ),
    "template over the size limit": (
        _plant_large_template,
        "templates/sms.j2",
        1,
        f"file of {MAX_FILE_BYTES + 1:,} bytes, over the limit",
    ),
}


@pytest.mark.parametrize(
    ("plant", "file", "line", "words"), FILE_SYSTEM_CASES.values(), ids=FILE_SYSTEM_CASES
)
def test_file_system_problem_is_located(
    write_base: WriteBase,
    plant: Callable[[Path], None],
    file: str,
    line: int,
    words: str,
) -> None:
    root = write_base({"a/parcel.yaml": MINIMAL_ANSWER.replace("refund", "parcel")})
    plant(root)
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    problems = [p for p in raised.value.problems if p.location.file == str(root / file)]
    assert [p.location.line for p in problems] == [line], raised.value
    assert words in problems[0].message, raised.value
    read_failure = "missing required key" not in words
    assert problems[0].code == ("RKB004" if read_failure else "RKB001")


def test_links_inside_the_base_are_followed_once(write_base: WriteBase) -> None:
    root = write_base(
        {
            "billing/refund.yaml": MINIMAL_ANSWER,
            ".shared/parcel.yaml": MINIMAL_ANSWER.replace("refund", "parcel"),
            "templates/sms.j2": "{{ body }}",
        }
    )
    (root / "shared").symlink_to(".shared", target_is_directory=True)
    (root / "billing" / "again").symlink_to("..", target_is_directory=True)  # a loop
    (root / "billing-too").symlink_to("billing", target_is_directory=True)  # a second way in
    (root / "refund-too.yaml").symlink_to("billing/refund.yaml")  # its id: refund-too
    (root / "templates" / "email.j2").symlink_to("sms.j2")
    (root / "templates" / "more").symlink_to(".", target_is_directory=True)  # a loop
    (root / "notes.txt").symlink_to("nowhere.txt")  # not a file of the base: no problem
    base = load_answer_base(root)
    assert [(a.id, Path(a.source.file).relative_to(root).as_posix()) for a in base.answers] == [
        ("parcel", "shared/parcel.yaml"),
        ("refund", "billing/refund.yaml"),
        ("refund-too", "refund-too.yaml"),
    ]
    # The loop `more/` would repeat the same files forever under new names: it is not read.
    assert base.templates == {"email.j2": "{{ body }}", "sms.j2": "{{ body }}"}


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".YAML", ".YML", ".Yml"])
def test_every_yaml_suffix_is_an_answer(write_base: WriteBase, suffix: str) -> None:
    base = load_answer_base(write_base({f"billing/refund{suffix}": MINIMAL_ANSWER}))
    assert [answer.id for answer in base.answers] == ["refund"]


@pytest.mark.parametrize("loader", ["libyaml", "pure python"])
def test_alias_bomb_is_refused_before_expansion(
    write_base: WriteBase, monkeypatch: pytest.MonkeyPatch, loader: str
) -> None:
    if loader == "pure python":
        monkeypatch.setattr("replykb.yamldoc._YAML_LOADER", yaml.SafeLoader)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML was built without libyaml")
    root = write_base({"a/refund.yaml": MINIMAL_ANSWER + BILLION_LAUGHS})
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(AnswerBaseError) as raised:
            load_answer_base(root)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [str(p.location) for p in raised.value.problems] == [f"{root}/a/refund.yaml:9:8"]
    assert "aliases expand too far" in str(raised.value)
    # Expanded, the document is 10**9 values (34 s and 3.8 GB before the fix).
    assert elapsed < 5 and peak < 20 * 2**20, (elapsed, peak)


def test_aliases_within_the_budget_still_load(write_base: WriteBase) -> None:
    shared = "questions: &q\n" + "".join(f"  - question {i}\n" for i in range(20))
    root = write_base(
        {"a/refund.yaml": shared + "answer: x\ntests: *q\n", "a/other.yaml": MINIMAL_ANSWER}
    )
    refund = load_answer_base(root).answer("refund")
    assert refund.tests == refund.questions == [f"question {i}" for i in range(20)]


# --- unreadable files and folders, read as a user without root's bypass ----------------

UNREADABLE_CASES = {
    "answer file": ("a/refund.yaml", 0o000, "a/refund.yaml", "cannot read this file"),
    "replykb.yaml": ("replykb.yaml", 0o000, "replykb.yaml", "cannot read this file"),
    "template": ("templates/sms.j2", 0o000, "templates/sms.j2", "cannot read this file"),
    "subfolder": ("a", 0o000, "a", "cannot list this folder"),
    # Listed but not searchable: its files show up and none can be opened.
    "subfolder without x": ("a", 0o644, "a/refund.yaml", "cannot read this file"),
}


@pytest.mark.parametrize(
    ("target", "mode", "file", "words"), UNREADABLE_CASES.values(), ids=UNREADABLE_CASES
)
def test_unreadable_is_located_and_fails_the_check(
    shared_tmp: Path, target: str, mode: int, file: str, words: str
) -> None:
    root = shared_tmp / "base"
    for relative, text in {
        "replykb.yaml": MINIMAL_SETTINGS,
        "a/refund.yaml": MINIMAL_ANSWER,
        "templates/sms.j2": "{{ body }}",
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    make_world_readable(shared_tmp)
    (root / target).chmod(mode)

    seen = load_and_check_unprivileged(root)

    location = f"{root / file}:1:1"
    assert seen["problems"] is not None, "the base loaded although a file could not be read"
    mine = [p for p in seen["problems"] if p["file"] == str(root / file)]
    assert [p["code"] for p in mine] == ["RKB004"], seen["problems"]
    assert mine[0]["text"].startswith(f"{location}: {words}: permission denied; make it readable")
    assert seen["exit_code"] == 1, seen["output"]
    assert location in seen["output"] and "permission denied" in seen["output"]
