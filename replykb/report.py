"""Compatibility: the report formats of ``replykb check`` live in
:mod:`replykb.checks.formats`; import from there."""

from __future__ import annotations

from .checks.formats import (
    FORMATS,
    format_github,
    format_json,
    format_junit,
    format_text,
    summary,
)

__all__ = ["FORMATS", "format_github", "format_json", "format_junit", "format_text", "summary"]
