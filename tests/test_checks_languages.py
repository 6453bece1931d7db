"""RKB7xx read from the loaded base: codes, missing, stale and unlisted translations,
and the facts compared across languages."""

from __future__ import annotations

import pytest

from replykb.checks import CheckReport
from replykb.checks.formats import format_text
from replykb.languages import source_hash
from replykb.loader import load_answer_base

from .check_helpers import (
    BILINGUAL_SETTINGS,
    PAYMENT_IT,
    REFUND_IT,
    assert_one,
    assert_one_at,
    bilingual_base,
    bilingual_files,
    check,
    found,
    line_of,
    mark_current,
)
from .conftest import WriteBase


def _languages_findings(report: CheckReport) -> list[str]:
    return [str(f) for f in report.findings if f.code.startswith("RKB7")]


def test_clean_bilingual_base_has_no_language_findings(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    root = bilingual_base(write_base)
    report = check(root, real_embedder)
    assert _languages_findings(report) == [], format_text(report)
    assert [f for f in report.findings if f.severity == "error"] == [], format_text(report)
    assert {"RKB701", "RKB708"} <= set(report.checks)
    assert (report.answers, report.questions) == (2, 12)  # 6 English and 6 Italian questions


# --- RKB701 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "needle"),
    [
        ("replykb.yaml", "languages: [en, it]", "languages: [en, it, jp]", "languages:"),
        ("replykb.yaml", "languages: [en, it]", "language: xx", "language: xx"),
        ("replykb.yaml", "      it:\n        signatures", "      qq:\n        signatures", "qq:"),
        ("refund-timing.yaml", "  it:\n    source", "  it:\n    source", "it:"),
    ],
    ids=["languages-list", "old-language-key", "agent-translations", "answer-translations"],
)
def test_rkb701_code_not_iso_639_1(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, file: str, old: str, new: str, needle: str
) -> None:
    texts = bilingual_files()
    if file == "refund-timing.yaml":
        # An answer's translation under an unknown code: RKB701 there, not RKB708 too.
        texts[file] = str(texts[file]) + "  zz:\n    answer: Zzz.\n"
        needle = "zz:"
    else:
        texts[file] = str(texts[file]).replace(old, new)
    root = write_base(texts)
    mark_current(root)
    report = check(root, real_embedder)
    text = (root / file).read_text(encoding="utf-8")
    code = {"languages:": "jp", "language: xx": "xx", "qq:": "qq", "zz:": "zz"}[needle]
    finding = assert_one(
        report,
        "RKB701",
        root / file,
        line_of(text, needle),
        contains=[f"{code!r}", "not an ISO 639-1 language code"],
    )
    assert "ISO 639-1" in (finding.hint or "")
    if needle != "language: xx":  # there `it` is no longer listed: its blocks are RKB708
        assert found(report, "RKB708") == []


def test_rkb701_klingon_is_a_load_error_naming_the_fix(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = BILINGUAL_SETTINGS.replace("languages: [en, it]", "language: klingon")
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": REFUND_IT})
    report = check(root, real_embedder)
    assert not report.loaded and report.failed()
    assert "ISO 639-1" in report.findings[0].message
    assert report.findings[0].location.line == line_of(settings, "language: klingon")


# --- RKB702 ------------------------------------------------------------------------


def test_rkb702_answer_without_a_listed_language(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    payment = PAYMENT_IT.split("translations:\n")[0]
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB702",
        root / "payment-methods.yaml",
        line_of(payment, "answer:"),  # no `translations:` key: its `answer:`
        contains=["'payment-methods'", "no Italian (it) translation", "English (en)"],
    )
    assert finding.answer == "payment-methods"
    assert report.failed()


def test_rkb702_missing_translation_points_at_the_translations_key(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = BILINGUAL_SETTINGS.replace("languages: [en, it]", "languages: [en, it, fr]")
    refund = REFUND_IT.replace(
        "translations:\n  it:",
        "translations:\n  fr:\n    answer: Remboursé sous 5 jours ouvrés.\n    short: Remboursé sous 5 jours.\n  it:",
    )
    root = bilingual_base(write_base, **{"replykb.yaml": settings, "refund-timing.yaml": refund})
    report = check(root, real_embedder)
    missing = [f for f in found(report, "RKB702") if "'payment-methods'" in f.message]
    assert len(missing) == 1 and "French (fr)" in missing[0].message
    text = (root / "payment-methods.yaml").read_text(encoding="utf-8")
    assert missing[0].location.line == line_of(text, "translations:")
    assert not [f for f in found(report, "RKB702") if "'refund-timing'" in f.message]


def test_rkb702_translation_without_short(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    refund = REFUND_IT.replace(
        '    short: "I rimborsi arrivano entro 5 giorni lavorativi: {{ link }}"\n', ""
    )
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB702",
        root,
        "refund-timing.yaml",
        "  it:",
        contains=["has no `short:`"],
    )
    assert "translations: it:" in (finding.hint or "")


@pytest.mark.parametrize("field", ["answer", "short"])
def test_rkb702_untranslated_copy_marked_current(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, field: str
) -> None:
    # The English text pasted into the Italian translation, only case, spacing and
    # punctuation changed, then marked current: still English in every Italian reply.
    english = {
        "answer": "refunds reach your account  within 5 working days of approval; "
        "follow yours at {{ link }}",
        "short": "REFUNDS ARRIVE WITHIN 5 WORKING DAYS {{ link }}.",
    }[field]
    italian = {
        "answer": "I rimborsi arrivano sul tuo conto entro 5 giorni lavorativi dall'approvazione. "
        "Seguilo su {{ link }}.",
        "short": '"I rimborsi arrivano entro 5 giorni lavorativi: {{ link }}"',
    }[field]
    refund = REFUND_IT.replace(f"    {field}: {italian}\n", f'    {field}: "{english}"\n')
    assert refund != REFUND_IT
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB702",
        root,
        "refund-timing.yaml",
        f'    {field}: "{english[:20]}',
        contains=[f"Italian (it) `{field}:` of 'refund-timing'", "not translated", "English (en)"],
    )
    assert finding.answer == "refund-timing"
    assert f"translations: it: {field}:" in (finding.hint or "")
    assert "--mark-current refund-timing it" in (finding.hint or "")
    assert found(report, "RKB703") == []  # marked current: only the copy is reported
    assert report.failed()


@pytest.mark.parametrize(
    ("english", "italian"),
    [
        (
            "See https://help.acme.example/pay-with-paypal",
            "See https://help.acme.example/pay-with-paypal",
        ),
        ("Visa, Mastercard, PayPal.", "Visa, Mastercard, PayPal"),
        ("PayPal", "paypal"),
        ("0800 123 4567, 24/7.", "0800 123 4567, 24/7"),
    ],
    ids=["url", "three-words", "brand", "number"],
)
def test_rkb702_not_for_short_texts_the_same_in_both_languages(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, english: str, italian: str
) -> None:
    payment = PAYMENT_IT.replace(
        "answer: We accept Visa, Mastercard, American Express and PayPal.",
        f'answer: "{english}"',
    ).replace(
        "    answer: Accettiamo Visa, Mastercard, American Express e PayPal.",
        f'    answer: "{italian}"',
    )
    assert f'\nanswer: "{english}"' in payment and f'    answer: "{italian}"' in payment
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    assert found(report, "RKB702") == [], format_text(report)


def test_rkb702_copy_module_rule_on_words() -> None:
    from replykb.checks.languages_copies import is_copy

    assert is_copy("We accept Visa and PayPal.", "we accept visa and paypal")
    assert not is_copy("We accept Visa and PayPal.", "Accettiamo Visa e PayPal.")
    assert not is_copy("Visa, Mastercard, PayPal", "Visa, Mastercard, PayPal")  # 3 words
    assert not is_copy("help@acme.example, www.acme.example", "help@acme.example www.acme.example")
    assert is_copy("Refunds take 5 working days: {{ link }}", "refunds take 5 working days.")


# --- RKB703 ------------------------------------------------------------------------


def test_rkb703_stale_translation_after_a_source_edit(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = bilingual_base(write_base)
    refund = root / "refund-timing.yaml"
    old_hash = source_hash(load_answer_base(root).answer("refund-timing"))
    edited = refund.read_text(encoding="utf-8").replace(
        "within 5 working days of", "within 5 working days after"
    )
    refund.write_text(edited, encoding="utf-8")
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB703",
        refund,
        line_of(edited, "    source:"),
        contains=["Italian (it)", "'refund-timing'", old_hash],
    )
    assert "replykb translations --mark-current refund-timing it" in (finding.hint or "")
    assert report.failed()
    assert found(report, "RKB702") == []


def test_rkb703_never_marked_translation(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    payment = PAYMENT_IT.replace("    source: aaaaaaaaaaaa\n", "")
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB703",
        root,
        "payment-methods.yaml",
        "  it:",
        contains=["never marked"],
    )
    assert "--mark-current payment-methods it" in (finding.hint or "")


# --- RKB704 (facts read from the texts) ----------------------------------------------


@pytest.mark.parametrize(
    ("field", "old", "new", "lost"),
    [
        (
            "answer",
            "entro 5 giorni lavorativi dall",
            "entro 7 giorni lavorativi dall",
            "'5' (number)",
        ),
        ("short", "entro 5 giorni lavorativi:", "entro cinque giorni lavorativi:", "'5' (number)"),
        ("facts", '["5 giorni lavorativi"]', '["giorni lavorativi"]', "'5' (number)"),
    ],
)
def test_rkb704_source_number_missing_from_a_translation(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, field: str, old: str, new: str, lost: str
) -> None:
    refund = REFUND_IT.replace(old, new)
    assert refund != REFUND_IT
    root = bilingual_base(write_base, **{"refund-timing.yaml": refund})
    report = check(root, real_embedder)
    findings = [f for f in found(report, "RKB704") if f"`{field}" in f.message]
    assert len(findings) == 1, format_text(report)
    text = (root / "refund-timing.yaml").read_text(encoding="utf-8")
    needle = {"answer": "    answer:", "short": "    short:", "facts": "    facts:"}[field]
    assert findings[0].location.line == line_of(text, needle)
    assert lost in findings[0].message and "Italian (it)" in findings[0].message
    assert report.failed()


def test_rkb704_amounts_times_and_links_compared_across_languages(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    source = (
        "Standard delivery is £3.95, free over £40. Call +44 20 7946 0000 from 8am to 8pm "
        "or write to help@acme.example."
    )
    kept = (
        "La consegna standard costa £3,95, gratuita sopra i 40 £. Chiama il +44 (20) "
        "79460000 dalle 8 alle 20 o scrivi a help@acme.example."
    )
    changed = kept.replace("£3,95", "£4,95").replace("help@acme.example", "aiuto@acme.example")
    payment = PAYMENT_IT.replace(
        "answer: We accept Visa, Mastercard, American Express and PayPal.", f"answer: {source}"
    ).replace(
        "    answer: Accettiamo Visa, Mastercard, American Express e PayPal.", f"    answer: {kept}"
    )
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    assert found(check(root, real_embedder), "RKB704") == []

    file = root / "payment-methods.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace(kept, changed), encoding="utf-8")
    report = check(root, real_embedder)
    text = file.read_text(encoding="utf-8")
    finding = assert_one(
        report,
        "RKB704",
        file,
        line_of(text, "    answer:"),
        contains=["'£3.95' (amount)", "'help@acme.example' (e-mail)"],
    )
    assert "£40" not in finding.message and "8pm" not in finding.message


# --- RKB708 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "block"),
    [
        ("refund-timing.yaml", "  fr:\n    answer: Remboursé sous 5 jours ouvrés.\n"),
        ("refund-timing.yaml", "  en:\n    answer: Refunds within 5 working days.\n"),
        ("replykb.yaml", "translations:\n  de:\n    cut_marker: ' …'\n"),
    ],
    ids=["answer-unlisted", "answer-source-language", "settings-unlisted"],
)
def test_rkb708_translation_for_an_unlisted_language(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, file: str, block: str
) -> None:
    texts = bilingual_files()
    texts[file] = str(texts[file]) + block
    root = write_base(texts)
    mark_current(root)
    report = check(root, real_embedder)
    code = block.split(":")[0].split()[-1] if file != "replykb.yaml" else "de"
    text = (root / file).read_text(encoding="utf-8")
    finding = assert_one(report, "RKB708", root / file, line_of(text, f"  {code}:"))
    if code == "en":
        assert "source language" in finding.message
    else:
        assert "does not list" in finding.message
    assert found(report, "RKB701") == []


# --- RKB602 per language -------------------------------------------------------------


@pytest.mark.parametrize("questions", [0, 2])
def test_rkb602_counts_each_languages_questions(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, questions: int
) -> None:
    """A translation with fewer questions than `policy.min_questions` (none included)."""
    kept = "".join(
        f"      - {q}\n"
        for q in ["quali carte di credito accettate", "posso pagare con PayPal"][:questions]
    )
    block = (
        "    questions:\n      - quali carte di credito accettate\n      - posso pagare con PayPal\n"
        "      - quali metodi di pagamento posso usare\n"
    )
    payment = PAYMENT_IT.replace(block, f"    questions:\n{kept}" if questions else "")
    assert payment != PAYMENT_IT
    root = bilingual_base(write_base, **{"payment-methods.yaml": payment})
    report = check(root, real_embedder)
    assert_one_at(
        report,
        "RKB602",
        root,
        "payment-methods.yaml",
        "    questions:" if questions else "  it:",
        contains=[
            "Italian (it) translation",
            f"has {questions} question",
            "at least 3 per language",
        ],
    )
    assert found(report, "RKB702") == []


# --- RKB709 ------------------------------------------------------------------------

DUTCH_SIGNATURES = (
    "{x: '^Paola', sms: Paola, facebook: Paola, email: Paola, x_dm: Paola, messenger: Paola}"
)
DUTCH_TEXTS = """\
translations:
  nl:
    openings:
      neutral: ["Hoi {{ customer.name }}!"]
      apology: ["Sorry, {{ customer.name }}."]
      thanks: ["Bedankt, {{ customer.name }}!"]
    anonymous_openings:
      neutral: ["Hoi!"]
      apology: ["Sorry."]
      thanks: ["Bedankt!"]
    private_invite: "Stuur ons een privébericht, dan helpen we je verder."
    team_signature: "Het team van {{ brand }}"
"""


@pytest.mark.parametrize("given", ["nothing", "all-but-team-signature"])
def test_rkb709_language_without_built_in_texts(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, given: str
) -> None:
    settings = BILINGUAL_SETTINGS.replace("languages: [en, it]", "languages: [en, it, nl]")
    if given != "nothing":
        settings = settings.replace(
            '        signatures: {x: "^Paola", sms: "Paola"}\n',
            f'        signatures: {{x: "^Paola", sms: "Paola"}}\n      nl:\n        signatures: {DUTCH_SIGNATURES}\n',
        ).replace(
            "  dev:\n    name: Dev\n",
            f"  dev:\n    name: Dev\n    translations:\n      nl:\n        signatures: {DUTCH_SIGNATURES.replace('Paola', 'Dev')}\n",
        )
        settings += DUTCH_TEXTS.replace('    team_signature: "Het team van {{ brand }}"\n', "")
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    needle = "languages: [en, it, nl]" if given == "nothing" else "  nl:\n    openings"
    line = (
        line_of(settings, needle.split("\n")[0])
        if given == "nothing"
        else line_of(settings, "    openings:") - 1
    )
    finding = assert_one(
        report, "RKB709", root / "replykb.yaml", line, contains=["no built-in Dutch (nl) texts"]
    )
    if given == "nothing":
        for text in (
            "openings",
            "private_invite",
            "team_signature",
            "signatures of paola",
            "signatures of dev",
        ):
            assert text in finding.message
    else:
        assert finding.message.split("give these: ")[1].startswith("team_signature;"), (
            finding.message
        )


def test_rkb709_source_language_without_built_in_texts(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    """A Dutch-only base: its openings, invitation, team sign-off and the agents'
    missing channel signatures would be English."""
    settings = BILINGUAL_SETTINGS.replace("languages: [en, it]", "languages: [nl]")
    refund = REFUND_IT.split("translations:\n")[0]
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": refund})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB709",
        root,
        "replykb.yaml",
        "languages: [nl]",
        contains=["no built-in Dutch (nl) texts", "openings", "private_invite", "team_signature"],
    )
    assert "signatures of paola" in finding.message and "signatures of dev" in finding.message
    assert "translations: nl: private_invite:" in (finding.hint or "")
    # paola's Italian signatures are for a language no longer listed.
    assert ["Italian (it)" in f.message for f in found(report, "RKB708")] == [True]


@pytest.mark.parametrize(
    ("block", "flagged"),
    [
        ("translations:\n  en:\n    out_of_scope: [who won the match]\n", "out_of_scope"),
        (
            "translations:\n  en:\n    openings:\n      neutral: ['Hey {{ customer.name }}!']\n",
            "openings",
        ),
        ("translations:\n  en:\n    private_invite: 'DM us and we will sort it out.'\n", None),
    ],
    ids=["out-of-scope", "openings", "private-invite"],
)
def test_rkb708_source_language_block_of_replykb_yaml(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, block: str, flagged: str | None
) -> None:
    """replykb.yaml's `translations: <source>:` is where the source's invitation, cut
    marker and team sign-off go; its openings and out-of-scope messages are never used."""
    settings = BILINGUAL_SETTINGS + block
    root = bilingual_base(write_base, **{"replykb.yaml": settings})
    report = check(root, real_embedder)
    if flagged is None:
        assert found(report, "RKB708") == []
        return
    finding = assert_one_at(
        report,
        "RKB708",
        root,
        "replykb.yaml",
        f"    {flagged}:",
        contains=["never used"],
    )
    assert f"top-level `{flagged}:`" in (finding.hint or "")
