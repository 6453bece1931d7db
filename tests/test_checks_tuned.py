"""RKB406: the tuned model (`replykb tune`) is stale when the questions or the `tune:`
settings changed since it was trained, and says by how much; one made from another
model is reported as not used. The check reads the cache's tuned.json only, so these
tests write one as `replykb tune` does (the tuning itself: tests/test_learn_tune.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb.embed import resolve_model
from replykb.index import index_rows
from replykb.loader import load_answer_base
from replykb.tunedmodel import (
    TUNED_FORMAT,
    TUNED_MANIFEST,
    TunedManifest,
    out_of_scope_texts,
    question_digests,
    training_settings,
    tuned_key,
)

from .check_helpers import PAYMENT, REFUND, assert_one, base_files, check, found
from .conftest import WriteBase


def write_manifest(root: Path, *, verdict: str = "used", model_id: str | None = None) -> None:
    """tuned.json for the base as it is now, as `replykb tune` leaves it."""
    base = load_answer_base(root)
    rows = index_rows(base)
    model_id = model_id or resolve_model().model_id
    manifest = TunedManifest(
        format=TUNED_FORMAT,
        replykb_version="test",
        base_model_id=model_id,
        settings=training_settings(base.settings.tune),
        key=tuned_key(model_id, rows, base.settings.tune, out_of_scope_texts(base)),
        questions=question_digests(rows),
        out_of_scope=question_digests(("", text) for text in out_of_scope_texts(base)),
        folder="tuned-" + "0" * 32,
        weights_sha256="0" * 64,
        verdict=verdict,  # type: ignore[arg-type]
        reason="in-scope accuracy 80.0% -> 90.0%",
        threshold=0.55,
        margin=0.03,
    )
    cache = root / ".replykb"
    cache.mkdir(exist_ok=True)
    (cache / TUNED_MANIFEST).write_text(manifest.model_dump_json())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.replace(
                "  - how long does a refund take\n",
                "  - how long does a refund take\n  - refund still pending\n  - no refund yet\n",
            ),
            "2 question(s) added and 0 removed or edited since it was trained on 6 (33% changed)",
        ),
        (
            lambda text: text.replace("still waiting for my money back", "waiting for my money"),
            "1 question(s) added and 1 removed or edited since it was trained on 6 (33% changed)",
        ),
    ],
)
def test_rkb406_stale_tuned_model_says_how_many_questions_changed(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
    edit,  # type: ignore[no-untyped-def]
    message: str,
) -> None:
    root = write_base(base_files(refund=REFUND, payment=PAYMENT))
    write_manifest(root)
    assert found(check(root, real_embedder), "RKB406") == []
    (root / "refund.yaml").write_text(edit(REFUND))
    finding = assert_one(
        check(root, real_embedder),
        "RKB406",
        root / "replykb.yaml",
        1,  # no `tune:` in this replykb.yaml: its first line
        contains=[f"the tuned model is stale: {message}; it is still used"],
    )
    assert finding.severity == "warning"


def test_rkb406_changed_tune_settings_make_it_stale_at_the_tune_line(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    root = write_base(base_files(refund=REFUND, payment=PAYMENT))
    write_manifest(root)
    settings = (root / "replykb.yaml").read_text()
    (root / "replykb.yaml").write_text(settings + "tune:\n  epochs: 2\n  positives: 4\n")
    line = len(settings.splitlines()) + 1
    assert_one(
        check(root, real_embedder),
        "RKB406",
        root / "replykb.yaml",
        line,
        contains=["the tune: settings changed (epochs, positives)"],
    )
    # `calibrate` changes only the threshold used, not the model: not stale.
    (root / "replykb.yaml").write_text(settings + "tune:\n  calibrate: false\n")
    assert found(check(root, real_embedder), "RKB406") == []


def test_rkb406_a_model_tuned_from_another_model_is_reported_as_not_used(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    root = write_base(base_files(refund=REFUND, payment=PAYMENT))
    write_manifest(root, model_id="sha256:" + "1" * 64)
    assert_one(
        check(root, real_embedder),
        "RKB406",
        root / "replykb.yaml",
        1,
        contains=["made from another model than the base's; it is not used"],
    )


def test_rkb406_a_tuned_model_kept_aside_is_never_reported(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    root = write_base(base_files(refund=REFUND, payment=PAYMENT))
    write_manifest(root, verdict="aside")
    (root / "refund.yaml").write_text(REFUND.replace("still waiting", "waiting"))
    assert found(check(root, real_embedder), "RKB406") == []
