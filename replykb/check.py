"""Compatibility: the checks behind ``replykb check`` live in :mod:`replykb.checks`
(a rule registry and one module per family of codes); import from there."""

from __future__ import annotations

from .checks import CHECKS, LOADER_CODES, RULES, CheckReport, Rule, run_checks

__all__ = ["CHECKS", "LOADER_CODES", "RULES", "CheckReport", "Rule", "run_checks"]
