"""``replykb usage`` per reply language: on the bilingual example base, Italian and
English replies are counted apart (statuses and the outcomes agents reported on them)
in the text, --json and --html reports; a one-language log gets no such rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import KnowledgeBase
from replykb.cli import cli
from replykb.learn import open_log
from replykb.learn.events import LoggedSuggestion
from replykb.learn.usage import report_from_log

from .conftest import EXAMPLE_BASE

# (message, conversation id, outcome the agent reported)
TRAFFIC = [
    ("dov'è il mio ordine? non è ancora arrivato", "it-1", "wrong"),
    ("quando arriva il mio rimborso?", "it-2", "edited"),
    ("posso pagare con paypal?", "it-3", "edited"),
    ("where is my order? it has not arrived yet", "en-1", "sent"),
    ("when will my refund arrive?", "en-2", "sent"),
]


@pytest.fixture(scope="module")
def bilingual_log(example_kb, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("usage-languages") / "usage.db"
    with open_log(path) as log:
        kb = KnowledgeBase(example_kb.base, example_kb.embedder, example_kb.index, observers=[log])
        for message, conversation, outcome in TRAFFIC:
            suggestion = kb.suggest(message, channel="x", conversation_id=conversation)
            assert suggestion.language is not None
            assert suggestion.language.language == conversation[:2], message
            match = suggestion.match
            answer = match.answer_id or (match.candidates[0][0] if match.candidates else None)
            kb.feedback(
                {
                    "outcome": outcome,
                    "channel": "x",
                    "answer_id": answer,
                    "conversation_id": conversation,
                    **({"edited_text": "Ciao! testo cambiato"} if outcome == "edited" else {}),
                }
            )
        # An outcome with no conversation: in no language's row.
        kb.feedback({"outcome": "unused", "channel": "x"})
    return path


def _usage(log: Path, *more: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["usage", "--kb", str(EXAMPLE_BASE), "--log", str(log), *more])
    return result.exit_code, result.stdout, result.stderr


def test_the_json_report_has_a_row_per_reply_language(bilingual_log: Path) -> None:
    code, out, err = _usage(bilingual_log, "--json")
    assert code == 0, err
    rows = {
        row["key"]: (row["total"], row["sent"], row["edited"], row["wrong"], row["unused"])
        for row in json.loads(out)["languages"]
    }
    assert rows == {"it": (3, 0, 2, 1, 0), "en": (2, 2, 0, 0, 0)}
    notes = json.loads(out)["notes"]
    assert any(note.startswith("1 outcome(s) in no language's row") for note in notes)


def test_the_text_report_shows_italian_next_to_english(bilingual_log: Path) -> None:
    code, out, err = _usage(bilingual_log)
    assert code == 0, err
    section = out.split("By reply language", 1)[1].split("\n\n", 1)[0].splitlines()
    header, it_row, en_row = (line.split() for line in section[1:4])
    assert header[0] == "LANGUAGE" and header[-4:] == ["SENT", "EDITED", "WRONG", "UNUSED"]
    assert (it_row[0], it_row[1], it_row[-4:]) == ("it", "3", ["0", "2", "1", "0"])
    assert (en_row[0], en_row[1], en_row[-4:]) == ("en", "2", ["2", "0", "0", "0"])


class _Table(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside = table_id, False
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.inside = ("id", self.table_id) in attrs
        elif self.inside and tag == "tr":
            self.rows.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.rows and data.strip():
            self.rows[-1].append(data.strip())


def test_the_html_report_has_the_language_table(bilingual_log: Path, tmp_path: Path) -> None:
    page = tmp_path / "usage.html"
    code, _, err = _usage(bilingual_log, "--html", str(page))
    assert code == 0, err
    parser = _Table("languages")
    parser.feed(page.read_text(encoding="utf-8"))
    header, it_row, en_row = parser.rows
    assert header[0] == "language" and header[-4:] == ["sent", "edited", "wrong", "unused"]
    assert (it_row[0], it_row[1], it_row[-4:]) == ("it", "3", ["0", "2", "1", "0"])
    assert (en_row[0], en_row[1], en_row[-4:]) == ("en", "2", ["2", "0", "0", "0"])


def _logged(at: datetime, language: str | None, conversation: str) -> LoggedSuggestion:
    return LoggedSuggestion(
        at=at,
        fingerprint="f",
        channel="x",
        status="confident",
        answer_id="refund-timing",
        score=0.9,
        candidates=[("refund-timing", 0.9)],
        latency_ms=1.0,
        conversation_id=conversation,
        language=language,
        language_reason=None if language is None else "detected",
    )


def test_a_log_of_one_language_has_no_language_rows(example_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with open_log(tmp_path / "usage.db") as log:
        log.record([_logged(now, None, "a"), _logged(now, "en", "b")])
        report = report_from_log(log, example_kb.base, location="x")
    assert report.totals.total == 2 and report.languages == []


def test_an_outcome_counts_in_the_language_of_its_conversation_s_last_suggestion(
    example_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    start = datetime.now(UTC) - timedelta(hours=1)
    with open_log(tmp_path / "usage.db") as log:
        # The customer wrote in English, then in Italian, in one conversation; an older
        # event without a language is its own row.
        log.record(
            [
                _logged(start, "en", "c1"),
                _logged(start + timedelta(minutes=5), "it", "c1"),
                _logged(start, None, "c2"),
            ]
        )
        kb = KnowledgeBase(example_kb.base, example_kb.embedder, example_kb.index, observers=[log])
        kb.feedback({"outcome": "wrong", "channel": "x", "conversation_id": "c1"})
        report = report_from_log(log, example_kb.base, location="x")
    assert [(r.key, r.total, r.wrong) for r in report.languages] == [
        ("en", 1, 0),
        ("it", 1, 1),
        ("not recorded", 1, 0),
    ]
