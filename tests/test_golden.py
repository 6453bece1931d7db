"""Golden replies: every answer of the example base on every channel, committed.

A change to a template, an opening or the fitter shows up here as a diff to review.
Regenerate after an intended change with: REPLYKB_UPDATE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from replykb import load_answer_base
from replykb.render import Renderer

from .conftest import EXAMPLE_BASE

GOLDEN = Path(__file__).parent / "golden"
BASE = load_answer_base(EXAMPLE_BASE)


def render_channel(channel: str) -> str:
    renderer = Renderer(BASE.settings, dict(BASE.templates))
    sections = []
    for answer in BASE.answers:
        reply = renderer.render(
            answer, channel=channel, agent="paola", customer="Mario", conversation_id="golden"
        )
        sections.append(
            f"=== {answer.id} [{reply.form}, {reply.length}/{reply.limit} {reply.count}]\n{reply.text}\n"
        )
        if reply.html is not None:
            sections.append(f"--- html\n{reply.html}\n")
    return "\n".join(sections)


@pytest.mark.parametrize("channel", sorted(BASE.settings.channels))
def test_golden_replies(channel: str) -> None:
    golden = GOLDEN / f"{channel}.txt"
    rendered = render_channel(channel)
    if os.environ.get("REPLYKB_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == rendered
