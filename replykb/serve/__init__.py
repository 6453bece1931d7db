"""The HTTP server (``replykb serve``): the triage core over HTTP, the console page,
hot reloads of the base. Imported only by the server: the library never loads FastAPI.

>>> from replykb import KnowledgeBase                               # doctest: +SKIP
>>> from replykb.serve import BaseHolder, ServerSettings, create_app  # doctest: +SKIP
>>> holder = BaseHolder(lambda: KnowledgeBase.load("answers/"))      # doctest: +SKIP
>>> app = create_app(holder, ServerSettings(token="s3cret"))        # doctest: +SKIP
"""

from __future__ import annotations

from .app import create_app
from .settings import ServerSettings
from .state import BaseHolder, Loaded, ReloadOutcome

__all__ = ["BaseHolder", "Loaded", "ReloadOutcome", "ServerSettings", "create_app"]
