"""Where things are in the answer base's files, and the located problems the loader reports.

A leaf module (pydantic only), so that errors.py can name :class:`Problem` in its
types without importing models.py, which raises those errors.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["LoaderCode", "Location", "Problem"]

# The loading family of `replykb check`'s codes; the loader sets one on every problem so
# the check never has to guess the kind of a problem from its wording.
#   RKB001  YAML or schema error (syntax, wrong type, unknown key, empty or null
#           document, YAML aliases that expand too far, not UTF-8)
#   RKB002  duplicate answer id
#   RKB003  reference to something the base does not define
#   RKB004  a file or folder of the base cannot be read (permissions, not a regular
#           file, over the size limit, a symlink that is broken or leaves the base)
LoaderCode = Literal["RKB001", "RKB002", "RKB003", "RKB004"]


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
    code: LoaderCode = "RKB001"

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.location}: {field}{self.message}"
