"""The texts a reply in one language is made of: the base's own for that language where
it gives them, else the built-in ones (:mod:`.phrases`).

For the reply's language ``L``:

- openings: the source language's are the top-level ``openings:`` and
  ``anonymous_openings:``; another language's are ``translations.L.openings`` and
  ``translations.L.anonymous_openings``; a tone the base gives none for gets the
  built-in ones of ``L`` (:func:`~replykb.render.openings.choose_opening`);
- the private invitation, the cut marker and the team's sign-off:
  ``translations.L.<key>``, else the built-in text of ``L``;
- agents' signatures: the source language's are ``agents.<id>.signatures``; another
  language's are ``agents.<id>.translations.L.signatures``, else the built-in default
  of ``L`` for the channel's family. An agent's source-language signature is never used
  for another language: it is written in the source language (:func:`agent_signature`).

A language without built-in texts gets the English ones where the base gives none:
:func:`fallback_texts` lists them, for ``replykb check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ..models import Agent, Channel, Settings, Tone
from .phrases import BUILTIN_LANGUAGES, Phrases, phrases_for

__all__ = [
    "FALLBACK_TEXT_KEYS",
    "ReplyTexts",
    "TextChoice",
    "agent_signature",
    "fallback_texts",
    "reply_texts",
    "sms_cut_marker",
]

# A key of `translations.<lang>` in replykb.yaml, a path from the file's root.
Origin = tuple[str, ...]


@dataclass(frozen=True)
class TextChoice:
    """One text of a reply (Jinja source) and where it comes from: its path in
    ``replykb.yaml`` (``None``: built in)."""

    source: str
    origin: Origin | None


@dataclass(frozen=True)
class OwnOpenings:
    """A tone's openings that the base gives for a language, and where they are."""

    variants: tuple[str, ...]
    origin: Origin


@dataclass(frozen=True)
class ReplyTexts:
    """Every text of a reply in ``language``, the base's overrides applied."""

    language: str
    is_source: bool
    builtin: Phrases
    # Per tone, the base's own openings for the language (absent: the built-in ones).
    openings: dict[Tone, OwnOpenings] = field(default_factory=dict)
    anonymous_openings: dict[Tone, OwnOpenings] = field(default_factory=dict)
    private_invite: TextChoice = TextChoice("", None)
    cut_marker: str = "…"
    team_signature: TextChoice = TextChoice("", None)


def _own_openings(settings: Settings, language: str, key: str) -> dict[Tone, OwnOpenings]:
    """The base's openings (``key``: openings or anonymous_openings) for ``language``."""
    found: dict[Tone, OwnOpenings] = {}
    translated = settings.translations.get(language)
    if translated is not None:
        for tone, variants in getattr(translated, key).items():
            if variants:
                found[tone] = OwnOpenings(tuple(variants), ("translations", language, key))
    if language == settings.language:
        # The top-level lists are the source language's, and win.
        for tone, variants in getattr(settings, key).items():
            if variants:
                found[tone] = OwnOpenings(tuple(variants), (key,))
    return found


def reply_texts(settings: Settings, language: str | None = None) -> ReplyTexts:
    """The texts of a reply in ``language`` (None: the base's source language)."""
    language = language or settings.language
    builtin = phrases_for(language)
    translated = settings.translations.get(language)
    where = ("translations", language)

    def choose(key: str, default: str) -> TextChoice:
        own = getattr(translated, key, None) if translated is not None else None
        return TextChoice(own, (*where, key)) if own is not None else TextChoice(default, None)

    return ReplyTexts(
        language=language,
        is_source=language == settings.language,
        builtin=builtin,
        openings=_own_openings(settings, language, "openings"),
        anonymous_openings=_own_openings(settings, language, "anonymous_openings"),
        private_invite=choose("private_invite", builtin.private_invite),
        cut_marker=choose("cut_marker", builtin.cut_marker).source,
        team_signature=choose("team_signature", builtin.team_signature),
    )


def sms_cut_marker(marker: str) -> str:
    """The cut marker as an SMS prints it: ``…`` is not GSM-7, three full stops are."""
    return marker.replace("…", "...")


def agent_signature(
    agent: Agent, texts: ReplyTexts, channel_names: tuple[str, ...], spec: Channel, brand: str
) -> tuple[str, str]:
    """The agent's name and sign-off on a channel (called any of ``channel_names``) in
    the reply's language: the agent's own for it, else the language's built-in default
    for the channel's family. In a language other than the source, the agent's
    ``signatures`` (source-language text) are never used."""
    if texts.is_source:
        name, signatures = agent.name, agent.signatures
    else:
        translated = agent.translations.get(texts.language)
        name = (translated.name if translated else None) or agent.name
        signatures = translated.signatures if translated else {}
    signature = next((signatures[n] for n in channel_names if n in signatures), None)
    if signature is None:
        signature = texts.builtin.signature(spec.family, name=name, brand=brand)
    return name, signature


# The keys of `translations.<lang>` whose built-in text only English has.
FALLBACK_TEXT_KEYS: Final = ("openings", "anonymous_openings", "private_invite", "team_signature")


def fallback_texts(settings: Settings, language: str) -> tuple[str, ...]:
    """Which texts a reply in ``language`` takes in English, for want of built-in ones
    in that language and of the base's own under ``translations.<language>``: the
    ``openings`` (a tone without its own), ``anonymous_openings`` (likewise, when the
    tone's own openings all print the name), ``private_invite``, ``team_signature``,
    and ``signatures of <agent>`` (a channel without its translated signature)."""
    if language in BUILTIN_LANGUAGES:
        return ()
    texts = reply_texts(settings, language)
    tones: tuple[Tone, ...] = ("neutral", "apology", "thanks")
    missing: list[str] = []
    if any(tone not in texts.openings for tone in tones):
        missing.append("openings")
    if any(tone not in texts.anonymous_openings and tone not in texts.openings for tone in tones):
        missing.append("anonymous_openings")
    if texts.private_invite.origin is None:
        missing.append("private_invite")
    if texts.team_signature.origin is None:
        missing.append("team_signature")
    for agent_id, agent in settings.agents.items():
        translated = agent.translations.get(language)
        if translated is None or set(settings.channels) - set(translated.signatures):
            missing.append(f"signatures of {agent_id}")
    return tuple(missing)
