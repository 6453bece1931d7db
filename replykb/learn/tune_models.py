"""What ``replykb tune`` reports: the comparison, the verdict, the thresholds before and after."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..evaluate import EvalReport


class Metrics(BaseModel):
    """One model's matching quality at one threshold and margin (evaluate.py's definitions)."""

    model_config = ConfigDict(frozen=True)

    threshold: float
    margin: float
    top1_accuracy: float | None
    in_scope_accuracy: float | None
    oos_recall: float | None
    answer_precision: float | None

    @classmethod
    def of(cls, result: EvalReport) -> Metrics:
        return cls(
            threshold=result.threshold,
            margin=result.margin,
            top1_accuracy=result.top1_accuracy,
            in_scope_accuracy=result.in_scope_accuracy,
            oos_recall=result.oos_recall,
            answer_precision=result.answer_precision,
        )


class TuneReport(BaseModel):
    """The outcome of one ``replykb tune``."""

    model_config = ConfigDict(frozen=True)

    base: str
    model: str
    questions: int
    trial_questions: int
    held_out: int
    tests: int
    out_of_scope: int
    # Of which compared on (the trial model was trained with the others as negatives).
    held_out_of_scope: int = 0
    settings: dict[str, Any]
    steps: int
    seconds: float
    goal: str
    # The untuned model at the base's `match:` settings, then each model calibrated.
    configured: Metrics
    untuned: Metrics
    tuned: Metrics | None
    verdict: Literal["used", "aside"]
    reason: str
    folder: str
    # Cosine of the tuned model's ONNX export against sentence-transformers (None: no export).
    onnx_agreement: float | None = None

    def text(self) -> str:
        """The report as ``replykb tune`` prints it."""
        settings = ", ".join(f"{name} {value}" for name, value in self.settings.items())
        lines = [
            f"tuned {self.model} on the {self.questions} questions of {self.base} ({settings}): "
            f"{self.steps} steps in {self.seconds:.0f} s",
            f"compared on {self.held_out} held-out questions (the trial model was trained on "
            f"the other {self.trial_questions}), {self.tests} tests and {self.held_out_of_scope} "
            f"of the {self.out_of_scope} out-of-scope messages (the others were its negatives);",
            f"each model at the threshold calibrated for it ({self.goal}):",
            "",
            f"  {'':26s} {'threshold':>9s} {'margin':>6s} {'top-1':>6s} {'in-scope':>8s} "
            f"{'out-of-scope':>12s}",
        ]
        rows = [("untuned, match: as set", self.configured), ("untuned, calibrated", self.untuned)]
        if self.tuned is not None:
            rows.append(("tuned, calibrated", self.tuned))
        for label, metrics in rows:
            lines.append(
                f"  {label:26s} {metrics.threshold:9.3f} {metrics.margin:6.2f} "
                f"{_percent(metrics.top1_accuracy):>6s} {_percent(metrics.in_scope_accuracy):>8s} "
                f"{_percent(metrics.oos_recall):>12s}"
            )
        lines.append("")
        if self.verdict == "used":
            lines.append(f"used: {self.reason}.")
            if self.tuned is not None:
                lines.append(
                    f"threshold {self.configured.threshold:.3f} -> {self.tuned.threshold:.3f}, "
                    f"margin {self.configured.margin:.2f} -> {self.tuned.margin:.2f} while the "
                    "tuned model is used (`tune: {calibrate: false}` keeps `match:` as set)"
                )
            agreement = "no ONNX export: lookups load sentence-transformers"
            if self.onnx_agreement is not None:
                agreement = (
                    "ONNX export agrees with sentence-transformers "
                    f"(cosine >= {self.onnx_agreement:.5f})"
                )
            lines.append(f"{agreement}; model in {self.folder}")
        else:
            lines.append(
                f"kept aside, not used: {self.reason}. Matching stays on the untuned model; "
                f"the trial model is in {self.folder}"
            )
        return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
