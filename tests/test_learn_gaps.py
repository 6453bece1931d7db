"""`replykb gaps` from a plain file of messages: the messages the base does not answer,
grouped with the real model, written as YAML drafts that the loader and the check read,
ranked by volume, masked; small groups listed, not drafted; the folder rules."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from replykb import KnowledgeBase
from replykb.batch import triage_records
from replykb.checks import run_checks
from replykb.cli import cli
from replykb.learn.drafts import HEADER, TODO_ANSWER, write_drafts
from replykb.learn.gaps import GapMessage, gaps_from_records, mine_gaps
from replykb.learn.masking import Masker
from replykb.loader import load_answer_base
from replykb.records import read_records

SETTINGS = """\
brand: Acme
match:
  threshold: 0.5
  margin: 0.02
channels:
  chat: {}
  email: {}
policy:
  min_questions: 3
"""
REFUND = """\
title: When a refund arrives
questions:
  - When will I get my refund?
  - how long does a refund take
  - still waiting for my money back
answer: Refunds reach your account within 5 working days of approval.
tests:
  - my refund hasn't arrived yet
"""
PASSWORD = """\
questions:
  - How do I reset my password?
  - I forgot my password
  - can't log in to my account
answer: Reset your password from the login page; the link works for 24 hours.
tests:
  - password reset please
"""
# A topic the base does not answer: five messages in four conversations, one with an
# e-mail address and a phone number that must not reach a draft.
PICKUP = [
    ("can I pick up my order in your store", "c1"),
    ("can I pick up my order from the store myself", "c2"),
    ("is it possible to pick up my order in store", "c3"),
    ("pick up my order in store? write to mario.rossi@example.com or +39 333 123 4567", "c3"),
    ("can I collect my order in your store", "c4"),
]
# Two about gift wrapping: under the minimum size, listed only.
GIFT = [("do you offer gift wrapping", "c5"), ("is gift wrapping available", "c6")]
# Confident: not a gap.
ANSWERED = [("When will I get my refund?", "c7")]
# An agent said the suggestion was wrong and used the refund answer instead.
REJECTED = [
    ("the money for the jacket I sent back, where is it", "c8"),
    ("returned the shoes two weeks ago and nothing came back to my card", "c9"),
    ("you still owe me for the parcel I returned", "c10"),
]


def records_file(folder: Path) -> Path:
    lines = [
        json.dumps({"message": m, "conversation_id": c, "channel": "chat"})
        for m, c in PICKUP + GIFT + ANSWERED
    ]
    lines += [
        json.dumps(
            {
                "message": m,
                "channel": "chat",
                "conversation_id": c,
                "outcome": "wrong",
                "used_answer_id": "refund",
            }
        )
        for m, c in REJECTED
    ]
    lines.append("{not json")
    path = folder / "messages.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gaps") / "base"
    root.mkdir()
    (root / "replykb.yaml").write_text(SETTINGS, encoding="utf-8")
    (root / "refund.yaml").write_text(REFUND, encoding="utf-8")
    (root / "account").mkdir()
    (root / "account" / "password.yaml").write_text(PASSWORD, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def kb(base_root: Path, real_embedder, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    return KnowledgeBase.load(
        base_root, cache_dir=tmp_path_factory.mktemp("cache"), embedder=real_embedder, log=False
    )


@pytest.fixture(scope="module")
def cli_run(base_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One real `replykb gaps --input` run (the model loaded as a user's run loads it)."""
    work = tmp_path_factory.mktemp("run")
    messages = records_file(work)
    out = work / "drafts"
    result = CliRunner().invoke(
        cli,
        ["gaps", "--kb", str(base_root), "--input", str(messages), "--out", str(out), "--json"],
    )
    return {"result": result, "out": out, "work": work, "messages": messages}


def test_file_messages_are_triaged_and_only_the_unanswered_kept(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    tally: Counter[str] = Counter()
    with records_file(tmp_path).open("rb") as stream:
        found = list(gaps_from_records(kb, read_records(stream, csv_format=False), counts=tally))
    counts = dict(tally)
    assert counts == {"read": 11, "skipped": 1}
    texts = [m.text for m in found]
    assert "When will I get my refund?" not in texts  # confident
    assert {m.reason for m in found if m.used_answer_id == "refund"} == {"wrong"}
    assert len(found) == 10
    masked = next(m.text for m in found if m.text.startswith("pick up my order in store?"))
    assert "mario.rossi@example.com" not in masked and "4567" not in masked, masked


def test_topics_ranked_by_volume_new_and_near(kb: KnowledgeBase) -> None:
    # Masked, as every message reaching the miner is (from a log or a file).
    mask = Masker({}).mask
    messages = [
        GapMessage(text=mask(m), reason="no_match", conversation_id=c) for m, c in PICKUP + GIFT
    ] + [
        GapMessage(text=m, reason="wrong", conversation_id=c, used_answer_id="refund")
        for m, c in REJECTED
    ]
    report = mine_gaps(kb, messages, min_size=3)
    sizes = [(c.kind, c.messages, c.drafted) for c in report.clusters]
    assert sizes[:2] == [("new_answer", 5, True), ("add_questions", 3, True)], sizes
    assert [c.rank for c in report.clusters] == list(range(1, len(report.clusters) + 1))
    pickup, refund = report.clusters[:2]
    assert pickup.conversations == 4 and pickup.reasons == {"no_match": 5}
    assert refund.answer_id == "refund" and refund.reasons == {"wrong": 3}
    small = report.clusters[2:]
    assert small and all(not c.drafted for c in small)
    assert sorted(t for c in small for t in c.texts) == sorted(m for m, _ in GIFT)
    # The same messages in another order give the same report.
    assert mine_gaps(kb, messages[::-1], min_size=3) == report


def test_a_group_scoring_above_the_threshold_extends_that_answer(kb: KnowledgeBase) -> None:
    # Ambiguous paraphrases of the password answer: the centroid matches it.
    messages = [
        GapMessage(text=t, reason="ambiguous")
        for t in ("I forgot my password again", "forgot password", "password forgotten help")
    ]
    (cluster,) = mine_gaps(kb, messages, min_size=3).clusters
    assert cluster.kind == "add_questions" and cluster.answer_id == "password"
    assert cluster.score >= kb.settings.match.threshold


def test_cli_writes_sorted_drafts_and_json(cli_run: dict[str, object], base_root: Path) -> None:
    result = cli_run["result"]
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    listing = json.loads(result.stdout)  # type: ignore[attr-defined]
    out = cli_run["out"]
    assert isinstance(out, Path)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["001-new-can-i-pick-up-my-order.yaml", "002-add-to-refund.yaml"]
    assert [c["file"] for c in listing["clusters"] if c["drafted"]] == names
    assert listing["read"] == 11 and listing["skipped"] == 1 and listing["gaps"] == 10
    assert [c["drafted"] for c in listing["clusters"]][2:] == [False] * (
        len(listing["clusters"]) - 2
    )


def test_new_answer_draft_says_what_it_covers_and_is_masked(cli_run: dict[str, object]) -> None:
    out = cli_run["out"]
    assert isinstance(out, Path)
    text = (out / "001-new-can-i-pick-up-my-order.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"{HEADER} 1 of 2: a new answer `can-i-pick-up-my-order`")
    assert "# Covers 5 messages in 4 conversations (no match 5); 5 distinct." in text
    assert "#   - can I pick up my order in your store" in text
    assert "<email>" in text or "[email]" in text.lower(), text
    for raw in ("mario.rossi@example.com", "333 123 4567"):
        assert raw not in text
    data = yaml.safe_load(text)
    assert data["id"] == "can-i-pick-up-my-order" and data["answer"] == TODO_ANSWER
    assert len(data["questions"]) == 4 and len(data["tests"]) == 1
    assert not set(data["questions"]) & set(data["tests"])


def test_add_questions_draft_names_the_answer_and_file(cli_run: dict[str, object]) -> None:
    out = cli_run["out"]
    assert isinstance(out, Path)
    text = (out / "002-add-to-refund.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"{HEADER} 2 of 2: questions to add to answer `refund`")
    assert "# Covers 3 messages in 3 conversations (wrong 3); 3 distinct." in text
    data = yaml.safe_load(text)
    assert data["answer_id"] == "refund" and data["file"] == "refund.yaml"
    assert sorted(data["questions"]) == sorted(m for m, _ in REJECTED)


def test_merged_draft_loads_and_fails_check_until_written(
    cli_run: dict[str, object],
    base_root: Path,
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    out = cli_run["out"]
    assert isinstance(out, Path)
    merged = tmp_path / "merged"
    shutil.copytree(base_root, merged, ignore=shutil.ignore_patterns(".replykb"))
    draft = out / "001-new-can-i-pick-up-my-order.yaml"
    shutil.copy(draft, merged / "pickup.yaml")
    base = load_answer_base(merged)
    assert "can-i-pick-up-my-order" in {a.id for a in base.answers}
    report = run_checks(merged, embedder=real_embedder)
    todo = [f for f in report.findings if f.code == "RKB605"]
    assert len(todo) == 1 and Path(todo[0].location.file).name == "pickup.yaml"
    assert report.failed(strict=False)


def test_cli_text_lists_drafts_and_small_groups(
    cli_run: dict[str, object], base_root: Path
) -> None:
    work, messages = cli_run["work"], cli_run["messages"]
    assert isinstance(work, Path)
    out = work / "drafts"
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    result = CliRunner().invoke(
        cli, ["gaps", "--kb", str(base_root), "--input", str(messages), "--out", str(out)]
    )
    # The same base and messages give the same drafts, byte for byte (they replace the
    # earlier run's).
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("10 of 11 messages not answered well (no match ")
    assert "2 drafted in " in lines[0] and "1 record skipped" in lines[0]
    assert "messages.jsonl: line 12: not valid JSON" in result.stderr
    assert lines[1].startswith("001-new-can-i-pick-up-my-order.yaml  new answer: 5 messages, 4")
    assert lines[2].startswith("002-add-to-refund.yaml  add questions to refund: 3 messages")
    assert "Not drafted (fewer than 3 messages):" in lines
    assert sorted(earlier) == ["001-new-can-i-pick-up-my-order.yaml", "002-add-to-refund.yaml"]


def test_drafts_folder_rules(kb: KnowledgeBase, base_root: Path, tmp_path: Path) -> None:
    from replykb.errors import DataError

    messages = [GapMessage(text=m, reason="no_match", conversation_id=c) for m, c in PICKUP]
    report = mine_gaps(kb, messages, min_size=3)
    with pytest.raises(DataError, match="inside the answer base"):
        write_drafts(report, kb.base, base_root / "drafts")
    out = tmp_path / "drafts"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DataError, match=r"not drafts of replykb gaps \(notes.txt\)"):
        write_drafts(report, kb.base, out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    (out / "notes.txt").unlink()
    # What an interrupted run left: one of its temporary files.
    (out / ".002-new-x.yaml.ab12cd34.tmp").write_text(f"{HEADER} 2 of 2: x\n", encoding="utf-8")
    written = write_drafts(report, kb.base, out)
    assert sorted(p.name for p in out.iterdir()) == ["001-new-can-i-pick-up-my-order.yaml"]
    assert written.clusters[0].file == "001-new-can-i-pick-up-my-order.yaml"
    # A draft without its digest line (hand-made, or from before digests) may hold a
    # person's work: it stays.
    (out / "009-new-old.yaml").write_text(f"{HEADER} 9 of 9: old\nid: old\n", encoding="utf-8")
    written = write_drafts(report, kb.base, out)
    assert written.kept == ["009-new-old.yaml"]
    assert (out / "009-new-old.yaml").read_text(encoding="utf-8").endswith("id: old\n")


def test_an_edited_draft_survives_the_next_run(
    cli_run: dict[str, object], base_root: Path, tmp_path: Path
) -> None:
    messages = cli_run["messages"]
    assert isinstance(messages, Path)
    out = tmp_path / "drafts"
    args = ["gaps", "--kb", str(base_root), "--input", str(messages), "--out", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    new = out / "001-new-can-i-pick-up-my-order.yaml"
    add = out / "002-add-to-refund.yaml"
    untouched = add.read_bytes()
    edited = new.read_text(encoding="utf-8").replace(
        TODO_ANSWER, "Yes: pick it up at the store desk with your order number."
    )
    new.write_text(edited, encoding="utf-8")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    # The person's answer is there, byte for byte; no second draft of the same topic.
    assert new.read_text(encoding="utf-8") == edited
    assert sorted(p.name for p in out.iterdir()) == [new.name, add.name]
    assert add.read_bytes() == untouched  # an unchanged draft is replaced by the same
    assert f"{new} was edited: kept, not replaced" in result.stderr
    assert f"{new.name}  new answer: 5 messages" in result.stdout
    assert "(your edited draft, kept)" in result.stdout
    listing = json.loads(CliRunner().invoke(cli, [*args, "--json"]).stdout)
    assert listing["kept"] == [new.name]
    assert new.read_text(encoding="utf-8") == edited


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log", "x.db", "--input", "m.jsonl"], "give --log or --input, not both"),
        (["--input", "m.jsonl", "--since", "30d"], "--since reads a log's times"),
        (["--since", "yesterday", "--log", "x.db"], "give a number of days"),
    ],
)
def test_cli_usage_errors(args: list[str], message: str, base_root: Path) -> None:
    result = CliRunner().invoke(cli, ["gaps", "--kb", str(base_root), *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_cli_needs_a_source(base_root: Path) -> None:
    result = CliRunner().invoke(cli, ["gaps", "--kb", str(base_root), "--out", "x"])
    assert result.exit_code == 2
    assert "give --input FILE or --log URL, or set `log:`" in result.output


def test_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["gaps", "--help"])
    assert result.exit_code == 0 and "replykb gaps --kb answers/ --log usage.db" in result.output
    from replykb.learn.gaps import DEFAULT_SIMILARITY

    # The help states the measured default; it must follow the library's.
    assert f"(default: {DEFAULT_SIMILARITY:.2f}," in " ".join(result.output.split())


def test_csv_input_with_a_default_channel(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    rows = ["Message,Conversation ID"] + [f'"{m}",{c}' for m, c in PICKUP]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tally: Counter[str] = Counter()
    with path.open("rb") as stream:
        records = read_records(stream, csv_format=True)
        found = list(gaps_from_records(kb, records, channel="email", counts=tally))
    assert tally == {"read": 5} and {m.channel for m in found} == {"email"}
    assert [m.conversation_id for m in found] == [c for _, c in PICKUP]
    assert all(m.reason == "no_match" for m in found)


def test_cli_missing_input_file(base_root: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    result = CliRunner().invoke(cli, ["gaps", "--kb", str(base_root), "--input", str(missing)])
    assert result.exit_code == 2, result.output
    assert f"replykb: error: {missing}: cannot read" in result.output


def test_past_the_cap_the_most_repeated_texts_are_kept(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import replykb.learn.gaps as gaps

    monkeypatch.setattr(gaps, "MAX_TEXTS", 2)
    repeated = [GapMessage(text=m, reason="no_match") for m, _ in GIFT for _ in range(3)]
    once = [GapMessage(text=m, reason="no_match") for m, _ in PICKUP]
    report = mine_gaps(kb, once + repeated, min_size=3)
    assert report.left_out == len(PICKUP) and report.gaps == len(PICKUP) + 6
    assert sorted(t for c in report.clusters for t in c.texts) == sorted(m for m, _ in GIFT)


def test_an_email_is_grouped_by_its_newest_text(kb: KnowledgeBase, tmp_path: Path) -> None:
    thread = (
        "can I pick up my order in your store?\n\n"
        "On Mon, 2 Nov 2026 at 10:00, Acme Care <care@acme.example> wrote:\n"
        "> Hi Mario, your order FH7654321 ships to Via Roma 1, call us on 02 1234 5678.\n"
    )
    path = tmp_path / "mail.jsonl"
    path.write_text(json.dumps({"message": thread, "channel": "email"}) + "\n", encoding="utf-8")
    with path.open("rb") as stream:
        (found,) = gaps_from_records(kb, read_records(stream, csv_format=False))
    assert found.text == "can I pick up my order in your store?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can I pick up my order in your store?", "can-i-pick-up-my-order"),
        ("¿Puedo recoger mi pedido en la tienda?", "puedo-recoger-mi-pedido-en-la"),
        ("Posso ritirare l'ordine in negozio?", "posso-ritirare-l-ordine-in-negozio"),
        ("Può spedire in Svizzera? Però subito", "puo-spedire-in-svizzera-pero-subito"),
        ("能在店里取货吗", "new-topic"),
        ("refund", "refund-2"),  # the base has `refund`
    ],
)
def test_new_answer_ids(text: str, expected: str, kb: KnowledgeBase) -> None:
    from replykb.learn.drafts import new_answer_id
    from replykb.learn.gaps import GapCluster

    cluster = GapCluster(
        rank=1,
        kind="new_answer",
        answer_id=None,
        score=0.0,
        messages=3,
        conversations=3,
        reasons={"no_match": 3},
        texts=[text],
        drafted=True,
    )
    assert new_answer_id(cluster, {a.id for a in kb.answers}) == expected


def test_out_may_not_be_a_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    from replykb.errors import DataError

    report = mine_gaps(kb, [GapMessage(text=m, reason="no_match") for m, _ in PICKUP])
    target = tmp_path / "drafts.txt"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(DataError, match="is a file, not a folder"):
        write_drafts(report, kb.base, target)
    assert target.read_text(encoding="utf-8") == "keep me"


def test_add_draft_leaves_out_the_answers_own_questions(kb: KnowledgeBase) -> None:
    from replykb.learn.drafts import draft_text

    own = ["I forgot my password", "password reset please"]  # a question and a test
    new = ["forgot password", "password forgotten help"]
    messages = [
        GapMessage(text=t, reason="unused", used_answer_id="password", conversation_id=t)
        for t in own + new
    ]
    (cluster,) = mine_gaps(kb, messages).clusters
    text = draft_text(cluster, kb.base, 1)
    assert "# 2 of these messages are already questions or tests of this answer" in text
    assert sorted(yaml.safe_load(text)["questions"]) == sorted(new)
    assert "file: account/password.yaml" in text


def test_messages_the_base_puts_out_of_scope_are_not_drafted(
    example_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """answers/ lists "do you sell cars" under `out_of_scope:`: the team decided it has
    no answer, so a draft of it would only fail `replykb check` (RKB405) once written."""
    cars = ["do you sell cars", "do you sell cars?", "Do you sell cars", "do you sell any cars"]
    messages = [
        GapMessage(text=text, reason="no_match", conversation_id=f"c{n}")
        for n, text in enumerate(cars)
    ] + [GapMessage(text=m, reason="no_match", conversation_id=c) for m, c in PICKUP]
    report = write_drafts(mine_gaps(example_kb, messages, min_size=2), example_kb.base, tmp_path)
    assert report.out_of_scope == len(cars)
    drafted = [text for cluster in report.drafted for text in cluster.texts]
    assert not [text for text in drafted if "cars" in text]
    assert any("pick up my order" in text for text in drafted)
    # What the team would merge passes the out-of-scope check.
    assert all("cars" not in p.read_text(encoding="utf-8") for p in tmp_path.iterdir())


def test_cli_says_how_many_were_out_of_scope(tmp_path: Path) -> None:
    messages = tmp_path / "m.jsonl"
    messages.write_text('{"message": "do you sell cars", "channel": "x"}\n' * 2, encoding="utf-8")
    out = tmp_path / "d"
    example = Path(__file__).parent.parent / "answers"
    args = ["gaps", "--kb", str(example), "--input", str(messages), "--out", str(out)]
    args += ["--cache-dir", str(tmp_path / "cache")]
    result = CliRunner().invoke(cli, [*args, "--min-size", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "2 of 2 messages not answered well (none); 0 topics, 0 drafted in "
    )
    assert "; 2 out of scope by the base (its `out_of_scope:`)" in result.stdout.splitlines()[0]
    assert not out.exists()  # nothing drafted, no folder made


def test_long_messages_are_cut_in_the_listing_and_no_empty_folder_is_made(
    base_root: Path, tmp_path: Path
) -> None:
    long = "zebra crossing near the lake " * 30
    messages = tmp_path / "m.jsonl"
    messages.write_text(json.dumps({"message": long, "channel": "chat"}) + "\n", encoding="utf-8")
    out = tmp_path / "not-yet"
    args = ["gaps", "--kb", str(base_root), "--input", str(messages), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (listed,) = [line for line in result.stdout.splitlines() if line.startswith("  1x ")]
    assert listed.startswith("  1x 'zebra crossing near the lake") and "…'" in listed
    assert len(listed) < 200
    # Nothing drafted: the folder a user named is not created empty.
    assert not out.exists()


def test_a_record_without_channel_is_skipped_as_replykb_suggest_skips_it(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """No hidden default channel: the same file is read the same way by every command."""
    path = tmp_path / "m.jsonl"
    path.write_text(
        json.dumps({"message": PICKUP[0][0]})
        + "\n"
        + json.dumps({"message": PICKUP[1][0], "channel": "chat"})
        + "\n",
        encoding="utf-8",
    )
    tally: Counter[str] = Counter()
    problems: list[str] = []
    with path.open("rb") as stream:
        found = list(
            gaps_from_records(
                kb, read_records(stream, csv_format=False), counts=tally, problems=problems
            )
        )
    assert [m.text for m in found] == [PICKUP[1][0]]
    assert tally == {"read": 2, "skipped": 1}
    (problem,) = problems
    assert problem.startswith("line 1: ") and "channel" in problem, problem
    with path.open("rb") as stream:
        batch = list(triage_records(kb, read_records(stream, csv_format=False)))
    assert batch[0].status == "error" and f"line 1: {batch[0].error}" == problem


def test_a_draft_whose_id_was_changed_is_kept_in_place(kb: KnowledgeBase, tmp_path: Path) -> None:
    messages = [GapMessage(text=m, reason="no_match", conversation_id=c) for m, c in PICKUP]
    report = mine_gaps(kb, messages, min_size=3)
    write_drafts(report, kb.base, tmp_path)
    (draft,) = tmp_path.iterdir()
    edited = draft.read_text(encoding="utf-8").replace(
        "id: can-i-pick-up-my-order", "id: store-pickup"
    )
    draft.write_text(edited, encoding="utf-8")
    again = write_drafts(report, kb.base, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [draft.name]
    assert draft.read_text(encoding="utf-8") == edited
    assert again.kept == [draft.name] and again.clusters[0].file == draft.name
