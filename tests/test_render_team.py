"""A reply signed by the team (no agent) shows the team's sign-off of the reply's
language, and never the English one, through every path (issue 16 leftovers): every
channel, a customer with and without a name, the built-in templates and templates that
print ``{{ agent }}``, ``{{ agent.name }}`` and ``{{ agent.signature }}``, the paired
private message, and the knowledge base the server and the console call. The English
sign-off is written once, in render/phrases.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb import KnowledgeBase
from replykb.models import AnswerBase
from replykb.render import Renderer
from replykb.render.phrases import PHRASES

from .language_base import LANGUAGES, load_language_base, write_language_base

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
ENGLISH_TEAM = "The Fernhill team"
# Templates that print what they see of the signer, in each language's folder.
PRINTING = "{{ opening }} {{ body }} | {{ agent }} | {{ agent.name }} | {{ agent.signature }}"
TEMPLATES = {
    f"templates/{folder}{name}": PRINTING
    for folder in ("", *(f"{code}/" for code in LANGUAGES))
    # sms.j2 stays built in: three Portuguese team names are over two UCS-2 segments.
    for name in ("social.j2", "short.j2", "chat.j2", "email.txt.j2")
}
ANSWERS = ["refund-timing", "account-locked", "positive-feedback", "delivery-areas"]


def team_of(language: str) -> str:
    return PHRASES[language].team_signature.replace("{{ brand }}", "Fernhill")


@pytest.fixture(scope="module")
def builtin(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    return load_language_base(tmp_path_factory.mktemp("team") / "base")


@pytest.fixture(scope="module")
def printing(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    return load_language_base(tmp_path_factory.mktemp("printing") / "base", files=TEMPLATES)


def texts_of(base: AnswerBase, language: str, customer: str | None) -> list[str]:
    """Every text of every team reply in ``language``: all channels, all answers."""
    renderer = Renderer.for_base(base)
    found = []
    for answer_id in ANSWERS:
        for channel in base.settings.channels:
            reply = renderer.render(
                base.answer(answer_id), channel=channel, customer=customer, language=language
            )
            for part in (reply, reply.private_reply):
                if part is not None:
                    found += [part.text, part.html or ""]
    return found


@pytest.mark.parametrize("customer", ["Giulia", None])
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_team_reply_never_shows_the_english_sign_off(
    builtin: AnswerBase, printing: AnswerBase, language: str, customer: str | None
) -> None:
    texts = texts_of(builtin, language, customer)
    assert not [text for text in texts if ENGLISH_TEAM in text]
    assert any(team_of(language) in text for text in texts)
    printed = texts_of(printing, language, customer)
    assert not [text for text in printed if ENGLISH_TEAM in text]
    # Off the short family, the templates see the language's team as agent and name.
    team = team_of(language)
    assert any(f"| {team} | {team} | {team}" in text for text in printed)
    # On X and SMS the team signs with the brand, the same in every language.
    assert any(text.endswith(f"| {team} | {team} | ^Fernhill") for text in printed)


def test_english_team_replies_are_unchanged(builtin: AnswerBase) -> None:
    texts = texts_of(builtin, "en", "Giulia")
    assert any(ENGLISH_TEAM in text for text in texts)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_through_the_knowledge_base(
    real_embedder, tmp_path_factory: pytest.TempPathFactory, language: str
) -> None:  # type: ignore[no-untyped-def]
    """What the server and the console get: kb.render and kb.suggest with no agent."""
    root = write_language_base(tmp_path_factory.mktemp("kb") / "base", files=TEMPLATES)
    kb = KnowledgeBase.load(root, cache_dir=root.parent / "cache", embedder=real_embedder)
    team = team_of(language)
    for channel in ("facebook", "email", "x"):
        reply = kb.render("refund-timing", channel=channel, customer="Giulia", language=language)
        assert ENGLISH_TEAM not in reply.text and f"| {team} | {team} |" in reply.text
        suggestion = kb.suggest(
            "when will I get my refund", channel=channel, customer="Giulia", language=language
        )
        assert suggestion.reply is not None
        assert ENGLISH_TEAM not in suggestion.reply.text
        assert f"| {team} | {team} |" in suggestion.reply.text


def test_the_english_team_sign_off_is_written_once() -> None:
    """One source of truth: render/phrases.py (views.py used to keep a second one)."""
    package = Path(__file__).parent.parent / "replykb"
    holders = [
        str(file.relative_to(package))
        for file in package.rglob("*.py")
        if "The {{ brand }} team" in file.read_text(encoding="utf-8")
        or "The {brand} team" in file.read_text(encoding="utf-8")
    ]
    assert holders == ["render/phrases.py"]
