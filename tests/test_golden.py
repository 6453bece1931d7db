"""Golden replies: every answer of the example base on every channel, committed.

A change to a template, an opening or the fitter shows up here as a diff to review.
Regenerate after an intended change with: REPLYKB_UPDATE_GOLDEN=1 pytest tests/test_golden.py

``<channel>.txt`` holds every answer for a customer called Mario, with the HTML part on
e-mail and, for a private answer on a public channel, the private message paired with
the invitation. ``nameless.txt`` holds a few answers per channel for a customer with no
name and for one known only by a handle (the same replies: a handle is not a name), and
with and without the ticket details an answer declares.

``it/<channel>.txt`` holds the Italian replies of a small base in six languages
(tests/language_base.py) for a customer called Giulia, on every preset channel, signed
by an agent and by the team; ``it/nameless.txt`` the same without a name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from replykb import load_answer_base
from replykb.channels import CHANNEL_PRESETS
from replykb.models import AnswerBase, Reply
from replykb.render import Renderer

from .conftest import EXAMPLE_BASE
from .language_base import load_language_base

GOLDEN = Path(__file__).parent / "golden"
BASE = load_answer_base(EXAMPLE_BASE)
# One answer per tone, a private one, and one that declares ticket details.
NAMELESS_ANSWERS = ("app-crash", "cancel-plus", "positive-feedback", "where-is-my-order")
DETAILS = {"order_id": "FH1234567", "tracking_url": "https://track.example/FH1234567"}


def section(title: str, reply: Reply) -> str:
    """One reply: its text, then each other part after a blank line."""
    parts = [
        f"=== {title} [{reply.form}, {reply.length}/{reply.limit} {reply.count}]\n{reply.text}\n"
    ]
    if reply.needs_details:
        parts.append(f"--- needs details: {', '.join(reply.needs_details)}\n")
    if reply.html is not None:
        parts.append(f"--- html\n{reply.html}\n")
    private = reply.private_reply
    if private is not None:
        parts.append(
            f"--- private on {private.channel} "
            f"[{private.form}, {private.length}/{private.limit} {private.count}]\n{private.text}\n"
        )
    return "\n".join(parts)


def render_channel(channel: str) -> str:
    renderer = Renderer(BASE.settings, dict(BASE.templates))
    sections = []
    for answer in BASE.answers:
        reply = renderer.render(
            answer, channel=channel, agent="paola", customer="Mario", conversation_id="golden"
        )
        sections.append(section(answer.id, reply))
    return "\n".join(sections)


def render_nameless() -> str:
    renderer = Renderer.for_base(BASE)
    sections = []
    for channel in sorted(BASE.settings.channels):
        for answer_id in NAMELESS_ANSWERS:
            answer = BASE.answer(answer_id)
            for details in ({}, DETAILS) if answer.details else ({},):
                reply = renderer.render(
                    answer,
                    channel=channel,
                    agent="paola",
                    conversation_id="golden",
                    details=details,
                )
                handle = renderer.render(
                    answer,
                    channel=channel,
                    agent="paola",
                    customer="@giulia_r",
                    conversation_id="golden",
                    details=details,
                )
                assert handle == reply, "a customer known by a handle only is not named"
                with_details = " with details" if details else ""
                sections.append(section(f"{answer_id} on {channel}{with_details}", reply))
    return "\n".join(sections)


def check(name: str, rendered: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("REPLYKB_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == rendered


@pytest.mark.parametrize("channel", sorted(BASE.settings.channels))
def test_golden_replies(channel: str) -> None:
    check(f"{channel}.txt", render_channel(channel))


def test_golden_replies_without_a_name() -> None:
    check("nameless.txt", render_nameless())


# --- Italian -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def language_base(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    return load_language_base(tmp_path_factory.mktemp("golden") / "base")


def render_italian(base: AnswerBase, channel: str, customer: str | None) -> str:
    renderer = Renderer.for_base(base)
    sections = []
    for answer in base.answers:
        for agent in ("paola", None):
            reply = renderer.render(
                answer,
                channel=channel,
                agent=agent,
                customer=customer,
                conversation_id="golden",
                language="it",
            )
            assert reply.language == "it"
            sections.append(section(f"{answer.id} by {agent or 'the team'}", reply))
    return "\n".join(sections)


@pytest.mark.parametrize("channel", sorted(CHANNEL_PRESETS))
def test_golden_italian_replies(language_base: AnswerBase, channel: str) -> None:
    check(f"it/{channel}.txt", render_italian(language_base, channel, "Giulia"))


def test_golden_italian_replies_without_a_name(language_base: AnswerBase) -> None:
    rendered = [
        f"##### {channel}\n\n{render_italian(language_base, channel, None)}"
        for channel in ("x", "facebook", "sms", "email", "whatsapp")
    ]
    check("it/nameless.txt", "\n".join(rendered))
