"""Languages in the format (`languages:`, `translations:`) and replykb/languages.py:
what loads, what is refused (at which file and line), an answer as it reads in another
language, the source hash and the state of each translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from replykb import AnswerBaseError, load_answer_base
from replykb.languages import (
    ISO_639_1,
    LANGUAGE_NAMES,
    has_translation,
    language_name,
    localized,
    source_hash,
    translation_status,
)
from replykb.models import Answer

from .conftest import WriteBase

SETTINGS = """\
brand: Acme
languages: [en, it]
channels:
  x: {}
  email: {}
agents:
  paola:
    name: Paola
    signatures:
      x: "^Paola"
      email: "Paola Ricci"
    translations:
      it:
        signatures:
          email: "Paola Ricci\\nServizio Clienti Acme"
translations:
  it:
    openings:
      apology: ["Ci dispiace, {{ customer }}!"]
    private_invite: "Scrivici in privato."
    cut_marker: "…"
    team_signature: "Il team di {{ brand }}"
    out_of_scope: ["chi ha vinto la partita ieri sera"]
"""

REFUND = """\
# Refunds: owned by billing.
questions:
  - When will I get my refund?
answer: Refunds arrive within 5 working days.
short: Refunds take 5 working days.
facts: ["5 working days"]
link: https://help.example.com/refunds
tone: apology
translations:
  it:
    source: "{source}"
    questions:
      - Quando arriva il rimborso?
    answer: I rimborsi arrivano entro 5 giorni lavorativi.
    short: Il rimborso richiede 5 giorni lavorativi.
    facts: ["5 giorni lavorativi"]
    tests: ["quando mi rimborsate?"]
"""


def _problems(root: Path) -> list[str]:
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    return [str(problem) for problem in raised.value.problems]


def _line_of(root: Path, relative: str, text: str) -> int:
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


# --- loading --------------------------------------------------------------------------


def test_languages_and_every_translation_block_load(write_base: WriteBase) -> None:
    root = write_base({"replykb.yaml": SETTINGS, "a/refund.yaml": REFUND.format(source="0" * 12)})
    base = load_answer_base(root)
    settings = base.settings
    assert settings.languages == ("en", "it") and settings.language == "en"
    italian = settings.translations["it"]
    assert italian.openings["apology"] == ["Ci dispiace, {{ customer }}!"]
    assert (italian.private_invite, italian.cut_marker) == ("Scrivici in privato.", "…")
    assert italian.team_signature == "Il team di {{ brand }}"
    assert italian.out_of_scope == ["chi ha vinto la partita ieri sera"]
    signatures = settings.agents["paola"].translations["it"].signatures
    assert signatures == {"email": "Paola Ricci\nServizio Clienti Acme"}
    translation = base.answer("refund").translations["it"]
    assert translation.source == "0" * 12
    assert translation.answer == "I rimborsi arrivano entro 5 giorni lavorativi."
    assert translation.tests == ["quando mi rimborsate?"]


@pytest.mark.parametrize(
    ("written", "languages"),
    [
        ("language: en\n", ("en",)),
        ("language: it\n", ("it",)),
        ("", ("en",)),
        ("languages: [de, en]\n", ("de", "en")),
        ("languages: fr\n", ("fr",)),
        ("language: en\nlanguages: [en, it]\n", ("en", "it")),
    ],
    ids=["old-key-en", "old-key-it", "neither", "new-key", "one-as-text", "both-agree"],
)
def test_the_old_key_and_the_new_one_give_the_source_language(
    write_base: WriteBase, written: str, languages: tuple[str, ...]
) -> None:
    root = write_base({"replykb.yaml": "brand: Acme\n" + written, "a/refund.yaml": REFUND_EN})
    settings = load_answer_base(root).settings
    assert settings.languages == languages
    assert settings.language == languages[0]


REFUND_EN = "questions: [When is my refund?]\nanswer: Within 5 working days.\n"


@pytest.mark.parametrize(
    ("written", "line", "words"),
    [
        (
            "language: en\nlanguages: [it, en]\n",
            3,
            "is 'it' but `language:` says 'en'; remove the old `language:` key",
        ),
        ("language: klingon\n", 2, "'klingon' is not a language code: use a two-letter"),
        ("languages: [en, klingon]\n", 2, "ISO 639-1 code such as en, it"),
        ("languages: [EN]\n", 2, "'EN' is not a language code (write `en`)"),
        ("languages: []\n", 2, "list at least the source language"),
        ("languages: [en, it, en]\n", 2, "en listed more than once"),
    ],
    ids=["disagree", "klingon", "klingon-in-list", "upper-case", "empty", "repeated"],
)
def test_bad_languages_are_located_load_problems(
    write_base: WriteBase, written: str, line: int, words: str
) -> None:
    root = write_base({"replykb.yaml": "brand: Acme\n" + written, "a/refund.yaml": REFUND_EN})
    problems = _problems(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{root / 'replykb.yaml'}:{line}:")
    assert words in problems[0]
    assert "ISO 639-1" in problems[0] or "language" in problems[0]


@pytest.mark.parametrize(
    ("file", "insert_after", "bad_line", "words"),
    [
        (
            "a/refund.yaml",
            "    answer: I rimborsi",
            "    shrot: Breve.",
            "translations.it.shrot: unknown key `shrot`; did you mean `short`?",
        ),
        (
            "replykb.yaml",
            '    cut_marker: "…"',
            "    privat_invite: Ciao",
            "translations.it.privat_invite: unknown key `privat_invite`; did you mean "
            "`private_invite`?",
        ),
        (
            "replykb.yaml",
            '          email: "Paola Ricci',
            "        signatrues: {x: Paola}",
            "unknown key `signatrues`; did you mean `signatures`?",
        ),
        (
            "a/refund.yaml",
            "    tests:",
            "  klingon: {answer: x}",
            "translations.klingon: 'klingon' is not a language code",
        ),
        (
            "replykb.yaml",
            '          email: "Paola Ricci',
            "          fb: Paola di Acme",
            "agents.paola.translations.it.signatures.fb: unknown channel 'fb'",
        ),
    ],
    ids=["answer-key", "settings-key", "agent-key", "language-key", "agent-channel"],
)
def test_mistakes_inside_translations_point_at_their_line(
    write_base: WriteBase, file: str, insert_after: str, bad_line: str, words: str
) -> None:
    files = {"replykb.yaml": SETTINGS, "a/refund.yaml": REFUND.format(source="0" * 12)}
    lines = files[file].splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(insert_after)) + 1
    files[file] = "\n".join([*lines[:at], bad_line, *lines[at:]]) + "\n"
    root = write_base(files)
    problems = _problems(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{root / file}:{at + 1}:"), problems
    assert words in problems[0]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (
            "abc",
            "'abc' is not a source hash (12 hex digits); do not write `source:` by hand: run "
            "`replykb translations --mark-current refund it` once the translation is reviewed",
        ),
        ("0123456789AB", "is not a source hash"),
    ],
)
def test_a_hand_typed_source_hash_is_refused(
    write_base: WriteBase, source: str, words: str
) -> None:
    root = write_base({"replykb.yaml": SETTINGS, "a/refund.yaml": REFUND.format(source=source)})
    (problem,) = _problems(root)
    line = _line_of(root, "a/refund.yaml", "source:")
    assert problem.startswith(f"{root / 'a/refund.yaml'}:{line}:5: translations.it.source: ")
    assert words in problem


def test_a_translation_without_its_answer_is_a_located_problem(write_base: WriteBase) -> None:
    text = REFUND.format(source="0" * 12).replace(
        "    answer: I rimborsi arrivano entro 5 giorni lavorativi.\n", ""
    )
    root = write_base({"replykb.yaml": SETTINGS, "a/refund.yaml": text})
    (problem,) = _problems(root)
    line = _line_of(root, "a/refund.yaml", "  it:")
    assert problem.startswith(f"{root / 'a/refund.yaml'}:{line}:")
    assert "translations.it.answer: missing required key `answer`" in problem


def test_the_fingerprint_follows_translations_not_layout(write_base: WriteBase) -> None:
    text = REFUND.format(source="0" * 12)
    root = write_base({"replykb.yaml": SETTINGS, "a/refund.yaml": text})
    first = load_answer_base(root).fingerprint
    file = root / "a/refund.yaml"
    file.write_text("# a comment\n" + text.replace("    facts:", "    # why\n    facts:"))
    assert load_answer_base(root).fingerprint == first
    file.write_text(text.replace("entro 5 giorni lavorativi.", "in 5 giorni lavorativi."))
    assert load_answer_base(root).fingerprint != first


# --- the ISO table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("en", "English"),
        ("it", "Italian"),
        ("es", "Spanish"),
        ("fr", "French"),
        ("de", "German"),
        ("pt", "Portuguese"),
        ("zu", "Zulu"),
        ("aa", "Afar"),
    ],
)
def test_iso_639_1_names_the_languages(code: str, name: str) -> None:
    assert code in ISO_639_1 and LANGUAGE_NAMES[code] == name
    assert language_name(code) == f"{name} ({code})"


def test_iso_639_1_is_the_whole_two_letter_list() -> None:
    assert len(ISO_639_1) == 184
    assert all(re.fullmatch(r"[a-z]{2}", code) for code in ISO_639_1)
    assert {"xx", "qq", "en-gb", "klingon"}.isdisjoint(ISO_639_1)
    assert language_name("xx") == "xx"


# --- localized and the source hash ------------------------------------------------------


def _refund(write_base: WriteBase, source: str = "0" * 12) -> Answer:
    root = write_base({"replykb.yaml": SETTINGS, "a/refund.yaml": REFUND.format(source=source)})
    return load_answer_base(root).answer("refund")


def test_localized_reads_the_translation_and_keeps_the_rest(write_base: WriteBase) -> None:
    answer = _refund(write_base)
    italian = localized(answer, "it")
    assert italian.answer == "I rimborsi arrivano entro 5 giorni lavorativi."
    assert italian.short == "Il rimborso richiede 5 giorni lavorativi."
    assert italian.facts == ["5 giorni lavorativi"]
    assert italian.questions == ["Quando arriva il rimborso?"]
    assert italian.tests == ["quando mi rimborsate?"]
    assert (italian.id, italian.link, italian.tone) == (answer.id, answer.link, answer.tone)
    assert answer.answer == "Refunds arrive within 5 working days."  # the source is intact
    # Problems in the localized text point at the translation's lines.
    root = Path(answer.source.file).parent.parent
    assert italian.source.locate("answer").line == _line_of(root, "a/refund.yaml", "  answer: I")
    assert italian.source.locate("link").line == _line_of(root, "a/refund.yaml", "link:")


@pytest.mark.parametrize("language", ["en", "de"])
def test_localized_into_the_source_or_a_missing_language_is_the_answer(
    write_base: WriteBase, language: str
) -> None:
    answer = _refund(write_base)
    assert localized(answer, language) is answer
    assert has_translation(answer, "it") and not has_translation(answer, language)


@pytest.mark.parametrize(
    ("field", "value", "changes"),
    [
        ("answer", "Refunds arrive within 7 working days.", True),
        ("short", "Refunds take 7 working days.", True),
        ("short", None, True),
        ("facts", ["7 working days"], True),
        ("questions", ["Where is my money?"], False),
        ("tests", ["refund when?"], False),
        ("link", "https://help.example.com/money", False),
        ("title", "Refund timing", False),
    ],
)
def test_the_source_hash_follows_what_a_customer_reads(
    write_base: WriteBase, field: str, value: object, changes: bool
) -> None:
    answer = _refund(write_base)
    before = source_hash(answer)
    assert re.fullmatch(r"[0-9a-f]{12}", before)
    edited = answer.model_copy(update={field: value})
    assert (source_hash(edited) != before) is changes


# --- translation status -----------------------------------------------------------------


def test_translation_status_says_current_stale_unmarked_and_missing(
    write_base: WriteBase,
) -> None:
    settings = SETTINGS.replace("languages: [en, it]", "languages: [en, it, fr]")
    root = write_base({"replykb.yaml": settings, "a/refund.yaml": REFUND.format(source="0" * 12)})
    current = source_hash(load_answer_base(root).answer("refund"))
    unmarked = (
        REFUND.format(source="x")
        .replace('    source: "x"\n', "")
        .replace("    short: Il rimborso richiede 5 giorni lavorativi.\n", "")
    )
    write_base(
        {
            "replykb.yaml": settings,
            "a/refund.yaml": REFUND.format(source=current),
            "a/stale.yaml": REFUND.format(source="0123456789ab"),
            "a/unmarked.yaml": unmarked,
        }
    )
    base = load_answer_base(root)
    found = {(s.answer_id, s.language): s for s in translation_status(base)}
    assert [(s.answer_id, s.language) for s in translation_status(base)] == [
        ("refund", "it"),
        ("refund", "fr"),
        ("stale", "it"),
        ("stale", "fr"),
        ("unmarked", "it"),
        ("unmarked", "fr"),
    ]
    assert found["refund", "it"].state == "current" and not found["refund", "it"].needs_work
    stale = found["stale", "it"]
    assert (stale.state, stale.recorded, stale.current) == ("stale", "0123456789ab", current)
    assert stale.location.line == _line_of(root, "a/stale.yaml", "source:")
    assert found["unmarked", "it"].state == "unmarked"
    assert found["unmarked", "it"].missing_fields == ("short",)
    assert found["unmarked", "it"].location.line == _line_of(root, "a/unmarked.yaml", "  it:")
    missing = found["refund", "fr"]
    assert (missing.state, missing.recorded) == ("missing", None) and missing.needs_work
    assert missing.location.line == _line_of(root, "a/refund.yaml", "translations:")
    assert [s.language for s in translation_status(base, ("fr",))] == ["fr"] * 3


# --- ticket details in another language ---------------------------------------------------

ORDER = """\
questions: [Where is my order?]
answer: "{{ details.order_id }} is on its way."
details:
  order_id: {fallback: your order, description: The order number}
translations:
  it:
    answer: "{{ details.order_id }} è in arrivo."
    details:
      order_id: {fallback: il tuo ordine}
"""


def test_a_translation_gives_its_own_detail_fallback(write_base: WriteBase) -> None:
    from replykb.render.renderer import Renderer

    root = write_base({"replykb.yaml": SETTINGS, "a/order.yaml": ORDER})
    base = load_answer_base(root)
    order = base.answer("order")
    italian = localized(order, "it").details["order_id"]
    assert (italian.fallback, italian.description) == ("il tuo ordine", "The order number")
    assert order.details["order_id"].fallback == "your order"
    renderer = Renderer.for_base(base)
    for language, expected in [("it", "il tuo ordine è in arrivo."), ("en", "your order is")]:
        reply = renderer.render(order, channel="email", language=language)
        assert expected in reply.text, reply.text
    told = renderer.render(order, channel="email", language="it", details={"order_id": "FH1"})
    assert "FH1 è in arrivo." in told.text


def test_a_translated_detail_the_answer_does_not_declare_is_located(
    write_base: WriteBase,
) -> None:
    text = ORDER.replace("      order_id: {fallback: il", "      order_number: {fallback: il")
    root = write_base({"replykb.yaml": SETTINGS, "a/order.yaml": text})
    (problem,) = _problems(root)
    line = _line_of(root, "a/order.yaml", "order_number")
    assert problem == (
        f"{root / 'a/order.yaml'}:{line}:7: translations.it.details.order_number: the answer "
        "declares no detail 'order_number' (declared: order_id); declare it under the "
        "answer's `details:` first, or fix the name"
    )


@pytest.mark.parametrize(
    ("file", "text", "line", "words"),
    [
        ("replykb.yaml", "brand: Acme\nlangauges: [en, it]\n", 2, "did you mean `languages`?"),
        ("a/x.yaml", REFUND_EN + "translation:\n  it: {answer: c}\n", 3, "`translations`?"),
    ],
)
def test_a_misspelt_languages_or_translations_key_gets_a_did_you_mean(
    write_base: WriteBase, file: str, text: str, line: int, words: str
) -> None:
    root = write_base({"a/x.yaml": REFUND_EN, file: text})
    (problem,) = _problems(root)
    assert problem.startswith(f"{root / file}:{line}:1: ") and words in problem
