"""The customer's mood: the reader (replykb/prepare/mood.py) on its own, its labelled
benchmark set, and the reply's opening that follows it through the triage core."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from replykb.models import Mood
from replykb.prepare.mood import MAX_MOOD_CHARS, read_mood

BENCHMARKS = Path(__file__).parent.parent / "benchmarks" / "data"

# --- the reader ---------------------------------------------------------------------

ANGRY = [
    ("en", "WTF why can't I pay with PayPal?? your site is garbage 😡😡"),
    ("en", "Dear Fernhill, this is absolutely unacceptable. I want my money back."),
    ("en", "third time I ask: where is my refund"),
    ("en", "WHERE IS MY ORDER???"),
    ("en", "@FernhillHelp thanks for nothing"),
    ("en", "Great job guys, another week without my parcel 🙄"),
    ("en", "Not happy at all with the sofa."),
    ("it", "Vergognatevi, ordine fermo da due settimane 😡"),
    ("it", "sono stufa, è la terza volta che vi scrivo!!"),
    ("it", "Non sono per niente soddisfatta del servizio."),
    ("it", "grazie per niente, rimborso mai arrivato"),
    ("es", "Es una vergüenza, nadie responde."),
    ("fr", "C'est inadmissible, j'en ai marre."),
    ("de", "Eine Frechheit, ich bin sehr enttäuscht."),
    ("pt", "Que vergonha, péssimo atendimento!"),
    ("und", "😡😡😡"),
]
NEUTRAL = [
    ("en", "Do you ship to Ireland?"),
    ("en", "how long do refunds take? thanks"),
    ("en", "Hi,\n\nCould you send me a VAT invoice for order FH-1?\n\nThanks in advance,\nPriya"),
    ("en", "My order FH-20391 still shows processing, is that normal?"),
    ("it", "Buongiorno, come posso cambiare l'indirizzo di consegna? Grazie"),
    ("it", "Gentile servizio clienti, vorrei la fattura dell'ordine FH-2."),
    ("es", "¿Hacéis envíos a Canarias? Gracias de antemano"),
    ("fr", "Bonjour, vous livrez en Belgique ? Merci d'avance"),
    ("de", "Kann ich mit PayPal bezahlen?\n\nMit freundlichen Grüßen\nJan"),
    ("pt", "Vocês entregam em Portugal?"),
    ("und", "FH-20391 GDPR IBAN"),
]
GRATEFUL = [
    ("en", "Thank you so much, Paola was amazing!"),
    ("en", "love my new rug ❤️❤️"),
    ("en", "problem solved, cheers!"),
    ("it", "Grazie mille, siete fantastici 😍"),
    ("it", "Complimenti per il servizio, bravissimi!"),
    ("es", "¡Muchas gracias, todo perfecto!"),
    ("fr", "Merci beaucoup, service au top !"),
    ("de", "Vielen Dank, alles hat super geklappt!"),
    ("pt", "Muito obrigada, vocês são ótimos!"),
    ("und", "🙏🙏❤️"),
]
CASES = [
    *(("angry", lang, text) for lang, text in ANGRY),
    *(("neutral", lang, text) for lang, text in NEUTRAL),
    *(("grateful", lang, text) for lang, text in GRATEFUL),
]


@pytest.mark.parametrize(("label", "language", "text"), CASES)
def test_mood_of_a_message(label: str, language: str, text: str) -> None:
    mood = read_mood(text)
    assert mood.label == label, mood.cues
    assert (
        (mood.score < 0) if label == "angry" else (mood.score > 0) if label == "grateful" else True
    )
    assert mood.tone == {"angry": "apology", "grateful": "thanks", "neutral": None}[label]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Vergognatevi!", 'anger: "vergognatevi"'),
        ("third time I ask", 'repeated: "third time"'),
        ("Not happy.", 'not + praise: "happy"'),
        ("thanks for nothing", 'irony: "thanks for nothing"'),
        ("Great 🙄", "irony emoji 🙄"),
        ("where is it? thanks", 'thanks in a request: "thanks"'),
        ("WHERE IS MY ORDER", "capitals: WHERE, ORDER"),
        ("still nothing??", '"??"'),
        ("😡", "emoji 😡"),
    ],
)
def test_a_mood_says_what_it_read(text: str, cue: str) -> None:
    assert cue in read_mood(text).cues


@pytest.mark.parametrize(
    ("text", "repeated", "urgent"),
    [
        ("This is the third time I ask about my refund.", True, False),
        ("sto ancora aspettando il rimborso", True, False),
        ("Ich warte seit drei Wochen auf eine Antwort.", True, False),
        ("j'attends toujours mon colis", True, False),
        ("I need the invoice today, it's urgent", False, True),
        ("mi serve con urgenza, entro domani", False, True),
        ("Es urgente, lo necesito hoy mismo", False, True),
        ("Can I order the same lamp again?", False, False),
        ("Is the green lamp still available?", False, False),
        ("Grazie ancora!", False, False),
    ],
)
def test_repeated_contact_and_urgency(text: str, repeated: bool, urgent: bool) -> None:
    mood = read_mood(text)
    assert (mood.repeated, mood.urgent) == (repeated, urgent), mood.cues


def test_accents_case_and_apostrophes_do_not_matter() -> None:
    assert read_mood("E' VERGOGNOSO, perche nessuno risponde").label == "angry"
    assert read_mood("j’en ai marre").cues == read_mood("J'en ai marre").cues


def test_the_same_message_always_gives_the_same_mood_in_every_thread() -> None:
    texts = [text for _, _, text in CASES] * 8
    alone = [read_mood(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(read_mood, texts))
    assert together == alone
    assert [m.model_dump_json() for m in together] == [m.model_dump_json() for m in alone]


def test_a_huge_message_is_read_in_bounded_time() -> None:
    start = time.perf_counter()
    mood = read_mood("why " * 250_000 + "vergognatevi")
    assert time.perf_counter() - start < 2.0
    # Only the start is read: the anger at the end of a 1 MB message is not seen.
    assert mood.label == "neutral"
    assert read_mood("vergognatevi " + "x" * MAX_MOOD_CHARS).label == "angry"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "🙂" * 10_000, "?" * 5000, "!" * 5000])
def test_odd_text_gives_a_mood_not_an_error(text: str) -> None:
    assert isinstance(read_mood(text), Mood)


# --- the labelled benchmark set -----------------------------------------------------------


def _rows(name: str) -> list[dict[str, object]]:
    lines = (BENCHMARKS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_benchmark_set_covers_moods_languages_and_channels() -> None:
    rows = _rows("mood.jsonl")
    assert len(rows) >= 150
    moods = Counter(row["mood"] for row in rows)
    assert set(moods) == {"angry", "neutral", "grateful"} and min(moods.values()) >= 50
    languages = Counter(row["language"] for row in rows)
    assert languages["en"] >= 50 and languages["it"] >= 50
    assert {"es", "fr", "de", "pt"} <= set(languages)
    assert {"x", "facebook", "email", "sms"} <= {row["channel"] for row in rows}
    for row in rows:
        assert set(row) == {"text", "mood", "language", "channel", "repeated", "urgent", "batch"}


def test_no_benchmark_message_is_a_development_message() -> None:
    def normal(text: object) -> str:
        return " ".join(str(text).casefold().split())

    benchmark = {normal(row["text"]) for row in _rows("mood.jsonl")}
    development = {normal(row["text"]) for row in _rows("mood_dev.jsonl")}
    assert len(benchmark) == len(_rows("mood.jsonl"))
    assert not benchmark & development


def test_the_shipped_reader_keeps_its_measured_accuracy() -> None:
    """A guard against regressions (README, "The customer's mood", has the figures)."""
    rows = _rows("mood.jsonl")
    hits: dict[str, list[bool]] = {}
    for row in rows:
        hits.setdefault(str(row["mood"]), []).append(
            read_mood(str(row["text"])).label == row["mood"]
        )
    accuracy = {mood: sum(h) / len(h) for mood, h in hits.items()}
    assert accuracy["neutral"] >= 0.97, accuracy
    assert accuracy["grateful"] >= 0.90, accuracy
    assert accuracy["angry"] >= 0.80, accuracy


# --- the reply's opening follows the customer (the real model, through the core) ----------

CUSTOMER = "Giulia"


def _openings(tone: str) -> list[str]:
    from replykb.render.openings import DEFAULT_OPENINGS

    return [v.replace("{{ customer.name }}", CUSTOMER) for v in DEFAULT_OPENINGS[tone]]  # type: ignore[index]


def _opening_tone(text: str) -> str:
    """The tone of the built-in opening ``text`` starts with (exactly one must match)."""
    found = [
        tone
        for tone in ("neutral", "apology", "thanks")
        for opening in _openings(tone)
        if text.startswith(opening)
    ]
    assert len(found) == 1, (text, found)
    return found[0]


def _without_opening(text: str) -> str:
    tone = _opening_tone(text)
    opening = next(o for o in _openings(tone) if text.startswith(o))
    return text.removeprefix(opening)


EXAMPLE_CHANNELS = [
    "x", "facebook", "instagram", "sms", "email", "chat", "x_dm", "messenger", "instagram_dm",
]  # fmt: skip
# One question (refund-timing, a neutral answer) asked in three moods.
REFUND = {
    "angry": "This is the third time I ask: where is my refund?! Absolutely unacceptable 😡",
    "grateful": "You're amazing, thank you so much! How long does a refund take?",
    "neutral": "How long does a refund take?",
}


def test_every_channel_of_the_example_base_is_covered(example_kb) -> None:  # type: ignore[no-untyped-def]
    assert sorted(example_kb.settings.channels) == sorted(EXAMPLE_CHANNELS)


@pytest.mark.parametrize("channel", EXAMPLE_CHANNELS)
@pytest.mark.parametrize(
    ("mood", "tone"), [("angry", "apology"), ("grateful", "thanks"), ("neutral", "neutral")]
)
def test_the_opening_follows_the_customers_mood_on_every_channel(
    example_kb,
    channel: str,
    mood: str,
    tone: str,  # type: ignore[no-untyped-def]
) -> None:
    suggestion = example_kb.suggest(
        REFUND[mood], channel=channel, customer=CUSTOMER, conversation_id="c-42"
    )
    assert suggestion.match.answer_id == "refund-timing" and suggestion.reply is not None
    assert suggestion.mood is not None and suggestion.mood.label == mood
    assert _opening_tone(suggestion.reply.text) == tone
    # Exactly the reply the renderer gives the answer with that opening tone.
    answer = example_kb.base.answer("refund-timing")
    expected = example_kb.renderer.render(
        answer, channel=channel, customer=CUSTOMER, conversation_id="c-42", tone=tone
    )
    assert suggestion.reply == expected


@pytest.mark.parametrize("channel", EXAMPLE_CHANNELS)
def test_the_solution_is_the_same_whatever_the_mood(example_kb, channel: str) -> None:  # type: ignore[no-untyped-def]
    replies = {
        mood: example_kb.suggest(text, channel=channel, customer=CUSTOMER, conversation_id="c-7")
        for mood, text in REFUND.items()
    }
    bodies = {mood: _without_opening(s.reply.text) for mood, s in replies.items()}
    assert len(set(bodies.values())) == 1, bodies
    assert {s.reply.answer_id for s in replies.values()} == {"refund-timing"}
    assert "5 working days" in bodies["neutral"]
    htmls = {s.reply.html is None for s in replies.values()}
    assert len(htmls) == 1


@pytest.mark.parametrize(
    ("message", "answer_id", "tone"),
    [
        # A neutral customer gets the answer's own tone, whatever it is.
        ("my parcel arrived damaged, what do I do", "damaged-item", "apology"),
        ("Can I pay with PayPal?", "payment-methods", "neutral"),
        # An angry customer on an answer that already apologises: still an apology.
        ("my parcel arrived damaged AGAIN, this is ridiculous", "damaged-item", "apology"),
        # Praise on a neutral answer: thanks.
        ("You're amazing, love the new store! Do you do gift wrapping?", "gift-wrapping", "thanks"),
    ],
)
def test_a_neutral_customer_keeps_the_answers_tone(
    example_kb,
    message: str,
    answer_id: str,
    tone: str,  # type: ignore[no-untyped-def]
) -> None:
    suggestion = example_kb.suggest(message, channel="chat", customer=CUSTOMER)
    assert suggestion.match.answer_id == answer_id and suggestion.reply is not None
    assert _opening_tone(suggestion.reply.text) == tone


@pytest.mark.parametrize(
    "message", ["my refund?? unacceptable 😡", "cancel. Worst service ever 😡"]
)
def test_every_alternative_of_an_ambiguous_match_opens_with_the_mood(
    example_kb, message: str
) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(message, channel="chat", customer=CUSTOMER)
    assert suggestion.status == "ambiguous" and len(suggestion.alternatives) >= 2
    assert [_opening_tone(r.text) for r in suggestion.alternatives] == ["apology"] * len(
        suggestion.alternatives
    )


QUOTED_THANKS = """\
Hi,

still no refund and nobody answers. Unacceptable.

On Mon, 2 Mar 2026 at 10:02, Fernhill Care <care@fernhill.example> wrote:
> Thank you so much for your message! We are delighted to help.
> Thanks again,
> Paola
"""
QUOTED_ANGER = """\
Thank you so much, it arrived this morning and it's perfect!

On Mon, 2 Mar 2026 at 10:02, Giulia Rossi <giulia@example.com> wrote:
> This is ridiculous, third time I ask where my order is 😡
> Absolutely unacceptable.
"""


@pytest.mark.parametrize(
    ("message", "mood"), [(QUOTED_THANKS, "angry"), (QUOTED_ANGER, "grateful")]
)
def test_an_emails_mood_is_read_on_its_newest_text(example_kb, message: str, mood: str) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(message, channel="email", customer=CUSTOMER)
    assert suggestion.prepared is not None and "wrote:" not in suggestion.prepared.text_used
    assert suggestion.mood is not None and suggestion.mood.label == mood


def test_batch_rows_carry_the_mood_and_its_flags(example_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from replykb.batch import run_batch

    lines = [
        {
            "message": "third time I ask: where is my refund?! I need it today, urgently",
            "channel": "x",
            "customer": CUSTOMER,
        },
        {"message": "How long does a refund take?", "channel": "sms"},
        {"message": "Grazie mille, siete fantastici! 😍", "channel": "chat"},
    ]
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    run_batch(example_kb, source, output)
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["mood"], r["urgent"], r["repeated"]) for r in rows] == [
        ("angry", True, True),
        ("neutral", False, False),
        ("grateful", False, False),
    ]
    assert _opening_tone(rows[0]["reply"]["text"]) == "apology"


def test_every_door_gives_the_same_mood_and_reply(example_kb) -> None:  # type: ignore[no-untyped-def]
    requests = [
        {"message": text, "channel": channel, "customer": CUSTOMER, "conversation_id": "c-1"}
        for text in REFUND.values()
        for channel in ("x", "sms", "email")
    ]
    one_by_one = [example_kb.suggest(**request) for request in requests]
    many = [result.suggestion for result in example_kb.suggest_many(requests)]
    assert [s.model_dump_json() for s in many] == [s.model_dump_json() for s in one_by_one]
    again = [example_kb.suggest(**request) for request in requests]
    assert [s.model_dump_json() for s in again] == [s.model_dump_json() for s in one_by_one]


# The same question in six languages, in three moods, against a small multilingual base:
# the packaged model is English, so each language has its own phrasing of the question.
QUESTIONS = {
    "en": "When will I get my refund?",
    "it": "Quando arriva il mio rimborso?",
    "es": "¿Cuándo llega mi reembolso?",
    "fr": "Quand vais-je recevoir mon remboursement ?",
    "de": "Wann bekomme ich meine Erstattung?",
    "pt": "Quando vou receber o meu reembolso?",
}
FEELINGS = {
    "en": ("This is the third time I ask, unacceptable! 😡", "You're amazing, thank you!"),
    "it": ("Vergognatevi, è la terza volta che chiedo! 😡", "Siete fantastici, complimenti!"),
    "es": ("¡Es una vergüenza, nadie responde! 😡", "¡Sois geniales, muchas gracias!"),
    "fr": ("C'est inadmissible, j'en ai marre ! 😡", "Service génial, bravo !"),
    "de": ("Eine Frechheit, ich bin sehr enttäuscht! 😡", "Ihr seid großartig, vielen Dank!"),
    "pt": ("Que vergonha, ninguém responde! 😡", "Vocês são ótimos, parabéns!"),
}
MULTILINGUAL_ANSWER = """\
questions:
{questions}
answer: Refunds reach your account within 5 working days of approval.
"""
STORE_ANSWER = """\
questions:
  - What time do you open on Sunday?
  - A che ora aprite la domenica?
  - ¿A qué hora abrís el domingo?
  - À quelle heure ouvrez-vous le dimanche ?
  - Wann öffnet ihr am Sonntag?
  - A que horas abrem ao domingo?
answer: Our stores open from 10am to 4pm on Sundays.
"""


@pytest.fixture(scope="module")
def multilingual_kb(real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    from replykb import KnowledgeBase

    root = tmp_path_factory.mktemp("multilingual")
    (root / "replykb.yaml").write_text(
        "brand: Fernhill\nchannels: {x: {}, sms: {}, email: {}, whatsapp: {}}\n", encoding="utf-8"
    )
    questions = "\n".join(f"  - {json.dumps(q, ensure_ascii=False)}" for q in QUESTIONS.values())
    (root / "refund-timing.yaml").write_text(
        MULTILINGUAL_ANSWER.format(questions=questions), encoding="utf-8"
    )
    (root / "opening-hours.yaml").write_text(STORE_ANSWER, encoding="utf-8")
    return KnowledgeBase.load(root, cache_dir=root / ".cache", embedder=real_embedder)


@pytest.mark.parametrize("language", sorted(QUESTIONS))
@pytest.mark.parametrize(
    ("mood", "tone"), [("angry", "apology"), ("grateful", "thanks"), ("neutral", "neutral")]
)
@pytest.mark.parametrize("channel", ["x", "sms", "email"])
def test_the_opening_follows_the_mood_in_every_language(
    multilingual_kb,
    language: str,
    mood: str,
    tone: str,
    channel: str,  # type: ignore[no-untyped-def]
) -> None:
    angry, grateful = FEELINGS[language]
    feeling = {"angry": angry, "grateful": grateful, "neutral": ""}[mood]
    message = f"{feeling} {QUESTIONS[language]}".strip()
    suggestion = multilingual_kb.suggest(message, channel=channel, customer=CUSTOMER)
    assert suggestion.mood is not None and suggestion.mood.label == mood, suggestion.mood
    assert suggestion.match.answer_id == "refund-timing", suggestion.match
    assert suggestion.reply is not None
    assert _opening_tone(suggestion.reply.text) == tone
    assert "within 5 working days of approval" in suggestion.reply.text
