"""The catalogue: every code of ``replykb check``, from the families' declarations.

Nothing here is written by hand: a rule is declared once, beside its check, and the
order of codes, the checks to run and the codes the loader reports all follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from . import drafts as _drafts  # noqa: F401  (declares RKB605 on the policy family)
from . import formatting as _formatting  # noqa: F401  (declares RKB203 on the fit family)
from . import languages_fit as _languages_fit  # noqa: F401  (declares RKB705)
from . import languages_matching as _languages_matching  # noqa: F401  (declares RKB706)
from . import languages_model as _languages_model  # noqa: F401  (declares RKB707)
from . import languages_templates as _languages_templates  # noqa: F401  (declares RKB710, RKB711)
from . import tuned as _tuned  # noqa: F401  (declares RKB406 on the matching family)
from .facts import facts
from .fit import fit
from .languages import languages
from .loading import loading
from .matching import matching
from .policy import policy
from .privacy import privacy
from .registry import Check, Family, Rule
from .templates import templates

__all__ = ["CHECKS", "FAMILIES", "LOADER_CODES", "RULES"]

FAMILIES: Final[tuple[Family, ...]] = (
    loading,
    templates,
    fit,
    facts,
    matching,
    privacy,
    policy,
    languages,
)


def _catalogue(families: tuple[Family, ...]) -> Mapping[str, Rule]:
    rules: dict[str, Rule] = {}
    for family in families:
        for rule in family.rules:
            if rule.code in rules:
                raise ValueError(f"{rule.code} is declared by {rules[rule.code].family} too")
            rules[rule.code] = rule
    return MappingProxyType(dict(sorted(rules.items())))


RULES: Final[Mapping[str, Rule]] = _catalogue(FAMILIES)
# The checks of a loaded base, in code order (the order does not change what they find).
CHECKS: Final[tuple[Check, ...]] = tuple(r.check for r in RULES.values() if r.check)
# The codes the loader reports when the base does not load.
LOADER_CODES: Final[tuple[str, ...]] = tuple(code for code, r in RULES.items() if r.loader)
