"""Where things are in the answer base's files, and the located problems the loader reports.

A leaf module (pydantic only), so that errors.py can name :class:`Problem` in its
types without importing models.py, which raises those errors.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Location", "Problem"]


class Location(BaseModel):
    """A place in a file of the answer base; lines and columns count from 1."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Problem(BaseModel):
    """One located mistake in the answer base."""

    model_config = ConfigDict(frozen=True)

    location: Location
    field: str = ""
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.location}: {field}{self.message}"
