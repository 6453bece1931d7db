"""`replykb gaps` on a bilingual base (the example base answers/, en + it): Italian
messages are drafted where Italian customers are matched, `translations.it.questions`
of the answer file (with its line), and a new answer's Italian phrasings under
`translations: it: questions:` with a TODO for the source texts; English ones as before."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from replykb import KnowledgeBase
from replykb.learn import open_log
from replykb.learn.drafts import write_drafts
from replykb.learn.gaps import GapReport, gaps_from_log, gaps_from_records, mine_gaps
from replykb.records import read_records

# Ambiguous on the example base today (a gap), and one topic.
RETURNS_IT = ["voglio fare il reso", "vorrei fare un reso", "voglio restituire il pacco"]
BIKES_IT = [
    "noleggiate biciclette?",
    "fate noleggio di biciclette?",
    "si possono noleggiare biciclette da voi?",
]


def _records(messages: list[str | dict[str, str]]) -> io.BytesIO:
    records = [m if isinstance(m, dict) else {"message": m} for m in messages]
    lines = [json.dumps({"channel": "x", **r}, ensure_ascii=False) for r in records]
    return io.BytesIO("\n".join(lines).encode())


def _mine(kb: KnowledgeBase, messages: list[str | dict[str, str]], out: Path) -> GapReport:
    found = list(gaps_from_records(kb, read_records(_records(messages), csv_format=False)))
    return write_drafts(mine_gaps(kb, found, min_size=2), kb.base, out)


def _draft(report: GapReport, out: Path, kind: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    """The text and YAML of the largest drafted topic of ``kind``; its messages are all
    in the draft (the grouping itself is tested in test_learn_gaps.py)."""
    cluster = next(c for c in report.drafted if c.kind == kind)
    assert cluster.file is not None and len(cluster.texts) >= 2
    text = (out / cluster.file).read_text(encoding="utf-8")
    return text, {**yaml.safe_load(text), "_texts": sorted(cluster.texts)}


def _line_of(path: Path, key_path: list[str]) -> int:
    """The line of a nested key in a YAML file (1-based), read with PyYAML's composer."""
    node = yaml.compose(path.read_text(encoding="utf-8"))
    for key in key_path:
        name, node = next((name, value) for name, value in node.value if name.value == key)
    return int(name.start_mark.line) + 1


def test_italian_messages_near_an_answer_go_under_its_italian_questions(
    example_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    report = _mine(example_kb, RETURNS_IT, tmp_path / "drafts")
    text, body = _draft(report, tmp_path / "drafts", "add_questions")
    answer = example_kb.base.answer(body["answer_id"])
    assert "it" in answer.translations and body["file"].startswith("returns/")
    assert "questions" not in body  # nothing for the English `questions:`
    assert sorted(body["translations"]["it"]["questions"]) == body["_texts"]
    assert set(body["_texts"]) <= set(RETURNS_IT)
    line = _line_of(example_kb.base.root / body["file"], ["translations", "it", "questions"])
    assert (
        f"# Italian (it): copy the questions that belong under `translations.it.questions` in "
        f"{body['file']}:{line} (customers writing in Italian (it) are matched "
        "against those, not against `questions:`)." in text.splitlines()
    )
    assert "under `questions:` in" not in text


def test_a_new_topic_in_italian_is_a_new_answer_with_italian_questions_and_source_todos(
    example_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    report = _mine(example_kb, BIKES_IT, tmp_path / "drafts")
    text, body = _draft(report, tmp_path / "drafts", "new_answer")
    (source_question,) = body["questions"]
    assert source_question.startswith("TODO: write how customers ask this in English (en)")
    assert body["answer"].startswith("TODO")
    italian = body["translations"]["it"]
    assert sorted(italian["questions"] + italian.get("tests", [])) == body["_texts"]
    assert set(body["_texts"]) <= set(BIKES_IT)
    assert italian["answer"] == "TODO: write the Italian (it) reply"
    assert (
        "# The Italian (it) messages are under `translations: <language>: questions:`: "
        "customers writing in Italian (it) are matched against those, not against the "
        "English (en) `questions:`; write each translation's `answer:` too."
    ) in text.splitlines()
    assert (
        "# The source texts are still to write: `questions:` and `answer:` in English (en) "
        "(every answer is written in the source language first)."
    ) in text.splitlines()


def test_english_and_italian_messages_of_one_topic_each_go_to_their_own_questions(
    example_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Agents reported the suggestion wrong and used how-to-return: one topic, two languages.
    english = ["I want to send it back to you", "please take this parcel back"]
    rejected: list[str | dict[str, str]] = [
        {"message": m, "outcome": "wrong", "used_answer_id": "how-to-return"}
        for m in [*RETURNS_IT, *english]
    ]
    report = _mine(example_kb, rejected, tmp_path / "drafts")
    text, body = _draft(report, tmp_path / "drafts", "add_questions")
    assert body["answer_id"] == "how-to-return"
    assert sorted(body["questions"]) == sorted(english)
    assert sorted(body["translations"]["it"]["questions"]) == sorted(RETURNS_IT)
    questions_line = _line_of(example_kb.base.root / body["file"], ["questions"])
    assert (
        f"# English (en): copy the questions that belong under `questions:` in "
        f"{body['file']}:{questions_line}." in text.splitlines()
    )


def test_the_log_s_languages_are_read_not_guessed(example_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with open_log(tmp_path / "usage.db") as log:
        kb = KnowledgeBase(example_kb.base, example_kb.embedder, example_kb.index, observers=[log])
        for message in RETURNS_IT:
            kb.suggest(message, channel="x")
        found = list(gaps_from_log(log))
    assert [(m.text, m.language) for m in found] == [(m, "it") for m in RETURNS_IT]
    report = write_drafts(mine_gaps(example_kb, found, min_size=2), example_kb.base, tmp_path / "d")
    _, body = _draft(report, tmp_path / "d", "add_questions")
    assert "questions" not in body
    assert sorted(body["translations"]["it"]["questions"]) == body["_texts"]


@pytest.mark.parametrize("kind", ["add_questions", "new_answer"])
def test_a_one_language_base_drafts_as_before(shop_kb, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    messages = {
        "add_questions": [
            {"message": m, "outcome": "wrong", "used_answer_id": "refund-timing"}
            for m in [
                "refund still not here",
                "my refund has not arrived",
                "refund not arrived yet",
            ]
        ],
        "new_answer": ["do you rent bicycles?", "can I hire a bike from you?", "bike rental?"],
    }[kind]
    report = _mine(shop_kb, messages, tmp_path / "drafts")
    drafted = [c for c in report.drafted if c.kind == kind]
    assert drafted, [(c.kind, c.answer_id, c.texts) for c in report.clusters]
    text = (tmp_path / "drafts" / drafted[0].file).read_text()  # type: ignore[operator]
    assert "translations" not in text and "Italian" not in text
    body = yaml.safe_load(text)
    assert body["questions"] and not body["questions"][0].startswith("TODO")
