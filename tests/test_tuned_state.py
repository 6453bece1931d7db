"""Whether the cache's tuned model is used: one decision (tunedmodel.tuned_state), taken
by every load (use_tuned, with a log line) and said by ``replykb check`` (RKB406) in
the same words; and the progress ``replykb tune`` prints where no terminal shows a bar.

The manifests are written as `replykb tune` leaves them (no training here: the real
tuning is tests/test_learn_tune.py)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from replykb.cachefiles import FileDigests
from replykb.cli.tune import _Lines
from replykb.embed import resolve_model
from replykb.loader import load_answer_base
from replykb.tunedmodel import TUNED_MANIFEST, tuned_state, use_tuned

from .check_helpers import PAYMENT, REFUND, assert_one, base_files, check, found
from .conftest import WriteBase
from .test_checks_tuned import write_manifest


def _edit_manifest(root: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    path = root / ".replykb" / TUNED_MANIFEST
    manifest = json.loads(path.read_text())
    changed = change(manifest)
    path.write_text(changed if isinstance(changed, str) else json.dumps(manifest))


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: manifest.__setitem__(key, value)


NOT_USED = [
    pytest.param(
        _set("format", 2),
        "was made by another version of replykb (tuned.json format 2, this version reads 1)",
        "",
        id="another-format",
    ),
    pytest.param(
        # A later format may rename fields: the version is read before the fields.
        lambda manifest: manifest.update(format=2, weights=manifest.pop("weights_sha256")),
        "was made by another version of replykb (tuned.json format 2",
        "",
        id="another-format-other-fields",
    ),
    pytest.param(
        _set("base_model_id", "sha256:" + "1" * 64),
        "was made from another model than the base's",
        "",
        id="another-model",
    ),
    pytest.param(
        lambda manifest: '{"format": 1, "verdict": "used", ',
        "has an unreadable manifest",
        "tuned.json (Expecting",
        id="truncated",
    ),
    pytest.param(
        _set("weights_sha256", "not a digest"),
        "has an unreadable manifest",
        "tuned.json (1 invalid field(s))",
        id="invalid-field",
    ),
    pytest.param(
        lambda manifest: "[1, 2]",
        "has an unreadable manifest",
        "tuned.json (not a JSON object)",
        id="not-an-object",
    ),
]


@pytest.mark.parametrize(("change", "why", "detail"), NOT_USED)
def test_a_tuned_model_that_is_not_used_is_said_alike_by_check_and_by_the_load(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    change: Callable[[dict[str, Any]], Any],
    why: str,
    detail: str,
) -> None:
    root = write_base(base_files(refund=REFUND, payment=PAYMENT))
    write_manifest(root)
    _edit_manifest(root, change)
    finding = assert_one(
        check(root, real_embedder),
        "RKB406",
        root / "replykb.yaml",
        1,
        contains=[
            f"the tuned model {why}",
            detail,
            "; it is not used (matching falls back to the untuned model)",
        ],
    )
    assert finding.hint == "run `replykb tune` to tune the model on the base's current questions"
    with caplog.at_level(logging.INFO, logger="replykb"):
        used = use_tuned(
            load_answer_base(root), root / ".replykb", resolve_model(), FileDigests(None)
        )
    assert used is None
    assert f"matching with the untuned model: the tuned model {why}" in caplog.text
    assert detail in caplog.text
    assert "`replykb tune` makes it again" in caplog.text


def test_a_usable_manifest_is_decided_usable_and_an_aside_one_is_quiet(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = write_base(base_files(refund=REFUND, payment=PAYMENT))
    assert tuned_state(root / ".replykb", resolve_model().model_id) is None
    write_manifest(root)
    state = tuned_state(root / ".replykb", resolve_model().model_id)
    assert state is not None and state.manifest is not None
    assert (state.why_not, state.aside) == (None, False)
    assert found(check(root, real_embedder), "RKB406") == []
    write_manifest(root, verdict="aside")
    state = tuned_state(root / ".replykb", resolve_model().model_id)
    assert state is not None and state.aside
    with caplog.at_level(logging.INFO, logger="replykb"):
        assert (
            use_tuned(load_answer_base(root), root / ".replykb", resolve_model(), FileDigests(None))
            is None
        )
    assert "replykb" not in caplog.text  # said once, by `replykb tune`'s report
    assert found(check(root, real_embedder), "RKB406") == []


# --- progress without a terminal ----------------------------------------------------------


def _progress_lines(
    total: int, seconds_per_step: float, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    lines = _Lines()
    for done in range(1, total + 1):
        lines("final", done, total, done * seconds_per_step)
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


def test_a_quick_training_prints_one_line_per_tenth_with_the_time_left(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _progress_lines(142, 0.5, capsys)
    assert err[0] == "training on every question: 142 steps"
    assert err[1] == "  step 15/142 (11%), 8 s so far, about 1 min 04 s left"
    assert err[-1] == "  step 142/142 (100%), 1 min 11 s so far, about 0 s left"
    assert len(err) == 1 + 10


def test_a_long_training_prints_a_line_a_minute_at_most_a_few_more(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The full CLINC150 on a busy machine: 1,406 steps of 6 s, over two hours.
    err = _progress_lines(1406, 6.0, capsys)
    steps = [int(re.match(r"  step (\d+)/1406", line)[1]) for line in err[1:]]  # type: ignore[index]
    assert 140 <= len(steps) <= 152  # one a minute (10 steps), the tenths fall among them
    assert steps[-1] == 1406
    assert err[1] == "  step 10/1406 (1%), 1 min 00 s so far, about 2 h 19 min left"
    assert "  step 703/1406 (50%), 1 h 10 min so far, about 1 h 10 min left" in err
