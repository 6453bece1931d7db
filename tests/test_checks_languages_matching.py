"""RKB706, and the source language's RKB403/RKB404 on a bilingual base: each language's
tests and out-of-scope messages matched as the triage core matches a message in it."""

from __future__ import annotations

from pathlib import Path

from replykb.checks.formats import format_text

from .check_helpers import (
    BILINGUAL_SETTINGS,
    PAYMENT_IT,
    REFUND_IT,
    assert_one_at,
    bilingual_base,
    check,
    found,
    line_of,
)
from .conftest import WriteBase


def test_rkb706_italian_test_routed_to_another_answer(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    refund = REFUND_IT + "      - posso pagare con PayPal o con la carta di credito?\n"
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB706",
        root,
        "refund-timing.yaml",
        "posso pagare con PayPal o con",
        contains=["Italian (it) test 'posso pagare con PayPal", "of 'refund-timing'"],
    )
    assert finding.answer == "refund-timing"
    assert "payment-methods" in finding.message
    assert found(report, "RKB404") == []  # the English tests still route right
    assert report.failed()


def test_rkb706_italian_out_of_scope_message_that_matches(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = BILINGUAL_SETTINGS + (
        "translations:\n  it:\n    out_of_scope:\n"
        "      - chi ha vinto la partita ieri sera\n"
        "      - posso pagare con PayPal\n"
    )
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB706",
        root,
        "replykb.yaml",
        "      - posso pagare con PayPal",
        contains=[
            "Italian (it) out-of-scope message 'posso pagare con PayPal'",
            "'payment-methods'",
        ],
    )
    payment = (root / "payment-methods.yaml").read_text(encoding="utf-8")
    assert [r.line for r in finding.related] == [
        line_of(payment, "      - posso pagare con PayPal")
    ]
    assert found(report, "RKB405") == []


def test_italian_question_located_in_its_translation(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    """RKB401 within one language: the same Italian question under two answers is found,
    at the second one's line in `translations: it: questions:`."""
    payment = PAYMENT_IT.replace(
        "      - posso pagare con PayPal\n", "      - quanto tempo ci vuole per un rimborso\n"
    )
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    duplicates = found(report, "RKB401")
    assert len(duplicates) == 1, format_text(report)
    text = (root / "payment-methods.yaml").read_text(encoding="utf-8")
    refund = (root / "refund-timing.yaml").read_text(encoding="utf-8")
    located = {Path(duplicates[0].location.file).name: duplicates[0].location.line}
    located.update({Path(r.file).name: r.line for r in duplicates[0].related})
    assert located == {
        "payment-methods.yaml": line_of(text, "      - quanto tempo ci vuole"),
        "refund-timing.yaml": line_of(refund, "      - quanto tempo ci vuole"),
    }


def test_same_words_in_two_languages_are_no_duplicate(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    refund = REFUND_IT.replace(
        "      - Quando riceverò il mio rimborso?\n", "      - can I pay with PayPal\n"
    )
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    assert found(report, "RKB401") == []


def test_check_decides_every_held_out_message_as_the_triage_core(
    example_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Every test and out-of-scope message of the example base, in every language, gets
    the same decision from check as from KnowledgeBase.match (the language read from the
    message, then that language's questions)."""
    from datetime import date

    from replykb.checks.context import CheckContext

    base = example_kb.base
    ctx = CheckContext(
        base=base,
        today=date(2026, 11, 30),
        cache_dir=tmp_path,
        open_index=lambda: (example_kb.embedder, example_kb.index),
    )
    texts = [t for a in base.answers for t in a.tests]
    texts += [t for a in base.answers for tr in a.translations.values() for t in tr.tests]
    texts += list(base.settings.out_of_scope)
    texts += [m for texts_ in base.settings.translations.values() for m in texts_.out_of_scope]
    assert len(texts) > 150 and len(base.settings.languages) > 1
    checked = ctx.held_out_matches(texts)
    for text, held in zip(texts, checked, strict=True):
        expected = example_kb.match(text)
        assert (held.match.status, held.match.answer_id) == (expected.status, expected.answer_id), (
            text
        )
        assert [c[0] for c in held.match.candidates] == [c[0] for c in expected.candidates], text
