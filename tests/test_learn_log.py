"""The usage log from the library: every suggestion and outcome lands in the log, with
the right fields, in SQLite and in a real PostgreSQL server; a log that fails never
breaks a suggestion."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from replykb import KnowledgeBase, MessageError, UnknownNameError
from replykb.errors import UsageLogError
from replykb.learn import UsageLog, open_log
from replykb.learn.events import LoggedFeedback, LoggedSuggestion
from replykb.models import LogSettings
from replykb.triage_models import Feedback

from .conftest import SHOP_BASE


@pytest.fixture(params=["sqlite", "postgres"])
def log_url(request, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty log of each kind: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "usage.db")
    server = request.getfixturevalue("postgres_server")
    return str(server.new_database())


@pytest.fixture
def logged(shop_kb, log_url: str) -> Iterator[tuple[KnowledgeBase, UsageLog]]:  # type: ignore[no-untyped-def]
    with open_log(log_url) as log:
        yield KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log]), log


def test_a_suggestion_lands_with_its_fields(logged) -> None:  # type: ignore[no-untyped-def]
    kb, log = logged
    before = datetime.now(UTC)
    suggestion = kb.suggest(
        "my refund hasn't arrived yet, write to mario.rossi@example.com",
        channel="x",
        agent="paola",
        conversation_id="conv-1",
    )
    (row,) = log.suggestions()
    assert isinstance(row, LoggedSuggestion)
    assert before <= row.at <= datetime.now(UTC) and row.at.tzinfo is not None
    assert row.fingerprint == kb.base.fingerprint
    assert (row.channel, row.status, row.answer_id) == ("x", "confident", "refund-timing")
    assert row.status == suggestion.status and row.score == suggestion.match.score
    assert row.candidates == suggestion.match.candidates
    assert (row.conversation_id, row.agent) == ("conv-1", "paola")
    assert row.message == "my refund hasn't arrived yet, write to <email>"
    assert 0 < row.latency_ms < 60_000


def test_every_item_of_a_batch_lands_and_failures_do_not(logged) -> None:  # type: ignore[no-untyped-def]
    kb, log = logged
    items = [
        {"message": "my refund hasn't arrived yet", "channel": "x", "conversation_id": 7},
        {"message": "", "channel": "x"},  # an error row: no suggestion, no event
        {"message": "who won the football last night", "channel": "sms"},
        {"message": "I forgot my password", "channel": "email", "agent": "paola"},
    ]
    results = list(kb.suggest_many(items))
    rows = list(log.suggestions())
    assert [r.status for r in results] == ["confident", "error", "no_match", "confident"]
    assert [(r.channel, r.status, r.message) for r in rows] == [
        ("x", "confident", "my refund hasn't arrived yet"),
        ("sms", "no_match", "who won the football last night"),
        ("email", "confident", "I forgot my password"),
    ]
    assert rows[0].conversation_id == "7" and rows[2].agent == "paola"
    assert rows[1].answer_id is None and rows[1].candidates


def test_feedback_lands_with_its_fields(logged) -> None:  # type: ignore[no-untyped-def]
    kb, log = logged
    kb.feedback(Feedback(outcome="sent", channel="x", answer_id="refund-timing", source="api"))
    kb.feedback(
        {
            "outcome": "edited",
            "channel": "x",
            "answer_id": "refund-timing",
            "edited_text": "Refunds take 5 days; call us on +39 347 123 4567",
            "conversation_id": "c9",
            "agent": "paola",
            "source": "console",
            "message": "refund for order FH1234567?",
        }
    )
    kb.feedback(
        {
            "outcome": "wrong",
            "channel": "x",
            "answer_id": "refund-timing",
            "used_answer_id": "reset-password",
        }
    )
    kb.feedback({"outcome": "unused", "channel": "x"})
    rows = list(log.feedback())
    assert all(isinstance(r, LoggedFeedback) for r in rows)
    assert [r.outcome for r in rows] == ["sent", "edited", "wrong", "unused"]
    assert rows[0].source == "api" and rows[0].fingerprint == kb.base.fingerprint
    edited = rows[1]
    assert edited.edited_text == "Refunds take 5 days; call us on <phone>"
    assert edited.message == "refund for order <order>?"
    assert (edited.conversation_id, edited.agent, edited.source) == ("c9", "paola", "console")
    assert rows[2].used_answer_id == "reset-password"
    assert rows[3].answer_id is None


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"outcome": "edited", "channel": "x"}, MessageError, "needs `edited_text`"),
        ({"outcome": "fine", "channel": "x"}, MessageError, "must be one of sent, edited"),
        ({"outcome": "sent"}, MessageError, "no `channel`"),
        ({"outcome": "sent", "channel": "x", "answr_id": "a"}, MessageError, "unknown field"),
        ({"outcome": "sent", "channel": "telex"}, UnknownNameError, "unknown channel 'telex'"),
        ({"outcome": "sent", "channel": "x", "agent": "bob"}, UnknownNameError, "unknown agent"),
        (
            {"outcome": "sent", "channel": "x", "answer_id": "Refund Timing"},
            MessageError,
            "`answer_id` 'Refund Timing' is not an answer id",
        ),
        (
            {"outcome": "wrong", "channel": "x", "used_answer_id": ""},
            MessageError,
            "`used_answer_id` '' is not an answer id",
        ),
    ],
    ids=[
        "edited-no-text",
        "bad-outcome",
        "no-channel",
        "typo",
        "channel",
        "agent",
        "answer",
        "used",
    ],
)
def test_bad_feedback_is_refused_and_not_logged(shop_kb, tmp_path, fields, error, words) -> None:  # type: ignore[no-untyped-def]
    with open_log(tmp_path / "usage.db") as log:
        kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
        with pytest.raises(error, match=words):
            kb.feedback(fields)
        assert list(log.feedback()) == []


def test_load_takes_a_log_url_and_closes_what_it_opened(real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "usage.db"
    with KnowledgeBase.load(
        SHOP_BASE, cache_dir=tmp_path / "cache", embedder=real_embedder, log=f"sqlite:///{path}"
    ) as kb:
        assert kb.usage_log is not None and kb.records_feedback
        kb.suggest("I forgot my password", channel="email")
        kb.feedback({"outcome": "sent", "channel": "email", "answer_id": "reset-password"})
    with open_log(path, create=False) as log:
        assert [r.answer_id for r in log.suggestions()] == ["reset-password"]
        assert [r.outcome for r in log.feedback()] == ["sent"]


def test_load_shares_an_open_log_and_leaves_it_open(real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with open_log(tmp_path / "usage.db") as log:
        for _ in range(2):  # a server's reloads: one log for every KnowledgeBase
            kb = KnowledgeBase.load(
                SHOP_BASE, cache_dir=tmp_path / "cache", embedder=real_embedder, log=log
            )
            kb.suggest("I forgot my password", channel="email")
            kb.close()
        assert len(list(log.suggestions())) == 2


def test_no_log_unless_configured(real_embedder, write_base, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase.load(SHOP_BASE, cache_dir=tmp_path / "c", embedder=real_embedder)
    assert kb.usage_log is None and not kb.records_feedback
    assert kb.feedback({"outcome": "unused", "channel": "x"}).outcome == "unused"


def test_the_bases_log_setting_is_relative_to_the_base(real_embedder, write_base, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import MINIMAL_ANSWER, MINIMAL_SETTINGS

    root = write_base(
        {
            "replykb.yaml": MINIMAL_SETTINGS + "log:\n  url: logs/usage.db\n  keep_text: false\n",
            "refund.yaml": MINIMAL_ANSWER,
        }
    )
    (root / "logs").mkdir()
    with KnowledgeBase.load(root, cache_dir=tmp_path / "c", embedder=real_embedder) as kb:
        kb.suggest("when do I get my refund", channel="x")
        assert kb.usage_log is not None and kb.usage_log.location == str(root / "logs/usage.db")
    with KnowledgeBase.load(
        root, cache_dir=tmp_path / "c", embedder=real_embedder, log=False
    ) as kb:
        assert kb.usage_log is None
    with open_log(root / "logs/usage.db", create=False) as log:
        (row,) = log.suggestions()
        assert row.answer_id == "refund" and row.message is None


def test_log_settings_typos_get_a_did_you_mean(write_base) -> None:  # type: ignore[no-untyped-def]
    from replykb import AnswerBaseError, load_answer_base

    from .conftest import MINIMAL_ANSWER, MINIMAL_SETTINGS

    root = write_base(
        {
            "replykb.yaml": MINIMAL_SETTINGS + "log:\n  url: u.db\n  retention_day: 30\n",
            "refund.yaml": MINIMAL_ANSWER,
        }
    )
    with pytest.raises(AnswerBaseError) as caught:
        load_answer_base(root)
    assert "replykb.yaml:12" in str(caught.value)
    assert "unknown key `retention_day`; did you mean `retention_days`?" in str(caught.value)


def test_log_settings_refuse_a_bad_mask_pattern() -> None:
    with pytest.raises(ValueError, match="is not a regular expression"):
        LogSettings.model_validate({"mask": {"order": ["FH(\\d{7}"]}})
    assert LogSettings.model_validate("usage.db").url == "usage.db"


def test_a_failing_log_never_breaks_a_suggestion(shop_kb, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    log = open_log(tmp_path / "usage.db")
    kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
    plain = shop_kb.suggest("my refund hasn't arrived yet", channel="x")
    log._store._connection.close()  # the store's connection gone under it: every write fails
    with caplog.at_level(logging.ERROR, logger="replykb.learn.log"):
        suggestion = kb.suggest("my refund hasn't arrived yet", channel="x")
        kb.feedback({"outcome": "sent", "channel": "x", "answer_id": "refund-timing"})
        log.flush()
    assert suggestion.model_dump() == plain.model_dump()
    assert any(
        f"usage log {tmp_path / 'usage.db'}: cannot write" in r.getMessage() for r in caplog.records
    )
    assert log.dropped >= 1


def test_a_log_that_cannot_open_is_an_error_naming_it(real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no-such-folder" / "usage.db"
    with pytest.raises(UsageLogError, match=f"usage log {missing}: the folder .* does not exist"):
        KnowledgeBase.load(SHOP_BASE, cache_dir=tmp_path / "c", embedder=real_embedder, log=missing)
    with pytest.raises(UsageLogError, match="unknown kind of log; use a path, sqlite:///"):
        open_log("mysql://db/usage")


def test_reading_since_a_time(logged) -> None:  # type: ignore[no-untyped-def]
    kb, log = logged
    old = datetime.now(UTC) - timedelta(days=3)
    row = LoggedSuggestion(
        at=old,
        fingerprint="f",
        channel="x",
        status="no_match",
        answer_id=None,
        score=0.1,
        candidates=[],
        latency_ms=1.0,
        message="old one",
    )
    log.record([row])
    kb.suggest("I forgot my password", channel="email")
    assert [r.message for r in log.suggestions()] == ["old one", "I forgot my password"]
    assert [r.message for r in log.suggestions(since=old + timedelta(days=1))] == [
        "I forgot my password"
    ]
    with pytest.raises(UsageLogError, match="`since` needs a time zone"):
        list(log.suggestions(since=datetime(2026, 1, 1)))


class _OutcomesOnly:
    def __init__(self) -> None:
        self.events: list[object] = []

    def on_feedback(self, event) -> None:  # type: ignore[no-untyped-def]
        self.events.append(event)


class _SuggestionsOnly:
    def __init__(self) -> None:
        self.events: list[object] = []

    def on_suggest(self, event) -> None:  # type: ignore[no-untyped-def]
        self.events.append(event)


class _Broken:
    def on_feedback(self, event) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("the metrics backend is down")


def test_observers_need_one_of_the_two_methods(shop_kb, caplog) -> None:  # type: ignore[no-untyped-def]
    outcomes, suggestions = _OutcomesOnly(), _SuggestionsOnly()
    kb = KnowledgeBase(
        shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[_Broken(), outcomes, suggestions]
    )
    assert kb.records_feedback
    kb.suggest("I forgot my password", channel="email")
    with caplog.at_level(logging.ERROR, logger="replykb.kb"):
        returned = kb.feedback(
            {"outcome": "sent", "channel": "email", "answer_id": "reset-password"}
        )
    assert len(suggestions.events) == 1 and len(outcomes.events) == 1
    (event,) = outcomes.events
    assert event.feedback == returned and event.fingerprint == kb.base.fingerprint  # type: ignore[attr-defined]
    assert "failed on an outcome and was skipped: RuntimeError" in caplog.text
    with pytest.raises(TypeError, match=r"on_suggest\(event\) method, an on_feedback\(event\)"):
        kb.add_observer(object())  # type: ignore[arg-type]
    assert not KnowledgeBase(
        shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[suggestions]
    ).records_feedback


def test_a_postgres_log_whose_database_goes_away_never_breaks_a_suggestion(  # type: ignore[no-untyped-def]
    shop_kb, postgres_server, caplog
) -> None:
    import psycopg

    url = postgres_server.new_database()
    name = url.rsplit("/", 1)[1]
    log = open_log(url)
    kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
    plain = shop_kb.suggest("my refund hasn't arrived yet", channel="x")
    with psycopg.connect(postgres_server.url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())  # the writer's too
    with caplog.at_level(logging.ERROR, logger="replykb.learn.log"):
        suggestion = kb.suggest("my refund hasn't arrived yet", channel="x")
        log.flush()
    assert suggestion.model_dump() == plain.model_dump()
    assert log.dropped == 1
    assert f"usage log {url}: 1 event lost (1 in all since it opened)" in caplog.text
    log.close()


def test_an_outcome_for_an_answer_a_reload_removed_is_recorded(shop_kb, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The agent looked at `old-refunds`, a reload removed it, then they reported what
    they did: the outcome is kept (not a 422), and the report names the id as not in
    the base."""
    import json

    from click.testing import CliRunner

    from replykb.cli import cli
    from tests.conftest import SHOP_BASE

    path = tmp_path / "usage.db"
    with open_log(path) as log:
        kb = KnowledgeBase(shop_kb.base, shop_kb.embedder, shop_kb.index, observers=[log])
        checked = kb.feedback(
            {
                "outcome": "wrong",
                "channel": "x",
                "answer_id": "old-refunds",
                "used_answer_id": "refund-timing",
            }
        )
        assert checked.answer_id == "old-refunds"
        assert [(r.outcome, r.answer_id) for r in log.feedback()] == [("wrong", "old-refunds")]
    result = CliRunner().invoke(
        cli, ["usage", "--kb", str(SHOP_BASE), "--log", str(path), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["feedback"]["wrong"] == 1
    assert "feedback names 1 answer(s) not in the base: old-refunds" in report["notes"]
