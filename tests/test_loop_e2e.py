"""The loop closes, end to end on a small base with the real model and a real SQLite
usage log: customers ask something the base does not answer (no match, logged) ->
`replykb gaps` drafts a new answer -> merged into the base, `replykb check` refuses it
while its answer is the TODO, passes once a person writes it -> the same messages now
get that answer, `replykb usage` shows no-match dropping to zero between the two
versions of the base, and `replykb gaps` no longer lists the topic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from replykb import KnowledgeBase
from replykb.cli import cli
from replykb.learn.drafts import TODO_ANSWER

from .test_learn_gaps import ANSWERED, PASSWORD, PICKUP, REFUND, SETTINGS

WRITTEN = (
    "Yes: choose Pick up in store at checkout and collect your order from the shop "
    "with your confirmation e-mail."
)


def suggest_all(kb: KnowledgeBase) -> list[tuple[str, str | None]]:
    results = []
    for message, conversation in PICKUP + ANSWERED:
        suggestion = kb.suggest(message, channel="chat", conversation_id=conversation)
        results.append((suggestion.status, suggestion.match.answer_id))
    return results


def test_unmatched_messages_to_a_merged_draft_to_a_matched_reply(
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    root = tmp_path / "base"
    root.mkdir()
    (root / "replykb.yaml").write_text(SETTINGS, encoding="utf-8")
    (root / "refund.yaml").write_text(REFUND, encoding="utf-8")
    (root / "password.yaml").write_text(PASSWORD, encoding="utf-8")
    usage_db, drafts, cache = tmp_path / "usage.db", tmp_path / "drafts", tmp_path / "cache"
    runner = CliRunner()

    # 1. Customers ask about picking up in store: the base has no answer.
    with KnowledgeBase.load(root, cache_dir=cache, embedder=real_embedder, log=usage_db) as kb:
        before = suggest_all(kb)
    assert [status for status, _ in before[: len(PICKUP)]] == ["no_match"] * len(PICKUP)
    assert before[len(PICKUP) :] == [("confident", "refund")]

    # 2. `replykb gaps` drafts a new answer from the log.
    result = runner.invoke(
        cli, ["gaps", "--kb", str(root), "--log", str(usage_db), "--out", str(drafts)]
    )
    assert result.exit_code == 0, result.output
    (draft,) = sorted(drafts.iterdir())
    assert draft.name == "001-new-can-i-pick-up-my-order.yaml"
    assert f"{draft.name}  new answer: 5 messages, 4 conversations" in result.stdout

    # 3. Merged as it is, the TODO fails the check, at its line.
    merged = root / "orders" / "pickup.yaml"
    merged.parent.mkdir()
    shutil.copy(draft, merged)
    text = merged.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("answer:"))
    result = runner.invoke(cli, ["check", str(root)])
    assert result.exit_code == 1, result.output
    assert f"pickup.yaml:{line}:" in result.output and "RKB605 error" in result.output

    # 4. A person writes the answer: the check passes.
    answer = yaml.safe_load(text)["answer"]
    assert answer == TODO_ANSWER
    merged.write_text(
        text.replace(
            yaml.safe_dump({"answer": answer}, width=1000),
            yaml.safe_dump({"answer": WRITTEN}, width=1000),
        ),
        encoding="utf-8",
    )
    assert yaml.safe_load(merged.read_text(encoding="utf-8"))["answer"] == WRITTEN
    result = runner.invoke(cli, ["check", str(root)])
    assert result.exit_code == 0, result.output
    assert "RKB605" not in result.output

    # 5. The same messages now get the new answer, and the reply is the written one.
    with KnowledgeBase.load(root, cache_dir=cache, embedder=real_embedder, log=usage_db) as kb:
        after = suggest_all(kb)
        reply = kb.suggest(PICKUP[0][0], channel="chat").reply
    new_id = "can-i-pick-up-my-order"
    assert after == [("confident", new_id)] * len(PICKUP) + [("confident", "refund")]
    assert reply is not None and WRITTEN in reply.text

    # 6. `replykb usage` shows no-match falling from 5 to 0 between the two versions.
    result = runner.invoke(cli, ["usage", "--kb", str(root), "--log", str(usage_db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    versions = sorted(report["versions"], key=lambda v: v["first_at"])
    # The second version also logged the reply checked above: 7 suggestions.
    assert [(v["total"], v["no_match"]) for v in versions] == [(6, 5), (7, 0)], versions
    assert report["totals"]["no_match"] == 5 and report["totals"]["total"] == 13

    # 7. `replykb gaps` no longer finds the topic: the base answers it now.
    result = runner.invoke(
        cli,
        ["gaps", "--kb", str(root), "--log", str(usage_db), "--out", str(drafts), "--json"],
    )
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["answered_now"] == 5 and listing["clusters"] == []
    assert list(drafts.iterdir()) == []
