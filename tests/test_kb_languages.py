"""The reply's language through every door: the library (suggest, suggest_many, render,
match), batch files, the HTTP API and the command line give the same reply for the same
fields, language included; a language the base does not list is an error naming its
languages; a one-language base says so and never detects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from replykb import KnowledgeBase
from replykb.batch import result_row, run_batch
from replykb.cli import cli
from replykb.errors import UnknownNameError
from replykb.models import LanguageChoice
from replykb.prepare.language import MIN_UNSUPPORTED_CONFIDENCE
from replykb.serve import BaseHolder, ServerSettings, create_app
from replykb.triage_models import TriageFailure, TriageResult

BILINGUAL = Path(__file__).parent / "fixtures" / "bases" / "bilingual"
NOW = "2026-11-02T10:00:00Z"
UNKNOWN = "unknown language 'fr'; known languages: en, it"

# (message, language asked for) -> the language of the reply and why.
CASES = [
    ("ciao dove è il mio ordine??", None, "it", "detected"),
    ("hi where is my order??", None, "en", "detected"),
    ("ok", None, "en", "fallback-unsure"),
    ("rimborso?", None, "it", "matched"),  # unsure: the Italian questions matched it
    ("wo ist meine Bestellung", None, "en", "fallback-unsupported"),
    ("when are you open", "it", "en", "fallback-untranslated"),
    ("hi where is my order??", "it", "it", "requested"),
    ("nn ricordo la password", "en", "en", "requested"),
    ("quando mi arriva il rimborso", "it", "it", "requested"),
]
CHANNELS = ["x", "sms", "email", "facebook"]


@pytest.fixture(scope="module")
def kb(real_embedder, tmp_path_factory) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    return KnowledgeBase.load(
        BILINGUAL, cache_dir=tmp_path_factory.mktemp("kb-languages"), embedder=real_embedder
    )


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    holder = BaseHolder(lambda: kb, initial=kb)
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as c:
        yield c
    holder.close()


def _fields(message: str, channel: str, language: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "message": message,
        "channel": channel,
        "agent": "paola",
        "customer": "Anna",
        "conversation_id": "c-7",
    }
    if language is not None:
        fields["language"] = language
    return fields


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("message", "asked", "language", "reason"), CASES)
def test_the_same_fields_give_the_same_bytes_through_every_door(
    kb: KnowledgeBase,
    client: TestClient,
    tmp_path: Path,
    channel: str,
    message: str,
    asked: str | None,
    language: str,
    reason: str,
) -> None:
    fields = _fields(message, channel, asked)
    suggestion = kb.suggest(**fields, now=NOW)  # type: ignore[arg-type]
    assert suggestion.language is not None
    assert (suggestion.language.language, suggestion.language.reason) == (language, reason)
    assert suggestion.language.requested == asked
    assert suggestion.language.fallback is reason.startswith("fallback")
    replies = [r for r in [suggestion.reply, *suggestion.alternatives] if r is not None]
    assert all(reply.language == language for reply in replies)
    expected = suggestion.model_dump_json()
    # suggest_many, twice in one batch (encoded together) and alone.
    results = list(kb.suggest_many([fields, fields], now=NOW))
    assert all(isinstance(r, TriageResult) for r in results)
    assert [r.suggestion.model_dump_json() for r in results] == [expected, expected]  # type: ignore[union-attr]
    # The HTTP API.
    response = client.post("/v1/suggest", json={**fields, "now": NOW})
    assert response.status_code == 200, response.text
    assert response.content == expected.encode("utf-8")
    # A batch file: the row is the library's result's row.
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(fields, ensure_ascii=False) + "\n", encoding="utf-8")
    run_batch(kb, source, tmp_path / "out.jsonl", now=_moment())
    (row,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert row == json.loads(json.dumps(result_row(results[0].model_copy(update={"line": 1}))))
    assert row["language"] == suggestion.language.model_dump(mode="json")


def _moment():  # type: ignore[no-untyped-def]
    from replykb.render.windows import aware_time

    return aware_time(NOW, "now")


def test_an_italian_reply_is_the_italian_translation(kb: KnowledgeBase) -> None:
    suggestion = kb.suggest("quando mi arriva il rimborso", channel="sms", now=NOW)
    assert suggestion.reply is not None
    assert "5 giorni lavorativi" in suggestion.reply.text
    assert "working days" not in suggestion.reply.text
    # Asked for in English: matched as the Italian message it is, answered in English.
    english = kb.suggest("quando mi arriva il rimborso", channel="sms", language="en", now=NOW)
    assert english.reply is not None and "5 working days" in english.reply.text
    assert english.language is not None
    assert (english.language.reason, english.language.detected) == ("requested", "it")
    asked = kb.suggest("when will my refund arrive", channel="sms", language="it", now=NOW)
    assert asked.reply is not None and "5 giorni lavorativi" in asked.reply.text
    assert english.match == suggestion.match
    assert asked.match.answer_id == suggestion.match.answer_id == "refund-timing"


@pytest.mark.parametrize("channel", CHANNELS)
def test_render_in_a_language_is_the_same_through_the_api(
    kb: KnowledgeBase, client: TestClient, channel: str
) -> None:
    reply = kb.render("refund-timing", channel=channel, language="it", now=_moment())
    assert reply.language == "it" and "giorni lavorativi" in reply.text
    response = client.post(
        "/v1/render",
        json={"answer_id": "refund-timing", "channel": channel, "language": "it", "now": NOW},
    )
    assert response.status_code == 200, response.text
    assert response.content == reply.model_dump_json().encode("utf-8")
    assert kb.render("refund-timing", channel=channel, now=_moment()) == kb.render(
        "refund-timing", channel=channel, language="en", now=_moment()
    )


def test_an_answer_without_the_language_is_replied_to_in_the_source_saying_so(
    kb: KnowledgeBase,
) -> None:
    suggestion = kb.suggest("when are you open", channel="x", language="it", now=NOW)
    assert suggestion.reply is not None and suggestion.reply.language == "en"
    assert suggestion.reply.text.startswith("Hi! We are open 8am to 8pm")
    assert suggestion.language is not None
    assert suggestion.language.model_dump() == {
        "language": "en",
        "requested": "it",
        "detected": "en",
        "confidence": suggestion.language.confidence,
        "matched": "en",
        "fallback": True,
        "reason": "fallback-untranslated",
    }


def test_a_language_the_base_does_not_list_is_an_error_naming_its_languages(
    kb: KnowledgeBase,
) -> None:
    for call in (
        lambda: kb.suggest("dove è il mio ordine", channel="x", language="fr"),
        lambda: kb.render("refund-timing", channel="x", language="fr"),
        lambda: kb.match("dove è il mio ordine", language="fr"),
    ):
        with pytest.raises(UnknownNameError) as caught:
            call()
        assert str(caught.value) == UNKNOWN
    (failure,) = kb.suggest_many([{"message": "ciao", "channel": "x", "language": "fr"}])
    assert isinstance(failure, TriageFailure)
    assert (failure.error, failure.kind, failure.field) == (UNKNOWN, "UnknownNameError", "language")


@pytest.mark.parametrize(
    ("body", "route"),
    [
        ({"message": "dove è il mio ordine", "channel": "x", "language": "fr"}, "/v1/suggest"),
        ({"answer_id": "refund-timing", "channel": "x", "language": "fr"}, "/v1/render"),
    ],
)
def test_the_api_answers_422_for_a_language_the_base_does_not_list(
    client: TestClient, body: dict[str, str], route: str
) -> None:
    response = client.post(route, json=body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "status": 422,
        "kind": "UnknownNameError",
        "message": UNKNOWN,
        "field": "language",
    }


def test_a_batch_item_in_a_language_the_base_lacks_fails_in_its_place(
    client: TestClient,
) -> None:
    items = [
        {"message": "dove è il mio ordine", "channel": "x", "language": "it"},
        {"message": "dove è il mio ordine", "channel": "x", "language": "de"},
    ]
    results = client.post("/v1/suggest/batch", json={"items": items, "now": NOW}).json()["results"]
    assert results[0]["suggestion"]["language"]["reason"] == "requested"
    assert results[1]["status"] == "error" and results[1]["field"] == "language"
    assert "known languages: en, it" in results[1]["error"]


def test_a_one_language_base_replies_in_its_language_and_never_detects(shop_kb) -> None:  # type: ignore[no-untyped-def]
    suggestion = shop_kb.suggest("dove è il mio ordine?", channel="x")
    assert suggestion.language == LanguageChoice(language="en", reason="fallback-single-language")
    with pytest.raises(UnknownNameError, match="known languages: en"):
        shop_kb.suggest("where is my order", channel="x", language="it")


def test_match_and_match_many_decide_as_suggest(kb: KnowledgeBase) -> None:
    messages = [message for message, _, _, _ in CASES]
    matches = list(kb.match_many(messages, batch_size=2))
    for message, match in zip(messages, matches, strict=True):
        assert match == kb.match(message) == kb.suggest(message, channel="x").match


# --- the command line --------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_cache(kb: KnowledgeBase, real_embedder, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A cache holding the base's index and the model's export (no encoding in the CLI)."""
    cache = tmp_path_factory.mktemp("cli-cache")
    KnowledgeBase.load(BILINGUAL, cache_dir=cache, embedder=real_embedder)
    KnowledgeBase.load(BILINGUAL, cache_dir=cache)
    return cache


@pytest.mark.parametrize(
    ("message", "asked", "language"),
    [
        ("nn ricordo la password", None, "it"),
        ("i cant remember my password", None, "en"),
        ("i cant remember my password", "it", "it"),
        ("nn ricordo la password", "en", "en"),
    ],
)
def test_cli_suggest_language(
    cli_cache: Path, message: str, asked: str | None, language: str
) -> None:
    args = ["suggest", message, "--kb", str(BILINGUAL), "-c", "sms"]
    args += ["--cache-dir", str(cli_cache), "--json", "--now", NOW]
    if asked is not None:
        args += ["--language", asked]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["language"]["language"] == language
    assert shown["reply"]["language"] == language
    assert shown["match"]["answer_id"] == "reset-password"
    loaded = KnowledgeBase.load(BILINGUAL, cache_dir=cli_cache)
    expected = loaded.suggest(message, channel="sms", now=NOW, language=asked)
    assert result.output.strip() == expected.model_dump_json(indent=2)


def test_cli_refuses_a_language_the_base_lacks(cli_cache: Path, tmp_path: Path) -> None:
    base = ["--kb", str(BILINGUAL), "--cache-dir", str(cli_cache)]
    result = CliRunner().invoke(cli, ["suggest", "ciao", "-c", "x", "--language", "fr", *base])
    assert result.exit_code == 2
    assert UNKNOWN in result.output
    backlog = tmp_path / "backlog.jsonl"
    backlog.write_text(
        '{"message": "dove è il mio ordine", "channel": "x"}\n'
        '{"message": "where is my order", "channel": "x", "language": "de"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["suggest", "--input", str(backlog), "--language", "it", *base]
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["language"]["reason"] == "requested" and rows[0]["language"]["language"] == "it"
    assert rows[1]["status"] == "error" and rows[1]["field"] == "language"
    assert f"{backlog}:2: unknown language 'de'; known languages: en, it" in result.stderr


def test_cli_render_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["render", "refund-timing", "--kb", str(BILINGUAL), "-c", "sms", "-q", "-l", "it"]
    )
    assert result.exit_code == 0, result.output
    assert "5 giorni lavorativi" in result.output
    result = CliRunner().invoke(
        cli, ["render", "refund-timing", "--kb", str(BILINGUAL), "-c", "sms", "-l", "fr"]
    )
    assert result.exit_code == 2
    assert "fr" in result.output and "en, it" in result.output


@pytest.mark.parametrize(
    ("message", "asked", "line"),
    [
        (
            "nn ricordo la password",
            None,
            "[reply in Italian (it): the message's language (it 0.92)]",
        ),
        ("i cant remember my password", "it", "[reply in Italian (it): as asked]"),
        ("ok", None, "[reply in English (en): the source language: the message's is unsure"),
        ("rimborso?", None, "[reply in Italian (it): its questions matched best"),
        ("when are you open", "it", "the answer has no Italian (it) translation]"),
    ],
)
def test_cli_suggest_says_the_reply_s_language(
    cli_cache: Path, message: str, asked: str | None, line: str
) -> None:
    args = ["suggest", message, "--kb", str(BILINGUAL), "-c", "sms", "--cache-dir", str(cli_cache)]
    result = CliRunner().invoke(cli, args + (["-l", asked] if asked else []))
    assert result.exit_code == 0, result.output
    assert line in result.output


def test_a_short_unsure_italian_message_is_matched_in_italian(example_kb) -> None:  # type: ignore[no-untyped-def]
    """Italian teams get 3-4 word messages all day: the detector is unsure of this one
    (it 0.41), and the Italian questions match it where the English ones do not."""
    suggestion = example_kb.suggest("ma spedite in Germania?", channel="x")
    assert (suggestion.status, suggestion.match.answer_id) == (
        "confident",
        "international-shipping",
    )
    assert suggestion.language is not None
    assert (suggestion.language.reason, suggestion.language.language) == ("matched", "it")
    assert suggestion.language.confidence is not None and suggestion.language.confidence < 0.8
    assert suggestion.reply is not None and suggestion.reply.language == "it"


@pytest.mark.parametrize(
    ("message", "detected"),
    [
        ("¿dónde está mi pedido? todavía no ha llegado", "es"),
        ("quiero devolver el producto, ¿cómo lo hago?", "es"),
        ("onde está a minha encomenda? ainda não chegou", "pt"),
    ],
)
@pytest.mark.parametrize("channel", ["x", "email"])
def test_a_message_sure_of_a_language_the_base_lacks_is_matched_with_the_source_s_questions(
    example_kb: KnowledgeBase, message: str, detected: str, channel: str
) -> None:
    """The reply is in the source language, so only the source's questions decide: the
    Italian ones scored "gracias" a confident 'warranty' by noise (A1). Real requests
    here: a thanks-only "gracias" now asks nothing (no-request, tested below)."""
    suggestion = example_kb.suggest(message, channel=channel)
    choice = suggestion.language
    assert choice is not None
    assert (choice.reason, choice.detected, choice.language) == (
        "fallback-unsupported",
        detected,
        "en",
    )
    assert choice.confidence is not None and choice.confidence >= MIN_UNSUPPORTED_CONFIDENCE
    (vector,) = example_kb.embedder.encode([message])
    english = example_kb.matchers.matcher_for("en")
    assert english is not None
    source = english.match(vector, k=3)
    assert (suggestion.status, suggestion.match.answer_id) == (source.status, source.answer_id)
    assert [c[0] for c in suggestion.match.candidates] == [c[0] for c in source.candidates]
    assert example_kb.match(message).answer_id == source.answer_id
    for reply in [suggestion.reply, *suggestion.alternatives]:
        assert reply is None or reply.language == "en"


@pytest.mark.parametrize(("message", "detected"), [("gracias", "es"), ("obrigado", "pt")])
@pytest.mark.parametrize("channel", ["x", "email"])
def test_thanks_in_a_language_the_base_lacks_asks_nothing(
    example_kb: KnowledgeBase, message: str, detected: str, channel: str
) -> None:
    """A thanks-only message gets no answer whatever its language (no-request), and its
    reply language still says why it is the source's."""
    suggestion = example_kb.suggest(message, channel=channel)
    assert (suggestion.status, suggestion.match.reason) == ("no_match", "no-request")
    assert (suggestion.reply, suggestion.alternatives, suggestion.match.candidates) == (
        None,
        [],
        [],
    )
    assert suggestion.language is not None
    assert (suggestion.language.reason, suggestion.language.detected) == (
        "fallback-unsupported",
        detected,
    )


@pytest.mark.parametrize(
    ("message", "language", "answer_id"),
    [
        ("ho pagato con la carta, il rimborso torna lì?", "it", "refund-method"),
        ("where is my order? it has been two weeks", "en", "where-is-my-order"),
    ],
)
def test_italian_and_english_messages_keep_their_language_s_questions(
    example_kb: KnowledgeBase, message: str, language: str, answer_id: str
) -> None:
    suggestion = example_kb.suggest(message, channel="x")
    assert suggestion.language is not None
    assert (suggestion.language.reason, suggestion.language.matched) == ("detected", language)
    assert (suggestion.status, suggestion.match.answer_id) == ("confident", answer_id)
    assert suggestion.reply is not None and suggestion.reply.language == language


# --- a language written as a locale (R1-2) ---------------------------------------------

LOCALES = ["IT", "it-IT", "it_IT", " it", "It-ch"]


@pytest.mark.parametrize("written", LOCALES)
def test_a_locale_is_read_by_its_language_in_the_library(kb: KnowledgeBase, written: str) -> None:
    """Helpdesks send locales (Salesforce it_IT, browsers it-IT, a CSV's " it"): the
    reply is the one asked for as `it`, byte for byte."""
    message = "where is my order?"
    plain = kb.suggest(message, channel="sms", language="it", now=NOW)
    asked = kb.suggest(message, channel="sms", language=written, now=NOW)
    assert asked.model_dump_json() == plain.model_dump_json()
    assert asked.language is not None and asked.language.reason == "requested"
    assert asked.reply is not None and asked.reply.language == "it"
    assert kb.match(message, language=written) == kb.match(message, language="it")
    answer = kb.answers[0].id
    assert kb.render(answer, channel="sms", language=written) == kb.render(
        answer, channel="sms", language="it"
    )


@pytest.mark.parametrize("written", LOCALES)
def test_a_locale_is_read_by_its_language_over_http(
    kb: KnowledgeBase, client: TestClient, written: str
) -> None:
    fields = {"message": "where is my order?", "channel": "sms", "now": NOW}
    plain = client.post("/v1/suggest", json={**fields, "language": "it"})
    asked = client.post("/v1/suggest", json={**fields, "language": written})
    assert (asked.status_code, asked.content) == (200, plain.content)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("fr", UNKNOWN),
        ("fr-FR", UNKNOWN.replace("'fr'", "'fr-FR'") + " (a locale is read by its language, "
         "`fr`, which the base does not list)"),
        ("italiano", "unknown language 'italiano'; known languages: en, it (write a two-letter "
         "ISO 639-1 code, e.g. `en`)"),
    ],
)  # fmt: skip
def test_a_language_the_base_lacks_says_what_to_write(
    kb: KnowledgeBase, client: TestClient, written: str, message: str
) -> None:
    with pytest.raises(UnknownNameError) as caught:
        kb.suggest("where is my order?", channel="sms", language=written)
    assert str(caught.value) == message
    response = client.post(
        "/v1/suggest", json={"message": "where is my order?", "channel": "sms", "language": written}
    )
    assert response.status_code == 422
    assert message in response.text
