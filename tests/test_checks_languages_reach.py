"""What RKB702/RKB602/RKB707 tell a team about an answer its other languages cannot reach
(R1-10, R1-6): with an English-only model, an Italian message about an answer without
Italian questions is matched to other answers, so the messages say so, and a
translation with no questions of its own is an error, not a policy warning."""

from __future__ import annotations

import pytest

from .check_helpers import (
    BILINGUAL_SETTINGS,
    PAYMENT_IT,
    assert_one,
    assert_one_at,
    bilingual_base,
    check,
    found,
    line_of,
)
from .conftest import WriteBase

MULTILINGUAL = "model: sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2\n"
ENGLISH_ONLY = BILINGUAL_SETTINGS.replace(MULTILINGUAL, "")
QUESTIONS = (
    "    questions:\n      - quali carte di credito accettate\n      - posso pagare con PayPal\n"
    "      - quali metodi di pagamento posso usare\n"
)


@pytest.mark.parametrize(
    ("settings", "consequence"),
    [
        (
            ENGLISH_ONLY,
            "Italian (it) messages about it are matched to other answers (with an "
            "English-only model they rarely reach its English (en) questions) and it is "
            "never sent in Italian (it)",
        ),
        (
            BILINGUAL_SETTINGS,
            "Italian (it) messages about it are matched through its English (en) "
            "questions and it is never sent in Italian (it)",
        ),
    ],
    ids=["english-only-model", "multilingual-model"],
)
def test_rkb702_missing_translation_says_what_italian_customers_get(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, settings: str, consequence: str
) -> None:
    assert (settings == ENGLISH_ONLY) == (MULTILINGUAL not in settings)
    payment = PAYMENT_IT.split("translations:\n")[0]
    root = bilingual_base(write_base, **{"replykb.yaml": settings, "payment-methods.yaml": payment})
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB702",
        root / "payment-methods.yaml",
        line_of(payment, "answer:"),
        contains=["answer 'payment-methods' has no Italian (it) translation", consequence],
    )
    assert "get the English" not in finding.message


def test_rkb702_translation_without_its_own_questions_with_an_english_only_model(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    payment = PAYMENT_IT.replace(QUESTIONS, "")
    assert payment != PAYMENT_IT
    root = bilingual_base(
        write_base, **{"replykb.yaml": ENGLISH_ONLY, "payment-methods.yaml": payment}
    )
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB702",
        root,
        "payment-methods.yaml",
        "  it:",
        contains=[
            "the Italian (it) translation of 'payment-methods' has no Italian (it) questions",
            "with an English-only model they rarely reach its English (en) questions",
            "so its Italian (it) text is seldom sent",
        ],
    )
    assert "add `questions:` in Italian (it)" in (finding.hint or "")
    assert found(report, "RKB602") == []  # one finding, the error, not a policy warning
    assert report.failed()


def test_rkb707_names_a_listed_language_without_questions_without_a_zero_count(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder
) -> None:
    payment = PAYMENT_IT.split("translations:\n")[0]
    refund = (
        "questions: [When will I get my refund?, how long does a refund take, still waiting "
        "for my money]\nanswer: Refunds take 5 working days.\nreviewed: 2026-10-01\n"
    )
    root = bilingual_base(
        write_base,
        **{
            "replykb.yaml": ENGLISH_ONLY,
            "payment-methods.yaml": payment,
            "refund-timing.yaml": refund,
        },
    )
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB707",
        root,
        "replykb.yaml",
        "languages:",
        contains=["the base has Italian (it) in `languages:` (no Italian (it) questions yet)"],
    )
    assert "0 Italian" not in finding.message
