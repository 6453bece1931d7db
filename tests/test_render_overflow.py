"""A reply that cannot fit its channel says what takes it over and where to fix it, in
every language (issue 16 leftovers): the cut marker (the base's own, at its line of
replykb.yaml, or the built-in one) when the cut would fit without it; the signature
when even a reply with no answer text is over (no `short` form can help then).

The six-language base of tests/language_base.py, with its own cut marker in every
language; the channel's limit is lowered to just below the smallest cut that fits.
No model needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb import ReplyTooLongError
from replykb.languages import language_name
from replykb.models import AnswerBase
from replykb.render import Renderer

from .language_base import LANGUAGES, load_language_base

OWN_MARKERS = {
    "en": " [more]",
    "it": " [continua]",
    "es": " [sigue]",
    "fr": " [suite]",
    "de": " [weiter]",
    "pt": " [continua]",
}
OWN = "translations:\n" + "".join(
    f"  {code}:\n    cut_marker: '{marker}'\n" for code, marker in OWN_MARKERS.items()
)
# Italian has its own invitation too (the other languages' are built in).
OWN = OWN.replace(
    "    cut_marker: ' [continua]'\n",
    "    cut_marker: ' [continua]'\n    private_invite: Scrivici in privato, ti rispondiamo li.\n",
    1,
)
CHANNELS = ["x", "threads", "bluesky"]
GENERIC_FIX = "shorten its `short` form or the agent's signature for this channel"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    return load_language_base(tmp_path_factory.mktemp("own") / "base", settings=OWN)


@pytest.fixture(scope="module")
def builtin(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    return load_language_base(tmp_path_factory.mktemp("builtin") / "base")


def with_limit(base: AnswerBase, channel: str, limit: int) -> Renderer:
    """The base's renderer with ``channel``'s limit set to ``limit``."""
    settings = base.settings
    channels = dict(settings.channels)
    channels[channel] = channels[channel].model_copy(update={"limit": limit})
    return Renderer(
        settings.model_copy(update={"channels": channels}),
        dict(base.templates),
        settings_source=base.settings_source,
    )


def render(base: AnswerBase, channel: str, limit: int, language: str, agent: str | None) -> str:
    """The reply's text, or the error's message when it does not fit."""
    try:
        return (
            with_limit(base, channel, limit)
            .render(
                base.answer("delivery-areas"),
                channel=channel,
                agent=agent,
                customer="Giulia",
                language=language,
            )
            .text
        )
    except ReplyTooLongError as error:
        return f"ERROR {error}"


def smallest_limit(base: AnswerBase, channel: str, language: str, agent: str | None) -> int:
    """The smallest limit at which the reply (cut) still fits."""
    low, high = 1, 150  # over at `low`, fits at `high`
    assert render(base, channel, low, language, agent).startswith("ERROR")
    assert not render(base, channel, high, language, agent).startswith("ERROR")
    while high - low > 1:
        middle = (low + high) // 2
        if render(base, channel, middle, language, agent).startswith("ERROR"):
            low = middle
        else:
            high = middle
    return high


@pytest.mark.parametrize("agent", ["paola", None])
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_base_s_own_cut_marker_is_named_at_its_line(
    own: AnswerBase, language: str, channel: str, agent: str | None
) -> None:
    limit = smallest_limit(own, channel, language, agent)
    marker = OWN_MARKERS[language]
    assert f"{marker} https://help.fernhill.example/delivery" in render(
        own, channel, limit, language, agent
    )
    message = render(own, channel, limit - 1, language, agent)
    settings = own.root / "replykb.yaml"
    line = marker_line(settings, language)
    assert message.startswith("ERROR answer 'delivery-areas' does not fit channel"), message
    assert "(1 over)" in message
    assert f"cut marker {marker!r} (`translations.{language}.cut_marker`, " in message
    assert f"{settings}:{line}) is what takes the cut reply over: shorten it" in message
    assert "give the answer a `short` form that fits" in message
    assert str(own.root / "orders" / "delivery-areas.yaml") + ":1" in message
    assert GENERIC_FIX not in message


def marker_line(settings: Path, language: str) -> int:
    """The line of ``translations.<language>.cut_marker`` in ``settings``."""
    lines = settings.read_text(encoding="utf-8").splitlines()
    found = lines.index(f"  {language}:", lines.index("translations:")) + 2
    assert lines[found - 1].startswith("    cut_marker:")
    return found


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_built_in_cut_marker_is_named(builtin: AnswerBase, language: str, channel: str) -> None:
    limit = smallest_limit(builtin, channel, language, "paola")
    assert "… https://help.fernhill.example/delivery" in render(
        builtin, channel, limit, language, "paola"
    )
    message = render(builtin, channel, limit - 1, language, "paola")
    assert message.startswith("ERROR answer 'delivery-areas' does not fit channel"), message
    assert "cut marker '…' is what takes the cut reply over" in message
    assert f"the built-in {language_name(language)} cut marker" in message
    assert f"a shorter `translations.{language}.cut_marker` in {builtin.root}" in message
    assert GENERIC_FIX not in message


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_signature_over_the_limit_on_its_own_is_named_not_short(
    own: AnswerBase, language: str
) -> None:
    message = render(own, "x", 10, language, "paola")
    assert message.startswith("ERROR answer 'delivery-areas' does not fit channel 'x'")
    assert "even with no answer text the reply counts" in message
    assert "shorten the signature for this channel" in message
    assert "a `short` form cannot help" in message
    assert "cut marker" not in message


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_private_invitation_names_the_invitation_not_short(
    own: AnswerBase, language: str
) -> None:
    """A private answer on X sends only the invitation: `short` cannot help."""
    renderer = with_limit(own, "x", 25)
    with pytest.raises(ReplyTooLongError) as raised:
        renderer.render(own.answer("account-locked"), channel="x", language=language)
    message = str(raised.value)
    assert message.startswith("answer 'account-locked' does not fit channel 'x'")
    assert "sends only the invitation to continue in private, which has no shorter form" in message
    assert GENERIC_FIX not in message and "`short`" not in message
    settings = own.root / "replykb.yaml"
    if language == "it":
        lines = settings.read_text(encoding="utf-8").splitlines()
        line = lines.index("    private_invite: Scrivici in privato, ti rispondiamo li.") + 1
        assert f"(`translations.it.private_invite`, {settings}:{line})" in message
    else:
        assert f"(the built-in {language_name(language)} one: set a shorter " in message
        assert f"`translations.{language}.private_invite` in {settings})" in message
