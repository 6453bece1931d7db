"""The JSON of `replykb eval --json` keeps its fields and their order, byte for byte:
a report and a calibration, with and without per-language figures, dumped as the
command dumps them, against goldens captured before the metric fields were declared
once (tests/golden/eval/). No model needed.

Regenerate (only for an intended change of the output): REPLYKB_WRITE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from replykb.evaluate import (
    EvalReport,
    Goal,
    LabelledMessage,
    ScoredMessage,
    calibrate,
    report,
)
from replykb.models import LanguageChoice

GOLDEN = Path(__file__).parent / "golden" / "eval"


def scored(
    message: str, expected: str | None, language: str, matched: str, *candidates: tuple[str, float]
) -> ScoredMessage:
    return ScoredMessage(
        item=LabelledMessage(message=message, expected=expected, language=language),
        candidates=list(candidates),
        choice=LanguageChoice(language=matched, matched=matched, reason="detected"),
    )


BILINGUAL = [
    scored("a1", "a", "en", "en", ("a", 0.80), ("b", 0.40)),
    scored("a2", "a", "en", "en", ("a", 0.62), ("b", 0.60)),
    scored("b1", "b", "en", "en", ("b", 0.70), ("a", 0.30)),
    scored("b2", "b", "en", "en", ("a", 0.55), ("b", 0.50)),
    scored("oos1", None, "en", "en", ("a", 0.45), ("b", 0.20)),
    scored("oos2", None, "en", "en", ("b", 0.58), ("a", 0.10)),
    scored("i1", "a", "it", "it", ("a", 0.9), ("b", 0.1)),
    scored("i2", "b", "it", "en", ("a", 0.6), ("b", 0.2)),
    scored("ioos", None, "it", "it", ("b", 0.3), ("a", 0.1)),
]
ENGLISH = BILINGUAL[:6]
GOAL = Goal(kind="oos_recall", minimum=0.5)

CASES = {
    "report_bilingual": lambda: report(BILINGUAL, 0.5, 0.0),
    "report_english": lambda: report(ENGLISH, 0.5, 0.02),
    "calibration_bilingual": lambda: calibrate(BILINGUAL, GOAL),
    "calibration_english": lambda: calibrate(ENGLISH, GOAL),
}


def as_cli_prints(result: EvalReport) -> str:
    """The JSON as `replykb eval --json` prints it (replykb/cli/evaluate.py)."""
    single: dict[str, Any] = {"languages": True, "failures": {"__all__": {"language"}}}
    dumped = result.model_dump(mode="json", exclude=None if result.languages else single)
    return json.dumps(dumped, indent=2) + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_eval_json_is_byte_identical(case: str) -> None:
    text = as_cli_prints(CASES[case]())
    golden = GOLDEN / f"{case}.json"
    if os.environ.get("REPLYKB_WRITE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
