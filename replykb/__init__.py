"""replykb: consistent customer-care replies on every channel.

Match each incoming message to one canonical answer from a curated YAML base
(or honestly to none), render it for the channel it came from, and check the
base in CI. Importing the package is cheap: the embedding model and FAISS are
loaded only when a base is matched.
"""

from __future__ import annotations

from .errors import (
    AnswerBaseError,
    BaseNotFoundError,
    DataError,
    MessageError,
    ModelError,
    RenderError,
    ReplyKBError,
    ReplyTooLongError,
    UnknownNameError,
)
from .kb import KnowledgeBase
from .length import count_length
from .loader import load_answer_base
from .models import (
    Agent,
    Answer,
    AnswerBase,
    Channel,
    Customer,
    Finding,
    Location,
    Match,
    Problem,
    Reply,
    Settings,
    Suggestion,
)

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "Answer",
    "AnswerBase",
    "AnswerBaseError",
    "BaseNotFoundError",
    "Channel",
    "Customer",
    "DataError",
    "Finding",
    "KnowledgeBase",
    "Location",
    "Match",
    "MessageError",
    "ModelError",
    "Problem",
    "RenderError",
    "Reply",
    "ReplyKBError",
    "ReplyTooLongError",
    "Settings",
    "Suggestion",
    "UnknownNameError",
    "__version__",
    "count_length",
    "load_answer_base",
]
