"""Learning from use: the usage log (here), and the modules that read it.

Kept light: ``KnowledgeBase.load(log=...)`` imports this package, so it must not
import the readers (usage report, gap mining), which import the triage core.
"""

from __future__ import annotations

from .events import LoggedFeedback, LoggedSuggestion
from .log import LogStore, UsageLog, open_log

__all__ = ["LogStore", "LoggedFeedback", "LoggedSuggestion", "UsageLog", "open_log"]
