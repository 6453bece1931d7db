"""RKB705 and the reply side of RKB704: the replies in another language, rendered at
the worst case like the source's (the same sweep), fit their channels and keep the
translation's facts; template errors in a translation are found too."""

from __future__ import annotations

from pathlib import Path

import pytest

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

LONG_ITALIAN = (
    "I rimborsi arrivano entro 5 giorni lavorativi dall'approvazione della richiesta. " * 4
)


def test_rkb705_translation_too_long_for_x_where_the_source_fits(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """At 150 the English short form fits x; the Italian `short:` does not and its
    answer cannot be cut short enough (its first word is too long)."""
    settings = BILINGUAL_SETTINGS.replace("  x: {}", "  x:\n    limit: 150")
    long_word = "Rimborsi-su-carta-di-credito-conto-corrente-bancario-oppure-buono-regalo,"
    refund = REFUND_IT.replace(
        '    short: "I rimborsi arrivano entro 5 giorni lavorativi: {{ link }}"',
        '    short: "I rimborsi arrivano entro 5 giorni lavorativi dalla nostra approvazione '
        'della richiesta, come detto nella e-mail che ti abbiamo inviato: {{ link }}"',
    ).replace("    answer: I rimborsi arrivano", f"    answer: {long_word} arrivano")
    root = bilingual_base(write_base, **{"replykb.yaml": settings, "refund-timing.yaml": refund})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB705",
        root,
        "refund-timing.yaml",
        "    short:",
        contains=[
            "the Italian (it) reply of answer 'refund-timing' does not fit x",
            "limit of 150",
        ],
    )
    assert finding.answer == "refund-timing"
    assert found(report, "RKB201") == []  # the English reply fits
    assert report.failed()


def test_rkb705_long_italian_openings_are_one_finding_at_their_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    opening = (
        "Ciao {{ customer.name }}, " + "siamo davvero felici che tu ci abbia scritto oggi " * 6
    )
    settings = (
        BILINGUAL_SETTINGS + f"translations:\n  it:\n    openings:\n      neutral: ['{opening}']\n"
    )
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB705",
        root,
        "replykb.yaml",
        "      neutral:",
        contains=["the neutral openings are too long", "2 answers"],
    )
    assert "`translations: it: openings: neutral:`" in (finding.hint or "")
    assert found(report, "RKB201") == []


def test_rkb705_italian_signature_pushes_every_answer_over(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    long_signature = "Paola, Servizio Clienti Acme " * 12
    settings = BILINGUAL_SETTINGS.replace(
        '        signatures: {x: "^Paola", sms: "Paola"}',
        f'        signatures: {{x: "{long_signature}", sms: "Paola"}}',
    )
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB705",
        root,
        "replykb.yaml",
        "        signatures: {x:",
        contains=["paola's signature on x is too long", "Italian (it) reply", "2 answers"],
    )
    assert finding.count == 2
    assert "`translations: it: signatures:`" in (finding.hint or "")
    assert found(report, "RKB201") == []


def test_rkb704_translated_fact_missing_from_the_italian_cut_form(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """At 150 the English short form fits x with its fact; the Italian short does not,
    and the cut of the Italian answer loses "5 giorni lavorativi"."""
    settings = BILINGUAL_SETTINGS.replace("  x: {}", "  x:\n    limit: 150")
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB704",
        root,
        "refund-timing.yaml",
        "    facts:",
        contains=["'5 giorni lavorativi'", "Italian (it) reply on x (cut form)"],
    )
    assert "email" not in finding.message
    assert found(report, "RKB301") == []  # the English short form keeps its fact


@pytest.mark.parametrize("field", ["answer", "short"])
def test_template_error_in_a_translation_is_found_at_its_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, field: str
) -> None:
    old = {"answer": "Seguilo su {{ link }}.", "short": 'lavorativi: {{ link }}"'}[field]
    refund = REFUND_IT.replace(old, old.replace("{{ link }}", "{{ lnk }}"))
    assert refund != REFUND_IT
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    text = (root / "refund-timing.yaml").read_text(encoding="utf-8")
    at_line = [f for f in report.findings if f.location.line == line_of(text, f"    {field}:")]
    assert at_line and all(f.code.startswith("RKB1") for f in at_line), format_text(report)
    assert any("lnk" in f.message for f in at_line)
    assert report.failed()


def test_rkb705_not_for_a_source_signature_the_italian_replies_do_not_use(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """Only the English x signature is too long: RKB201 at it, and no RKB705 (the Italian
    replies are signed with paola's Italian signature)."""
    long_signature = "Paola, Acme Customer Care " * 12
    settings = BILINGUAL_SETTINGS.replace(
        '      x: "^Paola"\n', f'      x: "{long_signature}"\n', 1
    )
    assert settings != BILINGUAL_SETTINGS
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    assert_one_at(
        report,
        "RKB201",
        root,
        "replykb.yaml",
        long_signature[:20],
        contains=["paola's signature on x is too long", "even the smallest reply"],
    )
    assert found(report, "RKB705") == [], format_text(report)


def test_rkb705_long_italian_cut_marker_is_one_finding_at_its_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    """An Italian answer without `short:` is cut on x and sms; the base's Italian cut
    marker makes every cut reply too long: reported once, at the marker, not at the
    answer."""
    marker = "continua a leggere sul nostro sito web ufficiale " * 7
    settings = BILINGUAL_SETTINGS + f'translations:\n  it:\n    cut_marker: "{marker}"\n'
    payment = PAYMENT_IT.replace(
        "    answer: Accettiamo Visa, Mastercard, American Express e PayPal.",
        "    answer: Accettiamo Visa, Mastercard, American Express e PayPal. "
        + "Puoi pagare con carta di credito o di debito al momento dell'ordine. " * 6,
    )
    root = bilingual_base(write_base, **{"replykb.yaml": settings, "payment-methods.yaml": payment})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB705",
        root,
        "replykb.yaml",
        "    cut_marker:",
        contains=[
            "the Italian (it) cut marker (`translations: it: cut_marker:`) is too long",
            "1 answer ('payment-methods')",
            "x, sms",
        ],
    )
    assert finding.count == 2  # its replies on x and on sms
    assert "shorten `translations: it: cut_marker:`" in (finding.hint or "")
    assert found(report, "RKB201") == [], format_text(report)


@pytest.mark.parametrize("with_openings", [False, True], ids=["alone", "with-long-openings"])
def test_rkb705_long_italian_team_signature_at_its_line(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, with_openings: bool
) -> None:
    """The team signs SMS replies: a too long Italian team sign-off is reported at its
    line, not at the channel's limit (also when long openings are too: both named)."""
    team = "Il Servizio Clienti di Acme, sempre al tuo fianco " * 7
    settings = BILINGUAL_SETTINGS + f'translations:\n  it:\n    team_signature: "{team}"\n'
    if with_openings:
        opening = "Ciao {{ customer.name }}, " + "grazie di averci scritto oggi " * 8
        settings += f"    openings:\n      neutral: ['{opening}']\n"
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    at_team = [
        f
        for f in found(report, "RKB705")
        if f.location.line == line_of(settings, "    team_signature:")
    ]
    assert len(at_team) == 1, format_text(report)
    finding = at_team[0]
    assert Path(finding.location.file) == root / "replykb.yaml"
    assert "the team's sign-off (`translations: it: team_signature:`)" in finding.message
    assert "on sms" in finding.message and "2 answers" in finding.message
    assert finding.count == 2
    assert "shorten `translations: it: team_signature:`" in (finding.hint or "")
    if with_openings:
        assert "and the neutral openings are too long" in finding.message
    # Not blamed on the channel's limit, nor on the answers.
    limit_line = line_of(settings, "  sms:")
    assert not [
        f
        for f in found(report, "RKB705")
        if f.location.file.endswith("replykb.yaml") and f.location.line == limit_line
    ], format_text(report)
    assert not [
        f for f in found(report, "RKB705") if not f.location.file.endswith("replykb.yaml")
    ], format_text(report)
