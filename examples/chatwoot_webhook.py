"""Suggested replies inside Chatwoot: a webhook receiver for `message_created`.

For every incoming customer message, replykb suggests the canonical reply for the
conversation's channel and posts it as a *private note*: the agent sees it, edits
it if needed and sends it; the customer never gets an unreviewed answer. When no
answer is confident, the note says so and lists the candidates.

Run it (Chatwoot: Settings -> Integrations -> Webhooks -> http://HOST:8080/, event
"Message created"):

    CHATWOOT_URL=https://chatwoot.example.com CHATWOOT_TOKEN=... \
        python examples/chatwoot_webhook.py --kb answers/ --agent paola --port 8080
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from replykb import KnowledgeBase, ReplyKBError

# Chatwoot inbox types -> replykb channels. A Facebook page inbox holds Messenger
# conversations and an Instagram inbox direct messages, so they take the private
# presets (their limits and 24-hour windows), not the public comment ones.
CHANNELS = {
    "Channel::TwitterProfile": "x",
    "Channel::FacebookPage": "messenger",
    "Channel::Instagram": "instagram_dm",
    "Channel::Email": "email",
    "Channel::Sms": "sms",
    "Channel::TwilioSms": "sms",
    "Channel::Whatsapp": "whatsapp",
    "Channel::WebWidget": "chat",
    "Channel::Api": "chat",
}


def build_note(kb: KnowledgeBase, event: dict[str, Any], *, agent: str | None) -> str | None:
    """The private note for one webhook event, or None when there is nothing to suggest."""
    if event.get("event") != "message_created" or event.get("message_type") != "incoming":
        return None
    content = (event.get("content") or "").strip()
    if not content:
        return None
    conversation = event.get("conversation") or {}
    channel = CHANNELS.get(conversation.get("channel", ""), "chat")
    if channel not in kb.settings.channels:
        channel = "chat" if "chat" in kb.settings.channels else next(iter(kb.settings.channels))
    sender = event.get("sender") or {}
    try:
        suggestion = kb.suggest(
            content,
            channel=channel,
            agent=agent,
            customer=sender.get("name") or None,
            conversation_id=str(conversation.get("id", "")),
        )
    except ReplyKBError as error:
        return f"replykb could not suggest a reply: {error}"
    if suggestion.reply is not None:
        return (
            f"Suggested reply ({suggestion.match.answer_id}, score {suggestion.match.score:.2f}):"
            f"\n\n{suggestion.reply.text}"
        )
    if suggestion.alternatives:
        options = "\n\n".join(f"[{r.answer_id}]\n{r.text}" for r in suggestion.alternatives)
        return f"replykb: several answers are close; choose one:\n\n{options}"
    candidates = ", ".join(f"{a} ({s:.2f})" for a, s in suggestion.match.candidates)
    return f"replykb: no confident answer; please reply personally. Closest: {candidates}"


def post_private_note(base_url: str, token: str, event: dict[str, Any], note: str) -> None:
    """POST the note to Chatwoot's messages API as a private message."""
    account = event["account"]["id"]
    conversation = event["conversation"]["id"]
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/api/v1/accounts/{account}/conversations/{conversation}/messages",
        data=json.dumps({"content": note, "message_type": "outgoing", "private": True}).encode(),
        headers={"Content-Type": "application/json", "api_access_token": token},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def make_server(
    kb: KnowledgeBase, *, host: str, port: int, chatwoot_url: str, token: str, agent: str | None
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                event = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self.send_response(400)
                self.end_headers()
                return
            note = build_note(kb, event, agent=agent)
            if note is not None:
                post_private_note(chatwoot_url, token, event, note)
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", default="answers")
    parser.add_argument("--agent", help="agent id from replykb.yaml who signs the suggestions")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    kb = KnowledgeBase.load(args.kb)
    server = make_server(
        kb,
        host=args.host,
        port=args.port,
        chatwoot_url=os.environ["CHATWOOT_URL"],
        token=os.environ["CHATWOOT_TOKEN"],
        agent=args.agent,
    )
    print(f"listening on http://{args.host}:{args.port}/")
    server.serve_forever()


if __name__ == "__main__":
    main()
