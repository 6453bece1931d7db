"""Replies are deterministic (R1-11): Jinja's ``random`` filter is refused wherever a
base can hold template code (a template file, an answer's `answer` and `short`, an
opening), with a RenderError at that place, and ``replykb check`` fails on it (RKB102)
instead of passing a base whose reply changes on every render."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from replykb import RenderError, load_answer_base
from replykb.cli import cli
from replykb.render import Renderer

from .conftest import WriteBase
from .test_render_sandbox import bomb_base

RANDOM = ["{{ ['Ciao', 'Salve', 'Hey'] | random }}", "{{ range(100) | random }}"]


@pytest.mark.parametrize("where", ["template", "answer", "short", "opening"])
@pytest.mark.parametrize("use", RANDOM)
def test_the_random_filter_is_refused_where_it_is_used(
    write_base: WriteBase, where: str, use: str
) -> None:
    root, file = bomb_base(write_base, where, use)
    base = load_answer_base(root)
    renderer = Renderer.for_base(base)
    with pytest.raises(RenderError) as raised:
        for _ in range(3):  # never a reply that differs from one render to the next
            renderer.render(base.answers[0], channel="sms", customer="Mario")
    error = raised.value
    assert "the `random` filter is not available" in str(error)
    assert "give several `openings:`" in str(error)
    assert error.path == root / file and str(root / file) in str(error)


def test_check_fails_on_it_at_its_line(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root, file = bomb_base(write_base, "template", RANDOM[0])
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code != 0, result.output
    assert f"{root / file}:2" in result.output and "RKB102" in result.output
    assert "the `random` filter is not available" in result.output
