"""What ``replykb check`` returns: the findings of one base, and the accepted ones."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, computed_field

from ..models import Finding, SuppressedFinding

__all__ = ["CheckReport"]


class CheckReport(BaseModel):
    """Everything ``replykb check`` found in one base; formatted by :mod:`.formats`."""

    model_config = ConfigDict(frozen=True)

    base: str
    # False when the base did not load: only the loader's findings (at least one error).
    loaded: bool = True
    answers: int = 0
    questions: int = 0
    # Codes of the checks that ran; when the base does not load only the loader's.
    checks: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # Findings a `check: ignore` accepted: listed, not counted, never failing.
    suppressed: list[SuppressedFinding] = Field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def error_count(self) -> int:
        return len(self.errors)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warning_count(self) -> int:
        return len(self.warnings)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def suppressed_count(self) -> int:
        return len(self.suppressed)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the check fails: errors (a base that does not load always has one),
        or with ``strict`` warnings too."""
        return bool(self.errors) or not self.loaded or (strict and bool(self.warnings))
