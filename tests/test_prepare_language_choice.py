"""``LanguageChoice.fallback`` is read from ``reason`` (one source of truth), and the
JSON of a choice, which /v1/suggest returns, keeps its fields in the same order."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from replykb.models import LanguageChoice
from replykb.prepare.language_result import FALLBACK_REASONS, LanguageReason

REASONS = get_args(LanguageReason)


@pytest.mark.parametrize("reason", REASONS)
def test_fallback_follows_the_reason(reason: str) -> None:
    choice = LanguageChoice(language="en", reason=reason)  # type: ignore[arg-type]
    assert choice.fallback is (reason in FALLBACK_REASONS)
    assert choice.fallback is (
        reason.startswith("fallback-") and reason != "fallback-single-language"
    )
    # A copy with another reason says so: the flag cannot go stale.
    for other in REASONS:
        copied = choice.model_copy(update={"reason": other})
        assert copied.fallback is (other in FALLBACK_REASONS)


def test_a_given_fallback_cannot_contradict_the_reason() -> None:
    choice = LanguageChoice.model_validate(
        {"language": "it", "reason": "detected", "fallback": True}
    )
    assert choice.fallback is False


def test_the_json_keeps_its_fields_and_order() -> None:
    choice = LanguageChoice(
        language="en",
        requested=None,
        detected="es",
        confidence=0.69,
        matched="en",
        reason="fallback-unsupported",
    )
    expected = (
        '{"language":"en","requested":null,"detected":"es","confidence":0.69,'
        '"matched":"en","fallback":true,"reason":"fallback-unsupported"}'
    )
    assert choice.model_dump_json() == expected
    assert json.dumps(choice.model_dump(mode="json"), separators=(",", ":")) == expected
    assert LanguageChoice.model_validate_json(expected) == choice
