"""RenderErrors met while rendering the base -> located problems, once per cause.

The renderer's errors carry structured fields (which template or text, the line, the
reason, the kind, the offending name), so nothing here reads an error's wording. A
problem is located where the fix goes: the base's own template or text, or, for a
built-in template, the channel's entry in replykb.yaml (never inside the package).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RenderError
from ..models import Answer, Location
from .template_texts import locate_name

if TYPE_CHECKING:
    from .base_view import BaseView

__all__ = ["RenderProblem", "RenderProblems"]

PROBE_IDS = frozenset(("replykb-sample", "replykb-minimal"))


@dataclass(frozen=True)
class RenderProblem:
    """A template error, where to fix it, and when it happens (and how often)."""

    code: str  # RKB101 does not compile, RKB102 fails to render, RKB103 over a bound
    location: Location
    reason: str
    occasion: str
    answer: str | None
    count: int = 1

    @property
    def message(self) -> str:
        more = f", and {self.count - 1} more" if self.count > 1 else ""
        return f"{self.reason} ({self.occasion}{more})"


class RenderProblems:
    """Collects the errors of one sweep, one problem per (code, place, reason)."""

    def __init__(self, ctx: BaseView) -> None:
        self._ctx = ctx
        self._found: dict[tuple[str, Location, str], RenderProblem] = {}
        # Channels and answers whose templates went over a resource bound: not rendered again.
        self.stopped_channels: set[str] = set()
        self.stopped_answers: set[str] = set()

    def add(
        self,
        error: RenderError,
        answer: Answer,
        channel: str,
        agent: str | None,
        customer: str | None,
    ) -> None:
        code = {"syntax": "RKB101", "bound": "RKB103"}.get(error.kind, "RKB102")
        location, about = self._locate(error, answer, channel, named=customer is not None)
        if answer.id not in PROBE_IDS:
            subject = f"answer {answer.id!r}"
        elif error.what in ("template", "opening"):
            subject = "any answer"  # the template fails whatever the answer says
        else:
            subject = "a sample answer"
        occasion = (
            f"rendering {subject} on {channel}"
            + (f" signed by {agent}" if agent else " with no agent")
            + (f" for customer {customer!r}" if customer and "{" in customer else "")
        )
        if error.kind == "bound":
            # Over a bound once, over it every time: later renders would only take time.
            if error.template is not None:
                self.stopped_channels.add(channel)
            elif answer.id not in PROBE_IDS:
                self.stopped_answers.add(answer.id)
        key = (code, location, error.reason)
        previous = self._found.get(key)
        if previous is not None:
            count = previous.count + 1
            if answer.id in PROBE_IDS or previous.occasion.startswith("rendering answer '"):
                # The first real answer it happens to is the one worth naming.
                occasion = previous.occasion
        self._found[key] = RenderProblem(
            code, location, error.reason, occasion, about, 1 if previous is None else count
        )

    def found(self) -> tuple[RenderProblem, ...]:
        return tuple(self._found.values())

    def _locate(
        self, error: RenderError, answer: Answer, channel: str, *, named: bool
    ) -> tuple[Location, str | None]:
        """Where the fix goes, and the answer the problem is about (its own text only)."""
        ctx = self._ctx
        if error.template is not None:
            if not ctx.is_base_template(error.template):
                # A built-in template failing says something about the channel's settings.
                return ctx.channel_location(channel), None
            start = ctx.template_location(error.template)
            if error.name:
                source = ctx.base.templates[error.template]
                return locate_name(source, error.name, start), None
            if error.line and error.line > 1:
                return Location(file=start.file, line=error.line), None
            return start, None
        if error.what == "opening":
            if error.path is not None and error.file_line and self._in_base(error.path):
                return Location(file=str(error.path), line=error.file_line), None
            # A customer without a name is greeted from the other list.
            key = "openings" if named else "anonymous_openings"
            if answer.tone not in getattr(ctx.base.settings, key):
                return ctx.base.settings_source.locate(key), None
            variant = () if error.opening is None else (error.opening,)
            return ctx.base.settings_source.locate(key, answer.tone, *variant), None
        # A language's own text in replykb.yaml (translations.<lang>.private_invite,
        # .team_signature): the renderer names its line.
        if error.what is None and error.path and error.file_line and self._in_base(error.path):
            return Location(file=str(error.path), line=error.file_line), None
        if answer.id in PROBE_IDS or error.what not in ("answer", "short"):
            return ctx.settings_file, None
        return answer.source.locate(error.what), answer.id

    def _in_base(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self._ctx.base.root.resolve())
