"""``replykb check``: the rule registry and one module per family of codes.

========  ====================  ==============================================
family    codes                 module
========  ====================  ==============================================
loading   RKB0xx                :mod:`.loading` (the loader reports most)
templates RKB1xx                :mod:`.templates`
fit       RKB2xx                :mod:`.fit`
facts     RKB3xx                :mod:`.facts`
matching  RKB4xx                :mod:`.matching`
privacy   RKB5xx                :mod:`.privacy`
policy    RKB6xx                :mod:`.policy` (and stale ignores, :mod:`.ignores`)
========  ====================  ==============================================

A rule is declared once, beside its check (:mod:`.registry`); :data:`RULES` (the
catalogue), the reports (:mod:`.formats`) and the README's list of codes
(:mod:`.catalogue`) are derived from the declarations.
"""

from __future__ import annotations

from .registry import Family, Found, Rule
from .report import CheckReport
from .rules import CHECKS, FAMILIES, LOADER_CODES, RULES
from .run import run_checks

__all__ = [
    "CHECKS",
    "FAMILIES",
    "LOADER_CODES",
    "RULES",
    "CheckReport",
    "Family",
    "Found",
    "Rule",
    "run_checks",
]
