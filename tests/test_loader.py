from __future__ import annotations

from pathlib import Path

import pytest

from replykb import AnswerBaseError, BaseNotFoundError, load_answer_base

from .conftest import EXAMPLE_BASE, MINIMAL_ANSWER, WriteBase

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
        "expected text, got int 42; quote it",
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
        "integer",
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
