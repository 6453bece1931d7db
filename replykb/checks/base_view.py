"""A loaded base as the checks see it: where things are in its files, and how it renders.

The lowest layer of the checks package: the render sweep and the template reading
take a :class:`BaseView`, and :class:`~.context.CheckContext` extends it with the
values they compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..loader import SETTINGS_FILE, TEMPLATES_DIR
from ..models import AnswerBase, Location, Settings
from ..render import BUILTIN_TEMPLATES, Renderer, channel_templates

__all__ = ["BaseView"]


@dataclass(frozen=True)
class BaseView:
    """A loaded base, where its settings are in its files, and how it renders."""

    base: AnswerBase

    # --- places ------------------------------------------------------------------

    @property
    def settings_file(self) -> Location:
        return Location(file=str(self.base.root / SETTINGS_FILE))

    def channel_location(self, channel: str, *keys: str) -> Location:
        """The line of replykb.yaml that sets ``channels.<channel>.<keys>`` (or the
        nearest enclosing key: a preset channel may be named only)."""
        return self.base.settings_source.locate("channels", channel, *keys)

    def template_location(self, name: str, line: int = 1, column: int = 1) -> Location:
        """A line of the base's own template ``name``; only base templates have one."""
        return Location(file=str(self.base.root / TEMPLATES_DIR / name), line=line, column=column)

    # --- templates -----------------------------------------------------------------

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer.for_base(self.base)

    def renderer_for(self, settings: Settings) -> Renderer:
        """A renderer of the base's templates with other settings (no limits, say)."""
        return Renderer(
            settings,
            dict(self.base.templates),
            templates_dir=self.base.root / TEMPLATES_DIR,
            settings_source=self.base.settings_source,
        )

    @cached_property
    def channel_templates(self) -> dict[str, tuple[str, ...]]:
        """The template files each channel renders with, as the renderer picks them."""
        return {name: channel_templates(spec) for name, spec in self.base.settings.channels.items()}

    def template_exists(self, name: str) -> bool:
        return name in self.base.templates or (BUILTIN_TEMPLATES / name).is_file()

    def is_base_template(self, name: str) -> bool:
        return name in self.base.templates

    @cached_property
    def usable_channels(self) -> tuple[str, ...]:
        """Channels whose templates all exist (the others get RKB003, not render errors)."""
        return tuple(
            name
            for name, templates in self.channel_templates.items()
            if all(self.template_exists(t) for t in templates)
        )
