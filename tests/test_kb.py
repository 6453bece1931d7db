"""The triage core: suggest and suggest_many share one policy; typed failures; observers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from replykb import (
    KnowledgeBase,
    MessageError,
    ReplyKBError,
    SuggestEvent,
    TriageFailure,
    TriageRequest,
    TriageResult,
    UnknownNameError,
)
from replykb.kb import close_answers

# Confident, ambiguous (two and three close answers on answers/) and no-match messages.
MESSAGES = [
    "my refund still hasn't come through??",
    "delivery",
    "can I return it and get a refund",
    "refund",
    "change my email and password",
    "cancel",
    "tell me a joke",
    "I forgot my password",
    "lol",
]
# One channel per template family: short, sms, email, social, chat.
CHANNELS = ["x", "sms", "email", "facebook", "chat"]


def fresh(kb: KnowledgeBase, observers: list[Any] | None = None) -> KnowledgeBase:
    """The same base and index with observers of its own (the session one stays clean)."""
    return KnowledgeBase(kb.base, kb.embedder, kb.index, observers=observers or [])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        # k=0 gave a confident match with no candidates; "3" a TypeError in the matcher.
        ({"k": 0}, "`k` must be a whole number of at least 1, not 0"),
        ({"k": -1}, "`k` must be a whole number of at least 1, not -1"),
        ({"k": "3"}, "`k` must be a whole number of at least 1, not '3'"),
        ({"k": True}, "`k` must be a whole number of at least 1, not True"),
        # batch_size 0 was an IndexError, -1 a ValueError from islice.
        ({"batch_size": 0}, "`batch_size` must be a whole number of at least 1, not 0"),
        (
            {"batch_size": -(10**5000)},
            "`batch_size` must be a whole number of at least 1, not a negative number",
        ),
    ],
)
def test_a_count_argument_that_is_not_a_count_is_a_message_error(
    example_kb, options: dict[str, object], message: str
) -> None:  # type: ignore[no-untyped-def]
    request = {"message": "where is my refund?", "channel": "sms"}
    with pytest.raises(MessageError) as caught:
        list(example_kb.suggest_many([request], **options))
    assert str(caught.value) == message
    with pytest.raises(MessageError) as caught:
        list(example_kb.match_many([request["message"]], **options))
    assert str(caught.value) == message
    if "k" in options:
        with pytest.raises(MessageError) as caught:
            example_kb.suggest(request["message"], channel="sms", k=options["k"])
        assert str(caught.value) == message


def test_an_id_of_5000_digits_fails_its_item_not_the_batch(example_kb) -> None:  # type: ignore[no-untyped-def]
    # str() of the id raised ValueError out of suggest_many, ending the whole batch.
    items = [
        {"message": "where is my refund?", "channel": "sms", "id": 10**5000},
        {"message": "where is my refund?", "channel": "sms", "id": 7},
    ]
    failure, result = example_kb.suggest_many(items)
    assert isinstance(failure, TriageFailure) and failure.field == "id"
    assert failure.error == "`id` is a number of more than 40 digits; give it as text, in quotes"
    assert isinstance(result, TriageResult) and result.id == "7"


@pytest.mark.parametrize("channel", CHANNELS)
def test_suggest_many_gives_what_suggest_gives_byte_for_byte(example_kb, channel) -> None:  # type: ignore[no-untyped-def]
    requests = [
        TriageRequest(
            message=message,
            channel=channel,
            agent="paola" if i % 2 else None,
            customer="@mario" if i % 3 else "Zoë",
            conversation_id=f"c{i}",
            id=f"m{i}",
        )
        for i, message in enumerate(MESSAGES)
    ]
    # A batch size that splits the items, so encoding happens over several chunks.
    results = list(example_kb.suggest_many(requests, batch_size=4))
    assert [r.position for r in results] == list(range(len(MESSAGES)))
    assert [r.id for r in results] == [f"m{i}" for i in range(len(MESSAGES))]
    for request, result in zip(requests, results, strict=True):
        assert isinstance(result, TriageResult), result
        single = example_kb.suggest(
            request.message,
            channel=request.channel,
            agent=request.agent,
            customer=request.customer,
            conversation_id=request.conversation_id,
        )
        assert result.suggestion.model_dump_json() == single.model_dump_json()
        assert result.status == single.status
    by_status = {r.status: r for r in results if isinstance(r, TriageResult)}
    assert set(by_status) == {"confident", "ambiguous", "no_match"}
    ambiguous = [r for r in results if isinstance(r, TriageResult) and r.status == "ambiguous"]
    # Each ambiguous result renders one reply per close answer, on the requested channel.
    assert max(len(r.suggestion.alternatives) for r in ambiguous) == 3
    for result in ambiguous:
        suggestion = result.suggestion
        margin = example_kb.settings.match.margin
        assert [a.answer_id for a in suggestion.alternatives] == close_answers(
            suggestion.match, margin
        )
        assert len(suggestion.alternatives) >= 2
        assert {a.channel for a in suggestion.alternatives} == {suggestion.channel}
        assert suggestion.reply is None


class CountingEmbedder:
    """The real model, counting how many messages each encode call gets."""

    def __init__(self, inner: Any, batch_invariant: bool) -> None:
        self.inner = inner
        self.batch_invariant = batch_invariant
        self.calls: list[int] = []

    @property
    def dimension(self) -> int:
        return int(self.inner.dimension)

    @property
    def model_id(self) -> str:
        return str(self.inner.model_id)

    def encode(self, texts: Any) -> Any:
        self.calls.append(len(texts))
        return self.inner.encode(texts)


@pytest.mark.parametrize(("invariant", "calls"), [(True, [4, 4, 1]), (False, [1] * 9)])
def test_messages_are_encoded_together_only_when_that_changes_no_vector(  # type: ignore[no-untyped-def]
    example_kb, invariant: bool, calls: list[int]
) -> None:
    embedder = CountingEmbedder(example_kb.embedder, invariant)
    kb = KnowledgeBase(example_kb.base, embedder, example_kb.index)  # type: ignore[arg-type]
    results = list(
        kb.suggest_many([{"message": m, "channel": "x"} for m in MESSAGES], batch_size=4)
    )
    assert embedder.calls == calls
    assert [r.status for r in results] == [example_kb.match(m).status for m in MESSAGES]


def test_close_answers_keeps_candidates_within_the_margin() -> None:
    from replykb.models import Match

    match = Match(
        status="ambiguous",
        answer_id=None,
        score=0.70,
        candidates=[("a", 0.70), ("b", 0.66), ("c", 0.64), ("d", 0.5)],
    )
    assert close_answers(match, 0.05) == ["a", "b"]
    assert close_answers(match, 0.06) == ["a", "b", "c"]


SURROGATE = "refund \ud800"


@pytest.mark.parametrize(
    ("fields", "kind", "field", "words"),
    [
        (
            {"message": SURROGATE, "channel": "x"},
            "MessageError",
            "message",
            "`message` is not valid Unicode text: a lone surrogate (U+D800) at character 8",
        ),
        (
            {"message": "refund", "channel": "x", "conversation_id": "c\udc80"},
            "MessageError",
            "conversation_id",
            "`conversation_id` is not valid Unicode text: a lone surrogate (U+DC80)",
        ),
        (
            {"message": "refund", "channel": "x", "id": "\ud83d"},
            "MessageError",
            "id",
            "`id` is not valid Unicode text",
        ),
        (
            {"message": "refund", "channel": "x", "customer": True},
            "MessageError",
            "customer",
            "`customer` must be a name, an @handle or an object with `name` and `handle`, not true",
        ),
        (
            {"message": 42, "channel": "x"},
            "MessageError",
            "message",
            "`message` must be text, not a number",
        ),
        (
            {"message": "tell me a joke", "channel": "fax"},
            "UnknownNameError",
            "channel",
            "unknown channel 'fax'; known channels: chat, email, facebook",
        ),
        (
            {"message": "refund", "channel": "x", "agent": "nobody"},
            "UnknownNameError",
            "agent",
            "unknown agent 'nobody'",
        ),
        ({"message": "  ", "channel": "x"}, "MessageError", "message", "the message is empty"),
        ({"message": "refund"}, "MessageError", "channel", "no `channel`: name the channel"),
        ({"channel": "x"}, "MessageError", "message", "no `message`"),
        (
            {"message": "refund", "chanel": "x", "channel": "x"},
            "MessageError",
            "chanel",
            "unknown field `chanel` (known: message, channel,",
        ),
    ],
    ids=[
        "surrogate-message",
        "surrogate-conversation",
        "surrogate-id",
        "customer-true",
        "message-number",
        "unknown-channel-no-match",
        "unknown-agent",
        "blank-message",
        "no-channel",
        "no-message",
        "typo-field",
    ],
)
def test_a_bad_item_is_a_typed_failure_in_its_place(  # type: ignore[no-untyped-def]
    shop_kb, fields: dict[str, Any], kind: str, field: str, words: str
) -> None:
    items = [
        {"message": "my refund hasn't arrived yet", "channel": "x", "id": 1, "line": 10},
        {**fields, "line": 11},
        {"message": "I forgot my password", "channel": "email", "id": "last", "line": 12},
    ]
    first, failure, last = shop_kb.suggest_many(items)
    assert isinstance(failure, TriageFailure)
    assert (failure.position, failure.line, failure.status) == (1, 11, "error")
    assert (failure.kind, failure.field) == (kind, field)
    assert words in failure.error
    assert failure.id is None  # none given, or not valid text
    assert first.status == "confident" and first.id == "1" and first.line == 10
    assert last.status == "confident" and last.id == "last" and last.position == 2


def test_a_reply_that_cannot_be_rendered_keeps_its_match(
    write_base, real_embedder, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    root = write_base(
        {
            "replykb.yaml": """\
            brand: Acme
            channels:
              tiny: {limit: 20}
            """,
            "refund.yaml": """\
            questions: [When will I get my refund?, where is my refund, refund not arrived]
            answer: Refunds arrive within 5 working days of approval, always.
            """,
        }
    )
    kb = KnowledgeBase.load(root, cache_dir=tmp_path / "c", embedder=real_embedder)
    (failure,) = kb.suggest_many([{"message": "where is my refund", "channel": "tiny"}])
    assert isinstance(failure, TriageFailure)
    assert failure.kind == "ReplyTooLongError" and "does not fit channel 'tiny'" in failure.error
    assert failure.match is not None and failure.match.answer_id == "refund"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda kb: kb.suggest(SURROGATE, channel="x"), "`message` is not valid Unicode"),
        (lambda kb: kb.match(SURROGATE), "the message is not valid Unicode text"),
        (
            lambda kb: kb.suggest("refund", channel="x", conversation_id="\ud800"),
            "`conversation_id` is not valid Unicode text",
        ),
        (
            lambda kb: kb.render("refund-timing", channel="x", conversation_id="\ud800"),
            "`conversation_id` is not valid Unicode text",
        ),
        (lambda kb: kb.suggest("refund", channel="x", customer=True), "`customer` must be"),
    ],
    ids=["suggest", "match", "suggest-conversation", "render-conversation", "customer"],
)
def test_api_rejects_text_that_is_not_unicode_with_message_error(shop_kb, call, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MessageError, match=words.replace("(", r"\(")):
        call(shop_kb)


def test_api_errors_stay_what_they_were(shop_kb) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="a message must be a str, not int"):
        shop_kb.suggest(42, channel="x")
    with pytest.raises(UnknownNameError, match="unknown channel 'fax'"):
        shop_kb.suggest("tell me a joke", channel="fax")
    with pytest.raises(MessageError, match="the message is empty"):
        shop_kb.suggest("  ", channel="x")


# --- observers ------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.events: list[SuggestEvent] = []

    def on_suggest(self, event: SuggestEvent) -> None:
        self.events.append(event)


class Raising:
    def on_suggest(self, event: SuggestEvent) -> None:
        raise RuntimeError("the usage log is down")


class Meddling:
    """Edits what it is given: must change nothing the caller gets."""

    def on_suggest(self, event: SuggestEvent) -> None:
        event.suggestion.alternatives.clear()
        event.suggestion.match.candidates.clear()


def batch_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {"message": message, "channel": channel, "id": f"{i}-{channel}"}
        for i, message in enumerate(MESSAGES)
        for channel in ("x", "email")
    ]
    items.insert(3, {"message": "", "channel": "x", "id": "empty"})
    return items


def test_an_observer_records_every_suggestion_of_a_batch(example_kb) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    kb = fresh(example_kb, [recorder])
    results = list(kb.suggest_many(batch_items(), batch_size=5))
    made = [r for r in results if isinstance(r, TriageResult)]
    assert len(made) == len(results) - 1  # the empty message made no suggestion
    assert len(recorder.events) == len(made)
    for event, result in zip(recorder.events, made, strict=True):
        assert event.request.id == result.id
        assert event.message == result.suggestion.message
        assert event.match == result.suggestion.match
        assert event.reply == result.suggestion.reply
        assert event.suggestion == result.suggestion
        assert event.timings.encode > 0 and event.timings.match >= 0
        assert event.timings.render >= 0 and event.timings.total >= event.timings.encode
        assert event.at.tzinfo is not None
    kb.suggest("refund", channel="sms")
    assert len(recorder.events) == len(made) + 1 and recorder.events[-1].message == "refund"
    kb.remove_observer(recorder)
    kb.suggest("refund", channel="sms")
    assert len(recorder.events) == len(made) + 1


def test_failing_or_meddling_observers_change_no_result(example_kb, caplog) -> None:  # type: ignore[no-untyped-def]
    plain = [r.model_dump_json() for r in fresh(example_kb).suggest_many(batch_items())]
    recorder = Recorder()
    kb = fresh(example_kb, [Raising(), Meddling(), recorder])
    with caplog.at_level(logging.ERROR, logger="replykb.kb"):
        observed = [r.model_dump_json() for r in kb.suggest_many(batch_items())]
        single = kb.suggest("delivery", channel="x")
    assert observed == plain
    assert len(single.alternatives) == 3 and single.match.candidates
    # The recorder, after the meddler, still saw the whole suggestion.
    assert all(e.match.candidates for e in recorder.events)
    assert len(recorder.events) == len(plain)  # every suggestion of the batch + the single one
    failures = [r for r in caplog.records if "the usage log is down" in r.getMessage()]
    assert len(failures) == len(recorder.events)
    assert "failed on a suggestion and was skipped: RuntimeError" in failures[0].getMessage()


def test_load_takes_observers(real_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import SHOP_BASE

    recorder = Recorder()
    kb = KnowledgeBase.load(
        SHOP_BASE, cache_dir=tmp_path, embedder=real_embedder, observers=[recorder]
    )
    assert kb.observers == (recorder,)
    suggestion = kb.suggest("my refund hasn't arrived yet", channel="x", agent="paola")
    (event,) = recorder.events
    assert event.reply is not None and event.reply == suggestion.reply
    assert event.request.agent == "paola" and event.request.channel == "x"


@pytest.mark.parametrize(
    "message",
    ["\u200b", "\ufeff\u200b\u2060", "\x00\x00", " \u3000\t\n", "\u200b \x00 \ufeff"],
    ids=["zero-width-space", "format-characters", "nul", "spaces", "mixed"],
)
def test_a_message_with_nothing_visible_is_empty(shop_kb, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MessageError, match="the message is empty"):
        shop_kb.suggest(message, channel="x")
    with pytest.raises(MessageError, match="the message is empty"):
        shop_kb.match(message)
    (result,) = shop_kb.suggest_many([{"message": message, "channel": "x"}])
    assert result.status == "error" and "the message is empty" in result.error


def test_a_visible_character_among_invisible_ones_is_a_message(shop_kb) -> None:  # type: ignore[no-untyped-def]
    assert shop_kb.suggest("\u200brefund\u200b?", channel="x").match.candidates


@pytest.mark.parametrize("observer", [print, object(), "log"], ids=["function", "object", "text"])
def test_an_observer_without_on_suggest_is_refused_when_added(shop_kb, observer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=r"an observer needs an on_suggest\(event\) method"):
        shop_kb.add_observer(observer)
    assert observer not in shop_kb.observers


class EncodeForbidden:
    """An embedder that fails the test if anything is encoded."""

    dimension = 384
    model_id = "forbidden"
    fast_path_problem = None

    def encode(self, texts: Any) -> Any:
        raise AssertionError(f"encoded {len(texts)} text(s) before the usage log was opened")


def test_a_log_that_cannot_be_written_fails_before_anything_is_embedded(
    tmp_path: Path,
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    with pytest.raises(ReplyKBError) as raised:
        KnowledgeBase.load(
            "answers",
            cache_dir=tmp_path / "cache",
            embedder=EncodeForbidden(),  # type: ignore[arg-type]
            log=not_a_folder / "usage.db",
        )
    assert "usage log" in str(raised.value) and str(not_a_folder) in str(raised.value)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.faiss"))
