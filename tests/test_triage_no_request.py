"""A message that asks nothing (a greeting, thanks, a sign-off, a mail client's
signature, a lone @mention, emoji, punctuation) gets no answer: a ``no_match`` whose
reason is ``no-request``, through every door, on the example base with the real model;
while real requests that open with a greeting or thanks still get their answer."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import KnowledgeBase, TriageResult
from replykb.evaluate import LabelledMessage, report, score_messages
from replykb.prepare import chatter_words
from replykb.prepare.chatter import carries_request, request_words
from replykb.render.phrases import BUILTIN_LANGUAGES

from .conftest import SHOP_BASE

ANSWERS = Path(__file__).parent.parent / "answers"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)

# Per language, messages that ask nothing (answers/ gave "buongiorno" its gift-card
# answer at 0.52, "Inviato da iPhone" the app-crash one at 0.62).
NO_REQUEST = {
    "en": [
        "hello",
        "hi there",
        "Hi!!",
        "thanks!",
        "Thank you so much 🙏",
        "good morning 👋",
        "thanks a lot!",
        "Sent from my iPhone",
        "Get Outlook for Android",
        "Thanks,\nOmar",
    ],
    "it": [
        "buongiorno",
        "ciao",
        "ciaooo!",
        "salve",
        "grazie",
        "grazie mille!!",
        "buonasera",
        "Inviato da iPhone",
        "Buongiorno,\n\nInviato dal mio iPhone",
        "ciao Paola 😊",
    ],
    "es": ["hola", "¡Muchas gracias!", "buenos días", "Enviado desde mi iPhone"],
    "fr": ["bonjour", "Merci beaucoup !", "bonne journée", "Envoyé de mon iPhone"],
    "de": ["hallo", "Vielen Dank!", "Guten Morgen", "Von meinem iPhone gesendet"],
    "pt": ["olá", "obrigada!", "bom dia", "Enviado do meu iPhone"],
    "none": ["🙏🙏", "👍", "?", "...", "!!!", "@FernhillCare", "@FernhillCare 👍", ":)"],
}
CASES = [(language, text) for language, texts in NO_REQUEST.items() for text in texts]
# answers/'s channels: public, private and e-mail (whose stripper runs first).
CHANNELS = ["x", "facebook", "instagram", "sms", "email", "chat"]

# Real requests that open or close with a greeting or thanks, and the answer each must
# still be offered (the reply, or among the alternatives when too close to call).
REQUESTS = [
    ("ciao, il mio ordine non è arrivato", "where-is-my-order"),
    ("hi, where is my order", "where-is-my-order"),
    ("grazie ma il rimborso?", "refund-method"),
    ("buongiorno, come faccio a reimpostare la password?", "reset-password"),
    ("thanks, but my refund still hasn't arrived", "refund-timing"),
    ("Hi there, how long does a refund take?", "refund-timing"),
    ("salve, posso pagare con PayPal?", "payment-methods"),
    ("buonasera, il pacco è arrivato danneggiato", "damaged-item"),
    # Thanks with praise is what the feedback answer is for.
    ("great service, thanks", "positive-feedback"),
    ("grazie per il servizio gentilissimo", "positive-feedback"),
]


def _offered(suggestion) -> list[str]:  # type: ignore[no-untyped-def]
    if suggestion.reply is not None:
        return [suggestion.reply.answer_id]
    return [reply.answer_id for reply in suggestion.alternatives]


# --- the library: kb.suggest on every channel ---------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("language", "text"), CASES)
def test_a_message_that_asks_nothing_gets_no_answer(
    example_kb, language: str, text: str, channel: str
) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(text, channel=channel, agent="paola")

    assert suggestion.status == "no_match"
    assert suggestion.match.reason == "no-request"
    assert suggestion.reply is None and suggestion.alternatives == []
    assert suggestion.match.candidates == [] and suggestion.match.answer_id is None
    assert suggestion.message == text


@pytest.mark.parametrize("channel", ["x", "email", "sms"])
@pytest.mark.parametrize(("text", "answer_id"), REQUESTS)
def test_a_request_with_a_greeting_or_thanks_still_gets_its_answer(
    example_kb, text: str, answer_id: str, channel: str
) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(text, channel=channel, agent="paola")

    assert suggestion.match.reason is None
    assert suggestion.status != "no_match"
    assert answer_id in _offered(suggestion)
    assert suggestion.match.candidates[0][0] == answer_id


def test_no_question_or_test_of_the_example_base_reads_as_asking_nothing(example_kb) -> None:  # type: ignore[no-untyped-def]
    # The gate never swallows what the base itself was written for: every question
    # and test, in every language, carries a request; its out-of-scope messages
    # are free to be either.
    texts = []
    for answer in example_kb.answers:
        texts += [*answer.questions, *answer.tests]
        for translation in answer.translations.values():
            texts += [*translation.questions, *translation.tests]
    asking_nothing = [text for text in texts if not example_kb.gate.carries_request(text)]

    assert len(texts) > 400
    assert asking_nothing == []
    # So no answer of answers/ is written for such messages: each gets no-request.
    assert example_kb.gate.answers == frozenset()


# --- e-mail: a reply that is only a signature ----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Inviato da iPhone",
        "Sent from my iPhone",
        "\n\nInviato dal mio Samsung Galaxy\n",
        "--\nMarco Bianchi\nTel. 333 1234567",
        "Grazie,\nMarco\n\nInviato da iPhone",
    ],
)
def test_an_email_of_only_a_signature_is_no_request_not_its_signature_matched(
    example_kb, body: str
) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(body, channel="email", agent="paola")

    assert (suggestion.status, suggestion.match.reason, suggestion.reply) == (
        "no_match",
        "no-request",
        None,
    )
    assert suggestion.prepared is not None
    assert suggestion.prepared.text_used.strip() in ("", "Grazie,\nMarco")


def test_an_email_whose_signature_sits_above_a_quoted_question_matches_the_question(
    example_kb,
) -> None:  # type: ignore[no-untyped-def]
    body = (
        "Sent from my iPhone\n\nOn 1 Mar 2025, at 10:00, Fernhill <care@fernhill.example> "
        "wrote:\n> how long does a refund take?"
    )
    suggestion = example_kb.suggest(body, channel="email")

    assert suggestion.match.reason is None
    assert suggestion.match.candidates[0][0] == "refund-timing"


# --- every door decides the same ----------------------------------------------------------


def test_suggest_many_match_and_suggest_agree(example_kb) -> None:  # type: ignore[no-untyped-def]
    texts = [text for _, text in CASES] + [text for text, _ in REQUESTS]
    items = [{"message": text, "channel": "x", "id": str(n)} for n, text in enumerate(texts)]

    outcomes = list(example_kb.suggest_many(items, batch_size=7, now=NOW))

    for text, outcome in zip(texts, outcomes, strict=True):
        assert isinstance(outcome, TriageResult), outcome
        assert outcome.suggestion == example_kb.suggest(text, channel="x", now=NOW)
        assert example_kb.match(text) == outcome.suggestion.match
    reasons = [outcome.suggestion.match.reason for outcome in outcomes]
    assert reasons == ["no-request"] * len(CASES) + [None] * len(REQUESTS)


@pytest.fixture
def cli_kb(example_kb, monkeypatch):  # type: ignore[no-untyped-def]
    import replykb.cli.suggest

    # The session's knowledge base (answers/, real model) instead of loading it again.
    monkeypatch.setattr(replykb.cli.suggest, "load_kb", lambda *_, **__: example_kb)
    return example_kb


@pytest.mark.parametrize("text", ["buongiorno", "Inviato da iPhone", "thanks!", "@FernhillCare"])
@pytest.mark.parametrize("channel", ["x", "email"])
def test_replykb_suggest_says_there_is_no_request(cli_kb, text: str, channel: str) -> None:  # type: ignore[no-untyped-def]
    from replykb.cli import cli

    args = ["suggest", text, "--kb", str(ANSWERS), "-c", channel, "--agent", "paola"]
    shown = CliRunner().invoke(cli, args)
    as_json = CliRunner().invoke(cli, [*args, "--json"])
    quiet = CliRunner().invoke(cli, [*args, "--quiet"])

    assert shown.exit_code == 0, shown.output
    assert "no request: the message only greets, thanks, signs off" in shown.output
    assert "best score" not in shown.output and "gift-cards" not in shown.output
    assert as_json.exit_code == 0, as_json.output
    match = json.loads(as_json.output)["match"]
    assert (match["status"], match["reason"], match["candidates"]) == ("no_match", "no-request", [])
    assert json.loads(as_json.output)["reply"] is None
    assert (quiet.exit_code, quiet.output) == (0, "")


def test_replykb_suggest_input_file_gives_each_line_the_same_decision(
    cli_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from replykb.cli import cli

    texts = ["buongiorno", "hi, where is my order", "Inviato da iPhone", "grazie"]
    source = tmp_path / "messages.jsonl"
    source.write_text(
        "".join(json.dumps({"message": text, "channel": "x"}) + "\n" for text in texts),
        encoding="utf-8",
    )
    output = tmp_path / "results.jsonl"

    result = CliRunner().invoke(
        cli, ["suggest", "--input", str(source), "--output", str(output), "--kb", str(ANSWERS)]
    )

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row["status"] for row in rows] == ["no_match", "confident", "no_match", "no_match"]
    reasons = [row.get("reason") for row in rows]
    assert reasons == ["no-request", None, "no-request", "no-request"]
    assert rows[1]["reply"]["answer_id"] == "where-is-my-order"
    assert [row["reply"] for row in rows if row["status"] == "no_match"] == [None] * 3


def test_eval_counts_a_greeting_as_matching_nothing(example_kb) -> None:  # type: ignore[no-untyped-def]
    # Labelled out of scope, a greeting is a correct no_match at every threshold (eval
    # decides as suggest does); labelled with an answer, it is a failure.
    items = [
        LabelledMessage(message="buongiorno", expected=None),
        LabelledMessage(message="Inviato da iPhone", expected=None),
        LabelledMessage(message="thanks!", expected="positive-feedback"),
        LabelledMessage(message="hi, where is my order", expected="where-is-my-order"),
    ]
    scored = score_messages(example_kb, items)

    assert [entry.candidates == [] for entry in scored] == [True, True, True, False]
    for threshold in (0.0, 0.3, example_kb.settings.match.threshold):
        result = report(scored, threshold, example_kb.settings.match.margin)
        assert [item.message for item in result.failures] == ["thanks!"]


# --- a base that answers thanks keeps answering them ----------------------------------------

THANKS_ANSWER = """\
title: Thanks
questions:
  - thanks!
  - thank you so much
  - many thanks
  - grazie mille
answer: You're welcome! Anything else, just write to us.
short: "You're welcome!"
link: https://help.acme.example/contact
owner: care-team
reviewed: 2026-10-01
"""


@pytest.fixture(scope="module")
def thanks_kb(real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("thanks-base") / "base"
    shutil.copytree(SHOP_BASE, root)
    (root / "thanks.yaml").write_text(THANKS_ANSWER, encoding="utf-8")
    cache = tmp_path_factory.mktemp("thanks-cache")
    return KnowledgeBase.load(root, cache_dir=cache, embedder=real_embedder, log=False)


@pytest.mark.parametrize("text", ["thanks!", "thank you so much 🙏", "Many thanks!!"])
def test_a_base_with_an_answer_for_thanks_still_gives_it(thanks_kb, text: str) -> None:  # type: ignore[no-untyped-def]
    suggestion = thanks_kb.suggest(text, channel="x")

    assert thanks_kb.gate.answers == frozenset({"thanks"})
    assert (suggestion.status, suggestion.match.answer_id, suggestion.match.reason) == (
        "confident",
        "thanks",
        None,
    )
    assert suggestion.reply is not None and "You're welcome!" in suggestion.reply.text


@pytest.mark.parametrize("text", ["hello", "buongiorno", "Sent from my iPhone", "?", "👍"])
def test_a_base_with_an_answer_for_thanks_gives_no_other_answer_to_chatter(
    thanks_kb, text: str
) -> None:  # type: ignore[no-untyped-def]
    suggestion = thanks_kb.suggest(text, channel="x")

    # Only the answer written for such messages may be offered; else no-request.
    assert set(_offered(suggestion)) <= {"thanks"}
    if suggestion.status == "no_match":
        assert suggestion.match.reason == "no-request"


def test_a_base_with_an_answer_for_thanks_still_matches_requests(thanks_kb) -> None:  # type: ignore[no-untyped-def]
    suggestion = thanks_kb.suggest("thanks, but when will I get my refund?", channel="x")

    assert suggestion.match.answer_id == "refund-timing"


# --- the word lists -------------------------------------------------------------------------


def test_the_word_lists_cover_every_builtin_reply_language() -> None:
    assert set(chatter_words.LANGUAGES) == set(BUILTIN_LANGUAGES)
    for lists in (
        chatter_words.GREETINGS,
        chatter_words.THANKS,
        chatter_words.SIGN_OFFS,
        chatter_words.CLIENT_OPENERS,
    ):
        assert set(lists) == set(BUILTIN_LANGUAGES)
        assert all(lists[language] for language in BUILTIN_LANGUAGES)


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("ciao, il mio ordine non è arrivato", ["il", "mio", "ordine", "non", "è", "arrivato"]),
        ("grazie ma il rimborso?", ["ma", "il", "rimborso"]),
        ("hi, where is my order", ["where", "is", "my", "order"]),
        # A client-signature opener in a customer's sentence is the customer's.
        ("von meinem Konto wurde zweimal abgebucht", ["von", "meinem", "konto"]),
        ("inviato dal magazzino?", ["inviato", "dal", "magazzino"]),
        # "caro"/"cher" mean "expensive" too: not greetings.
        ("troppo caro", ["troppo", "caro"]),
        # A capitalized word after a greeting, with a question mark, may be the question.
        ("Hi Klarna?", ["klarna"]),
        ("hi, order 40291", ["order", "40291"]),
        # "ok" may answer the agent's question (a yes): left to the matcher.
        ("ok grazie", ["ok"]),
        ("okay", ["okay"]),
        ("Hey @FernhillCare where's my parcel", ["where's", "my", "parcel"]),
        ("https://fernhill.example/orders/1", ["https", "fernhill"]),
        ("#fail", ["fail"]),
    ],
)
def test_a_request_keeps_its_words(text: str, left: list[str]) -> None:
    assert request_words(text)[: len(left)] == left
    assert carries_request(text)


def test_a_very_long_message_is_taken_to_ask_something() -> None:
    assert not carries_request("grazie " * 100)
    assert carries_request("grazie " * 1_000)


# --- replykb check: a test that asks nothing cannot match ------------------------------------


@pytest.mark.parametrize("test", ["thanks!", "buongiorno 👋", "Sent from my iPhone"])
def test_check_reports_a_test_that_asks_nothing(write_base, real_embedder, test: str) -> None:  # type: ignore[no-untyped-def]
    from .check_helpers import PAYMENT, REFUND, assert_one, base_files, check, line_of

    refund = REFUND.replace("my refund hasn't arrived yet", test)
    root = write_base(base_files(refund_timing=refund, payment_methods=PAYMENT))

    report = check(root, real_embedder)

    assert_one(
        report,
        "RKB404",
        root / "refund-timing.yaml",
        line_of(refund, test),
        contains=[f"test {test!r} of 'refund-timing' asks nothing", "gets no answer"],
    )


def test_a_logged_greeting_is_no_gap_to_write_an_answer_for(example_kb) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter

    from replykb.learn.gaps import GapMessage, still_open

    logged = [
        GapMessage(text="buongiorno", reason="no_match", channel="x"),
        GapMessage(text="Inviato da iPhone", reason="wrong", answer_id="app-crash"),
        GapMessage(text="who won the football last night", reason="no_match", channel="x"),
    ]
    counts: Counter[str] = Counter()

    still = still_open(example_kb, logged, counts=counts)

    assert [message.text for message in still] == ["who won the football last night"]
    assert counts["asks_nothing"] == 2


@pytest.mark.parametrize("channel", ["x", "email", "chat"])
@pytest.mark.parametrize("message", ["buongiorno", "Inviato da iPhone", "hi, where is my order"])
def test_the_http_api_gives_the_library_decision_byte_for_byte(
    example_kb, channel: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from replykb.serve import BaseHolder, ServerSettings, create_app

    holder = BaseHolder(lambda: example_kb, initial=example_kb)
    fields = {"message": message, "channel": channel, "agent": "paola"}
    with TestClient(create_app(holder, ServerSettings())) as client:
        response = client.post("/v1/suggest", json={**fields, "now": NOW.isoformat()})
    expected = example_kb.suggest(**fields, now=NOW)

    assert response.status_code == 200, response.text
    assert response.content == expected.model_dump_json().encode("utf-8")
    match = response.json()["match"]
    assert match["reason"] == (None if "order" in message else "no-request")
