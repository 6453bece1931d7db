"""Rendering: an answer as a reply on one channel, fitted to that platform's limit.

:class:`Renderer` renders; :mod:`.names` makes customer names safe and bounded per
channel; :mod:`.sandbox` runs the base's templates with bounded time and memory;
:mod:`.templates` knows which templates a channel uses, their files and the names they
see. The linter (``replykb check``) uses the same functions, so nothing is derived twice.
"""

from __future__ import annotations

from .names import (
    MAX_NAME_GRAPHEMES,
    NAME_BUDGET,
    CustomerView,
    bound_name,
    clean_customer_text,
    customer_views,
    gsm_spelling,
    worst_case_names,
)
from .renderer import DEFAULT_OPENINGS, AgentView, ChannelView, Renderer
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

__all__ = [
    "BUILTIN_TEMPLATES",
    "DEFAULT_OPENINGS",
    "MAX_MADE",
    "MAX_NAME_GRAPHEMES",
    "MAX_RANGE",
    "MAX_SECONDS",
    "MAX_STEPS",
    "MAX_TEXT",
    "NAME_BUDGET",
    "PRIVATE_INVITE_TEMPLATE",
    "TEMPLATE_GLOBALS",
    "AgentView",
    "BoundExceeded",
    "ChannelView",
    "CustomerView",
    "Renderer",
    "TemplateFile",
    "TemplateKind",
    "bound_name",
    "channel_templates",
    "clean_customer_text",
    "customer_views",
    "gsm_spelling",
    "template_variables",
    "worst_case_names",
]
