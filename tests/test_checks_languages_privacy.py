"""RKB501 and RKB502 in the base's other languages: a translation's public replies
(the language's render sweep) and texts are read as the source's, and findings point
at the translation's lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb.checks.formats import format_text
from replykb.languages import language_name

from .check_helpers import (
    BILINGUAL_SETTINGS,
    REFUND_IT,
    assert_one_at,
    bilingual_base,
    check,
    found,
    mark_current,
)
from .conftest import WriteBase

ORDER_IT = """\
questions:
  - where is my parcel
  - my parcel is late
  - any news on my delivery
answer: Your parcel left our warehouse and is on its way to you.
private: true
reviewed: 2026-10-01
tests:
  - where's my parcel
translations:
  it:
    source: aaaaaaaaaaaa
    questions:
      - dov'è il mio pacco
      - il mio pacco è in ritardo
      - novità sulla mia consegna
    answer: Il tuo ordine FH1234567 è partito dal magazzino; abbiamo scritto a mario@example.com.
    tests:
      - dove si trova il mio pacco
"""

# The Italian invitation prints the answer: the Italian reply on public channels
# shows the translation's text.
LEAKY_INVITE_IT = "{{ invitation }} {{ answer }}\n"


def test_clean_bilingual_base_with_a_private_answer_has_no_privacy_findings(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    refund = REFUND_IT.replace("reviewed: 2026-10-01\n", "reviewed: 2026-10-01\nprivate: true\n")
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    assert found(report, "RKB501") == [], format_text(report)
    assert found(report, "RKB502") == [], format_text(report)


def test_rkb501_italian_invitation_shows_the_translations_order_number(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """The English reply is the built-in invitation; the Italian one, through
    templates/it/private_invite.j2, prints the translation's order number and e-mail."""
    root = bilingual_base(
        write_base,
        **{"order-status.yaml": ORDER_IT, "templates/it/private_invite.j2": LEAKY_INVITE_IT},
    )
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB501",
        root,
        "order-status.yaml",
        "    answer: Il tuo ordine",
        contains=[
            "the Italian (it) reply of private answer 'order-status' shows in public",
            "an e-mail address ('mario@example.com')",
            "FH1234567",
            "x",
            "facebook",
        ],
    )
    assert finding.answer == "order-status"
    assert [Path(p.file) for p in finding.related] == [
        root / "templates" / "it" / "private_invite.j2"
    ]
    assert report.failed()


def test_rkb501_reported_once_per_cause_across_languages(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """The source's and the Italian invitation print the answer, and both texts show
    the same e-mail: one finding, at the source's `private:`."""
    order = ORDER_IT.replace(
        "answer: Your parcel left our warehouse and is on its way to you.",
        "answer: Your parcel left our warehouse; we wrote to mario@example.com.",
    ).replace("FH1234567 ", "")
    root = bilingual_base(
        write_base,
        **{
            "order-status.yaml": order,
            "templates/private_invite.j2": LEAKY_INVITE_IT,
            "templates/it/private_invite.j2": LEAKY_INVITE_IT,
        },
    )
    report = check(root, real_embedder)
    assert_one_at(
        report,
        "RKB501",
        root,
        "order-status.yaml",
        "private: true",
        contains=["mario@example.com", "the answer's own text"],
    )


def test_rkb502_personal_data_in_a_translation_is_found_at_its_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    root = bilingual_base(write_base, **{"order-status.yaml": ORDER_IT})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB502",
        root,
        "order-status.yaml",
        "    answer: Il tuo ordine",
        contains=[
            "`answer` of the Italian (it) translation of 'order-status'",
            "an order or account number ('FH1234567')",
            "an e-mail address ('mario@example.com')",
        ],
    )
    assert finding.answer == "order-status"
    assert found(report, "RKB501") == []  # the built-in Italian invitation shows nothing


# A refund told in each language with built-in texts: the customer's amount, the last
# digits of their card (and, in Italian, their IBAN), in that language's words.
REFUNDED = {
    "it": "Abbiamo rimborsato 23,50 € sulla tua carta che termina con 4242 "
    "e sul tuo IBAN IT60X0542811101000000123456.",
    "es": "Hemos devuelto 23,50 € a tu tarjeta terminada en 4242.",
    "fr": "Nous avons remboursé 23,50 € sur votre carte se terminant par 4242.",
    "de": "Wir haben 23,50 € auf deine Karte mit der Endung 4242 erstattet.",
    "pt": "Reembolsámos 23,50 € no teu cartão terminado em 4242.",
}


@pytest.mark.parametrize("language", sorted(REFUNDED))
def test_rkb501_account_details_read_in_the_replys_language(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, language: str
) -> None:
    """The invitation in ``language`` prints the translation: its amount and card
    digits are found with that language's words ("la tua carta", "il tuo ... €"), not
    only the English "your ... £"."""
    settings = BILINGUAL_SETTINGS.replace("languages: [en, it]", f"languages: [en, {language}]")
    settings = settings.replace(
        "      it:\n        signatures", f"      {language}:\n        signatures"
    )
    order = ORDER_IT.replace("\n  it:\n", f"\n  {language}:\n").replace(
        "Il tuo ordine FH1234567 è partito dal magazzino; abbiamo scritto a mario@example.com.",
        REFUNDED[language],
    )
    root = write_base(
        {
            "replykb.yaml": settings,
            "order-status.yaml": order,
            f"templates/{language}/private_invite.j2": LEAKY_INVITE_IT,
        }
    )
    mark_current(root)
    report = check(root, real_embedder)
    expected = ["an amount tied to the customer ('23,50 €", "card digits", "facebook"]
    if language == "it":
        expected.append("an IBAN ('IT60X0542811101000000123456')")
    finding = assert_one_at(
        report,
        "RKB501",
        root,
        "order-status.yaml",
        f"    answer: {REFUNDED[language][:12]}",
        contains=expected,
    )
    assert finding.message.startswith(f"the {language_name(language)} reply of private answer")
