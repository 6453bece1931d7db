"""examples/chatwoot_webhook.py against a real `replykb serve` (with a token and a usage
log) and a stand-in for Chatwoot's messages API that captures the private notes.

The webhook bodies are Chatwoot's `message_created` payloads (Message#webhook_data:
the message, its sender, inbox, conversation and account). What is asserted: the note
Chatwoot receives (the server's reply for the same fields, byte for byte), and the
outcome the example reports, read back from the server's usage log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .console_helpers import (
    Server,
    free_port,
    load_example,
    replykb_server,
    serve_in_thread,
    stop_http,
)

EXAMPLE = Path(__file__).parent.parent / "examples" / "chatwoot_webhook.py"
TOKEN = "webhook-test-token"
REFUND = "my refund still hasn't arrived, sent it back 2 weeks ago"
ORDER = "where is my parcel?? ordered it last week"


webhook_example = load_example(EXAMPLE)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, example_cache: Path) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("webhook-server")
    with replykb_server(folder, example_cache, token=TOKEN) as running:
        yield running


class FakeChatwoot:
    """Chatwoot's `POST /api/v1/accounts/{a}/conversations/{c}/messages`, recorded."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((self.path, body, self.headers.get("api_access_token")))
                answer = json.dumps({"id": 9000 + len(received), **body}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = serve_in_thread(self.http)

    def notes(self) -> list[str]:
        return [body["content"] for _, body, _ in self.received]


# The receiver checks both (tests/test_examples_chatwoot_auth.py refuses what lacks them).
WEBHOOK_SECRET = "cw-webhook-signing-secret"
PATH_TOKEN = "Zq3-path-token-of-the-tests_x"


def chatwoot_headers(body: bytes, secret: str = WEBHOOK_SECRET, at: float | None = None) -> dict:
    """The headers Chatwoot signs a delivery with: HMAC-SHA256 of "<timestamp>.<body>"."""
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Chatwoot-Timestamp": timestamp,
        "X-Chatwoot-Signature": f"sha256={digest.hexdigest()}",
        "X-Chatwoot-Delivery": "5c2b7a1e-0d7e-4c55-9d0e-6a0a3b1f2e11",
    }


class Webhook:
    """The example's webhook receiver, running, and a way to post events to it (signed,
    to its path, as Chatwoot does)."""

    def __init__(self, bridge: Any) -> None:
        self.bridge = bridge
        auth = webhook_example.WebhookAuth(secret=WEBHOOK_SECRET, path_token=PATH_TOKEN)
        self.http = webhook_example.make_server(bridge, host="127.0.0.1", port=0, auth=auth)
        self.url = serve_in_thread(self.http) + "/" + PATH_TOKEN

    def post(self, body: Any, *, raw: bytes | None = None) -> tuple[int, str]:
        data = raw if raw is not None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url, data=data, headers=chatwoot_headers(data), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())["done"]
        except urllib.error.HTTPError as error:
            return error.code, ""

    def refusal(self, body: Any) -> tuple[int, Any, str]:
        """The status, the JSON answer and its raw text for an event the receiver refuses."""
        data = json.dumps(body).encode()
        request = urllib.request.Request(
            self.url, data=data, headers=chatwoot_headers(data), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read().decode()
                return response.status, json.loads(raw), raw
        except urllib.error.HTTPError as error:
            raw = error.read().decode()
            return error.code, json.loads(raw), raw


@pytest.fixture
def chatwoot() -> Iterator[FakeChatwoot]:
    fake = FakeChatwoot()
    yield fake
    stop_http(fake.http)


@pytest.fixture
def webhook(server: Server, chatwoot: FakeChatwoot) -> Iterator[Webhook]:
    bridge = webhook_example.ChatwootBridge(
        webhook_example.ReplyKBServer(server.url, TOKEN),
        chatwoot_url=chatwoot.url,
        chatwoot_token="cw-secret",
        agent="paola",
    )
    running = Webhook(bridge)
    yield running
    stop_http(running.http)


ASKED = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0)


def event(
    content: str,
    message_type: str = "incoming",
    *,
    inbox: str = "Channel::TwitterProfile",
    kind: str | None = "tweet",
    conversation_id: int = 77,
    private: bool = False,
    sender_type: str | None = None,
    asked: datetime = ASKED,
) -> dict[str, Any]:
    """A `message_created` webhook body as Chatwoot sends it."""
    incoming = message_type == "incoming"
    contact = {"id": 42, "name": "Mario Rossi", "avatar": "", "type": "contact"}
    agent = {"id": 1, "name": "Paola Ricci", "email": "paola@fernhill.example", "type": "user"}
    sender = contact if incoming else agent
    if sender_type is not None:
        sender = {"id": 5, "name": "Bot", "avatar_url": "", "type": sender_type}
    timestamp = int(asked.timestamp())
    return {
        "event": "message_created",
        "id": 5000 + conversation_id,
        "content": content,
        "created_at": asked.isoformat().replace("+00:00", "Z") if incoming else None,
        "message_type": message_type,
        "content_type": "text",
        "content_attributes": {},
        "additional_attributes": {},
        "private": private,
        "source_id": None,
        "sender": {**sender, "account": {"id": 3, "name": "Fernhill"}},
        "inbox": {"id": 7, "name": "Fernhill social"},
        "conversation": {
            "additional_attributes": {"type": kind} if kind else {},
            "can_reply": True,
            "channel": inbox,
            "contact_inbox": {"id": 11, "contact_id": 42, "inbox_id": 7, "source_id": "src-42"},
            "id": conversation_id,
            "inbox_id": 7,
            "messages": [],
            "labels": [],
            "meta": {"sender": contact, "assignee": agent, "team": None, "hmac_verified": False},
            "status": "open",
            "custom_attributes": {},
            "snoozed_until": None,
            "unread_count": 1,
            "first_reply_created_at": None,
            "priority": None,
            "waiting_since": timestamp,
            "agent_last_seen_at": timestamp,
            "contact_last_seen_at": timestamp,
            "last_activity_at": timestamp,
            "timestamp": timestamp,
            "created_at": timestamp,
        },
        "account": {"id": 3, "name": "Fernhill"},
    }


def expected(
    server: Server, message: str, channel: str, conversation_id: int = 77, asked: datetime = ASKED
) -> Any:
    return server.ok(
        "POST",
        "v1/suggest",
        {
            "message": message,
            "channel": channel,
            "agent": "paola",
            "customer": "Mario Rossi",
            "conversation_id": str(conversation_id),
            "last_customer_message_at": asked.isoformat(),
        },
    )


# --- the private note -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inbox", "kind", "channel"),
    [
        ("Channel::TwitterProfile", "tweet", "x"),
        ("Channel::TwitterProfile", None, "x_dm"),
        ("Channel::FacebookPage", None, "messenger"),
        ("Channel::FacebookPage", "instagram_direct_message", "instagram_dm"),
        ("Channel::Instagram", None, "instagram_dm"),
        ("Channel::Email", None, "email"),
        ("Channel::Sms", None, "sms"),
        ("Channel::TwilioSms", None, "sms"),
        ("Channel::WebWidget", None, "chat"),
        ("Channel::Api", None, "chat"),
        ("Channel::Whatsapp", None, "chat"),  # no whatsapp channel in answers/: chat
    ],
)
def test_an_incoming_message_gets_the_servers_reply_as_a_private_note(
    server: Server,
    chatwoot: FakeChatwoot,
    webhook: Webhook,
    inbox: str,
    kind: str | None,
    channel: str,
) -> None:
    assert webhook.post(event(REFUND, inbox=inbox, kind=kind)) == (200, "note")
    [(path, body, token)] = chatwoot.received
    assert path == "/api/v1/accounts/3/conversations/77/messages"
    assert body["private"] is True and body["message_type"] == "outgoing"
    assert token == "cw-secret"
    reply = expected(server, REFUND, channel)["reply"]
    assert reply["channel"] == channel
    assert body["content"] == (
        f"Suggested reply (refund-timing, score {expected(server, REFUND, channel)['match']['score']:.2f}):"
        f"\n\n{reply['text']}"
    )


def test_a_private_answer_on_x_notes_both_messages(
    server: Server, chatwoot: FakeChatwoot, webhook: Webhook
) -> None:
    webhook.post(event(ORDER))
    reply = expected(server, ORDER, "x")["reply"]
    assert reply["form"] == "private_invite"
    [note] = chatwoot.notes()
    assert f"\n\n{reply['text']}\n\nThen in private (x_dm):\n\n" in note
    assert note.endswith(reply["private_reply"]["text"])


def test_ambiguous_and_no_match_notes(
    server: Server, chatwoot: FakeChatwoot, webhook: Webhook
) -> None:
    webhook.post(event("delivery", inbox="Channel::Sms", kind=None, conversation_id=80))
    webhook.post(event("who won the football last night", conversation_id=81))
    ambiguous, no_match = chatwoot.notes()
    alternatives = expected(server, "delivery", "sms", 80)["alternatives"]
    assert ambiguous.startswith("replykb: several answers are close; choose one:")
    for reply in alternatives:
        assert f"[{reply['answer_id']}]\n{reply['text']}" in ambiguous
    candidates = expected(server, "who won the football last night", "x", 81)["match"]["candidates"]
    assert no_match == (
        "replykb: no confident answer; please reply personally. Closest: "
        + ", ".join(f"{answer} ({score:.2f})" for answer, score in candidates)
    )


def test_a_restricted_reply_window_is_in_the_note(
    server: Server, chatwoot: FakeChatwoot, webhook: Webhook
) -> None:
    three_days_ago = ASKED - timedelta(days=3)
    webhook.post(event(REFUND, inbox="Channel::FacebookPage", kind=None, asked=three_days_ago))
    reply = expected(server, REFUND, "messenger", asked=three_days_ago)["reply"]
    window = reply["window"]
    assert window["status"] == "human_agent_tag"
    [note] = chatwoot.notes()
    assert note.endswith(
        f"{reply['text']}\n\n[send it with the HUMAN_AGENT tag, until {window['closes_at']}: "
        f"{window['rule']}]"
    )


def test_the_sample_payload_of_the_docs(
    server: Server, chatwoot: FakeChatwoot, webhook: Webhook
) -> None:
    sample = EXAMPLE.parent / "chatwoot" / "message_created.json"
    assert webhook.post(json.loads(sample.read_text(encoding="utf-8"))) == (200, "note")
    asked = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    reply = expected(server, REFUND, "messenger", asked=asked)["reply"]
    [(path, body, _)] = chatwoot.received
    assert path == "/api/v1/accounts/3/conversations/77/messages"
    assert body["content"].startswith("Suggested reply (refund-timing, score ")
    assert body["content"].endswith(
        f"{reply['text']}\n\n[the reply window is closed: {reply['window']['rule']}]"
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"event": "conversation_created", "id": 77},
        event("   "),
        event("thanks!", "outgoing"),  # nothing was suggested in that conversation
        event("a note", "outgoing", private=True),
        event("activity", "activity"),
        {**event(REFUND), "conversation": {}},
    ],
    ids=["other-event", "blank", "outgoing", "private", "activity", "no-conversation"],
)
def test_other_events_post_nothing(
    chatwoot: FakeChatwoot, webhook: Webhook, payload: dict[str, Any]
) -> None:
    assert webhook.post(payload) == (200, "ignored")
    assert chatwoot.received == []


# --- the outcome the agent's reply reports ----------------------------------------------


def test_the_suggested_reply_sent_as_is_is_feedback_sent(
    server: Server, chatwoot: FakeChatwoot, webhook: Webhook
) -> None:
    webhook.post(event(REFUND, conversation_id=90))
    [note] = chatwoot.notes()
    # Chatwoot's own echo of the note (outgoing, private) is not the agent's reply.
    assert webhook.post(event(note, "outgoing", private=True, conversation_id=90)) == (
        200,
        "ignored",
    )
    reply = expected(server, REFUND, "x", 90)["reply"]["text"]
    sent = "  " + reply.replace(" ", "\n", 1) + "\n"  # spaces and line breaks aside
    assert webhook.post(event(sent, "outgoing", conversation_id=90)) == (200, "sent")
    row = server.feedback_for("90")
    assert (row.outcome, row.answer_id, row.channel, row.agent, row.source) == (
        "sent",
        "refund-timing",
        "x",
        "paola",
        "chatwoot",
    )
    assert row.edited_text is None
    # Only the first reply after a suggestion counts.
    assert webhook.post(event("anything else?", "outgoing", conversation_id=90)) == (
        200,
        "ignored",
    )


def test_an_edited_reply_is_feedback_edited_with_the_text_sent(
    server: Server, webhook: Webhook
) -> None:
    webhook.post(event(REFUND, inbox="Channel::Email", kind=None, conversation_id=91))
    sent = "Ciao Mario, your refund was approved today: 3-5 working days. Paola"
    assert webhook.post(event(sent, "outgoing", inbox="Channel::Email", conversation_id=91)) == (
        200,
        "edited",
    )
    row = server.feedback_for("91")
    assert (row.outcome, row.answer_id, row.channel, row.edited_text) == (
        "edited",
        "refund-timing",
        "email",
        sent,
    )


def test_an_alternative_sent_as_is_is_feedback_sent_for_that_answer(
    server: Server, webhook: Webhook
) -> None:
    webhook.post(event("delivery", inbox="Channel::Sms", kind=None, conversation_id=92))
    second = expected(server, "delivery", "sms", 92)["alternatives"][1]
    assert webhook.post(event(second["text"], "outgoing", conversation_id=92)) == (200, "sent")
    row = server.feedback_for("92")
    assert (row.outcome, row.answer_id, row.channel) == ("sent", second["answer_id"], "sms")


def test_a_reply_after_no_match_is_feedback_unused(server: Server, webhook: Webhook) -> None:
    webhook.post(event("who won the football last night", conversation_id=93))
    assert webhook.post(event("Not our area, sorry! ^Paola", "outgoing", conversation_id=93)) == (
        200,
        "unused",
    )
    row = server.feedback_for("93")
    assert (row.outcome, row.answer_id, row.used_answer_id) == ("unused", None, None)


def test_a_bots_message_is_not_the_agents_reply(server: Server, webhook: Webhook) -> None:
    webhook.post(event(REFUND, conversation_id=94))
    bot = event(
        "Thanks, an agent will reply soon", "outgoing", conversation_id=94, sender_type="agent_bot"
    )
    assert webhook.post(bot) == (200, "ignored")
    assert webhook.post(event("Hi Mario! ^Paola", "outgoing", conversation_id=94)) == (
        200,
        "edited",
    )
    assert server.feedback_for("94").edited_text == "Hi Mario! ^Paola"


@pytest.mark.parametrize(
    ("created_at", "given"),
    [
        ("2026-11-02T09:30:00.000Z", "2026-11-02T09:30:00+00:00"),  # a webhook's
        (1793611800, "2026-11-02T09:30:00+00:00"),  # Unix seconds
        ("2026-11-02T09:30:00", None),  # no time zone: unknown, not guessed
        (int(time.time()) + 3600, None),  # in the future: a clock is off
        ("yesterday", None),
        (10**20, None),
        (True, None),
        (None, None),
    ],
)
def test_the_time_of_the_customers_message_is_passed_only_when_usable(
    created_at: Any, given: str | None
) -> None:
    assert webhook_example._last_message_at({"created_at": created_at}) == given


def test_pending_suggestions_are_bounded_in_number_and_age() -> None:
    pending = webhook_example.PendingSuggestions(limit=3, seconds=3600)

    def item(n: int) -> Any:
        return webhook_example.Pending(
            channel="x", agent=None, message=f"m{n}", status="no_match", replies={}, note=""
        )

    for n in range(5):
        pending.put(f"3:{n}", item(n))
    assert len(pending) == 3
    assert pending.get("3:0") is None and pending.get("3:1") is None
    assert pending.get("3:4").message == "m4"
    stale = webhook_example.PendingSuggestions(limit=3, seconds=0.05)
    stale.put("3:1", item(1))
    time.sleep(0.1)
    assert stale.get("3:1") is None and stale.pop("3:1") is None


# --- what goes wrong is said, never a traceback -------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{not json", 400), (b"[1, 2]", 400), (b"\xff\xfe", 400), (b'"text"', 400)],
)
def test_a_bad_body_is_refused(webhook: Webhook, raw: bytes, status: int) -> None:
    assert webhook.post(None, raw=raw)[0] == status


def with_fields(base: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The event with top-level fields replaced, or conversation fields (``conversation__x``)."""
    changed = json.loads(json.dumps(base))
    for name, value in fields.items():
        if name.startswith("conversation__"):
            changed["conversation"][name.removeprefix("conversation__")] = value
        elif value is _MISSING:
            changed.pop(name)
        else:
            changed[name] = value
    return changed


_MISSING = object()
BAD_FIELDS = [
    (
        "account-path",
        {"account": {"id": "../../../admin"}},
        'account.id must be a positive integer, not "../../../admin"',
    ),
    (
        "account-id-text",
        {"account": {"id": "3/../9"}},
        'account.id must be a positive integer, not "3/../9"',
    ),
    (
        "account-id-missing",
        {"account": {"name": "Fernhill"}},
        "account.id must be a positive integer, not missing",
    ),
    (
        "account-missing",
        {"account": _MISSING},
        "account.id must be a positive integer, not missing",
    ),
    ("account-text", {"account": "3"}, 'account must be an object, not "3"'),
    ("conversation-text", {"conversation": "abc"}, 'conversation must be an object, not "abc"'),
    ("conversation-list", {"conversation": [77]}, "conversation must be an object, not [77]"),
    ("sender-text", {"sender": "bob"}, 'sender must be an object, not "bob"'),
    ("meta-text", {"conversation__meta": "x"}, 'conversation.meta must be an object, not "x"'),
    (
        "id-object",
        {"conversation__id": {"a": 1}},
        'conversation.id must be a positive integer, not {"a": 1}',
    ),
    (
        "id-path",
        {"conversation__id": "7/../../admin"},
        'conversation.id must be a positive integer, not "7/../../admin"',
    ),
    ("id-negative", {"conversation__id": -7}, "conversation.id must be a positive integer, not -7"),
    ("id-zero", {"conversation__id": 0}, "conversation.id must be a positive integer, not 0"),
    (
        "id-fraction",
        {"conversation__id": 7.5},
        "conversation.id must be a positive integer, not 7.5",
    ),
    ("id-true", {"conversation__id": True}, "conversation.id must be a positive integer, not true"),
    (
        "id-huge",
        {"conversation__id": 2**64},
        "conversation.id must be a positive integer, not 18446744073709551616",
    ),
]


@pytest.mark.parametrize("message_type", ["incoming", "outgoing"])
@pytest.mark.parametrize(
    ("fields", "reason"),
    [(fields, reason) for _, fields, reason in BAD_FIELDS],
    ids=[name for name, _, _ in BAD_FIELDS],
)
def test_an_event_with_malformed_ids_or_objects_is_refused_with_its_reason(
    chatwoot: FakeChatwoot,
    webhook: Webhook,
    capfd: pytest.CaptureFixture[str],
    message_type: str,
    fields: dict[str, Any],
    reason: str,
) -> None:
    # A1: "../../../admin" went into Chatwoot's URL with the agent's token, and a
    # string where an object belongs dropped the connection with a traceback.
    status, said, raw = webhook.refusal(with_fields(event(REFUND, message_type), **fields))
    assert (status, said) == (400, {"done": "refused", "error": reason})
    assert "\n" not in raw
    assert chatwoot.received == []  # nothing reached Chatwoot
    assert "Traceback" not in capfd.readouterr().err
    # The receiver goes on: the next event is answered as usual.
    assert webhook.post(event(REFUND, conversation_id=78)) == (200, "note")
    [(path, _, _)] = chatwoot.received
    assert path == "/api/v1/accounts/3/conversations/78/messages"


def test_ids_given_as_digits_are_used_as_numbers(chatwoot: FakeChatwoot, webhook: Webhook) -> None:
    body = with_fields(event(REFUND), account={"id": "3"}, conversation__id="0078")
    assert webhook.post(body) == (200, "note")
    [(path, _, _)] = chatwoot.received
    assert path == "/api/v1/accounts/3/conversations/78/messages"


def test_a_body_over_the_limit_is_refused(webhook: Webhook) -> None:
    big = json.dumps({"event": "message_created", "content": "x" * 1_100_000}).encode()
    assert webhook.post(None, raw=big)[0] == 413


def test_a_wrong_token_or_a_stopped_server_is_said_in_the_note(
    server: Server, chatwoot: FakeChatwoot
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/"
    for url, token, said in [
        (server.url, "wrong-token", "replykb could not suggest a reply: HTTP 401: "),
        (closed, TOKEN, f"replykb could not suggest a reply: replykb server at {closed[:-1]} "),
    ]:
        chatwoot.received.clear()
        bridge = webhook_example.ChatwootBridge(
            webhook_example.ReplyKBServer(url, token),
            chatwoot_url=chatwoot.url,
            chatwoot_token="cw-secret",
        )
        running = Webhook(bridge)
        try:
            assert running.post(event(REFUND)) == (200, "error")
        finally:
            stop_http(running.http)
        [note] = chatwoot.notes()
        assert note.startswith(said)


def test_chatwoot_unreachable_is_a_502_and_the_next_event_works(
    server: Server, chatwoot: FakeChatwoot
) -> None:
    bridge = webhook_example.ChatwootBridge(
        webhook_example.ReplyKBServer(server.url, TOKEN),
        chatwoot_url=f"http://127.0.0.1:{free_port()}",
        chatwoot_token="cw-secret",
    )
    running = Webhook(bridge)
    try:
        assert running.post(event(REFUND, conversation_id=95))[0] == 502
        bridge.chatwoot_url = chatwoot.url
        assert running.post(event(REFUND, conversation_id=95)) == (200, "note")
    finally:
        stop_http(running.http)


def test_the_example_refuses_to_start_without_chatwoot_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CHATWOOT_URL", raising=False)
    monkeypatch.delenv("CHATWOOT_TOKEN", raising=False)
    monkeypatch.setattr("sys.argv", ["chatwoot_webhook.py", "--server", "http://127.0.0.1:9"])
    with pytest.raises(SystemExit) as stopped:
        webhook_example.main()
    assert stopped.value.code == 2
    assert "set CHATWOOT_URL and CHATWOOT_TOKEN" in capsys.readouterr().err
