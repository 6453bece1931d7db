"""Rendering: an answer as a reply on one channel, fitted to that platform's limit.

:class:`Renderer` renders; :mod:`.names` makes customer names safe and bounded per
channel, and tells a handle from a name; :mod:`.openings` picks openings, nameless ones
for customers without a name; :mod:`.detailview` gives templates a ticket's details;
:mod:`.sandbox` runs the base's templates with bounded time and memory;
:mod:`.templates` knows which templates a channel uses, their files and the names they
see; :mod:`.phrases` holds the built-in texts of each language and :mod:`.texts` merges
them with a base's own per language. The linter (``replykb check``) uses the same
functions, so nothing is derived twice.
"""

from __future__ import annotations

from .detailview import DetailsView, clean_details
from .names import (
    ABSENT_NAME,
    MAX_NAME_GRAPHEMES,
    NAME_BUDGET,
    CustomerView,
    bound_name,
    clean_customer_text,
    customer_views,
    gsm_spelling,
    looks_like_handle,
    worst_case_names,
)
from .openings import (
    ANONYMOUS_OPENINGS,
    DEFAULT_OPENINGS,
    OpeningChoice,
    choose_opening,
    elide_absent_name,
    prints_customer_name,
)
from .phrases import BUILTIN_LANGUAGES, PHRASES, Phrases
from .renderer import Renderer
from .sandbox import (
    MAX_MADE,
    MAX_RANGE,
    MAX_SECONDS,
    MAX_STEPS,
    MAX_TEXT,
    TEMPLATE_GLOBALS,
    BoundExceeded,
)
from .templates import (
    BUILTIN_TEMPLATES,
    PRIVATE_INVITE_TEMPLATE,
    TemplateFile,
    TemplateKind,
    channel_templates,
    template_variables,
)
from .texts import ReplyTexts, fallback_texts, reply_texts
from .views import AgentView, ChannelView

__all__ = [
    "ABSENT_NAME",
    "ANONYMOUS_OPENINGS",
    "BUILTIN_LANGUAGES",
    "BUILTIN_TEMPLATES",
    "DEFAULT_OPENINGS",
    "MAX_MADE",
    "MAX_NAME_GRAPHEMES",
    "MAX_RANGE",
    "MAX_SECONDS",
    "MAX_STEPS",
    "MAX_TEXT",
    "NAME_BUDGET",
    "PHRASES",
    "PRIVATE_INVITE_TEMPLATE",
    "TEMPLATE_GLOBALS",
    "AgentView",
    "BoundExceeded",
    "ChannelView",
    "CustomerView",
    "DetailsView",
    "OpeningChoice",
    "Phrases",
    "Renderer",
    "ReplyTexts",
    "TemplateFile",
    "TemplateKind",
    "bound_name",
    "channel_templates",
    "choose_opening",
    "clean_customer_text",
    "clean_details",
    "customer_views",
    "elide_absent_name",
    "fallback_texts",
    "gsm_spelling",
    "looks_like_handle",
    "prints_customer_name",
    "reply_texts",
    "template_variables",
    "worst_case_names",
]
