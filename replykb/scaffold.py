"""``replykb init``: a new answer base that passes ``replykb check`` at once."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import BaseExistsError
from .loader import SETTINGS_FILE, TEMPLATES_DIR
from .render import BUILTIN_TEMPLATES

STARTER = Path(__file__).parent / "starter"
# Stored without their leading dot: a packaged `.gitignore` would be read by build tools.
_DOTTED = {"gitignore": ".gitignore", "github": ".github"}


def create_base(path: str | Path) -> list[Path]:
    """Write a starter base into ``path`` (created if missing) and return the files written.

    Refuses, with :class:`BaseExistsError`, to write over an existing base.
    """
    root = Path(path)
    if (root / SETTINGS_FILE).exists():
        raise BaseExistsError(
            f"{root / SETTINGS_FILE} already exists; replykb init never overwrites a base "
            "(choose an empty or new folder)"
        )
    planned = [
        (source, root / _target(source.relative_to(STARTER)))
        for source in sorted(STARTER.rglob("*"))
        if source.is_file() and "__pycache__" not in source.parts
    ]
    planned += [
        (source, root / TEMPLATES_DIR / source.name)
        for source in sorted(BUILTIN_TEMPLATES.glob("*.j2"))
    ]
    clashes = [target for _, target in planned if target.exists()]
    if clashes:
        raise BaseExistsError(
            f"{clashes[0]} already exists; replykb init never overwrites files "
            "(choose an empty or new folder)"
        )
    for source, target in planned:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return [target for _, target in planned]


def _target(relative: Path) -> Path:
    first, *rest = relative.parts
    return Path(_DOTTED.get(first, first), *rest)
