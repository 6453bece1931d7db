"""Ticket details in translations: a translation printing a detail whose fallback only
the source language gives (RKB702: its reply would print "your order" in Italian), and
RKB105 read in each language, at the translation's lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb.checks.formats import format_text

from .check_helpers import (
    assert_one_at,
    bilingual_base,
    check,
    found,
    line_of,
)
from .conftest import WriteBase

WHERE_IT = """\
questions:
  - where is my order
  - my parcel has not arrived
  - where is my package
answer: "You can follow {{ details.order_id }} at the link."
short: "Follow {{ details.order_id }} at the link."
details:
  order_id:
    fallback: your order
reviewed: 2026-10-01
tests:
  - where's my stuff
translations:
  it:
    source: aaaaaaaaaaaa
    questions:
      - dov'è il mio ordine
      - il pacco non è arrivato
      - dove è il mio pacco
    answer: "Puoi seguire {{ details.order_id }} al link."
    short: "Segui {{ details.order_id }} al link."
    tests:
      - dov'è la mia roba
"""

IT_FALLBACK = "    details:\n      order_id: {fallback: il tuo ordine}\n"


def test_rkb702_italian_text_prints_the_english_fallback(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """A1's base: the Italian reply would say "Segui your order al link"."""
    root = bilingual_base(write_base, **{"where.yaml": WHERE_IT})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB702",
        root,
        "where.yaml",
        '    answer: "Puoi seguire',
        contains=[
            "the Italian (it) translation of 'where' prints details.order_id",
            "`answer:` and `short:`",
            "'your order'",
        ],
    )
    assert finding.answer == "where"
    assert [(Path(p.file), p.line) for p in finding.related] == [
        (root / "where.yaml", line_of(WHERE_IT, "fallback: your order"))
    ]
    assert "translations: it:" in (finding.hint or "")
    assert found(report, "RKB105") == []
    assert report.failed()


@pytest.mark.parametrize(
    "fix",
    [
        pytest.param(lambda text: text + IT_FALLBACK, id="italian-fallback"),
        pytest.param(
            lambda text: text.replace(
                '"Puoi seguire {{ details.order_id }} al link."',
                '"Puoi seguire {% if details.order_id %}{{ details.order_id }}{% else %}'
                'il tuo ordine{% endif %} al link."',
            ).replace(
                '"Segui {{ details.order_id }} al link."',
                "\"Segui {{ details.order_id | default('il tuo ordine') }} al link.\"",
            ),
            id="guarded",
        ),
    ],
)
def test_rkb702_not_when_the_italian_reply_never_prints_the_english_fallback(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, fix
) -> None:
    root = bilingual_base(write_base, **{"where.yaml": fix(WHERE_IT)})
    report = check(root, real_embedder)
    assert found(report, "RKB702") == [], format_text(report)
    assert found(report, "RKB105") == [], format_text(report)


def test_rkb105_detail_only_the_translation_prints_is_found_at_its_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    text = (WHERE_IT + IT_FALLBACK).replace(
        '"Segui {{ details.order_id }} al link."',
        '"Segui {{ details.order_id }} con il codice {{ details.tracking }}."',
    )
    root = bilingual_base(write_base, **{"where.yaml": text})
    report = check(root, real_embedder)
    assert_one_at(
        report,
        "RKB105",
        root,
        "where.yaml",
        '    short: "Segui',
        contains=[
            "the Italian (it) translation of 'where' prints details.tracking in `short:`",
            "does not declare it",
        ],
    )
    assert found(report, "RKB702") == [], format_text(report)


def test_rkb105_detail_without_fallback_is_one_finding_for_both_languages(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    text = WHERE_IT.replace("    fallback: your order\n", "    description: the order\n")
    root = bilingual_base(write_base, **{"where.yaml": text})
    report = check(root, real_embedder)
    assert_one_at(
        report,
        "RKB105",
        root,
        "where.yaml",
        "  order_id:",
        contains=["answer 'where' prints details.order_id", "declares it with no `fallback:`"],
    )
    assert found(report, "RKB702") == [], format_text(report)


def test_rkb702_not_for_a_fallback_without_words(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """A link as fallback reads the same in Italian (the example base's tracking_url)."""
    text = (
        (WHERE_IT + IT_FALLBACK)
        .replace(
            "    fallback: your order\n",
            "    fallback: your order\n  tracking_url:\n    fallback: https://help.acme.example/track\n",
        )
        .replace("al link.", "su {{ details.tracking_url }}.")
    )
    root = bilingual_base(write_base, **{"where.yaml": text})
    report = check(root, real_embedder)
    assert "{{ details.tracking_url }}" in (root / "where.yaml").read_text(encoding="utf-8")
    assert found(report, "RKB702") == [], format_text(report)
