"""The HTTP API in-process, over the example base and the real model: every route gives
what the library gives for the same fields (byte for byte), and every error is JSON
with the library's wording."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from replykb import KnowledgeBase
from replykb.errors import MessageError, ReplyKBError, UnknownNameError
from replykb.length import count_length, sms_segments
from replykb.serve import BaseHolder, ServerSettings, create_app

from .serve_helpers import NOW

CHANNELS = [
    "x",
    "facebook",
    "instagram",
    "sms",
    "email",
    "chat",
    "x_dm",
    "messenger",
    "instagram_dm",
]
MESSAGES = [
    "where is my refund??",  # confident
    "refund",  # ambiguous
    "do you sell cars",  # no_match
    "this is the third time I write, where is my parcel?! disgusting service",  # angry
    "Hi,\n\nhow do I reset my password?\n\nThanks\nAnna\n\nOn Mon, 2 Nov 2026 at 09:00, "
    "Fernhill <care@fernhill.example> wrote:\n> Hello Anna, how can we help?",  # e-mail quote
]


def _app(kb: KnowledgeBase, **settings: Any) -> tuple[TestClient, BaseHolder]:
    holder = BaseHolder(lambda: kb, initial=kb)
    app = create_app(holder, ServerSettings(**settings))
    return TestClient(app, raise_server_exceptions=False), holder


@pytest.fixture(scope="module")
def client(example_kb: KnowledgeBase) -> Iterator[TestClient]:
    client, holder = _app(example_kb)
    with client:
        yield client
    holder.close()


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"status", "kind", "message", "field"}, body
    assert body["error"]["status"] == response.status_code
    assert "Traceback" not in response.text
    error: dict[str, Any] = body["error"]
    return error


def library_error(call: Any) -> ReplyKBError:
    with pytest.raises(ReplyKBError) as caught:
        call()
    return caught.value


# --- the same reply through every door -----------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "message", MESSAGES, ids=["confident", "ambiguous", "no_match", "angry", "email"]
)
def test_suggest_gives_the_library_suggestion_byte_for_byte(
    client: TestClient, example_kb: KnowledgeBase, channel: str, message: str
) -> None:
    fields: dict[str, Any] = {
        "message": message,
        "channel": channel,
        "agent": "paola",
        "customer": {"name": "Anna Bianchi", "handle": "@anna_b"},
        "conversation_id": "c-42",
        "details": {"order_id": "FH1234567"},
        "last_customer_message_at": "2026-11-02T09:30:00Z",
    }
    response = client.post("/v1/suggest", json={**fields, "now": NOW, "k": 4})
    try:
        expected = example_kb.suggest(**fields, now=NOW, k=4)  # type: ignore[arg-type]
    except ReplyKBError as error:  # a reply too long for the channel: the same error
        assert response.status_code == 422
        assert error_of(response)["message"] == str(error)
        return
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected.model_dump(mode="json")
    assert response.content == expected.model_dump_json().encode("utf-8")


def test_the_examples_cover_every_status(client: TestClient) -> None:
    statuses = {
        client.post("/v1/suggest", json={"message": m, "channel": "x"}).json()["match"]["status"]
        for m in MESSAGES
    }
    assert statuses == {"confident", "ambiguous", "no_match"}


def test_batch_gives_suggest_many_in_order_with_failures_in_place(
    client: TestClient, example_kb: KnowledgeBase
) -> None:
    items: list[Any] = [
        {"id": "a", "message": "how do I reset my password", "channel": "x", "agent": "dev"},
        {"id": "b", "message": "refund", "channel": "chat", "customer": "Marco"},
        {"id": 7, "message": "", "channel": "x"},
        {"id": "d", "message": "hi", "channel": "telegram"},
        {"id": "e", "message": "do you sell cars", "channel": "facebook"},
        "not a request",
    ]
    response = client.post("/v1/suggest/batch", json={"items": items, "k": 2, "now": NOW})
    assert response.status_code == 200, response.text
    expected = [r.model_dump(mode="json") for r in example_kb.suggest_many(items, k=2, now=NOW)]
    assert response.json() == {"results": expected}
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "confident",
        "ambiguous",
        "error",
        "error",
        "no_match",
        "error",
    ]
    assert results[2]["error"] == "the message is empty; there is nothing to match"
    assert results[3]["kind"] == "UnknownNameError" and results[3]["field"] == "channel"


@pytest.mark.parametrize("channel", CHANNELS)
def test_render_gives_the_library_reply(
    client: TestClient, example_kb: KnowledgeBase, channel: str
) -> None:
    fields = {
        "channel": channel,
        "agent": "sam",
        "customer": "@marco_r",
        "conversation_id": 99,
        "last_customer_message_at": "2026-11-01T10:00:00Z",
        "now": NOW,
    }
    response = client.post("/v1/render", json={"answer_id": "where-is-my-order", **fields})
    try:
        expected = example_kb.render("where-is-my-order", **fields)  # type: ignore[arg-type]
    except ReplyKBError as error:
        assert response.status_code == 422 and error_of(response)["message"] == str(error)
        return
    assert response.status_code == 200, response.text
    assert response.content == expected.model_dump_json().encode("utf-8")


@pytest.mark.parametrize(
    ("channel", "text"),
    [
        ("x", "Hi @marco_r, see https://help.fernhill.example/refunds 🙂"),
        ("twitter", "an alias counts as its channel"),
        ("sms", "Ciao Anna, il rimborso arriva in 5 giorni. " * 5),
        ("sms", "plain GSM text"),
        ("instagram_dm", "è già partito 📦"),
        ("email", "no limit here"),
        ("chat", ""),
    ],
)
def test_length_counts_as_the_platform(
    client: TestClient, example_kb: KnowledgeBase, channel: str, text: str
) -> None:
    response = client.post("/v1/length", json={"text": text, "channel": channel})
    assert response.status_code == 200, response.text
    name, spec = example_kb.renderer.channel(channel)
    length = count_length(text, spec.count)
    assert response.json() == {
        "channel": name,
        "length": length,
        "limit": spec.limit,
        "unit": spec.count,
        "over": max(0, length - spec.limit) if spec.limit else 0,
        "segments": sms_segments(text) if spec.count == "sms" else None,
    }


def test_answers_lists_every_answer(client: TestClient, example_kb: KnowledgeBase) -> None:
    listed = client.get("/v1/answers").json()
    assert [a["id"] for a in listed] == [a.id for a in example_kb.answers]
    locked = next(a for a in listed if a["id"] == "account-locked")
    answer = example_kb.base.answer("account-locked")
    assert locked["title"] == (answer.title or answer.questions[0])
    assert locked["question"] == answer.questions[0]
    assert locked["private"] is answer.private is True
    assert locked["channels"] == list(example_kb.settings.channels)


def test_one_answer_is_the_base_s(client: TestClient, example_kb: KnowledgeBase) -> None:
    response = client.get("/v1/answers/refund-timing")
    assert response.status_code == 200
    assert response.json() == example_kb.base.answer("refund-timing").model_dump(mode="json")


def test_channels_and_agents_are_the_base_s(client: TestClient, example_kb: KnowledgeBase) -> None:
    channels = client.get("/v1/channels").json()
    assert channels == {
        n: c.model_dump(mode="json") for n, c in example_kb.settings.channels.items()
    }
    assert channels["x"]["limit"] == 280 and channels["x"]["count"] == "twitter"
    assert channels["x"]["private_channel"] == "x_dm"
    agents = client.get("/v1/agents").json()
    assert agents["paola"]["name"] == "Paola"
    assert agents["paola"]["signatures"]["x"] == "^Paola"


def test_health_and_readiness(client: TestClient, example_kb: KnowledgeBase) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["fingerprint"] == example_kb.base.fingerprint
    assert body["answers"] == len(example_kb.answers)
    assert body["reload_error"] is None and body["loaded_at"].endswith("Z")


def test_the_console_and_its_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text.lower()
    script = client.get("/static/console.js")
    assert script.status_code == 200
    assert error_of(client.get("/static/nope.js"))["status"] == 404


# --- errors: the library's words, as JSON ------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"message": "hi", "channel": "telegram"}, "channel"),
        ({"message": "hi", "channel": "x", "agent": "nobody"}, "agent"),
        ({"message": "   \u200b ", "channel": "x"}, "message"),
    ],
)
def test_suggest_errors_are_the_library_s(
    client: TestClient, example_kb: KnowledgeBase, fields: dict[str, str], field: str
) -> None:
    response = client.post("/v1/suggest", json=fields)
    assert response.status_code == 422
    expected = library_error(lambda: example_kb.suggest(**fields))  # type: ignore[arg-type]
    error = error_of(response)
    assert error["message"] == str(expected)
    assert error["kind"] == type(expected).__name__
    assert error["field"] == field


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"channel": "x"}, "no `message`: there is nothing to match", "message"),
        (
            {"message": "hi"},
            "no `channel`: name the channel the message came from (x, sms, email...)",
            "channel",
        ),
        ({"message": 5, "channel": "x"}, "`message` must be text, not a number", "message"),
        (
            {"message": "hi", "channel": "x", "k": 0},
            "`k` must be a whole number of at least 1, not 0",
            "k",
        ),
        ({"message": "hi", "channel": "x", "k": 1000}, "`k` must be at most 100, not 1000", "k"),
        (
            {"message": "hi", "channel": "x", "k": None},
            "`k` must be a whole number of at least 1, not null",
            "k",
        ),
        (
            {"message": "hi", "channel": "x", "k": True},
            "`k` must be a whole number of at least 1, not true",
            "k",
        ),
        (
            {"message": "hi", "channel": "x", "k": "3"},
            "`k` must be a whole number of at least 1, not text",
            "k",
        ),
        ({"message": "hi", "channel": "x", "now": "2026-11-02T10:00:00"}, None, "now"),
        ({"message": "hi", "channel": "x", "colour": "red"}, "unknown field `colour`", "colour"),
    ],
)
def test_unusable_fields_name_the_field(
    client: TestClient, body: dict[str, Any], message: str | None, field: str
) -> None:
    response = client.post("/v1/suggest", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field
    assert error["kind"] == "MessageError"
    if message is not None:
        assert error["message"].startswith(message)
    else:
        assert "time zone" in error["message"]


def test_a_naive_now_has_the_library_s_message(
    client: TestClient, example_kb: KnowledgeBase
) -> None:
    response = client.post(
        "/v1/suggest", json={"message": "hi", "channel": "x", "now": "2026-11-02T10:00:00"}
    )
    expected = library_error(
        lambda: example_kb.suggest("hi", channel="x", now="2026-11-02T10:00:00")
    )  # type: ignore[arg-type]
    assert error_of(response)["message"] == str(expected)


def test_render_names_an_unknown_answer_in_the_body(
    client: TestClient, example_kb: KnowledgeBase
) -> None:
    response = client.post("/v1/render", json={"answer_id": "nope", "channel": "x"})
    assert response.status_code == 422
    expected = library_error(lambda: example_kb.render("nope", channel="x"))
    assert isinstance(expected, UnknownNameError)
    error = error_of(response)
    assert (error["message"], error["field"], error["kind"]) == (
        str(expected),
        "answer_id",
        "UnknownNameError",
    )


def test_an_unknown_answer_in_the_path_is_404(
    client: TestClient, example_kb: KnowledgeBase
) -> None:
    response = client.get("/v1/answers/nope")
    assert response.status_code == 404
    expected = library_error(lambda: example_kb.base.answer("nope"))
    assert error_of(response)["message"] == str(expected)
    assert error_of(response)["field"] == "answer_id"


def test_render_and_length_refuse_bad_fields(client: TestClient) -> None:
    error = error_of(client.post("/v1/render", json={"channel": "x"}))
    assert (error["status"], error["message"], error["field"]) == (
        422,
        "no `answer_id`",
        "answer_id",
    )
    error = error_of(
        client.post("/v1/render", json={"answer_id": "exchange", "channel": "x", "customer": 3})
    )
    assert error["field"] == "customer" and error["message"].startswith("`customer` must be a name")
    error = error_of(client.post("/v1/length", json={"text": "hi", "channel": "fax"}))
    assert error["kind"] == "UnknownNameError" and error["message"].startswith(
        "unknown channel 'fax'"
    )
    error = error_of(client.post("/v1/length", json={"channel": "x"}))
    assert error["message"] == "no `text`"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer", 3),
        ("customer", {"name": ["Marco"]}),
        ("details", {"order_id": ["FH1"]}),
        ("details", "FH1"),
        ("last_customer_message_at", "2026-11-02T08:00:00"),
        ("last_customer_message_at", "yesterday"),
        ("conversation_id", 1.5),
    ],
)
def test_suggest_and_render_refuse_a_bad_reply_field_alike(
    client: TestClient, field: str, value: object
) -> None:
    """The reply's context (customer, details, window, conversation) has one rule per
    field for both doors: the same value gets the same 422 and message."""
    suggest = client.post("/v1/suggest", json={"message": "hi", "channel": "x", field: value})
    render = client.post("/v1/render", json={"answer_id": "exchange", "channel": "x", field: value})
    assert suggest.status_code == render.status_code == 422, (suggest.text, render.text)
    assert error_of(suggest)["field"] == error_of(render)["field"] == field
    assert error_of(suggest)["message"] == error_of(render)["message"]
    assert error_of(suggest)["message"].startswith(f"`{field}`"), error_of(suggest)


@pytest.mark.parametrize("body", [b"{bad json", b'{"message": "hi", "channel": "x"', b"\xff\xfe"])
def test_malformed_json_is_400(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/v1/suggest", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["kind"] == "InvalidJSON" and error["message"].startswith(
        "the body is not valid JSON"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"message": "caf\xe9", "channel": "x"}', "it is not UTF-8 text (byte 17 is 0xe9)"),
        (b'{"details": ' + b"[" * 5000 + b"]" * 5000 + b"}", "it is nested too deeply"),
        (
            b'{"k": ' + b"9" * 5000 + b"}",
            "Exceeds the limit (4300 digits) for integer string conversion",
        ),
    ],
)
def test_json_python_cannot_read_is_400_saying_why(
    client: TestClient, body: bytes, reason: str
) -> None:
    response = client.post(
        "/v1/suggest", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["kind"] == "InvalidJSON"
    assert error["message"].startswith(f"the body is not valid JSON: {reason}")


@pytest.mark.parametrize("body", [b"[1, 2]", b'"hi"', b"null", b""])
def test_a_body_that_is_not_an_object_is_422(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/v1/suggest", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert error_of(response)["message"]


def test_unknown_routes_and_methods_are_json(client: TestClient) -> None:
    assert error_of(client.get("/v2/suggest"))["status"] == 404
    error = error_of(client.get("/v1/suggest"))
    assert error["status"] == 405 and error["kind"] == "MethodNotAllowed"


def test_an_unexpected_error_is_500_without_its_trace(
    example_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, holder = _app(example_kb)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("secret detail /srv/replykb/internal.py")

    monkeypatch.setattr(example_kb, "suggest_many", broken)
    with client:
        response = client.post("/v1/suggest", json={"message": "hi", "channel": "x"})
    holder.close()
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "status": 500,
            "kind": "InternalError",
            "message": "internal error, see the server log",
            "field": None,
        }
    }
    assert "secret" not in response.text and "Traceback" not in response.text


def test_feedback_goes_to_the_library(client: TestClient, example_kb: KnowledgeBase) -> None:
    if not hasattr(example_kb, "feedback"):
        pytest.skip("KnowledgeBase.feedback is not there yet (issue 15)")
    sent = client.post(
        "/v1/feedback",
        json={"outcome": "sent", "channel": "x", "answer_id": "refund-timing", "agent": "paola"},
    )
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"recorded": False}  # no usage log on this app
    bad = client.post("/v1/feedback", json={"outcome": "sent", "channel": "fax"})
    expected = library_error(lambda: example_kb.feedback({"outcome": "sent", "channel": "fax"}))
    assert bad.status_code == 422 and error_of(bad)["message"] == str(expected)
    edited = client.post("/v1/feedback", json={"outcome": "edited", "channel": "x"})
    assert edited.status_code == 422 and "edited_text" in error_of(edited)["message"]
    assert error_of(edited)["field"] == "edited_text"
    for body, field in [
        ({"outcome": "meh", "channel": "x"}, "outcome"),
        (
            {
                "outcome": "wrong",
                "channel": "x",
                "answer_id": "refund-timing",
                "used_answer_id": "Not An Id",
            },
            "used_answer_id",
        ),
        ({"outcome": "wrong", "channel": "x", "answer_id": "Not An Id"}, "answer_id"),
        ({"outcome": "sent", "channel": "x", "agent": "nobody"}, "agent"),
    ]:
        refused = client.post("/v1/feedback", json=body)
        assert refused.status_code == 422, body
        assert error_of(refused)["field"] == field, (body, refused.text)
        assert error_of(refused)["message"] == str(
            library_error(lambda b=body: example_kb.feedback(b))
        )
    assert isinstance(
        library_error(lambda: example_kb.feedback({"outcome": "edited", "channel": "x"})),
        MessageError,
    )
    # An answer a reload removed is still a recorded outcome (the report lists its id).
    gone = client.post(
        "/v1/feedback", json={"outcome": "wrong", "channel": "x", "answer_id": "gone"}
    )
    assert gone.status_code == 202, gone.text


@pytest.mark.parametrize(
    "media", ["application/x-www-form-urlencoded", "text/plain; charset=utf-8"]
)
def test_a_body_that_is_not_sent_as_json_is_415(client: TestClient, media: str) -> None:
    body = b'{"message": "how do I reset my password", "channel": "x"}'
    response = client.post("/v1/suggest", content=body, headers={"content-type": media})
    assert response.status_code == 415
    error = error_of(response)
    assert error["kind"] == "UnsupportedMediaType"
    assert error["message"].startswith(
        "the body must be JSON, sent with `Content-Type: application/json`"
    )
    # The same body as JSON is answered.
    assert (
        client.post(
            "/v1/suggest", content=body, headers={"content-type": "application/json"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("field", ["channel", "agent", "language"])
def test_a_huge_unknown_name_is_not_echoed_back(client: TestClient, field: str) -> None:
    """A megabyte of channel, agent or language is refused with its first characters,
    not echoed whole into the response body (and the server's log)."""
    fields = {"message": "ciao, dov'è il mio ordine?", "channel": "x", field: "z" * 1_000_000}
    response = client.post("/v1/suggest", json=fields)
    assert response.status_code == 422
    error = error_of(response)
    assert error["message"].startswith(f"unknown {field} '{'z' * 80}'…; known {field}s: ")
    assert len(response.content) < 2_000


def test_languages_are_the_base_s_source_first(client: TestClient, shop_kb: KnowledgeBase) -> None:
    response = client.get("/v1/languages")
    assert response.status_code == 200
    assert response.json() == {
        "source": "en",
        "languages": [{"code": "en", "name": "English"}, {"code": "it", "name": "Italian"}],
    }
    one, holder = _app(shop_kb)
    with one:
        response = one.get("/v1/languages")
    holder.close()
    assert response.status_code == 200
    assert response.json() == {"source": "en", "languages": [{"code": "en", "name": "English"}]}
