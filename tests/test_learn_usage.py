"""``replykb usage`` on a real SQLite usage log with known events: exact counts, rates,
the typical and repeated edits, the unused answers, the rows per day, channel and
version; text, JSON and HTML that agree; one-line errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.cli import cli
from replykb.learn import open_log
from replykb.learn.events import LoggedFeedback, LoggedSuggestion
from replykb.learn.usage import report_from_log
from replykb.learn.usage_html import render_html
from replykb.learn.usage_models import UsageReport
from replykb.learn.usage_text import render_text
from replykb.loader import load_answer_base
from replykb.models import Customer
from replykb.render import Renderer
from tests.conftest import SHOP_BASE

NOW = datetime(2026, 11, 23, tzinfo=UTC)
DAY1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY3 = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


def _suggestion(
    at: datetime,
    channel: str,
    status: str,
    answer_id: str | None,
    candidates: list[tuple[str, float]] | None = None,
    fingerprint: str = "v1",
) -> LoggedSuggestion:
    candidates = candidates or ([(answer_id, 0.8)] if answer_id else [])
    return LoggedSuggestion(
        at=at,
        fingerprint=fingerprint,
        channel=channel,
        status=status,  # type: ignore[arg-type]
        answer_id=answer_id,
        score=candidates[0][1] if candidates else None,
        candidates=candidates,
        latency_ms=4.0,
    )


def _sent_reply(channel: str, agent: str, conversation: str, customer: str) -> str:
    """The reply an agent was given for refund-timing, as the console shows it."""
    base = load_answer_base(SHOP_BASE)
    return (
        Renderer.for_base(base)
        .render(
            base.answer("refund-timing"),
            channel=channel,
            agent=agent,
            customer=Customer(name=customer),
            conversation_id=conversation,
        )
        .text
    )


def _feedback(outcome: str, answer_id: str | None, **fields: object) -> LoggedFeedback:
    fields.setdefault("channel", "x")
    return LoggedFeedback(
        at=DAY1 + timedelta(hours=1), outcome=outcome, answer_id=answer_id, **fields
    )  # type: ignore[arg-type]


TEN_DAYS_X = _sent_reply("x", "paola", "c2", "Mario").replace("5 working days", "10 working days")
TEN_DAYS_EMAIL = _sent_reply("email", "dev", "c3", "Anna Bell").replace(
    "5 working days", "10 working days"
)
OFTEN_SOONER = _sent_reply("x", "paola", "c4", "Luca").replace(
    "of approval.", "of approval, often sooner."
)
ONLY_THE_NAME = _sent_reply("x", "paola", "c5", "Giulia")

SUGGESTIONS = [
    # Day 1, base version v1: x 3 confident + 1 no match; e-mail 1 confident, 1 ambiguous
    # offering where-is-my-order and refund-timing (0.59 is within the 0.02 margin).
    *(_suggestion(DAY1, "x", "confident", "refund-timing") for _ in range(3)),
    _suggestion(DAY1, "x", "no_match", None),
    _suggestion(DAY1, "email", "confident", "reset-password"),
    _suggestion(
        DAY1,
        "email",
        "ambiguous",
        "where-is-my-order",
        [("where-is-my-order", 0.6), ("refund-timing", 0.59), ("reset-password", 0.3)],
    ),
    # Day 2: nothing. Day 3, version v2: x 1 no match + 1 confident; sms 1 ambiguous whose
    # runner-up is outside the margin (only refund-timing offered).
    _suggestion(DAY3, "x", "no_match", None, fingerprint="v2"),
    _suggestion(DAY3, "x", "confident", "refund-timing", fingerprint="v2"),
    _suggestion(
        DAY3,
        "sms",
        "ambiguous",
        "refund-timing",
        [("refund-timing", 0.7), ("where-is-my-order", 0.65)],
        fingerprint="v2",
    ),
]
FEEDBACK = [
    _feedback("sent", "refund-timing", agent="paola", conversation_id="c1"),
    _feedback(
        "edited", "refund-timing", agent="paola", conversation_id="c2", edited_text=TEN_DAYS_X
    ),
    _feedback(
        "edited",
        "refund-timing",
        channel="email",
        agent="dev",
        conversation_id="c3",
        edited_text=TEN_DAYS_EMAIL,
    ),
    _feedback(
        "edited", "refund-timing", agent="paola", conversation_id="c4", edited_text=OFTEN_SOONER
    ),
    _feedback(
        "edited", "refund-timing", agent="paola", conversation_id="c5", edited_text=ONLY_THE_NAME
    ),
    _feedback("wrong", "refund-timing", used_answer_id="where-is-my-order"),
    _feedback("wrong", "refund-timing"),
    _feedback("unused", "refund-timing", used_answer_id="where-is-my-order"),
    _feedback("sent", "where-is-my-order", channel="email"),
    _feedback("unused", None, used_answer_id="reset-password"),
]


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("usage") / "usage.db"
    with open_log(path) as log:
        log.record([*SUGGESTIONS, *FEEDBACK])
    return path


@pytest.fixture(scope="module")
def report(log_path: Path) -> UsageReport:
    with open_log(log_path) as log:
        return report_from_log(
            log, load_answer_base(SHOP_BASE), location=str(log_path), until=NOW, unused_days=2
        )


def test_counts_per_answer(report: UsageReport) -> None:
    rows = {row.answer_id: row for row in report.answers}
    assert list(rows) == ["refund-timing", "reset-password", "where-is-my-order"]
    refund = rows["refund-timing"]
    assert (refund.suggested, refund.confident, refund.ambiguous) == (6, 4, 2)
    assert refund.outcomes is not None
    outcomes = refund.outcomes
    assert (outcomes.feedback, outcomes.sent, outcomes.edited) == (8, 1, 4)
    assert (outcomes.wrong, outcomes.unused, outcomes.rejected) == (2, 1, 3)
    assert [(u.answer_id, u.count) for u in outcomes.used_instead] == [
        ("where-is-my-order", 2),
        (None, 1),
    ]
    order = rows["where-is-my-order"]
    assert (order.suggested, order.confident, order.ambiguous, order.chosen_instead) == (1, 0, 1, 2)
    assert order.outcomes is not None and order.outcomes.sent == 1
    password = rows["reset-password"]
    assert (password.suggested, password.chosen_instead) == (1, 1)
    assert report.feedback == {"total": 10, "sent": 2, "edited": 4, "wrong": 2, "unused": 2}
    assert refund.last_suggested == DAY3


def test_totals_and_rates_per_channel(report: UsageReport) -> None:
    totals = report.totals
    assert (totals.total, totals.confident, totals.ambiguous, totals.no_match) == (9, 5, 2, 2)
    assert totals.no_match_rate == pytest.approx(2 / 9)
    channels = {row.key: row for row in report.channels}
    assert list(channels) == ["x", "email", "sms"]  # most messages first
    x, email, sms = channels["x"], channels["email"], channels["sms"]
    assert (x.total, x.confident, x.ambiguous, x.no_match) == (6, 4, 0, 2)
    assert x.no_match_rate == pytest.approx(1 / 3) and x.ambiguous_rate == 0
    assert (email.total, email.confident, email.ambiguous, email.no_match_rate) == (2, 1, 1, 0)
    assert email.ambiguous_rate == 0.5
    assert (sms.total, sms.ambiguous_rate, sms.no_match_rate) == (1, 1.0, 0)


def test_rows_per_day_include_the_days_without_messages(report: UsageReport) -> None:
    days = [(r.key, r.total, r.confident, r.ambiguous, r.no_match) for r in report.days]
    assert days == [
        ("2026-11-20", 6, 4, 1, 1),
        ("2026-11-21", 0, 0, 0, 0),
        ("2026-11-22", 3, 1, 1, 1),
    ]
    assert report.days[1].no_match_rate is None
    assert report.days[0].no_match_rate == pytest.approx(1 / 6)
    assert report.days[2].no_match_rate == pytest.approx(1 / 3)


def test_rows_per_version_show_the_no_match_rate_of_each_base(report: UsageReport) -> None:
    versions = [(v.key, v.total, v.no_match, v.first_at, v.last_at) for v in report.versions]
    assert versions == [("v1", 6, 1, DAY1, DAY1), ("v2", 3, 1, DAY3, DAY3)]


def test_unused_answers_in_the_last_n_days(report: UsageReport, log_path: Path) -> None:
    # Two days up to Nov 23 00:00: only refund-timing was suggested (on Nov 22).
    assert [(u.answer_id, u.last_suggested) for u in report.unused] == [
        ("reset-password", DAY1),
        ("where-is-my-order", DAY1),
    ]
    assert report.unused[0].owner == "account-team"
    assert report.unused[0].file == "account/reset-password.yaml"
    with open_log(log_path) as log:
        wider = report_from_log(
            log, load_answer_base(SHOP_BASE), location="x", until=NOW, unused_days=5
        )
    assert wider.unused == []


def test_the_typical_edit_is_the_most_common_change(report: UsageReport) -> None:
    outcomes = {row.answer_id: row.outcomes for row in report.answers}["refund-timing"]
    assert outcomes is not None and outcomes.typical_edit is not None
    edit = outcomes.typical_edit
    assert edit.change == "[-5-] {+10+}"
    assert (edit.count, edit.agents, edit.conversations) == (2, 2, 2)
    assert edit.text == min(" ".join(t.split()) for t in (TEN_DAYS_X, TEN_DAYS_EMAIL))
    assert edit.against == "reply"
    removed = [part.text for part in edit.diff if part.op == "delete"]
    added = [part.text for part in edit.diff if part.op == "insert"]
    assert "5" in removed and "10" in added


def test_repeated_edits_are_the_same_change_by_several_agents(report: UsageReport) -> None:
    assert report.repeated_edits is not None
    assert [
        (r.answer_id, r.change, r.count, r.agents, r.conversations) for r in report.repeated_edits
    ] == [("refund-timing", "[-5-] {+10+}", 2, ["dev", "paola"], 2)]


def test_one_agent_making_the_same_change_in_two_conversations_repeats_it(tmp_path: Path) -> None:
    text = OFTEN_SOONER
    with open_log(tmp_path / "usage.db") as log:
        log.record(
            [
                _feedback(
                    "edited", "refund-timing", agent="paola", conversation_id=c, edited_text=text
                )
                for c in ("c4", "c9")
            ]
        )
        result = report_from_log(log, load_answer_base(SHOP_BASE), location="x", until=NOW)
    assert result.repeated_edits is not None
    assert [(r.change, r.count, r.agents, r.conversations) for r in result.repeated_edits] == [
        ("{+often sooner+}", 2, ["paola"], 2)
    ]


@pytest.mark.parametrize(
    ("since", "total"),
    [("2", 3), ("2d", 3), ("3", 9), ("2026-11-21", 3), ("2026-11-22T15:30:00Z", 3), ("0", 0)],
)
def test_since_on_the_command_line(log_path: Path, since: str, total: int) -> None:
    code, out, err = _usage(log_path, "--since", since, "--json")
    assert code == 0, err
    assert json.loads(out)["totals"]["total"] == total


def test_since_keeps_later_events_and_still_sees_the_unused_window(log_path: Path) -> None:
    with open_log(log_path) as log:
        later = report_from_log(
            log,
            load_answer_base(SHOP_BASE),
            location="x",
            since=datetime(2026, 11, 21, tzinfo=UTC),
            until=NOW,
            unused_days=30,
        )
    assert later.totals.total == 3
    assert [d.key for d in later.days] == ["2026-11-22"]
    assert later.feedback is not None and later.feedback["total"] == 0  # all on day 1
    assert later.unused == []  # suggested on day 1, within 30 days


# --- the command -------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args])
    return result.exit_code, result.stdout, result.stderr


def _usage(log_path: Path, *more: str) -> tuple[int, str, str]:
    return _run(
        "usage",
        "--kb",
        str(SHOP_BASE),
        "--log",
        str(log_path),
        "--now",
        "2026-11-23T00:00:00Z",
        "--unused-days",
        "2",
        *more,
    )


class _Tables(HTMLParser):
    """The tables of a page by id, as rows of cell texts; and the SVG elements seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.svg = 0
        self.rects = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "svg":
            self.svg += 1
        elif tag == "rect":
            self.rects += 1
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    parser.close()
    return parser


def test_json_text_and_html_agree(log_path: Path, tmp_path: Path, report: UsageReport) -> None:
    code, out, _ = _usage(log_path, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["totals"]["total"] == 9
    assert UsageReport.model_validate(data).answers == report.answers

    code, text, err = _usage(log_path, "--html", str(tmp_path / "usage.html"))
    assert code == 0 and "usage.html" in err
    page = (tmp_path / "usage.html").read_text(encoding="utf-8")
    tables = _parse(page).tables

    # Days: the same numbers in the three outputs.
    html_days = [row for row in tables["days"][1:]]
    text_days = [line.split() for line in _section(text, "By day (UTC)")[1:]]
    for row, html_row, text_row in zip(data["days"], html_days, text_days, strict=True):
        expected = [row["key"], row["total"], row["confident"], row["ambiguous"], row["no_match"]]
        assert html_row[:5] == [str(v) for v in expected]
        assert text_row[:5] == [str(v) for v in expected]
        rate = "-" if row["no_match_rate"] is None else f"{row['no_match_rate'] * 100:.1f}%"
        assert html_row[5] == text_row[5] == rate
    # Answers: suggested, sent, edited, wrong, unused, rejected.
    html_answers = {row[0]: row for row in tables["answers"][1:]}
    text_answers = {line.split()[0]: line.split() for line in _section(text, "Answers")[1:]}
    for answer in data["answers"]:
        o = answer["outcomes"]
        numbers = [answer["suggested"], answer["confident"], answer["ambiguous"]]
        numbers += [o["sent"], o["edited"], o["wrong"], o["unused"], o["rejected"]]
        assert html_answers[answer["answer_id"]][2:10] == [str(n) for n in numbers]
        assert text_answers[answer["answer_id"]][1:9] == [str(n) for n in numbers]
    # Unused answers and channels.
    assert [row[0] for row in tables["unused"][1:]] == [u["answer_id"] for u in data["unused"]]
    assert [line.split()[0] for line in _section(text, "Not suggested")[1:]] == [
        u["answer_id"] for u in data["unused"]
    ]
    assert [row[:2] for row in tables["channels"][1:]] == [
        [c["key"], str(c["total"])] for c in data["channels"]
    ]
    assert [row[:2] for row in tables["repeated-edits"][1:]] == [["refund-timing", "2"]]
    assert "[-5-] {+10+}" in text


def _section(text: str, title: str) -> list[str]:
    """The lines of a text section, from its header row to the blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    body = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        body.append(line)
    return body


def test_the_text_report_is_aligned(log_path: Path) -> None:
    _, text, _ = _usage(log_path)
    rows = _section(text, "By channel")
    header = rows[0]
    # Numbers are right-aligned under their header: every row ends where the header does.
    assert {len(row) for row in rows} == {len(header)}
    assert re.match(r"CHANNEL\s+MESSAGES\s+CONFIDENT", header)


def test_the_html_report_is_self_contained_parses_and_has_charts(log_path: Path) -> None:
    code, page, _ = _usage(log_path, "--html", "-")
    assert code == 0
    parsed = _parse(page)
    assert parsed.svg >= 3 and parsed.rects > 0
    assert parsed.scripts == 0
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from elsewhere
    assert {"totals", "answers", "days", "channels", "versions", "unused"} <= set(parsed.tables)


def test_html_escapes_every_text_from_the_log(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script> & <img src=x onerror=alert(2)> \x1b[2J\u202egnp.exe"
    with open_log(tmp_path / "usage.db") as log:
        log.record(
            [
                _suggestion(DAY1, "x", "confident", "refund-timing"),
                _feedback(
                    "edited",
                    "refund-timing",
                    agent="paola",
                    conversation_id="c1",
                    edited_text=hostile,
                ),
                _feedback(
                    "edited",
                    "refund-timing",
                    agent="dev",
                    conversation_id="c2",
                    edited_text=hostile,
                ),
            ]
        )
        result = report_from_log(log, load_answer_base(SHOP_BASE), location="<b>log</b>", until=NOW)
    page = render_html(result)
    assert "<script>" not in page and "<img" not in page and "<b>log" not in page
    assert "&lt;script&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page
    text = render_text(result)
    assert "<script>alert(1)</script>" in text  # the terminal shows it as written...
    # ...but for an escape sequence (clear the screen) or a right-to-left override.
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2J\\u202egnp.exe" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log", "{missing}"], "nope.db: no usage log there"),
        (["--log", "{folder}"], "is a folder; name a file in it"),
        (["--log", "{log}", "--now", "2026-11-23T00:00:00"], "has no time zone"),
        (["--log", "{log}", "--now", "tomorrow"], "is not an ISO 8601 time"),
        (["--log", "{log}", "--input", "{log}"], "give --log or --input, not both"),
        (["--input", "{missing}"], "no such file"),
        (["--log", "{log}", "--html", "{folder}"], "is a folder"),
        (["--log", "{log}", "--html", "{log}"], "the report was read from"),
        (["--input", "{log}", "--html", "{log}"], "the report was read from"),
        (["--log", "{log}", "--html", "{nofolder}/r.html"], "does not exist"),
        ([], "sets no usage log"),
        (["--log", "mysql://db/usage"], "unknown kind of log"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    args: list[str], message: str, log_path: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    open_log(empty).close()
    paths = {
        "missing": str(tmp_path / "nope.db"),
        "folder": str(tmp_path),
        "empty": str(empty),
        "log": str(log_path),
        "nofolder": str(tmp_path / "no" / "such"),
    }
    code, out, err = _run("usage", "--kb", str(SHOP_BASE), *(a.format(**paths) for a in args))
    assert code == 2, out + err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("replykb: error: ")
    assert message in err
    assert not (tmp_path / "nope.db").exists()  # reading never creates a log


def test_the_log_named_in_the_base_is_read(tmp_path: Path, write_base, log_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    root = Path(shutil.copytree(SHOP_BASE, tmp_path / "shop"))
    settings = root / "replykb.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "log: usage.db\n", encoding="utf-8")
    shutil.copy(log_path, root / "usage.db")
    code, out, err = _run("usage", "--kb", str(root), "--json", "--now", "2026-11-23T00:00:00Z")
    assert code == 0, err
    assert json.loads(out)["totals"]["total"] == 9


def test_events_from_the_library_are_reported(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from replykb import KnowledgeBase

    with open_log(tmp_path / "usage.db") as log:
        kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
        refund = kb.suggest(
            "when will I get my refund?", channel="x", agent="paola", conversation_id="k1"
        )
        offtopic = kb.suggest("who won the football last night", channel="sms")
        assert (refund.status, offtopic.status) == ("confident", "no_match")
        assert refund.reply is not None
        edited = refund.reply.text.replace("5 working days", "7 working days")
        kb.feedback(
            {
                "outcome": "edited",
                "channel": "x",
                "answer_id": "refund-timing",
                "agent": "paola",
                "conversation_id": "k1",
                "edited_text": edited,
            }
        )
        kb.feedback({"outcome": "unused", "channel": "sms"})
        result = report_from_log(log, kb.base, location="x")
    assert (result.totals.total, result.totals.confident, result.totals.no_match) == (2, 1, 1)
    assert [(c.key, c.no_match) for c in result.channels] == [("sms", 1), ("x", 0)]
    refund_row = result.answers[0]
    assert refund_row.answer_id == "refund-timing" and refund_row.confident == 1
    assert refund_row.outcomes is not None and refund_row.outcomes.typical_edit is not None
    assert refund_row.outcomes.typical_edit.change == "[-5-] {+7+}"
    assert result.versions[0].key == kb.base.fingerprint


def test_a_postgresql_log_gives_the_same_report(postgres_server, report: UsageReport) -> None:  # type: ignore[no-untyped-def]
    url = postgres_server.new_database()
    with open_log(url) as log:
        log.record([*SUGGESTIONS, *FEEDBACK])
    code, out, err = _run(
        "usage",
        "--kb",
        str(SHOP_BASE),
        "--log",
        url,
        "--now",
        "2026-11-23T00:00:00Z",
        "--unused-days",
        "2",
        "--json",
    )
    assert code == 0, err
    from_postgres = UsageReport.model_validate_json(out)
    assert from_postgres.model_copy(update={"location": ""}) == report.model_copy(
        update={"location": ""}
    )


def test_the_same_log_and_end_give_the_same_report_byte_for_byte(log_path: Path) -> None:
    runs = [_usage(log_path, "--json")[1] for _ in range(2)]
    assert runs[0] == runs[1]
    texts = [_usage(log_path)[1] for _ in range(2)]
    assert texts[0] == texts[1]


def test_an_answer_gone_from_the_base_is_reported_as_such(tmp_path: Path) -> None:
    with open_log(tmp_path / "usage.db") as log:
        log.record(
            [
                _suggestion(DAY1, "x", "confident", "old-answer"),
                _feedback(
                    "edited",
                    "old-answer",
                    agent="paola",
                    conversation_id="c1",
                    edited_text="Hi! Gone.",
                ),
                _feedback(
                    "edited", "old-answer", agent="dev", conversation_id="c2", edited_text="hi gone"
                ),
            ]
        )
        result = report_from_log(log, load_answer_base(SHOP_BASE), location="x", until=NOW)
    row = {r.answer_id: r for r in result.answers}["old-answer"]
    assert (row.in_base, row.suggested, row.title) == (False, 1, None)
    assert row.outcomes is not None and row.outcomes.typical_edit is not None
    edit = row.outcomes.typical_edit
    assert (edit.count, edit.against, edit.diff, edit.change) == (2, None, [], "{+hi gone+}")
    assert "feedback names 1 answer(s) not in the base: old-answer" in result.notes
    assert "old-answer (not in base)" in render_text(result)


def test_a_log_that_keeps_no_text_still_counts_the_edits(tmp_path: Path) -> None:
    from replykb.models import LogSettings

    with open_log(tmp_path / "usage.db", settings=LogSettings(keep_text=False)) as log:
        log.record([*SUGGESTIONS, *FEEDBACK])
        result = report_from_log(log, load_answer_base(SHOP_BASE), location="x", until=NOW)
    refund = {r.answer_id: r for r in result.answers}["refund-timing"]
    assert refund.outcomes is not None
    assert (refund.outcomes.edited, refund.outcomes.typical_edit) == (4, None)
    assert result.repeated_edits == []
    assert "10 working days" not in render_html(result) + render_text(result)  # no text


def test_the_html_file_through_a_link_and_onto_a_device(log_path: Path, tmp_path: Path) -> None:
    real, link = tmp_path / "real.html", tmp_path / "link.html"
    real.write_text("old", encoding="utf-8")
    link.symlink_to(real)
    code, _, err = _usage(log_path, "--html", str(link), "-q")
    assert code == 0 and err == ""
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # A device is written to, never replaced by a file (this runs as root in CI).
    code, _, err = _usage(log_path, "--html", "/dev/full")
    assert code == 2 and "/dev/full: cannot write the report (No space left on device)" in err
    assert not Path("/dev/full").is_file()


def test_reading_a_log_deletes_nothing_past_the_bases_retention(tmp_path: Path) -> None:
    import shutil

    root = Path(shutil.copytree(SHOP_BASE, tmp_path / "shop"))
    settings = root / "replykb.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "log: {url: usage.db, retention_days: 1}\n",
        encoding="utf-8",
    )
    with open_log(root / "usage.db", settings=None) as log:
        log.record(SUGGESTIONS)  # all older than a day
    for _ in range(2):
        code, out, err = _run("usage", "--kb", str(root), "--json", "--now", "2026-11-23T00:00:00Z")
        assert code == 0, err
        assert json.loads(out)["totals"]["total"] == 9


def test_events_after_the_reports_end_are_left_out(tmp_path: Path) -> None:
    """--now is the report's end: a no_match and a feedback after it are not counted (R1)."""
    log_path = tmp_path / "u.db"
    after = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    with open_log(log_path) as log:
        log.record(
            [
                _suggestion(DAY1, "x", "no_match", None),
                _suggestion(after, "x", "no_match", None),
                LoggedFeedback(at=DAY1, outcome="unused", answer_id=None, channel="x"),
                LoggedFeedback(at=after, outcome="wrong", answer_id="refund-timing", channel="x"),
            ]
        )
    code, out, err = _run(
        "usage", "--kb", str(SHOP_BASE), "--log", str(log_path), "--json",
        "--now", "2026-11-23T00:00:00Z", "--since", "7",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["period"]["until"].startswith("2026-11-23T00:00:00")
    assert report["totals"]["total"] == 1 and report["totals"]["no_match"] == 1
    assert report["period"]["last_event"].startswith("2026-11-20T09:00:00")
    assert report["feedback"]["total"] == 1 and report["feedback"]["unused"] == 1
    assert "2 event(s) after the report's end 2026-11-23 00:00 UTC left out" in report["notes"]


@pytest.mark.parametrize(
    ("since", "start"),
    [
        ("7", "2026-11-16T00:00:00+00:00"),
        ("7d", "2026-11-16T00:00:00+00:00"),
        (" 7 d ", "2026-11-16T00:00:00+00:00"),
        ("2026-11-01", "2026-11-01T00:00:00+00:00"),
        ("2026-11-01T09:00:00+01:00", "2026-11-01T08:00:00+00:00"),
        ("2026-11-01T09:00", "2026-11-01T09:00:00+00:00"),
    ],
)
def test_one_since_parser_for_the_commands_that_read_the_log(since: str, start: str) -> None:
    """`--since` is read by one parser (cli/_common.SINCE): days count back from the end."""
    from replykb.cli._common import SINCE

    assert SINCE.convert(since, None, None).start(NOW).isoformat() == start


@pytest.mark.parametrize("since", ["last week", "2026-02-30", "-3"])
def test_a_bad_since_is_refused_with_the_forms_it_takes(log_path: Path, since: str) -> None:
    code, out, err = _usage(log_path, "--since", since)
    assert code == 2 and out == ""
    assert f"Invalid value for '--since': {since!r}: give a number of days (7 or 7d)" in err


def test_feedback_event_names_one_class_the_kbs_event() -> None:
    """The report's protocol for an outcome row is OutcomeRow; FeedbackEvent is only
    the knowledge base's event (an import of the wrong one type-checks but misleads)."""
    import importlib
    import pkgutil

    import replykb.learn
    from replykb.triage_models import FeedbackEvent

    for module in pkgutil.iter_modules(replykb.learn.__path__):
        if module.name.startswith("usage"):
            loaded = importlib.import_module(f"replykb.learn.{module.name}")
            assert getattr(loaded, "FeedbackEvent", FeedbackEvent) is FeedbackEvent, module.name
    from replykb.learn.usage import OutcomeRow

    assert OutcomeRow.__name__ == "OutcomeRow"


@pytest.mark.parametrize(
    ("args", "note"),
    [
        ([], "the usage log holds no events; is it the log the server writes?"),
        (["--since", "2027-01-01"], "holds no events since 2027-01-01 00:00 UTC; try an earlier"),
    ],
)
def test_a_log_without_events_is_an_empty_report_not_an_error(
    tmp_path: Path, args: list[str], note: str
) -> None:
    """A freshly deployed server's log: a cron'd `replykb usage --html` exits 0 (A1)."""
    empty = tmp_path / "empty.db"
    open_log(empty).close()
    page = tmp_path / "usage.html"
    code, out, err = _usage(empty, "--html", str(page), *args)
    assert code == 0, err
    assert "Messages: 0" in out and note in out
    assert err.startswith(f"replykb: warning: {empty}: ") and note in err
    assert note in page.read_text(encoding="utf-8")
    code, out, err = _usage(empty, "--json", *args)
    assert code == 0 and note in json.loads(out)["notes"][0]


@pytest.mark.parametrize("command", ["usage", "gaps"])
def test_usage_and_gaps_read_since_alike(command: str, log_path: Path) -> None:
    """One parser for both commands: the same forms, the same refusal."""
    result = CliRunner().invoke(cli, [command, "--log", str(log_path), "--since", "last week"])
    assert result.exit_code == 2
    assert (
        "Invalid value for '--since': 'last week': give a number of days (7 or 7d), a date "
        "(2026-11-01) or an ISO 8601 time (2026-11-01T09:00:00Z)"
    ) in result.stderr
