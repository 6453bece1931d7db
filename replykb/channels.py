"""Built-in channel presets: each platform's limit as that platform counts it, how it
shows text, and when a business may reply there.

A base's ``replykb.yaml`` overrides any field of a preset by naming it under
``channels:``, and adds channels of its own by giving at least ``limit`` and
``count``. Limits are the platforms' published ones (November 2026). Reply windows
follow Meta's published rules (WhatsApp Cloud API customer service window; Messenger
Platform and Instagram messaging policy with the ``HUMAN_AGENT`` tag; Facebook and
Instagram private replies); each rule keeps the address of its source, which a reply's
:class:`ReplyWindow` repeats.

This module is a leaf (``models.py`` imports it), so the rule types live here.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "CHANNEL_PRESETS",
    "NotBoolean",
    "PrivateReplyRule",
    "ReplyWindow",
    "WindowAfter",
    "WindowRule",
    "WindowStatus",
    "preset_for",
]

# open: a free-form reply may be sent; template_required: only an approved template
# (WhatsApp); human_agent_tag: a person may reply with the tag (Messenger, Instagram);
# closed: nothing may be sent; unknown: the customer's last message time was not given.
WindowStatus = Literal["open", "template_required", "human_agent_tag", "closed", "unknown"]
# What the platform allows once the free-form window has passed.
WindowAfter = Literal["template", "human_agent_tag", "closed"]

WHATSAPP_SOURCE = (
    "https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages"
    "#customer-service-windows"
)
MESSENGER_SOURCE = "https://developers.facebook.com/docs/messenger-platform/policy/policy-overview"
INSTAGRAM_SOURCE = (
    "https://developers.facebook.com/docs/messenger-platform/instagram/features/send-message"
)
FACEBOOK_PRIVATE_REPLY_SOURCE = (
    "https://developers.facebook.com/docs/messenger-platform/discovery/private-replies"
)
INSTAGRAM_PRIVATE_REPLY_SOURCE = (
    "https://developers.facebook.com/docs/instagram-platform/private-replies"
)


def _not_boolean(value: object) -> object:
    # pydantic reads true as 1 in a number field: `hours: true` or `limit: yes` (YAML
    # reads yes/on as true) would silently become a 1-hour window or a 1-character limit.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


# A number read from a base's YAML (hours, limits, thresholds): never a boolean.
NotBoolean = BeforeValidator(_not_boolean)
Hours = Annotated[int, NotBoolean, Field(ge=1, le=8784)]


class WindowRule(BaseModel):
    """``window:`` of a channel: free-form replies within ``hours`` of the customer's
    last message; after that, what ``then`` says (an approved ``template``, a person
    replying with the ``tag`` until ``tag_hours`` after that message, or ``closed``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: Hours
    then: WindowAfter = "closed"
    tag: str | None = None
    tag_hours: Hours | None = None
    # Where the platform documents the rule (shown with every reply's window).
    source: str | None = None

    @model_validator(mode="after")
    def _tag_fits_then(self) -> WindowRule:
        if self.then == "human_agent_tag":
            if self.tag_hours is None:
                raise ValueError(
                    "`then: human_agent_tag` needs `tag_hours`: how long after the customer's "
                    "last message a person may still reply with the tag (Messenger: 168)"
                )
            if self.tag_hours <= self.hours:
                raise ValueError(
                    f"`tag_hours` ({self.tag_hours}) must be more than `hours` ({self.hours}): "
                    "the tag extends the free-form window"
                )
            if self.tag is None:
                return self.model_copy(update={"tag": "HUMAN_AGENT"})
        elif self.tag is not None or self.tag_hours is not None:
            raise ValueError(
                f"`tag` and `tag_hours` apply only with `then: human_agent_tag`, not "
                f"`then: {self.then}`; remove them or change `then`"
            )
        return self


class PrivateReplyRule(BaseModel):
    """``private_reply:`` of a public channel: one private message may answer a public
    comment within ``hours`` of the comment (Facebook and Instagram: 7 days)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: Hours
    source: str | None = None


class ReplyWindow(BaseModel):
    """Whether a reply may be sent now, as the channel's platform rules it.

    ``status`` is ``open`` (send it), ``template_required`` (only an approved template
    may be sent: WhatsApp after 24 hours), ``human_agent_tag`` (a person may send it
    with ``tag``: Messenger and Instagram, up to 7 days), ``closed`` (past every
    window) or ``unknown`` (the channel has a window, and the time of the customer's
    last message was not given). ``closes_at`` (UTC) is when what ``status`` allows
    ends; None when it does not end or is not known. ``once``: only one message may be
    sent (a private reply to a public comment). ``rule`` says the rule in words and
    ``source`` where the platform documents it.
    """

    model_config = ConfigDict(frozen=True)

    status: WindowStatus
    closes_at: datetime | None = None
    rule: str
    tag: str | None = None
    once: bool = False
    source: str | None = None


_MESSENGER_WINDOW = {
    "hours": 24,
    "then": "human_agent_tag",
    "tag": "HUMAN_AGENT",
    "tag_hours": 168,
    "source": MESSENGER_SOURCE,
}

_PRESET_FIELDS: dict[str, dict[str, Any]] = {
    # X counts with twitter-text v3: CJK and emoji weigh 2, every URL 23.
    "x": {
        "limit": 280,
        "count": "twitter",
        "public": True,
        "format": "plain",
        "family": "short",
        "aliases": ("twitter",),
        # A private answer's message goes by DM, with the public invitation.
        "private_channel": "x_dm",
    },
    # The limit is in segments (160 GSM-7 / 70 UCS-2 characters per single SMS).
    "sms": {
        "limit": 2,
        "count": "sms",
        "public": False,
        "format": "plain",
        "family": "sms",
    },
    # Public comments; a comment may get one private reply on Messenger within 7 days.
    "facebook": {
        "limit": 8000,
        "count": "chars",
        "public": True,
        "family": "social",
        "private_reply": {"hours": 168, "source": FACEBOOK_PRIVATE_REPLY_SOURCE},
        "private_channel": "messenger",
    },
    "instagram": {
        "limit": 2200,
        "count": "chars",
        "public": True,
        "family": "social",
        "private_reply": {"hours": 168, "source": INSTAGRAM_PRIVATE_REPLY_SOURCE},
        "private_channel": "instagram_dm",
    },
    "linkedin": {"limit": 1250, "count": "chars", "public": True, "family": "social"},
    "threads": {"limit": 500, "count": "chars", "public": True, "family": "short"},
    # Mastodon counts every URL as 23 characters, like X, and graphemes otherwise. A
    # reply notifies its author only if it mentions them, so it starts with the @handle.
    "mastodon": {
        "limit": 500,
        "count": "mastodon",
        "public": True,
        "family": "short",
        "mention": True,
    },
    "bluesky": {"limit": 300, "count": "graphemes", "public": True, "family": "short"},
    # Free-form within 24 hours of the customer's last message, then templates only.
    "whatsapp": {
        "limit": 4096,
        "count": "chars",
        "public": False,
        "format": "whatsapp",
        "family": "chat",
        "window": {"hours": 24, "then": "template", "source": WHATSAPP_SOURCE},
    },
    # Facebook Page conversations: 24 hours, then a person with HUMAN_AGENT up to 7 days.
    "messenger": {
        "limit": 2000,
        "count": "chars",
        "public": False,
        "family": "chat",
        "window": _MESSENGER_WINDOW,
    },
    # Instagram Direct: the same policy as Messenger; the Send API takes message texts of
    # at most 1000 bytes of UTF-8 (INSTAGRAM_SOURCE), so an "è" counts 2.
    "instagram_dm": {
        "limit": 1000,
        "count": "utf8",
        "public": False,
        "family": "chat",
        "window": {**_MESSENGER_WINDOW, "source": INSTAGRAM_SOURCE},
    },
    # X direct messages: 10,000 characters, no reply window.
    "x_dm": {"limit": 10000, "count": "chars", "public": False, "family": "chat"},
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
