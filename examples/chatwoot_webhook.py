"""Suggested replies inside Chatwoot: a webhook receiver for `message_created`.

For every incoming customer message it asks a running `replykb serve` for the
suggestion on the conversation's channel and posts it as a *private note*: the agent
sees it, edits it if needed and sends it; the customer never gets an unreviewed
answer. When no answer is confident, the note says so and lists the closest ones.

Then it reports what the agent did, so the server's usage log learns from it: the
agent's next public message in that conversation is compared with the suggested
reply. The same text (spaces and line breaks aside) is feedback `sent`; another text
is `edited`, with the text sent; after a no_match, `unused` (the agent wrote the
reply). State is a small bounded map of conversations awaiting their reply.

Run it next to the server (Chatwoot: Settings -> Integrations -> Webhooks ->
http://HOST:8080/, event "Message created"):

    replykb serve --kb answers/ --token "$REPLYKB_TOKEN" &
    CHATWOOT_URL=https://chatwoot.example.com CHATWOOT_TOKEN=... \\
    CHATWOOT_WEBHOOK_SECRET=... \\
        python examples/chatwoot_webhook.py --server http://127.0.0.1:8000 \\
        --token "$REPLYKB_TOKEN" --agent paola --port 8080

Only POSTs that come from Chatwoot are acted on: anyone who finds the receiver's URL
could otherwise post a forged event and have a note written in a conversation, or
feedback recorded in the usage log. It will not start without one of:

- ``CHATWOOT_WEBHOOK_SECRET``: the webhook's secret, shown by Chatwoot (recent
  versions) when the webhook is made. Chatwoot then signs every delivery:
  ``X-Chatwoot-Timestamp`` (Unix seconds) and ``X-Chatwoot-Signature: sha256=<hex>``,
  the HMAC-SHA256 of ``"<timestamp>.<raw body>"``. A POST without them, signed with
  another secret, or whose timestamp is more than 5 minutes away from this host's
  clock is refused with 401; a delivery replayed (same signature) after it was
  handled is answered 200 ``duplicate`` and not acted on again. Keep the host's
  clock in time (NTP).
- ``CHATWOOT_WEBHOOK_PATH_TOKEN``: for a Chatwoot that does not sign its webhooks. A
  random token (``python -c "import secrets; print(secrets.token_urlsafe(24))"``,
  16 characters at least) that the webhook's URL ends with:
  ``http://HOST:8080/<token>``. A POST to any other path is refused with 404. The
  token travels in the URL, so serve the receiver over HTTPS (behind a proxy) when
  Chatwoot reaches it over a network, and keep proxy access logs from keeping
  paths; it does not stop a replay by someone who saw a request.

Both may be set (the path, then the signature, are checked). Each is compared in
constant time. Secrets are read from the environment only, never from the command
line (where ``ps`` shows them).

Only the standard library: copy it anywhere the server can be reached.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A webhook body is one message and its conversation; Chatwoot's are a few KB.
MAX_BODY_BYTES = 1_000_000
# A body over the limit is read and dropped up to this size, so the sender reads the
# 413; a larger one is refused without reading it.
DRAIN_BYTES = 16 * MAX_BODY_BYTES
# Conversations awaiting the agent's reply; the oldest is forgotten first.
MAX_PENDING = 1000
# A suggestion the agent has not answered within this time is forgotten.
PENDING_SECONDS = 24 * 3600
# A signed delivery whose timestamp is further than this from our clock is refused
# (Chatwoot asks receivers to refuse those older than about 5 minutes).
SIGNATURE_MAX_AGE_SECONDS = 300
# The shortest path token accepted: a guessable one would not keep anyone out.
MIN_PATH_TOKEN_CHARS = 16
TIMEOUT_SECONDS = 10


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def chatwoot_channel(conversation: dict[str, Any]) -> str:
    """The replykb channel for a Chatwoot conversation, by the same rules as the
    console's ``chatwootChannel`` (replykb/serve/static/chatwoot.js; one test runs
    the same payloads through both).

    The inbox type is the conversation's ``channel`` (webhook payloads), else its
    ``meta.channel`` (the API's conversations); Chatwoot fills both from the inbox. An X
    inbox holds tweets (``additional_attributes.type == "tweet"``) and direct
    messages; a Facebook page inbox holds Messenger conversations, and Instagram ones
    when the account is linked through the page; those take the private presets (their
    limits and 24-hour windows), not the public comment ones.
    """
    inbox = _text(conversation.get("channel")) or _text(
        _object(conversation.get("meta")).get("channel")
    )
    kind = _text(_object(conversation.get("additional_attributes")).get("type"))
    if inbox == "Channel::TwitterProfile":
        return "x" if kind == "tweet" else "x_dm"
    if inbox == "Channel::FacebookPage":
        return "instagram_dm" if kind == "instagram_direct_message" else "messenger"
    return {
        "Channel::Instagram": "instagram_dm",
        "Channel::Email": "email",
        "Channel::Sms": "sms",
        "Channel::TwilioSms": "sms",
        "Channel::Whatsapp": "whatsapp",
    }.get(inbox, "chat")  # WebWidget, Api, Telegram, Line...


# Whitespace as the console's feedback.js counts it (JavaScript's \s): Python's \s
# plus the zero-width no-break space, so both doors agree on every text.
_SPACES = re.compile(r"[\s\ufeff]+")


def normalised(text: str) -> str:
    """The text as compared: runs of spaces and line breaks are one space (the console
    compares the same way: an agent who only re-wraps a reply sent it as is)."""
    return " ".join(part for part in _SPACES.split(text) if part)


class ServerError(Exception):
    """The replykb server refused a request or cannot be reached."""


class ReplyKBServer:
    """The few calls this example makes to `replykb serve`'s HTTP API."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._channels: set[str] | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise ServerError(_error_message(error)) from None
        except (OSError, ValueError) as error:
            raise ServerError(f"replykb server at {self.url} cannot be reached: {error}") from None

    def channels(self) -> set[str]:
        if self._channels is None:
            self._channels = set(self.call("GET", "/v1/channels"))
        return self._channels

    def channel_for(self, wanted: str) -> str:
        """``wanted`` when the base has it, else ``chat``, else the base's first channel."""
        channels = self.channels()
        if wanted in channels:
            return wanted
        return "chat" if "chat" in channels else sorted(channels)[0]


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(error.read())["error"]["message"]
    except (ValueError, KeyError, TypeError, OSError):
        message = error.reason
    return f"HTTP {error.code}: {message}"


@dataclass
class Pending:
    """A suggestion posted as a note, waiting for the agent's reply."""

    channel: str
    agent: str | None
    message: str
    status: str  # confident / ambiguous / no_match
    replies: dict[str, list[str]]  # answer id -> its texts (reply, private message)
    note: str
    at: float = field(default_factory=time.monotonic)


class PendingSuggestions:
    """Conversation -> its pending suggestion: bounded in number and age, thread-safe."""

    def __init__(self, limit: int = MAX_PENDING, seconds: float = PENDING_SECONDS) -> None:
        self.limit = limit
        self.seconds = seconds
        self._items: OrderedDict[str, Pending] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, pending: Pending) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = pending
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def get(self, key: str) -> Pending | None:
        with self._lock:
            pending = self._items.get(key)
            if pending is not None and time.monotonic() - pending.at > self.seconds:
                del self._items[key]
                return None
            return pending

    def pop(self, key: str) -> Pending | None:
        with self._lock:
            pending = self._items.pop(key, None)
        if pending is not None and time.monotonic() - pending.at > self.seconds:
            return None
        return pending

    def __len__(self) -> int:
        return len(self._items)


class BadEvent(ValueError):
    """A `message_created` event whose fields are not what Chatwoot sends: refused with a
    400 and this one-line reason, before anything reaches Chatwoot or the server."""


def _shown(value: Any) -> str:
    return "missing" if value is None else json.dumps(value, ensure_ascii=True)[:40]


def _object_or_none(value: Any, where: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise BadEvent(f"{where} must be an object, not {_shown(value)}")


def _positive_id(value: Any, where: str) -> int:
    # The ids go into Chatwoot's URL with the agent's token: only a number may.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    raise BadEvent(f"{where} must be a positive integer, not {_shown(value)}")


def _check(event: dict[str, Any]) -> None:
    """Refuse (BadEvent) a message event whose objects or ids are malformed; the ids
    are left as ints. An event without a conversation id is ignored, not refused."""
    conversation = _object_or_none(event.get("conversation"), "conversation")
    _object_or_none(event.get("sender"), "sender")
    account = _object_or_none(event.get("account"), "account") or {}
    if conversation is None:
        return
    _object_or_none(conversation.get("meta"), "conversation.meta")
    if conversation.get("id") is not None:
        conversation["id"] = _positive_id(conversation["id"], "conversation.id")
        account["id"] = _positive_id(account.get("id"), "account.id")
        event["account"] = account


def _conversation_key(event: dict[str, Any]) -> str | None:
    conversation = event.get("conversation") or {}
    if conversation.get("id") is None:
        return None
    return f"{event['account']['id']}:{conversation['id']}"


def _last_message_at(event: dict[str, Any]) -> str | None:
    """The incoming message's time (ISO 8601 in webhooks, Unix seconds in the
    dashboard's payloads), for reply windows; None when absent or unusable."""
    value = event.get("created_at")
    try:
        if isinstance(value, str):
            moment = datetime.fromisoformat(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value, UTC)
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    if moment is None or moment.tzinfo is None or moment > datetime.now(UTC):
        return None
    return moment.isoformat()


WINDOWS = {
    "template_required": "only an approved template message may be sent now",
    "human_agent_tag": "send it with the {tag} tag, until {closes_at}",
    "closed": "the reply window is closed",
}


def _window(reply: dict[str, Any]) -> str:
    """A line for a reply the platform's window restricts (nothing when it is open)."""
    window = reply.get("window") or {}
    said = WINDOWS.get(window.get("status", ""))
    if said is None:
        return ""
    return f"\n\n[{said.format(**window)}: {window['rule']}]"


def note_for(suggestion: dict[str, Any]) -> str:
    """The private note for a suggestion (the agent reads it beside the conversation)."""
    match = suggestion["match"]
    reply = suggestion.get("reply")
    if reply is not None:
        heading = f"Suggested reply ({match['answer_id']}, score {match['score']:.2f}):"
        note = f"{heading}\n\n{reply['text']}{_window(reply)}"
        private = reply.get("private_reply")
        if private is not None:
            note += f"\n\nThen in private ({private['channel']}):\n\n{private['text']}"
            note += _window(private)
        return note
    alternatives = suggestion.get("alternatives") or []
    if alternatives:
        options = "\n\n".join(f"[{r['answer_id']}]\n{r['text']}" for r in alternatives)
        return f"replykb: several answers are close; choose one:\n\n{options}"
    candidates = ", ".join(f"{a} ({s:.2f})" for a, s in match["candidates"])
    return f"replykb: no confident answer; please reply personally. Closest: {candidates}"


def _replies(suggestion: dict[str, Any]) -> dict[str, list[str]]:
    replies: dict[str, list[str]] = {}
    for reply in [suggestion.get("reply"), *(suggestion.get("alternatives") or [])]:
        if reply is None:
            continue
        texts = [reply["text"]]
        if reply.get("private_reply") is not None:
            texts.append(reply["private_reply"]["text"])
        replies.setdefault(reply["answer_id"], texts)
    return replies


class ChatwootBridge:
    """Turns Chatwoot webhook events into notes (incoming) and feedback (outgoing)."""

    def __init__(
        self,
        server: ReplyKBServer,
        *,
        chatwoot_url: str,
        chatwoot_token: str,
        agent: str | None = None,
        pending: PendingSuggestions | None = None,
    ) -> None:
        self.server = server
        self.chatwoot_url = chatwoot_url.rstrip("/")
        self.chatwoot_token = chatwoot_token
        self.agent = agent
        self.pending = pending if pending is not None else PendingSuggestions()

    def handle(self, event: dict[str, Any]) -> str:
        """Act on one webhook event; says what was done (for the log and the tests)."""
        if event.get("event") != "message_created":
            return "ignored"
        _check(event)
        if event.get("private"):
            return "ignored"
        content = event.get("content")
        key = _conversation_key(event)
        if not isinstance(content, str) or not content.strip() or key is None:
            return "ignored"
        if event.get("message_type") == "incoming":
            return self.suggest(event, key, content)
        if event.get("message_type") == "outgoing":
            return self.report(event, key, content)
        return "ignored"

    def suggest(self, event: dict[str, Any], key: str, content: str) -> str:
        conversation = event["conversation"]
        sender = event.get("sender") or {}
        try:
            request: dict[str, Any] = {
                "message": content,
                "channel": self.server.channel_for(chatwoot_channel(conversation)),
                "agent": self.agent,
                "customer": sender.get("name") or None,
                "conversation_id": str(conversation["id"]),
                "last_customer_message_at": _last_message_at(event),
            }
            suggestion = self.server.call("POST", "/v1/suggest", request)
        except ServerError as error:
            self.post_note(event, f"replykb could not suggest a reply: {error}")
            return "error"
        note = note_for(suggestion)
        self.post_note(event, note)
        self.pending.put(
            key,
            Pending(
                channel=suggestion["channel"],
                agent=self.agent,
                message=content,
                status=suggestion["match"]["status"],
                replies=_replies(suggestion),
                note=note,
            ),
        )
        return "note"

    def report(self, event: dict[str, Any], key: str, content: str) -> str:
        pending = self.pending.get(key)
        if pending is None or normalised(content) == normalised(pending.note):
            return "ignored"  # nothing suggested here, or our own note echoed back
        if (event.get("sender") or {}).get("type") == "agent_bot":
            return "ignored"  # a bot's message, not the agent's reply
        self.pending.pop(key)
        feedback = self.outcome(pending, content)
        feedback.update(
            channel=pending.channel,
            conversation_id=str(event["conversation"]["id"]),
            agent=pending.agent,
            message=pending.message,
            source="chatwoot",
        )
        try:
            self.server.call("POST", "/v1/feedback", feedback)
        except ServerError as error:
            print(f"chatwoot_webhook: feedback not recorded: {error}", file=sys.stderr)
            return "error"
        return str(feedback["outcome"])

    @staticmethod
    def outcome(pending: Pending, sent: str) -> dict[str, Any]:
        """``sent`` when the agent's text is a suggested one, else ``edited`` (against the
        closest suggested reply), or ``unused`` when nothing was suggested."""
        if not pending.replies:
            return {"outcome": "unused", "answer_id": None}
        for answer_id, texts in pending.replies.items():
            if any(normalised(sent) == normalised(text) for text in texts):
                return {"outcome": "sent", "answer_id": answer_id}

        def closeness(answer_id: str) -> float:
            texts = pending.replies[answer_id]
            return max(difflib.SequenceMatcher(None, sent, text).ratio() for text in texts)

        closest = max(pending.replies, key=closeness)
        return {"outcome": "edited", "answer_id": closest, "edited_text": sent}

    def post_note(self, event: dict[str, Any], note: str) -> None:
        """POST the note to Chatwoot's messages API as a private message."""
        account = event["account"]["id"]
        conversation = event["conversation"]["id"]
        request = urllib.request.Request(
            f"{self.chatwoot_url}/api/v1/accounts/{account}/conversations/{conversation}/messages",
            data=json.dumps(
                {"content": note, "message_type": "outgoing", "private": True}
            ).encode(),
            headers={"Content-Type": "application/json", "api_access_token": self.chatwoot_token},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()


class WebhookAuth:
    """Whether a POST comes from Chatwoot: its path token, its signature (see the module
    docstring), compared in constant time; and the signatures of deliveries handled
    recently, so that a replayed one is not acted on twice."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        path_token: str | None = None,
        max_age: float = SIGNATURE_MAX_AGE_SECONDS,
    ) -> None:
        if not secret and not path_token:
            raise ValueError(
                "set CHATWOOT_WEBHOOK_SECRET (the webhook's secret in Chatwoot) or "
                "CHATWOOT_WEBHOOK_PATH_TOKEN (a random token the webhook URL ends with): "
                "without either, anyone who finds this receiver can post events to it"
            )
        if path_token is not None and (
            len(path_token) < MIN_PATH_TOKEN_CHARS
            or not re.fullmatch(r"[A-Za-z0-9_-]+", path_token)
        ):
            raise ValueError(
                f"CHATWOOT_WEBHOOK_PATH_TOKEN must be {MIN_PATH_TOKEN_CHARS} characters at "
                'least, letters, digits, - and _ only: python -c "import secrets; '
                'print(secrets.token_urlsafe(24))"'
            )
        self.secret = secret.encode() if secret else None
        self.path = f"/{path_token}".encode() if path_token else None
        self.max_age = max_age
        self._handled: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def path_allowed(self, path: str) -> bool:
        if self.path is None:
            return True
        return hmac.compare_digest(path.split("?", 1)[0].encode(), self.path)

    def refusal(self, headers: Any, body: bytes) -> str | None:
        """Why a POST's signature is refused, or None when it is Chatwoot's."""
        if self.secret is None:
            return None
        timestamp = headers.get("X-Chatwoot-Timestamp") or ""
        signature = headers.get("X-Chatwoot-Signature") or ""
        if not timestamp or not signature:
            return "not signed: no X-Chatwoot-Timestamp and X-Chatwoot-Signature headers"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "X-Chatwoot-Timestamp is not a Unix time"
        if abs(time.time() - int(timestamp)) > self.max_age:
            return f"X-Chatwoot-Timestamp is more than {self.max_age:.0f} s from this clock"
        digest = hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256)
        if not hmac.compare_digest(signature.encode(), f"sha256={digest.hexdigest()}".encode()):
            return "X-Chatwoot-Signature does not match the body and the secret"
        return None

    def claim(self, headers: Any) -> bool:
        """False when this signed delivery was handled (or is being) already."""
        signature = headers.get("X-Chatwoot-Signature")
        if self.secret is None or not signature:
            return True
        now = time.monotonic()
        with self._lock:
            while self._handled and next(iter(self._handled.values())) < now - 2 * self.max_age:
                self._handled.popitem(last=False)
            if signature in self._handled:
                return False
            self._handled[signature] = now
            return True

    def release(self, headers: Any) -> None:
        """A claimed delivery that failed: Chatwoot's retry of it is handled."""
        with self._lock:
            self._handled.pop(headers.get("X-Chatwoot-Signature") or "", None)


def make_server(
    bridge: ChatwootBridge, *, host: str, port: int, auth: WebhookAuth
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not auth.path_allowed(self.path):
                self.close_connection = True
                if 0 < length <= DRAIN_BYTES:
                    self.drain(length)
                self.answer(404, "refused", "no webhook at this path")
                return
            if length < 0 or length > MAX_BODY_BYTES:
                self.close_connection = True
                if 0 < length <= DRAIN_BYTES:
                    self.drain(length)  # else the sender, still writing, gets a reset
                self.answer(413 if length > MAX_BODY_BYTES else 400)
                return
            body = self.rfile.read(length)
            refused = auth.refusal(self.headers, body)
            if refused is not None:
                self.answer(401, "refused", refused)
                return
            if not auth.claim(self.headers):
                self.answer(200, "duplicate")
                return
            status, _ = self.handle_body(body)
            if status != 200:
                auth.release(self.headers)

        def handle_body(self, body: bytes) -> tuple[int, str]:
            try:
                event = json.loads(body or b"{}")
            except (ValueError, UnicodeDecodeError):
                event = None
            if not isinstance(event, dict):
                return self.answer(400)
            try:
                done = bridge.handle(event)
            except BadEvent as error:
                return self.answer(400, "refused", str(error))
            except (OSError, KeyError, TypeError, ValueError) as error:
                # Chatwoot unreachable, or an event without the fields we need: say
                # so here and to Chatwoot; the next event is handled as usual.
                print(f"chatwoot_webhook: {type(error).__name__}: {error}", file=sys.stderr)
                return self.answer(502)
            return self.answer(200, done)

        def drain(self, length: int) -> None:
            while length > 0:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    return
                length -= len(chunk)

        def answer(self, status: int, done: str = "", error: str | None = None) -> tuple[int, str]:
            said = {"done": done} if error is None else {"done": done, "error": error}
            body = json.dumps(said).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return status, done

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n")[0],
        epilog="Environment: CHATWOOT_URL and CHATWOOT_TOKEN (Chatwoot's API), and "
        "CHATWOOT_WEBHOOK_SECRET (the webhook's signing secret) or "
        "CHATWOOT_WEBHOOK_PATH_TOKEN (a token the webhook URL ends with), or both.",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("REPLYKB_SERVER", "http://127.0.0.1:8000"),
        help="URL of `replykb serve` ($REPLYKB_SERVER)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("REPLYKB_TOKEN"),
        help="the server's bearer token ($REPLYKB_TOKEN)",
    )
    parser.add_argument("--agent", help="agent id from replykb.yaml who signs the suggestions")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    chatwoot_url, chatwoot_token = os.environ.get("CHATWOOT_URL"), os.environ.get("CHATWOOT_TOKEN")
    if not chatwoot_url or not chatwoot_token:
        parser.error("set CHATWOOT_URL and CHATWOOT_TOKEN (an agent's or a bot's access token)")
    try:
        auth = WebhookAuth(
            secret=os.environ.get("CHATWOOT_WEBHOOK_SECRET") or None,
            path_token=os.environ.get("CHATWOOT_WEBHOOK_PATH_TOKEN") or None,
        )
    except ValueError as error:
        parser.error(str(error))
    server = ReplyKBServer(args.server, args.token)
    try:
        server.channels()
    except ServerError as error:
        parser.error(str(error))
    bridge = ChatwootBridge(
        server, chatwoot_url=chatwoot_url, chatwoot_token=chatwoot_token, agent=args.agent
    )
    webhook = make_server(bridge, host=args.host, port=args.port, auth=auth)
    checks = " and ".join(
        check
        for check, on in (("the path token", auth.path), ("Chatwoot's signature", auth.secret))
        if on
    )
    print(f"listening on http://{args.host}:{args.port}/ (checking {checks}), ", end="")
    print(f"suggesting from {args.server}")
    webhook.serve_forever()


if __name__ == "__main__":
    main()
