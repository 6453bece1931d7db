"""RKB707: other languages than English matched by an English-only model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replykb.checks.languages_model import is_multilingual_model

from .check_helpers import (
    BILINGUAL_SETTINGS,
    PAYMENT,
    REFUND,
    SETTINGS,
    assert_one,
    assert_one_at,
    bilingual_files,
    check,
    found,
    mark_current,
)
from .conftest import WriteBase

MULTILINGUAL = "model: sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2\n"


def test_rkb707_italian_translations_with_the_packaged_english_model(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    files = bilingual_files()
    settings = BILINGUAL_SETTINGS.replace(MULTILINGUAL, "")
    files["replykb.yaml"] = settings
    root = write_base(files)
    mark_current(root)
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB707",
        root,
        "replykb.yaml",
        "languages: [en, it]",
        contains=["6 Italian (it) questions", "all-MiniLM-L6-v2", "English-only"],
    )
    assert "paraphrase-multilingual-MiniLM-L12-v2" in (finding.hint or "")
    assert not report.failed() and report.failed(strict=True)


def test_rkb707_at_the_model_line_for_an_english_model_by_name(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    files = bilingual_files()
    settings = BILINGUAL_SETTINGS.replace(
        MULTILINGUAL, "model: sentence-transformers/all-mpnet-base-v2\n"
    )
    files["replykb.yaml"] = settings
    root = write_base(files)
    mark_current(root)
    report = check(root, real_embedder)
    assert_one_at(
        report,
        "RKB707",
        root,
        "replykb.yaml",
        "model:",
        contains=[
            "`model: sentence-transformers/all-mpnet-base-v2`",
            "not known to be multilingual",
        ],
    )


ITALIAN_ONLY = """\
questions:
  - quando arriva il mio rimborso
  - quanto tempo ci vuole per avere indietro i soldi
  - sto ancora aspettando il rimborso del mio ordine
answer: I rimborsi arrivano entro 5 giorni lavorativi dall'approvazione.
reviewed: 2026-10-01
tests:
  - il rimborso non è ancora arrivato
"""


def test_rkb707_source_questions_written_in_italian_under_language_en(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """`languages:` says nothing (English by default) but the questions are Italian."""
    root = write_base({"replykb.yaml": SETTINGS, "refund-timing.yaml": ITALIAN_ONLY})
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB707", root / "replykb.yaml", 1, contains=["3 Italian (it) questions"]
    )
    assert finding.answer is None


def test_rkb707_quiet_on_an_english_base(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = write_base(
        {"replykb.yaml": SETTINGS, "refund-timing.yaml": REFUND, "payment-methods.yaml": PAYMENT}
    )
    assert found(check(root, real_embedder), "RKB707") == []


@pytest.mark.parametrize(
    ("name", "multilingual"),
    [
        ("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", True),
        ("paraphrase-multilingual-mpnet-base-v2", True),
        ("sentence-transformers/LaBSE", True),
        ("intfloat/multilingual-e5-small", True),
        ("BAAI/bge-m3", True),
        ("models/my-multilingual-copy", True),
        ("sentence-transformers/all-MiniLM-L6-v2", False),
        ("sentence-transformers/all-mpnet-base-v2", False),
        ("models/support-embedder", False),
    ],
)
def test_multilingual_models_known_by_name(name: str, multilingual: bool) -> None:
    assert is_multilingual_model(name) is multilingual


@pytest.mark.parametrize(("vocabulary", "multilingual"), [(250002, True), (30522, False)])
def test_a_local_model_folder_by_its_vocabulary(
    tmp_path: Path, vocabulary: int, multilingual: bool
) -> None:
    folder = tmp_path / "models" / "support-embedder"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"vocab_size": vocabulary}), encoding="utf-8")
    assert is_multilingual_model("models/support-embedder", tmp_path) is multilingual
    assert is_multilingual_model(str(folder)) is multilingual
