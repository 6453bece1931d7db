"""Templates of a base run with bounded ranges, sizes, steps and time (issue 11, point 8).

Each bomb is planted in every place a base can hold template code (a template file of
templates/, an answer's `answer` and `short`, an opening in replykb.yaml) and must end,
quickly, in a RenderError that names the answer, the channel and the place (file, line)
— never a traceback, a hang or an exhausted memory. The errors carry structured fields
(issue 12, point 3) so the linter never reads a message.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import RenderError, load_answer_base
from replykb.cli import cli
from replykb.models import Channel
from replykb.render import (
    BUILTIN_TEMPLATES,
    MAX_RANGE,
    MAX_STEPS,
    MAX_TEXT,
    TEMPLATE_GLOBALS,
    Renderer,
    channel_templates,
    template_variables,
)

from .conftest import WriteBase

# Generous: a bomb must end in well under a second; this only catches a hang.
QUICKLY = 20.0

BOMBS = {
    "huge range": "{% for i in range(10**9) %}x{% endfor %}",
    "huge string": "{{ 'a' * 10**9 }}",
    "huge string, folded at compile time": "{{ 'a' * 1000000000 }}",
    "nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
    "nested loops of text": "{% for i in range(999) %}{% for j in range(999) %}ab{% endfor %}{% endfor %}",
    "range over the bound": "{% for i in range(100000) %}{% endfor %}",
    "huge width (method)": "{{ 'a'.ljust(10**9) }}",
    "huge width (filter)": "{{ 'a' | center(1000000000) }}",
    "huge % format": "{{ '%999999999s' % 'a' }}",
    "huge str.format": "{{ '{:>999999999}'.format(1) }}",
    "huge join": "{{ range(1000) | join('a' * 100000) }}",
    "huge replace": "{{ ('a' * 100000) | replace('a', 'b' * 100000) }}",
    "doubling ~": "{% set ns = namespace(s='a') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "exponential macro": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    "endless recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "list of huge strings": "{{ ([['a' * 1000]] * 1000) | string }}",
    "many big copies": "{{ range(1000) | map('string') | map('replace', '0', 'x' * 90000) | join }}",
    "huge number": "{{ 7 ** 1000000 }}",
    "% over a mapping": "{{ ('%(a)s' * 20000) % {'a': 'x' * 100000} }}",
    "huge tab expansion": "{{ ('\\t' * 50000).expandtabs(100000) }}",
}


def bomb_base(write_base: WriteBase, where: str, bomb: str) -> tuple[Path, str]:
    """A base with ``bomb`` in one place, and the file it is in."""
    answer = {"answer": "Refunds arrive within 5 working days.", "short": "Refunds: 5 days."}
    files: dict[str, str | bytes] = {}
    settings = "brand: Acme\nchannels:\n  sms: {}\n  chat: {}\n"
    if where == "template":
        files["templates/sms.j2"] = "{{ opening }} {{ body }}\n" + bomb + "\n{{ agent.signature }}"
        file = "templates/sms.j2"
    elif where == "opening":
        settings += "openings:\n  neutral:\n    - " + _yaml_quote("Hi! " + bomb) + "\n"
        file = "replykb.yaml"
    else:
        answer = {**answer, where: bomb}
        file = "billing/refund-timing.yaml"
    files["replykb.yaml"] = settings
    files["billing/refund-timing.yaml"] = "questions: [When will I get my refund?]\n" + "".join(
        f"{key}: {_yaml_quote(value)}\n" for key, value in answer.items()
    )
    root = write_base(files)
    return root, file


def _yaml_quote(text: str) -> str:
    return (
        '"'
        + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
        + '"'
    )


@pytest.mark.parametrize("where", ["template", "answer", "opening"])
@pytest.mark.parametrize("bomb", list(BOMBS))
def test_template_bombs_end_quickly_in_a_located_render_error(
    write_base: WriteBase, where: str, bomb: str
) -> None:
    root, file = bomb_base(write_base, where, BOMBS[bomb])
    base = load_answer_base(root)
    renderer = Renderer.for_base(base)
    started = time.monotonic()
    with pytest.raises(RenderError) as raised:
        renderer.render(base.answers[0], channel="sms", customer="Mario")
    assert time.monotonic() - started < QUICKLY
    error = raised.value
    assert error.kind == "bound", error
    assert error.answer_id == "refund-timing" and error.channel == "sms"
    assert error.path == root / file
    assert str(root / file) in str(error) and "bounded sandbox" in str(error)
    if where == "template":
        assert (error.what, error.template, error.builtin) == ("template", "sms.j2", False)
        if error.line is not None:
            assert error.line == 2 and f"{root / file}:2:" in str(error)
    else:
        assert error.what == where and error.template is None
        assert error.file_line is not None and f"{root / file}:{error.file_line}:" in str(error)
        assert error.opening == (0 if where == "opening" else None)


@pytest.mark.parametrize("bomb", ["huge range", "huge string", "nested loops"])
def test_render_command_reports_a_bomb_with_file_line_and_exit_2(
    write_base: WriteBase, bomb: str
) -> None:
    root, file = bomb_base(write_base, "template", BOMBS[bomb])
    result = CliRunner().invoke(
        cli, ["render", "refund-timing", "--kb", str(root), "--channel", "sms"]
    )
    assert result.exit_code == 2, result.output
    # Located in the base's own file, as the library locates it (Renderer.for_base).
    assert f"{root / file}:2:" in result.output and "Traceback" not in result.output
    assert "refund-timing" in result.output


@pytest.mark.parametrize(
    ("where", "source", "kind", "name", "line"),
    [
        ("template", "{{ opening }}\n{{ body }\n{{ agent.signature }}", "syntax", None, 2),
        (
            "template",
            "{{ opening }}\n\n{{ agent.nickname }} {{ body }}",
            "undefined",
            "nickname",
            3,
        ),
        (
            "template",
            "{{ opening }} {{ body }}\n{{ customer.__class__.__mro__ }}",
            "security",
            "__class__",
            2,
        ),
        ("template", "{{ opening }} {{ body }}\n{{ 1 / 0 }}", "error", None, 2),
        ("template", "{% include 'missing.j2' %}{{ body }}", "error", "missing.j2", 1),
        ("answer", "Refunds take\n{{ days }} days.", "undefined", "days", 2),
        ("short", "{% if %}", "syntax", None, 1),
    ],
)
def test_render_errors_carry_structured_fields(
    write_base: WriteBase, where: str, source: str, kind: str, name: str | None, line: int
) -> None:
    root, file = bomb_base(write_base, where, source)
    if where == "template":
        (root / file).write_text(source, encoding="utf-8")
    base = load_answer_base(root)
    answer = base.answers[0]
    if where == "short":  # the short form is rendered only when the full one is too long
        answer = answer.model_copy(update={"answer": "Refunds take long. " * 30})
    with pytest.raises(RenderError) as raised:
        Renderer.for_base(base).render(answer, channel="sms")
    error = raised.value
    assert (error.kind, error.name, error.line) == (kind, name, line)
    assert error.what == where and error.answer_id == "refund-timing" and error.channel == "sms"
    assert error.reason and error.reason in str(error)
    if where == "template":
        assert error.template == "sms.j2" and error.path == root / file
        assert f"{root / file}:{line}:" in str(error)


def test_an_error_inside_an_included_base_template_names_that_file(write_base: WriteBase) -> None:
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\nchannels:\n  sms: {}\n",
            "templates/sms.j2": "{% include 'parts/sign.j2' %} {{ body }}",
            "templates/parts/sign.j2": "Hi\n{{ agent.title }}",
            "billing/refund-timing.yaml": "questions: [refund?]\nanswer: Soon.\n",
        }
    )
    base = load_answer_base(root)
    with pytest.raises(RenderError) as raised:
        Renderer.for_base(base).render(base.answers[0], channel="sms")
    error = raised.value
    assert (error.template, error.line, error.name) == ("parts/sign.j2", 2, "title")
    assert error.path == root / "templates" / "parts" / "sign.j2"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% for f in facts %}{{ loop.index }}. {{ f | upper }} {% endfor %}", "1. 5 WORKING DAYS"),
        ("{% macro hi(n) %}Hi {{ n }}{% endmacro %}{{ hi(customer.name) }}", "Hi Mario"),
        ("{{ 'Total: %d items' % 3 }} {{ '{:>6}'.format('ok') }}", "Total: 3 items     ok"),
        ("{{ range(3) | join(', ') }} {{ 'ab' * 3 }} {{ 2 ** 10 }}", "0, 1, 2 ababab 1024"),
        ("{{ brand ~ ' ' ~ channel.name }} {{ 'x' | center(5) }}|", "Acme sms   x  |"),
        ("{% for i in range(" + str(MAX_RANGE) + ") %}{% endfor %}done", "done"),
    ],
)
def test_ordinary_templates_still_work(source: str, expected: str) -> None:
    settings = Channel(limit=None, count="chars", family="sms")
    renderer = Renderer(_settings(sms=settings), {"sms.j2": "{{ body }} " + source})
    from .test_render import make_answer

    reply = renderer.render(make_answer(), channel="sms", customer="Mario")
    assert expected in reply.text


def _settings(**channels: Channel):  # type: ignore[no-untyped-def]
    from .test_render import make_settings

    return make_settings(**channels)


def test_bounds_are_per_render_and_per_thread() -> None:
    """A bomb on one thread does not eat the budget of a render on another."""
    from .test_render import make_answer

    bomb = Renderer(_settings(), {"chat.j2": BOMBS["nested loops"] + "{{ body }}"})
    plain = Renderer(_settings())
    answer = make_answer()

    def render_bomb(_: int) -> str:
        try:
            bomb.render(answer, channel="chat")
        except RenderError as error:
            return error.kind
        return "rendered"

    def render_plain(_: int) -> str:
        return plain.render(answer, channel="chat", customer="Mario").form

    with ThreadPoolExecutor(max_workers=4) as pool:
        bombs = pool.map(render_bomb, range(4))
        plains = pool.map(render_plain, range(200))
        assert set(bombs) == {"bound"} and set(plains) == {"full"}


def test_the_bounds_are_as_documented() -> None:
    assert (MAX_RANGE, MAX_TEXT, MAX_STEPS) == (1_000, 100_000, 20_000)
    assert {"range", "dict", "cycler", "joiner", "namespace"} == TEMPLATE_GLOBALS


# --- what the linter asks the renderer (issue 12, point 3) -----------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (Channel(family="sms", count="sms"), ("sms.j2",)),
        (Channel(family="short", public=True), ("short.j2", "private_invite.j2")),
        (Channel(family="email", format="html"), ("email.txt.j2", "email.html.j2")),
        (Channel(family="email", format="html", template="mail.j2"), ("mail.j2",)),
        (Channel(family="social", public=True, template="fb.j2"), ("fb.j2", "private_invite.j2")),
    ],
)
def test_channel_templates(spec: Channel, expected: tuple[str, ...]) -> None:
    assert channel_templates(spec) == expected


def test_template_files_say_where_each_template_comes_from(write_base: WriteBase) -> None:
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\nchannels:\n  x: {}\n  sms: {template: mine.j2}\n",
            "templates/short.j2": "{{ body }}",
            "billing/refund-timing.yaml": "questions: [refund?]\nanswer: Soon.\n",
        }
    )
    renderer = Renderer.for_base(load_answer_base(root))
    x = {f.name: (f.path, f.builtin) for f in renderer.template_files("twitter")}
    assert x == {
        "short.j2": (root / "templates" / "short.j2", False),
        "private_invite.j2": (BUILTIN_TEMPLATES / "private_invite.j2", True),
    }
    assert [(f.name, f.path) for f in renderer.template_files("sms")] == [("mine.j2", None)]
    assert renderer.template_file("../errors.py").path is None


@pytest.mark.parametrize("kind", ["channel", "invite", "answer", "opening"])
def test_template_variables_are_exactly_what_a_render_gives(kind: str) -> None:
    """Every name template_variables() lists renders; a name it leaves out fails."""
    from .test_render import make_answer

    names = sorted(template_variables(kind))  # type: ignore[arg-type]
    assert Renderer(_settings()).template_variables(kind) == set(names)  # type: ignore[arg-type]
    uses = " ".join(f"{{{{ {name} is defined }}}}" for name in names)
    probe = "{{ questions }}" if kind != "opening" else "{{ opening }}"
    settings = _settings()
    for source, fails in ((uses, False), (probe, True)):
        answer = make_answer()
        templates: dict[str, str] = {}
        if kind == "channel":
            templates = {"chat.j2": source}
        elif kind == "invite":
            templates = {"private_invite.j2": source}
            answer = make_answer(private=True)
        elif kind == "answer":
            answer = make_answer(answer=source)
        else:
            settings = settings.model_copy(update={"openings": {"neutral": [source]}})
        channel = "x" if kind == "invite" else "chat"
        renderer = Renderer(settings, templates)
        if fails:
            with pytest.raises(RenderError) as raised:
                renderer.render(answer, channel=channel)
            assert raised.value.kind == "undefined"
        else:
            text = renderer.render(answer, channel=channel).text
            assert "False" not in text and text.count("True") == len(names)
