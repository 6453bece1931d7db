"""A small bilingual (en, it) answer base for the tests of the RKB7xx checks
(tests/test_checks_languages*.py): clean as written, each test breaks one thing."""

from __future__ import annotations

from pathlib import Path

from replykb.languages import source_hash
from replykb.loader import load_answer_base

from .check_helpers import SETTINGS

# A multilingual model name: RKB707 stays quiet; the tests still embed with the real
# packaged model (run_checks(embedder=...)), so nothing is downloaded.
BILINGUAL_SETTINGS = SETTINGS.replace(
    "brand: Acme\n",
    "brand: Acme\nlanguages: [en, it]\nmodel: sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2\n",
).replace(
    '      sms: "Paola"\n',
    '      sms: "Paola"\n'
    "    translations:\n"
    "      it:\n"
    '        signatures: {x: "^Paola", sms: "Paola"}\n',
)

REFUND_IT = """\
questions:
  - When will I get my refund?
  - how long does a refund take
  - still waiting for my money back
answer: Refunds reach your account within 5 working days of approval. Follow yours at {{ link }}.
short: "Refunds arrive within 5 working days: {{ link }}"
facts: ["5 working days"]
link: https://help.acme.example/refunds
reviewed: 2026-10-01
tests:
  - my refund hasn't arrived yet
translations:
  it:
    source: aaaaaaaaaaaa
    questions:
      - Quando riceverò il mio rimborso?
      - quanto tempo ci vuole per un rimborso
      - aspetto ancora il rimborso dei miei soldi
    answer: I rimborsi arrivano sul tuo conto entro 5 giorni lavorativi dall'approvazione. Seguilo su {{ link }}.
    short: "I rimborsi arrivano entro 5 giorni lavorativi: {{ link }}"
    facts: ["5 giorni lavorativi"]
    tests:
      - il mio rimborso non è ancora arrivato
"""

PAYMENT_IT = """\
questions:
  - which cards do you accept
  - can I pay with PayPal
  - what payment methods can I use
answer: We accept Visa, Mastercard, American Express and PayPal.
reviewed: 2026-10-01
tests:
  - what cards can I pay with
translations:
  it:
    source: aaaaaaaaaaaa
    questions:
      - quali carte di credito accettate
      - posso pagare con PayPal
      - quali metodi di pagamento posso usare
    answer: Accettiamo Visa, Mastercard, American Express e PayPal.
    tests:
      - con quali carte di credito posso pagare
"""


PLACEHOLDER = "source: aaaaaaaaaaaa"


def bilingual_files(**answers: str) -> dict[str, str | bytes]:
    """BILINGUAL_SETTINGS and the given answers (default: REFUND_IT and PAYMENT_IT)."""
    answers = answers or {"refund_timing": REFUND_IT, "payment_methods": PAYMENT_IT}
    files: dict[str, str | bytes] = {"replykb.yaml": BILINGUAL_SETTINGS}
    files.update({f"{name.replace('_', '-')}.yaml": text for name, text in answers.items()})
    return files


def mark_current(root: Path) -> None:
    """Write each answer's current source hash over the placeholder ``source:
    aaaaaaaaaaaa``, as `replykb translations --mark-current` would."""
    base = load_answer_base(root)
    for answer in base.answers:
        file = Path(answer.source.file)
        text = file.read_text(encoding="utf-8")
        file.write_text(
            text.replace(PLACEHOLDER, f"source: {source_hash(answer)}"), encoding="utf-8"
        )
