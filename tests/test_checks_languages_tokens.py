"""RKB704's reading of values across languages: what a translation must keep, and the
ways languages may write it (the table of the README's "Languages in replykb check")."""

from __future__ import annotations

import pytest

from replykb.checks.formats import format_text
from replykb.checks.languages_tokens import hard_tokens, missing_tokens

from .check_helpers import PAYMENT_IT, assert_one_at, bilingual_base, check, found
from .conftest import WriteBase

KEPT = [
    ("£3.95, £40", "£3,95, 40 £"),
    ("£3.95, £40", "GBP 3.95, £40"),
    ("3 to 7 working days", "da 3 a 7 giorni lavorativi"),
    ("8am to 8pm", "dalle 8 alle 20"),
    ("8am to 8pm", "08:00-20:00"),
    ("8am to 8pm", "de 8h à 20h"),
    ("24 December 2026, 2026-12-24", "24 dicembre 2026, 24/12/2026"),
    ("24 December 2026", "24. Dezember 2026"),
    ("December 24", "24 de diciembre"),
    ("10%", "10 per cento"),
    ("+44 20 7946 0000", "+44 (20) 79460000"),
    (
        "https://help.acme.example/returns or help@acme.example",
        "https://help.acme.example/returns o help@acme.example",
    ),
    ("1,000 points", "1.000 punti"),
    ("see https://www.help.acme.example/returns.", "vedi help.acme.example/returns"),
    ("{{ link }} in 5 days", "in 5 giorni"),  # Jinja is not text
    # Dates written with numbers are read day first in every language.
    ("by 1/2/2027", "entro l'1/2/2027"),
    ("by 1/2/2027", "entro il 1 febbraio 2027"),
    ("by 1/2/2027", "bis 1.2.27"),
    ("by 01/02/2027", "entro il 2027-02-01"),
    ("on 12/24/2026", "il 24/12/2026"),  # no month 24: read month first
    ("on 5/5/2027", "il 5/5/2027"),
    # R1-12: a day and month in digits, or a language's month abbreviation, is the date.
    ("until 24 December", "fino al 24/12"),
    ("until 24 December", "fino al 24 dic."),
    ("until 24 December", "fino al 24 dic"),
    ("until 24 December", "jusqu'au 24 déc."),
    ("until 24 December", "bis 24. Dez."),
    ("until 24 December", "até 24 dez."),
    ("until 24 September", "fino al 24 set."),
    ("until 2 October 2027", "até 2 out. 2027"),
    ("support 24/7", "assistenza 24 ore su 24, 7 giorni su 7"),  # 24/7 is no date
    # A +CC number is the national one with its trunk 0 dropped (or kept: +39 02).
    ("call 0800 123 4567", "chiama lo +44 800 123 4567"),
    ("call +44 800 123 4567", "chiama lo 0800 123 4567"),
    ("call +39 02 1234 5678", "chiama lo 02 1234 5678"),
]

LOST = [
    ("£3.95", "£4,95", "'£3.95' (amount)"),
    ("£3.95", "3,95 €", "'£3.95' (amount)"),
    ("3 working days", "tre giorni lavorativi", "'3' (number)"),
    ("8am to 8pm", "dalle 9 alle 20", "'8am' (time)"),
    ("24 December 2026", "25 dicembre 2026", "'24 December 2026' (date)"),
    ("10%", "15%", "'10%' (percentage)"),
    ("+44 20 7946 0000", "+44 20 7946 0001", "'+44 20 7946 0000' (phone)"),
    ("https://help.acme.example/returns", "https://help.acme.example/it/resi", "(url)"),
    ("write to help@acme.example", "scrivi a aiuto@acme.example", "'help@acme.example' (e-mail)"),
    ("1,000 points", "100 punti", "'1,000' (number)"),
    ("by 1/2/2027", "entro il 2/1/2027", "'1/2/2027' (date)"),
    ("by 1/2/2027", "entro il 2 gennaio 2027", "'1/2/2027' (date)"),
    ("by 2 January 2027", "entro il 1/2/2027", "'2 January 2027' (date)"),
    ("by 3/4/27", "bis 4.3.27", "'3/4/27' (date)"),
    ("until 24 December", "fino al 25/12", "'24 December' (date)"),
    ("until 24 December", "fino al 12/24", "'24 December' (date)"),  # read day first
    ("until 24 December", "fino al 24 set.", "'24 December' (date)"),
    ("until 24 December 2026", "fino al 24/12", "'24 December 2026' (date)"),  # no year
    ("call 0800 123 4567", "chiama lo +44 800 123 4568", "'0800 123 4567' (phone)"),
]


@pytest.mark.parametrize(("source", "translation"), KEPT)
def test_values_written_the_languages_way_are_kept(source: str, translation: str) -> None:
    assert hard_tokens(source)
    assert missing_tokens([source], [translation]) == []


@pytest.mark.parametrize(("source", "translation", "lost"), LOST)
def test_a_changed_or_dropped_value_is_missing(source: str, translation: str, lost: str) -> None:
    missing = missing_tokens([source], [translation])
    assert len(missing) == 1 and lost in str(missing[0]), missing


@pytest.mark.parametrize(
    ("text", "day_first"), [("1/2/2027", True), ("24/12/2026", False), ("5/5/2027", False)]
)
def test_a_date_read_either_way_says_so(text: str, day_first: bool) -> None:
    assert [token.day_first for token in hard_tokens(text)] == [day_first]


def test_words_have_no_hard_tokens() -> None:
    assert hard_tokens("Refunds reach your account once we approve them, at {{ link }}.") == []


def test_english_words_after_a_number_are_no_month() -> None:
    # "set", "out", "mai" are months only with their full stop (Italian, Portuguese).
    assert [t.kind for t in hard_tokens("3 out of 5 customers, 1 set of keys")] == ["number"] * 3


def test_rkb704_r1_12_translation_passes_check(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    payment = PAYMENT_IT.replace(
        "and PayPal.", "and PayPal until 24 December. Call 0800 123 4567."
    ).replace("e PayPal.", "e PayPal fino al 24 dic. Chiama il +44 800 123 4567.")
    assert payment.count("0800") == 1 and "+44" in payment
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    assert found(report, "RKB704") == [], format_text(report)


@pytest.mark.parametrize(
    ("italian", "reported"),
    [
        ("entro il 1/2/2027", False),
        ("entro il 1 febbraio 2027", False),
        ("entro il 2/1/2027", True),
    ],
    ids=["copied", "month-name", "swapped"],
)
def test_rkb704_a_swapped_date_is_found_at_the_translations_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, italian: str, reported: bool
) -> None:
    payment = PAYMENT_IT.replace("and PayPal.", "and PayPal (PayPal until 1/2/2027).").replace(
        "e PayPal.", f"e PayPal (PayPal {italian})."
    )
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    if not reported:
        assert found(report, "RKB704") == [], format_text(report)
        return
    finding = assert_one_at(
        report,
        "RKB704",
        root,
        "payment-methods.yaml",
        "    answer: Accettiamo",
        contains=["lacks '1/2/2027' (date)", "read day first in every language"],
    )
    assert "2027-01-02" in (finding.hint or "")
