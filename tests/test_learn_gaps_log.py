"""`replykb gaps --log`: the gaps come from a real SQLite usage log written by the
triage core (suggestions that found no answer, outcomes an agent reported), masked by
the log, each message once; a log that keeps no text gives nothing to draft."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from replykb import KnowledgeBase
from replykb.cli import cli
from replykb.learn import open_log
from replykb.learn.events import LoggedFeedback, LoggedSuggestion
from replykb.learn.gaps import gaps_from_log, gaps_from_records
from replykb.models import LogSettings

from .test_learn_gaps import ANSWERED, GIFT, PASSWORD, PICKUP, REFUND, REJECTED, SETTINGS

# An outcome that carries its own message (no suggestion was logged for it).
UNLOGGED = "do you deliver to Norway"


def write_base(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "replykb.yaml").write_text(SETTINGS, encoding="utf-8")
    (root / "refund.yaml").write_text(REFUND, encoding="utf-8")
    (root / "password.yaml").write_text(PASSWORD, encoding="utf-8")
    return root


def fill(kb: KnowledgeBase) -> None:
    for message, conversation in PICKUP + GIFT + ANSWERED:
        kb.suggest(message, channel="chat", conversation_id=conversation)
    for message, conversation in REJECTED:
        suggestion = kb.suggest(message, channel="chat", conversation_id=conversation)
        kb.feedback(
            {
                "outcome": "wrong",
                "channel": "chat",
                "conversation_id": conversation,
                "answer_id": suggestion.match.candidates[0][0],
                "used_answer_id": "refund",
            }
        )
    kb.feedback({"outcome": "unused", "channel": "chat", "message": UNLOGGED})


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("gaps-log")
    root = write_base(work / "base")
    paths = {"root": root}
    for name, keep in (("usage.db", True), ("notext.db", False)):
        log = open_log(work / name, settings=LogSettings(keep_text=keep))
        kb = KnowledgeBase.load(root, cache_dir=work / "cache", embedder=real_embedder, log=log)
        fill(kb)
        assert log.flush()
        log.close()
        paths[name] = work / name
    return paths


def test_the_log_gives_each_gap_once_masked(logged: dict[str, Path]) -> None:
    tally: Counter[str] = Counter()
    with open_log(logged["usage.db"]) as log:
        found = list(gaps_from_log(log, counts=tally))
    # The logged suggestions, and the outcome that carries a message never suggested on.
    assert tally["read"] == len(PICKUP + GIFT + ANSWERED + REJECTED) + 1
    reasons = Counter(m.reason for m in found)
    assert reasons == {"no_match": len(PICKUP + GIFT), "wrong": 3, "unused": 1}, found
    assert {m.used_answer_id for m in found if m.reason == "wrong"} == {"refund"}
    assert {m.conversation_id for m in found if m.reason == "wrong"} == {"c8", "c9", "c10"}
    assert [m.text for m in found if m.reason == "unused"] == [UNLOGGED]
    texts = " ".join(m.text for m in found)
    assert "mario.rossi@example.com" not in texts and "123 4567" not in texts


def test_cli_drafts_from_the_log(logged: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    args = ["gaps", "--kb", str(logged["root"]), "--log", str(logged["usage.db"])]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["read"] == 12 and listing["gaps"] == 11 and listing["answered_now"] == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["001-new-can-i-pick-up-my-order.yaml", "002-add-to-refund.yaml"]
    text = (out / names[0]).read_text(encoding="utf-8")
    assert "# Covers 5 messages in 4 conversations (no match 5); 5 distinct." in text
    assert "mario.rossi@example.com" not in text
    assert yaml.safe_load((out / names[1]).read_text(encoding="utf-8"))["answer_id"] == "refund"
    small = [c["texts"] for c in listing["clusters"] if not c["drafted"]]
    assert [UNLOGGED] in small


def test_a_log_without_text_drafts_nothing(logged: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    args = ["gaps", "--kb", str(logged["root"]), "--log", str(logged["notext.db"])]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("0 of 11 messages not answered well (none); 0 topics, 0 drafted")
    assert "10 logged without text" in first
    assert not out.exists()  # nothing to draft: no folder made


def test_a_missing_log_is_an_error_not_a_new_file(logged: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    args = ["gaps", "--kb", str(logged["root"]), "--log", str(missing), "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "replykb: error: usage log" in result.output and "no usage log there" in result.output
    assert not missing.exists()


@pytest.mark.parametrize(
    ("since", "drafted"), [(None, 2), ("30", 1), ("30d", 1), ("2000-01-01", 2)]
)
def test_since_keeps_the_recent_events(
    logged: dict[str, Path], tmp_path: Path, since: str | None, drafted: int
) -> None:
    now = datetime.now(UTC)
    old = ["do you gift wrap orders", "can you gift wrap my order", "is gift wrapping possible"]
    rows = [
        LoggedSuggestion(
            at=at,
            fingerprint="f",
            channel="chat",
            status="no_match",
            answer_id="refund",
            score=0.1,
            candidates=[("refund", 0.1)],
            latency_ms=1.0,
            conversation_id=f"{text}-{at:%j}",
            message=text,
        )
        for at, texts in ((now - timedelta(days=40), old), (now, [m for m, _ in PICKUP[:3]]))
        for text in texts
    ]
    with open_log(tmp_path / "dated.db") as log:
        log.record(rows)
    args = ["gaps", "--kb", str(logged["root"]), "--log", str(tmp_path / "dated.db")]
    args += ["--out", str(tmp_path / "drafts"), "--json"] + (["--since", since] if since else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert len([c for c in listing["clusters"] if c["drafted"]]) == drafted
    assert listing["read"] == 3 * drafted


def test_a_rejected_confident_suggestion_is_a_gap_of_the_answer_used(
    logged: dict[str, Path],
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    log = open_log(tmp_path / "rejected.db")
    kb = KnowledgeBase.load(
        logged["root"], cache_dir=tmp_path / "cache", embedder=real_embedder, log=log
    )
    first = kb.suggest("I forgot my password", channel="chat", conversation_id="c20")
    second = kb.suggest("When will I get my refund?", channel="chat", conversation_id="c20")
    kb.suggest("how long does a refund take", channel="chat", conversation_id="c21")
    assert (first.match.answer_id, second.match.answer_id) == ("password", "refund")
    kb.feedback(
        {
            "outcome": "wrong",
            "channel": "chat",
            "conversation_id": "c20",
            "answer_id": "refund",
            "used_answer_id": "password",
        }
    )
    with log:
        (gap,) = gaps_from_log(log)
    assert gap.text == "When will I get my refund?" and gap.reason == "wrong"
    assert (gap.answer_id, gap.used_answer_id, gap.conversation_id) == ("refund", "password", "c20")


def test_mining_a_file_is_not_logged(
    logged: dict[str, Path],
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    from replykb.records import read_records

    from .test_learn_gaps import records_file

    log = open_log(tmp_path / "quiet.db")
    kb = KnowledgeBase.load(
        logged["root"], cache_dir=tmp_path / "cache", embedder=real_embedder, log=log
    )
    with records_file(tmp_path).open("rb") as stream:
        found = list(gaps_from_records(kb, read_records(stream, csv_format=False)))
    assert len(found) == 10
    with log:
        assert list(log.suggestions()) == []


@pytest.mark.parametrize("outcome", ["unused", "wrong"])
def test_an_outcome_carrying_its_message_is_not_a_second_gap(
    logged: dict[str, Path], tmp_path: Path, outcome: str
) -> None:
    """The console and the Chatwoot app send the customer's message with the outcome:
    a no_match suggestion plus the agent's outcome on it is ONE message not answered
    well; an outcome whose suggestion is not in the log still counts by its message."""
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    text = "can I pay with a gift card"
    log_path = tmp_path / "pair.db"
    with open_log(log_path) as log:
        log.record(
            [
                LoggedSuggestion(
                    at=at,
                    fingerprint="f",
                    channel="chat",
                    status="no_match",
                    answer_id=None,
                    score=None,
                    candidates=[],
                    latency_ms=1.0,
                    conversation_id="c1",
                    message=text,
                ),
                LoggedFeedback(
                    at=at + timedelta(minutes=1),
                    outcome=outcome,
                    channel="chat",  # type: ignore[arg-type]
                    conversation_id="c1",
                    message=text,
                    source="console",
                ),
                LoggedFeedback(
                    at=at + timedelta(minutes=2),
                    outcome=outcome,
                    channel="chat",  # type: ignore[arg-type]
                    conversation_id="c2",
                    message=UNLOGGED,
                    source="console",
                ),
            ]
        )
    with open_log(log_path, create=False) as log:
        found = list(gaps_from_log(log))
    assert sorted((g.text, g.reason, g.conversation_id) for g in found) == [
        (text, outcome, "c1"),
        (UNLOGGED, outcome, "c2"),
    ]
    result = CliRunner().invoke(
        cli,
        [
            "gaps",
            "--kb",
            str(logged["root"]),
            "--log",
            str(log_path),
            "--out",
            str(tmp_path / "d"),
            "--min-size",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"2 of 2 messages not answered well ({outcome} 2)")
