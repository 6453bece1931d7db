"""E-mail addresses, card numbers and links are found by one definition (replykb/urls.py)
wherever replykb looks for them (issue 16 leftovers): what the usage log masks out of a
customer's message is what `replykb check` (RKB502) reports written into an answer, and
a detail's fallback made only of a link (a bare domain too, as X links it) has no
language for RKB702. Before, each module had its own patterns: check took a dotted card
number for a phone number, and a bare-domain fallback for words.
"""

from __future__ import annotations

import pytest

from replykb.checks.ticket_texts import fallback_gaps
from replykb.learn.masking import mask
from replykb.models import Answer

from .check_helpers import base_files, check, found
from .conftest import WriteBase

# (data, the log's token, what check calls it)
PERSONAL = [
    ("mario.rossi@gmail.com", "<email>", "an e-mail address"),
    ("giulia_b+ordini@libero.it", "<email>", "an e-mail address"),
    ("4111 1111 1111 1111", "<card>", "a card number"),
    ("4111-1111-1111-1111", "<card>", "a card number"),
    ("4111.1111.1111.1111", "<card>", "a card number"),
    ("4111111111111111", "<card>", "a card number"),
]


def answer_with(data: str) -> str:
    return f"""\
questions:
  - where do I send the form
  - how do I pay the balance
  - who do I write to about my refund
answer: "Write to us quoting {data} and we will sort it out."
reviewed: 2026-10-01
"""


@pytest.mark.parametrize(("data", "token", "what"), PERSONAL)
def test_the_log_masks_it(data: str, token: str, what: str) -> None:
    masked = mask(f"hi, it's {data}, thanks")
    assert masked == f"hi, it's {token}, thanks"


def test_check_reports_what_the_log_masks(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    answers = {f"case_{number}": answer_with(data) for number, (data, _, _) in enumerate(PERSONAL)}
    root = write_base(base_files(**answers))
    messages = {
        finding.answer: finding.message for finding in found(check(root, real_embedder), "RKB502")
    }
    for number, (data, _, what) in enumerate(PERSONAL):
        message = messages.get(f"case-{number}", "")
        assert f"{what} ({data!r})" in message, (data, message)


@pytest.mark.parametrize(
    ("fallback", "has_words"),
    [
        ("https://help.fernhill.example/track", False),
        ("https://track.fernhill.internal/parcel", False),  # any scheme URL, as before
        ("www.fernhill.example/track", False),
        ("help.fernhill.example/track", False),  # a bare domain is a link on X too
        ("care@fernhill.example", False),
        ("help.fernhill.example/track, care@fernhill.example, 0800 123 456", False),
        ("your order page", True),
        ("see help.fernhill.example/track", True),
    ],
)
def test_a_fallback_of_links_has_no_language(fallback: str, has_words: bool) -> None:
    answer = Answer.model_validate(
        {
            "id": "where",
            "questions": ["where is my order"],
            "answer": "Track it at {{ details.tracking }}.",
            "details": {"tracking": {"fallback": fallback}},
            "translations": {"it": {"answer": "Seguilo su {{ details.tracking }}."}},
        }
    )
    gaps = fallback_gaps(answer, "it")
    assert [gap.fallback for gap in gaps] == ([fallback] if has_words else [])
