"""replykb: consistent customer-care replies on every channel.

Match each incoming message to one canonical answer from a curated YAML base
(or honestly to none), render it for the channel it came from, and check the
base in CI. Importing the package is cheap: the public names below are
imported on first use, and the embedding model, ONNX Runtime and FAISS only
when a base is matched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    AnswerBaseError,
    BaseExistsError,
    BaseNotFoundError,
    CacheError,
    DataError,
    EditError,
    MessageError,
    ModelError,
    RenderError,
    ReplyKBError,
    ReplyTooLongError,
    UnknownNameError,
    UsageLogError,
)

if TYPE_CHECKING:
    from .channels import ReplyWindow
    from .checks import CheckReport, run_checks
    from .kb import FeedbackObserver, KnowledgeBase, SuggestObserver
    from .learn.log import UsageLog, open_log
    from .length import count_length
    from .loader import load_answer_base
    from .locations import Location, Problem
    from .models import (
        Agent,
        Answer,
        AnswerBase,
        Channel,
        Customer,
        Finding,
        LanguageChoice,
        Match,
        Mood,
        Reply,
        Settings,
        Suggestion,
    )
    from .triage_models import (
        Feedback,
        FeedbackEvent,
        SuggestEvent,
        SuggestTimings,
        TriageFailure,
        TriageRequest,
        TriageResult,
    )

# Public name -> the module that defines it, imported when the name is first used
# (pydantic, PyYAML, Jinja, regex and NumPy take a few hundred milliseconds).
_LAZY = {
    "CheckReport": "checks",
    "run_checks": "checks",
    "KnowledgeBase": "kb",
    "ReplyWindow": "channels",
    "SuggestObserver": "kb",
    "FeedbackObserver": "kb",
    "UsageLog": "learn.log",
    "open_log": "learn.log",
    "count_length": "length",
    "load_answer_base": "loader",
    "Location": "locations",
    "Problem": "locations",
    **dict.fromkeys(
        (
            "Agent",
            "Answer",
            "AnswerBase",
            "Channel",
            "Customer",
            "Finding",
            "Match",
            "LanguageChoice",
            "Mood",
            "Reply",
            "Settings",
            "Suggestion",
        ),
        "models",
    ),
    **dict.fromkeys(
        (
            "Feedback",
            "FeedbackEvent",
            "SuggestEvent",
            "SuggestTimings",
            "TriageFailure",
            "TriageRequest",
            "TriageResult",
        ),
        "triage_models",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'replykb' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Agent",
    "Answer",
    "AnswerBase",
    "AnswerBaseError",
    "BaseExistsError",
    "BaseNotFoundError",
    "CacheError",
    "Channel",
    "CheckReport",
    "Customer",
    "DataError",
    "EditError",
    "Feedback",
    "FeedbackEvent",
    "FeedbackObserver",
    "Finding",
    "KnowledgeBase",
    "LanguageChoice",
    "Location",
    "Match",
    "MessageError",
    "ModelError",
    "Mood",
    "Problem",
    "RenderError",
    "Reply",
    "ReplyKBError",
    "ReplyTooLongError",
    "ReplyWindow",
    "Settings",
    "SuggestEvent",
    "SuggestObserver",
    "SuggestTimings",
    "Suggestion",
    "TriageFailure",
    "TriageRequest",
    "TriageResult",
    "UnknownNameError",
    "UsageLog",
    "UsageLogError",
    "__version__",
    "count_length",
    "load_answer_base",
    "open_log",
    "run_checks",
]
