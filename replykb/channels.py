"""Built-in channel presets: each platform's limit, as that platform counts it.

A base's ``replykb.yaml`` overrides any field of a preset by naming it under
``channels:``, and adds channels of its own by giving at least ``limit`` and
``count``. Figures are the platforms' published limits (November 2026).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

_PRESET_FIELDS: dict[str, dict[str, Any]] = {
    # X counts with twitter-text v3: CJK and emoji weigh 2, every URL 23.
    "x": {
        "limit": 280,
        "count": "twitter",
        "public": True,
        "format": "plain",
        "family": "short",
        "aliases": ("twitter",),
    },
    # The limit is in segments (160 GSM-7 / 70 UCS-2 characters per single SMS).
    "sms": {
        "limit": 2,
        "count": "sms",
        "public": False,
        "format": "plain",
        "family": "sms",
    },
    "facebook": {"limit": 8000, "count": "chars", "public": True, "family": "social"},
    "instagram": {"limit": 2200, "count": "chars", "public": True, "family": "social"},
    "linkedin": {"limit": 1250, "count": "chars", "public": True, "family": "social"},
    "threads": {"limit": 500, "count": "chars", "public": True, "family": "short"},
    # Mastodon counts every URL as 23 characters, like X, and graphemes otherwise.
    "mastodon": {"limit": 500, "count": "mastodon", "public": True, "family": "short"},
    "bluesky": {"limit": 300, "count": "graphemes", "public": True, "family": "short"},
    "whatsapp": {"limit": 4096, "count": "chars", "public": False, "family": "chat"},
    "chat": {"limit": 2000, "count": "chars", "public": False, "family": "chat"},
    "email": {
        "limit": None,
        "count": "chars",
        "public": False,
        "format": "html",
        "family": "email",
    },
}

# Read-only on purpose: settings merge copies of these, never the originals.
CHANNEL_PRESETS: MappingProxyType[str, MappingProxyType[str, Any]] = MappingProxyType(
    {name: MappingProxyType(fields) for name, fields in _PRESET_FIELDS.items()}
)


def preset_for(name: str) -> MappingProxyType[str, Any] | None:
    """The preset a channel name (or one of its aliases, like ``twitter``) refers to."""
    if name in CHANNEL_PRESETS:
        return CHANNEL_PRESETS[name]
    for preset in CHANNEL_PRESETS.values():
        if name in preset.get("aliases", ()):
            return preset
    return None
