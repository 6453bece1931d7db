"""The console as a Chatwoot dashboard app, in a real headless Chromium.

A stand-in for Chatwoot's dashboard (another origin: a second loopback server; a
public origin would meet Chrome's Local Network Access block on a loopback iframe)
iframes the console from a real `replykb serve` and behaves as Chatwoot's
DashboardApp/Frame.vue does: on the iframe's load, and whenever the app posts
`chatwoot-dashboard-app:fetch-info`, it posts the JSON string
`{"event": "appContext", "data": {"conversation", "contact", "currentAgent"}}`, the
conversation as Chatwoot's API renders it (messages' `message_type` as numbers).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from .console_helpers import (
    Server,
    chromium,
    load_example,
    replykb_server,
    serve_in_thread,
    stop_http,
)

REFUND = "where's my refund?? sent the parcel back 2 weeks ago"
ORDER = "where is my parcel?? ordered it last week"
CONVERSATION_ID = 1234
webhook_example = load_example(Path(__file__).parent.parent / "examples" / "chatwoot_webhook.py")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, example_cache: Path) -> Iterator[Server]:
    with replykb_server(tmp_path_factory.mktemp("chatwoot-console"), example_cache) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


class Dashboard:
    """The stand-in Chatwoot: serves the conversation page that iframes the console."""

    def __init__(self) -> None:
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = serve_in_thread(self.http)


@pytest.fixture(scope="module")
def dashboard() -> Iterator[Dashboard]:
    running = Dashboard()
    yield running
    stop_http(running.http)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


def message(
    id: int, content: str, message_type: int, created_at: int, *, private: bool = False
) -> dict[str, Any]:
    """A message as Chatwoot's Message#push_event_data renders it."""
    contact = message_type == 0
    return {
        "id": id,
        "content": content,
        "account_id": 3,
        "inbox_id": 7,
        "conversation_id": CONVERSATION_ID,
        "message_type": message_type,  # 0 incoming, 1 outgoing, 2 activity, 3 template
        "created_at": created_at,
        "updated_at": datetime.fromtimestamp(created_at, UTC).isoformat(),
        "private": private,
        "status": "sent",
        "source_id": None,
        "content_type": "text",
        "content_attributes": {},
        "sender_type": "Contact" if contact else "User",
        "sender_id": 42 if contact else 1,
        "external_source_ids": {},
        "additional_attributes": {},
        "processed_message_content": content,
        "sentiment": {},
        "conversation": {"assignee_id": 1, "unread_count": 1, "last_activity_at": created_at},
        "sender": (
            {"id": 42, "name": "Giulia Rossi", "type": "contact", "thumbnail": ""}
            if contact
            else {"id": 1, "name": "Paola Ricci", "type": "user", "thumbnail": ""}
        ),
    }


def app_context(
    inbox: str,
    *,
    kind: str | None = None,
    latest: str | None = REFUND,
    custom_attributes: dict[str, Any] | None = None,
    agent_name: str = "Paola Ricci",
    conversation_id: int = CONVERSATION_ID,
) -> tuple[dict[str, Any], int]:
    """Chatwoot's appContext data for a conversation, and its last incoming message's time."""
    now = int(time.time())
    asked = now - 3600
    messages = [
        message(901, "hello?", 0, now - 7200),
        message(902, "Hi! How can we help?", 1, now - 7100),
        message(903, "Conversation was assigned to Paola Ricci", 2, now - 7000),
        message(905, "customer asked twice, check the order", 1, now - 60, private=True),
    ]
    if latest is not None:
        messages.insert(3, message(904, latest, 0, asked))
    sender = {
        "additional_attributes": {"city": "Milano", "social_profiles": {}},
        "availability_status": "offline",
        "email": "giulia@example.com",
        "id": 42,
        "name": "Giulia Rossi",
        "phone_number": "+393331234567",
        "identifier": None,
        "thumbnail": "",
        "custom_attributes": {},
        "last_activity_at": asked,
        "created_at": now - 86400,
    }
    conversation = {
        "meta": {
            "sender": sender,
            "channel": inbox,
            "assignee": {
                "id": 1,
                "account_id": 3,
                "availability_status": "online",
                "auto_offline": True,
                "confirmed": True,
                "email": "paola@fernhill.example",
                "available_name": agent_name,
                "name": agent_name,
                "role": "agent",
                "thumbnail": "",
            },
            "hmac_verified": False,
        },
        "id": conversation_id,
        "messages": messages,
        "account_id": 3,
        "uuid": "6f1c1f6e-8f9b-4b43-9d0c-3f0c2b3b7a11",
        "additional_attributes": {"type": kind} if kind else {},
        "agent_last_seen_at": now - 30,
        "assignee_last_seen_at": now - 30,
        "can_reply": True,
        "contact_last_seen_at": asked,
        "custom_attributes": custom_attributes or {},
        "inbox_id": 7,
        "labels": ["refunds"],
        "muted": False,
        "snoozed_until": None,
        "status": "open",
        "created_at": now - 7200,
        "timestamp": now - 60,
        "first_reply_created_at": now - 7100,
        "unread_count": 1,
        "last_non_activity_message": messages[-1],
        "last_activity_at": now - 60,
        "priority": None,
        "waiting_since": asked,
        "sla_policy_id": None,
    }
    contact = {**sender, "contact_inboxes": [], "conversations_count": 1}
    current_agent = {"id": 1, "name": agent_name, "email": "paola@fernhill.example"}
    data = {"conversation": conversation, "contact": contact, "currentAgent": current_agent}
    return data, asked


DASHBOARD = """<!doctype html>
<html><head><title>Chatwoot</title></head><body>
<div class="dashboard-app--container">
  <iframe id="dashboard-app--frame-0-0" src="%(console)s" style="width:560px;height:960px;border:0"></iframe>
</div>
<script>
  window.fetchInfo = 0;
  window.appContext = %(context)s;
  const frame = document.getElementById("dashboard-app--frame-0-0");
  window.sendContext = () => frame.contentWindow.postMessage(
    JSON.stringify({ event: "appContext", data: window.appContext }), "*");
  frame.addEventListener("load", () => window.sendContext());
  window.onmessage = (e) => {
    if (typeof e.data !== "string" || e.data !== "chatwoot-dashboard-app:fetch-info") return;
    window.fetchInfo += 1;
    window.sendContext();
  };
</script>
</body></html>"""


def open_dashboard(
    context: Any, server: Server, dashboard: Dashboard, data: dict[str, Any]
) -> tuple[Any, Any]:
    """Chatwoot's conversation page with the console as its dashboard app."""
    conversation = quote(str(data["conversation"]["id"]), safe="")
    path = f"/app/accounts/3/conversations/{conversation}/{time.monotonic_ns()}"
    dashboard.pages[path] = DASHBOARD % {"console": server.url, "context": json.dumps(data)}
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(dashboard.origin + path)
    frame = page.frame_locator("#dashboard-app--frame-0-0")
    frame.locator(
        "#status-line:not([hidden]), #chatwoot-text:has-text('no message')"
    ).first.wait_for()
    page.errors = errors
    return page, frame


def console_frame(page: Any, server: Server) -> Any:
    """The console's frame inside the dashboard (to run code in it)."""
    (frame,) = [f for f in page.frames if f.url.startswith(server.url)]
    return frame


def context_seq(page: Any, server: Server) -> int:
    """How many messages from Chatwoot the console has handled (used or ignored)."""
    return int(console_frame(page, server).evaluate("document.body.dataset.contextSeq || 0"))


def wait_handled(page: Any, server: Server, count: int) -> None:
    """Wait until the console has handled ``count`` messages from Chatwoot in all."""
    console_frame(page, server).wait_for_function(
        "n => Number(document.body.dataset.contextSeq || 0) >= n", arg=count
    )


def expected_suggestion(
    server: Server, message: str, channel: str, asked: int, **extra: Any
) -> Any:
    return server.ok(
        "POST",
        "v1/suggest",
        {
            "message": message,
            "channel": channel,
            "agent": "paola",
            "customer": "Giulia Rossi",
            "conversation_id": str(CONVERSATION_ID),
            "last_customer_message_at": datetime.fromtimestamp(asked, UTC).isoformat(),
            **extra,
        },
    )


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
        ("Channel::WebWidget", None, "chat"),
        ("Channel::Whatsapp", None, "chat"),  # the base has no whatsapp channel: chat
    ],
)
def test_the_dashboard_app_suggests_for_the_open_conversation(
    context: Any, server: Server, dashboard: Dashboard, inbox: str, kind: str | None, channel: str
) -> None:
    data, asked = app_context(inbox, kind=kind)
    page, frame = open_dashboard(context, server, dashboard, data)
    assert page.evaluate("window.fetchInfo") >= 1  # the app asked Chatwoot for the context
    assert frame.locator("#message").input_value() == REFUND  # the last incoming message
    assert frame.locator("#channel").input_value() == channel
    assert frame.locator("#agent").input_value() == "paola"  # Chatwoot's current agent
    assert frame.locator("#customer").input_value() == "Giulia Rossi"
    assert frame.locator("#conversation-id").input_value() == str(CONVERSATION_ID)
    expected = expected_suggestion(server, REFUND, channel, asked)
    assert expected["match"]["answer_id"] == "refund-timing"
    assert frame.locator("#reply-text").input_value() == expected["reply"]["text"]
    window = expected["reply"]["window"]
    if window is None or (window == {**window, "status": "open", "closes_at": None, "once": False}):
        assert frame.locator("#reply-window").is_hidden()  # nothing limits the reply
    else:
        assert frame.locator("#reply-window").get_attribute("data-status") == window["status"]
    assert "#1234" in frame.locator("#chatwoot-text").text_content()
    # In Chatwoot's narrow panel the suggestion comes first, also in the tab order.
    assert frame.locator("main > #result + #request-form").count() == 1
    assert page.errors == []


def test_ticket_details_come_from_the_conversations_custom_attributes(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    attributes = {"order_id": "FH1234567", "Plan Type": "plus", "vip": True}
    data, asked = app_context("Channel::TwitterProfile", latest=ORDER, custom_attributes=attributes)
    _, frame = open_dashboard(context, server, dashboard, data)
    names = frame.locator(".detail-name").evaluate_all("els => els.map(e => e.value)")
    assert names == ["order_id"]  # only valid detail names with text or number values
    expected = expected_suggestion(server, ORDER, "x_dm", asked, details={"order_id": "FH1234567"})
    assert "FH1234567" in expected["reply"]["text"]
    assert frame.locator("#reply-text").input_value() == expected["reply"]["text"]


def test_another_conversation_is_suggested_and_the_same_one_keeps_the_agents_edit(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    data, _ = app_context("Channel::Email")
    page, frame = open_dashboard(context, server, dashboard, data)
    from playwright.sync_api import expect

    frame.locator("#reply-text").fill("Ciao Giulia, ti scrivo io. Paola")
    seen = context_seq(page, server)
    page.evaluate("window.sendContext()")  # Chatwoot re-sends the same conversation
    wait_handled(page, server, seen + 1)
    assert frame.locator("#reply-text").input_value() == "Ciao Giulia, ti scrivo io. Paola"

    other, asked = app_context("Channel::Sms", latest="I forgot my password", conversation_id=1300)
    page.evaluate("data => { window.appContext = data; window.sendContext(); }", other)
    expect(frame.locator("#conversation-id")).to_have_value("1300")
    frame.locator("#reply-label:has-text('reset-password')").wait_for()
    expected = server.ok(
        "POST",
        "v1/suggest",
        {
            "message": "I forgot my password",
            "channel": "sms",
            "agent": "paola",
            "customer": "Giulia Rossi",
            "conversation_id": "1300",
            "last_customer_message_at": datetime.fromtimestamp(asked, UTC).isoformat(),
        },
    )
    assert frame.locator("#reply-text").input_value() == expected["reply"]["text"]


def test_the_app_follows_the_agent_to_another_conversation(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    # Chatwoot posts nothing when the agent opens another conversation: the app asks.
    data, _ = app_context("Channel::WebWidget")
    page, frame = open_dashboard(context, server, dashboard, data)
    other, _ = app_context("Channel::Email", latest="I forgot my password", conversation_id=1301)
    page.evaluate("data => { window.appContext = data; }", other)
    from playwright.sync_api import expect

    expect(frame.locator("#conversation-id")).to_have_value("1301", timeout=15000)
    frame.locator("#reply-label:has-text('reset-password')").wait_for()
    assert frame.locator("#channel").input_value() == "email"


def test_a_new_customer_message_waits_while_the_agent_edits(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    data, _ = app_context("Channel::Email")
    page, frame = open_dashboard(context, server, dashboard, data)
    suggested = frame.locator("#reply-text").input_value()
    frame.locator("#reply-text").fill("Ciao Giulia, ti scrivo io. Paola")
    again = json.loads(json.dumps(data))
    again["conversation"]["messages"].append(
        message(906, "I forgot my password", 0, int(time.time()) - 5)
    )
    page.evaluate("data => { window.appContext = data; window.sendContext(); }", again)
    frame.locator("#chatwoot-text:has-text('The customer wrote again')").wait_for()
    assert frame.locator("#reply-text").input_value() == "Ciao Giulia, ti scrivo io. Paola"
    assert frame.locator("#message").input_value() == REFUND

    frame.locator("#chatwoot-refresh").click()  # the agent asks for the new message
    frame.locator("#reply-label:has-text('reset-password')").wait_for()
    assert frame.locator("#message").input_value() == "I forgot my password"
    assert frame.locator("#reply-text").input_value() != suggested


def test_a_conversation_without_a_customer_message_suggests_nothing(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    data, _ = app_context("Channel::WebWidget", latest=None)
    data["conversation"]["messages"] = [
        m for m in data["conversation"]["messages"] if m["id"] != 901
    ]
    _, frame = open_dashboard(context, server, dashboard, data)
    assert "no message from the customer yet" in frame.locator("#chatwoot-text").text_content()
    assert frame.locator("#status-line").is_hidden()
    assert frame.locator("#message").input_value() == ""


def customer_named(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The same context with another customer (the contact and the conversation's sender)."""
    data = json.loads(json.dumps(data))
    data["contact"]["name"] = name
    data["conversation"]["meta"]["sender"]["name"] = name
    for item in data["conversation"]["messages"]:
        if item["message_type"] == 0:
            item["sender"]["name"] = name
    return data


def without_customer_message(data: dict[str, Any]) -> dict[str, Any]:
    """The same context where the customer has written nothing yet."""
    data = json.loads(json.dumps(data))
    messages = [m for m in data["conversation"]["messages"] if m["message_type"] != 0]
    data["conversation"]["messages"] = messages
    data["conversation"]["last_non_activity_message"] = messages[-1]
    return data


def post_context(page: Any, data: dict[str, Any]) -> None:
    page.evaluate("data => { window.appContext = data; window.sendContext(); }", data)


def wait_held(page: Any, held: list[Any], count: int) -> None:
    """Wait until ``count`` suggestion requests are held by the test's route."""
    deadline = time.monotonic() + 30
    while len(held) < count:
        assert time.monotonic() < deadline, f"{len(held)} of {count} requests reached the route"
        page.wait_for_timeout(20)


def wait_settled(page: Any, server: Server) -> None:
    """Wait until the console has finished every context Chatwoot posted."""
    console_frame(page, server).wait_for_function("document.body.dataset.contextPending === '0'")


def assert_nothing_suggested(page: Any, server: Server, frame: Any, conversation: int) -> None:
    """The agent sees no reply, no choice, no feedback: nothing to copy or report."""
    from playwright.sync_api import expect

    expect(frame.locator("#result-empty")).to_have_text(
        "No customer message in this conversation yet: nothing to suggest."
    )
    for hidden in ("#status-line", "#alternatives", "#candidates", "#reply-part", "#private-part"):
        expect(frame.locator(hidden)).to_be_hidden()
    expect(frame.locator("#feedback")).to_be_hidden()
    assert frame.locator("#reply-text").input_value() == ""
    assert frame.locator("#private-text").input_value() == ""
    assert frame.locator("#reply-meter").text_content() == ""
    assert frame.locator("#status-badge").text_content() == ""
    assert frame.locator("#alternative-list > *, #candidate-list > *").count() == 0
    assert frame.locator("#feedback-status").text_content() == ""
    for button in (
        "#copy-reply",
        "#copy-private",
        "#fb-sent",
        "#fb-edited",
        "#fb-wrong",
        "#fb-unused",
    ):
        expect(frame.locator(button)).to_be_disabled()
    assert f"conversation #{conversation}: no message from the customer yet" in (
        frame.locator("#chatwoot-text").text_content()
    )
    assert page.errors == []


@pytest.mark.parametrize(
    ("inbox", "latest", "status"),
    [
        ("Channel::Email", REFUND, "confident"),
        ("Channel::Sms", "delivery", "ambiguous"),
        ("Channel::WebWidget", "who won the football last night", "no_match"),
    ],
)
def test_a_conversation_without_a_customer_message_clears_the_previous_customers_reply(
    context: Any,
    server: Server,
    dashboard: Dashboard,
    inbox: str,
    latest: str,
    status: str,
) -> None:
    # A1: Anna's reply stayed on screen (and could be copied and reported as sent)
    # after the agent opened Marco's conversation, where Marco had not written yet.
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.origin)
    anna, _ = app_context(inbox, latest=latest, conversation_id=1500)
    page, frame = open_dashboard(context, server, dashboard, customer_named(anna, "Anna"))
    frame.locator(f"#status-badge.status-{status}").wait_for()
    assert frame.locator("#reply-text").input_value() or status == "no_match"
    marco, _ = app_context("Channel::Email", conversation_id=1501)
    post_context(page, without_customer_message(customer_named(marco, "Marco")))
    from playwright.sync_api import expect

    expect(frame.locator("#conversation-id")).to_have_value("1501")
    assert frame.locator("#customer").input_value() == "Marco"
    assert_nothing_suggested(page, server, frame, 1501)
    # Nor do the keyboard shortcuts (copy, sent as is, edited).
    page.evaluate("navigator.clipboard.writeText('nothing copied')")
    for key in ("Alt+KeyC", "Alt+KeyS", "Alt+KeyE"):
        frame.locator("#message").press(key)

    # Marco writes: a suggestion for him comes, and only then can it be copied.
    post_context(page, customer_named(marco, "Marco"))
    frame.locator("#status-line:not([hidden])").wait_for()
    expect(frame.locator("#copy-reply")).to_be_enabled()
    expect(frame.locator("#fb-sent")).to_be_enabled()
    assert "Marco" in frame.locator("#reply-text").input_value()
    assert page.evaluate("navigator.clipboard.readText()") == "nothing copied"
    assert frame.locator("#copy-reply.copied").count() == 0
    assert [row for row in server.feedback() if row.conversation_id == "1501"] == []


@pytest.mark.parametrize("next_has_message", [False, True], ids=["no-message", "message"])
def test_a_late_suggestion_for_the_previous_conversation_is_not_shown(
    context: Any, server: Server, dashboard: Dashboard, next_has_message: bool
) -> None:
    first, _ = app_context("Channel::Email", conversation_id=1510)
    page, frame = open_dashboard(context, server, dashboard, customer_named(first, "Anna"))
    held: list[Any] = []
    # The server answers when the test says.
    page.route("**/v1/suggest", lambda route: held.append(route))
    anna, _ = app_context("Channel::Email", latest="I forgot my password", conversation_id=1511)
    post_context(page, customer_named(anna, "Anna"))
    frame.locator("#result-empty:has-text('Asking for a reply for conversation #1511')").wait_for()
    wait_held(page, held, 1)
    marco, _ = app_context("Channel::Sms", latest=ORDER, conversation_id=1512)
    if not next_has_message:
        marco = without_customer_message(marco)
    post_context(page, customer_named(marco, "Marco"))
    from playwright.sync_api import expect

    expect(frame.locator("#conversation-id")).to_have_value("1512")
    if next_has_message:
        wait_held(page, held, 2)
        held[1].continue_()  # Marco's suggestion first
        frame.locator("#status-line:not([hidden])").wait_for()
        marcos_reply = frame.locator("#reply-text").input_value()
        assert "Marco" in marcos_reply
    with page.expect_response("**/v1/suggest"):
        held[0].continue_()  # then Anna's, late
    wait_settled(page, server)  # Anna's late answer handled too
    assert frame.locator("#customer").input_value() == "Marco"
    if next_has_message:
        assert frame.locator("#reply-text").input_value() == marcos_reply
        assert "Anna" not in frame.locator("#reply-text").input_value()
        assert frame.locator("#reply-label").text_content() != "Reply on email (reset-password)"
    else:
        assert_nothing_suggested(page, server, frame, 1512)
    assert frame.locator("#busy").is_hidden()


@pytest.mark.parametrize(("conversation_id", "shown"), [(None, ""), ({"a": 1}, ""), ("77", "77")])
def test_a_conversation_id_that_is_no_number_is_not_sent_or_shown(
    context: Any, server: Server, dashboard: Dashboard, conversation_id: Any, shown: str
) -> None:
    data, _ = app_context("Channel::Email")
    data["conversation"]["id"] = conversation_id
    _, frame = open_dashboard(context, server, dashboard, data)
    assert frame.locator("#conversation-id").input_value() == shown
    text = frame.locator("#chatwoot-text").text_content()
    assert ("#undefined" not in text) and ("[object" not in text) and ("#null" not in text)
    assert (f"conversation #{shown}" if shown else "this conversation") in text


def test_other_messages_from_the_parent_are_ignored(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    data, _ = app_context("Channel::Email")
    page, frame = open_dashboard(context, server, dashboard, data)
    before = frame.locator("#reply-text").input_value()
    seen = context_seq(page, server)
    page.evaluate(
        """() => {
        const w = document.getElementById('dashboard-app--frame-0-0').contentWindow;
        w.postMessage('not json', '*');
        w.postMessage('{"event": "somethingElse", "data": {}}', '*');
        w.postMessage({event: 'appContext', data: null}, '*');
        w.postMessage('{"event": "appContext", "data": {"conversation": 5}}', '*');
    }"""
    )
    wait_handled(page, server, seen + 4)
    assert frame.locator("#reply-text").input_value() == before
    assert page.errors == []


def test_copy_and_feedback_work_inside_chatwoot(
    context: Any, server: Server, dashboard: Dashboard
) -> None:
    # Chatwoot's iframe has no allow="clipboard-write": the console falls back to the
    # copy command, which a click inside the frame may use.
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.origin)
    data, asked = app_context("Channel::FacebookPage")
    page, frame = open_dashboard(context, server, dashboard, data)
    frame.locator("#copy-reply").click()
    frame.locator("#copy-reply.copied").wait_for()
    expected = expected_suggestion(server, REFUND, "messenger", asked)
    assert page.evaluate("navigator.clipboard.readText()") == expected["reply"]["text"]
    frame.locator("#fb-sent").click()
    frame.locator("#feedback-status:has-text('Recorded: sent as is')").wait_for()
    row = server.feedback_for(str(CONVERSATION_ID))
    assert (row.outcome, row.answer_id, row.channel, row.agent, row.source) == (
        "sent",
        "refund-timing",
        "messenger",
        "paola",
        "console",
    )


# --- the console and the webhook example apply the same rules ------------------------

# Conversations as Chatwoot sends them (webhook: `channel`; the API, so the dashboard
# app: `meta.channel`), odd ones included, and the channel both doors must pick.
CHANNEL_CASES = [
    ({"channel": "Channel::TwitterProfile", "additional_attributes": {"type": "tweet"}}, "x"),
    ({"meta": {"channel": "Channel::TwitterProfile"}, "additional_attributes": {}}, "x_dm"),
    (
        {
            "channel": "Channel::FacebookPage",
            "meta": {"channel": "Channel::FacebookPage"},
            "additional_attributes": {"type": "instagram_direct_message"},
        },
        "instagram_dm",
    ),
    ({"meta": {"channel": "Channel::FacebookPage"}}, "messenger"),
    ({"channel": "Channel::Instagram"}, "instagram_dm"),
    ({"channel": "Channel::Email", "meta": {"channel": "Channel::Sms"}}, "email"),
    ({"channel": "", "meta": {"channel": "Channel::TwilioSms"}}, "sms"),
    ({"channel": {"type": "x"}, "meta": {"channel": "Channel::Whatsapp"}}, "whatsapp"),
    ({"channel": "Channel::TwitterProfile", "additional_attributes": "tweet"}, "x_dm"),
    ({"meta": "Channel::Email"}, "chat"),
    ({"channel": "Channel::WebWidget"}, "chat"),
    ({"channel": "Channel::Api"}, "chat"),
    ({}, "chat"),
]


def test_the_console_and_the_webhook_pick_the_same_channel(context: Any, server: Server) -> None:
    page = context.new_page()
    page.goto(server.url)
    conversations = [conversation for conversation, _ in CHANNEL_CASES]
    in_console = page.evaluate(
        """async (conversations) => {
        const chatwoot = await import("./static/chatwoot.js");
        return conversations.map((c) => chatwoot.chatwootChannel(c));
    }""",
        conversations,
    )
    in_webhook = [webhook_example.chatwoot_channel(c) for c in conversations]
    expected = [channel for _, channel in CHANNEL_CASES]
    assert in_console == in_webhook == expected


# What the agent sends, made from the suggested reply, and the outcome both doors report.
OUTCOME_CASES = [
    ("as suggested", lambda text: text, "sent"),
    ("a line break added", lambda text: text + "\n", "sent"),
    ("lines re-wrapped", lambda text: text.replace(" ", "\n", 3), "sent"),
    ("spaces doubled", lambda text: text.replace(" ", "  "), "sent"),
    ("odd spaces", lambda text: "\ufeff" + text.replace(" ", "\u00a0\x1f", 2), "sent"),
    ("a word added", lambda text: text + " Grazie!", "edited"),
    ("a letter changed", lambda text: text.replace("e", "E", 1), "edited"),
    ("two words joined", lambda text: text.replace(" ", "", 1), "edited"),
]


def test_the_console_and_the_webhook_tell_sent_from_edited_alike(
    context: Any, server: Server
) -> None:
    suggested = server.ok("POST", "v1/suggest", {"message": REFUND, "channel": "email"})
    assert suggested["reply"]["private_reply"] is None
    text = suggested["reply"]["text"]
    pending = webhook_example.Pending(
        channel="email",
        agent=None,
        message=REFUND,
        status="confident",
        replies={suggested["match"]["answer_id"]: [text]},
        note="",
    )
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_function("document.querySelectorAll('#channel option').length > 0")
    page.locator("#message").fill(REFUND)
    page.locator("#channel").select_option("email")
    page.locator("#suggest").click()
    page.locator("#fb-sent:not([disabled])").wait_for()
    assert page.locator("#reply-text").input_value() == text
    for name, make, outcome in OUTCOME_CASES:
        sent = make(text)
        assert sent != text or outcome == "sent", name
        page.locator("#reply-text").fill(sent)
        in_console = "sent" if page.locator("#fb-sent").is_enabled() else "edited"
        assert page.locator("#fb-edited").is_enabled() == (in_console == "edited"), name
        in_webhook = webhook_example.ChatwootBridge.outcome(pending, sent)["outcome"]
        assert (name, in_console, in_webhook) == (name, outcome, outcome)
