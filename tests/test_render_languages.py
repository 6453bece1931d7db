"""Replies entirely in one language (issue 16, point 3): the answer's translation with
that language's opening, invitation, cut marker and signature, on every channel, in
every tone, for customers with and without a name; the base's overrides win.

A small base in six languages (tests/language_base.py), written to a temporary folder.
No model needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from replykb import UnknownNameError
from replykb.errors import RenderError
from replykb.length import count_length, is_gsm7
from replykb.models import AnswerBase, AnswerTranslation, Reply
from replykb.render import Renderer, choose_opening, elide_absent_name
from replykb.render.names import ABSENT_NAME_MARK
from replykb.render.phrases import BUILTIN_LANGUAGES, PHRASES
from replykb.render.texts import fallback_texts

from .check_helpers import check, found, line_of
from .language_base import LANGUAGES, load_language_base, write_language_base

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
TONES = ["neutral", "apology", "thanks"]
CUSTOMERS = ["Giulia", None]
# English words that have no business in a reply in another language (none of them is
# a word of it, es, fr, de or pt, except as listed in NATIVE).
ENGLISH_WORDS = frozenset(
    [
        "the",
        "we",
        "please",
        "thanks",
        "thank",
        "sorry",
        "team",
        "customer",
        "care",
        "hi",
        "hello",
        "hey",
        "message",
        "us",
        "our",
        "you",
        "your",
        "with",
        "would",
        "like",
        "direct",
        "privately",
        "reaching",
        "touch",
        "apologies",
        "trouble",
        "hear",
        "there",
        "send",
        "pick",
        "look",
        "into",
        "for",
        "and",
        "about",
        "taking",
        "time",
        "letting",
        "know",
        "reach",
        "out",
    ]
)
NATIVE = {"fr": {"message"}, "pt": {"for"}}  # "se for necessário"
WORD = re.compile(r"[^\W\d_]+")


def english_words(text: str, language: str) -> set[str]:
    """The English stop-words ``text`` contains (links taken out)."""
    text = re.sub(r"https?://\S+", "", text)
    words = {w.lower() for w in WORD.findall(text)}
    return (words & ENGLISH_WORDS) - NATIVE.get(language, set())


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    return load_language_base(tmp_path_factory.mktemp("languages") / "base")


@pytest.fixture(scope="module")
def renderer(base: AnswerBase) -> Renderer:
    return Renderer.for_base(base)


def replies(reply: Reply) -> list[Reply]:
    """The reply and the private message paired with it."""
    return [reply, *([reply.private_reply] if reply.private_reply else [])]


# --- the built-in texts ---------------------------------------------------------------


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_builtin_texts_have_no_english_word(language: str) -> None:
    phrases = PHRASES[language]
    texts = [
        *(v for variants in phrases.openings.values() for v in variants),
        *(v for variants in phrases.anonymous_openings.values() for v in variants),
        phrases.private_invite,
        phrases.team_signature,
        *(phrases.signature(f, name="Paola", brand="Fernhill") for f in phrases.signatures),
    ]
    for text in texts:
        assert not english_words(text.replace("customer.name", ""), language), text


@pytest.mark.parametrize("language", ["en", "it", "de"])
def test_builtin_texts_are_gsm7_where_the_language_allows(language: str) -> None:
    """An Italian SMS stays GSM-7: è à ù ò ì é are in the alphabet; ’ and È are not.
    German ä ö ü ß are too (Spanish á í ó ú, French ê ç, Portuguese ã õ are not)."""
    assert is_gsm7("è à ù ò ì é ä ö ü ß") and not is_gsm7("’") and not is_gsm7("È")
    phrases = PHRASES[language]
    texts = [
        *(v for variants in phrases.openings.values() for v in variants),
        *(v for variants in phrases.anonymous_openings.values() for v in variants),
        phrases.private_invite,
        phrases.team_signature,
        *phrases.signatures.values(),
    ]
    assert [t for t in texts if not is_gsm7(t)] == []


@pytest.mark.parametrize("language", sorted(BUILTIN_LANGUAGES))
def test_every_language_opens_at_the_same_places(language: str) -> None:
    """As many variants per tone as English, named and nameless, and each nameless form
    is its named form with the name taken out (where that reads well)."""
    phrases = PHRASES[language]
    for tone in TONES:
        named = phrases.openings[tone]  # type: ignore[index]
        nameless = phrases.anonymous_openings[tone]  # type: ignore[index]
        assert len(named) == len(nameless) == len(PHRASES["en"].openings[tone])  # type: ignore[index]
        for with_name, without in zip(named, nameless, strict=True):
            assert "customer.name" in with_name and "customer" not in without


# --- replies on every channel ------------------------------------------------------------


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("customer", CUSTOMERS, ids=["named", "nameless"])
def test_replies_are_entirely_in_their_language(
    base: AnswerBase, renderer: Renderer, language: str, tone: str, customer: str | None
) -> None:
    """Every answer on every channel, signed by an agent and by the team: no English
    word, the reply's language said, within the channel's limit."""
    for channel in sorted(base.settings.channels):
        for answer in base.answers:
            for agent in ("paola", "dev", None):
                reply = renderer.render(
                    answer,
                    channel=channel,
                    agent=agent,
                    customer=customer,
                    conversation_id=f"c-{tone}",
                    tone=tone,  # type: ignore[arg-type]
                    language=language,
                )
                for part in replies(reply):
                    where = f"{answer.id} on {part.channel} by {agent}: {part.text!r}"
                    assert part.language == language, where
                    assert not english_words(part.text, language), where
                    assert ABSENT_NAME_MARK not in part.text, where
                    assert (customer or "") in part.text, where
                    length = count_length(part.text, part.count)
                    assert part.length == length, where
                    assert part.limit is None or length <= part.limit, where


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_private_invitation_is_in_the_language(
    base: AnswerBase, renderer: Renderer, language: str
) -> None:
    reply = renderer.render(
        base.answer("account-locked"),
        channel="x",
        agent="paola",
        customer="Giulia",
        language=language,
    )
    assert reply.form == "private_invite"
    assert PHRASES[language].private_invite in reply.text
    assert reply.private_reply is not None and reply.private_reply.channel == "x_dm"
    assert reply.private_reply.language == language


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("it", "Il rimborso arriva sul tuo conto entro 5 giorni lavorativi"),
        ("es", "El reembolso llega a tu cuenta en un plazo de 5 días hábiles"),
        ("fr", "Le remboursement arrive sur votre compte sous 5 jours ouvrés"),
        ("de", "Die Erstattung ist innerhalb von 5 Werktagen"),
        ("pt", "O reembolso chega à sua conta no prazo de 5 dias úteis"),
        ("en", "Refunds reach your account within 5 working days"),
    ],
)
def test_the_body_is_the_answers_translation(
    base: AnswerBase, renderer: Renderer, language: str, text: str
) -> None:
    reply = renderer.render(
        base.answer("refund-timing"), channel="email", customer="Giulia", language=language
    )
    assert text in reply.text


def test_agent_signatures_per_language(base: AnswerBase, renderer: Renderer) -> None:
    """The agent's translated signature where given, else the language's default for
    the channel's family; never the source-language signature in another language."""
    answer = base.answer("refund-timing")

    def signed(channel: str, language: str, agent: str | None = "paola") -> str:
        reply = renderer.render(
            answer, channel=channel, agent=agent, customer="Giulia", language=language
        )
        return reply.text.rsplit("\n", 1)[-1] if channel != "x" else reply.text.split()[-1]

    assert signed("facebook", "it") == "Paola di Fernhill"  # translations.it
    assert signed("email", "it").endswith("Paola Ricci\nServizio Clienti Fernhill"[-25:])
    assert signed("sms", "it") == "Paola di Fernhill"  # built in: not the English "Paola"
    assert signed("chat", "it") == "Paola di Fernhill"
    assert signed("x", "it") == "^Paola"
    assert signed("facebook", "de") == "Paola von Fernhill"
    assert signed("facebook", "es") == "Paola, de Fernhill"
    assert signed("facebook", "fr") == "Paola, de l'équipe Fernhill"
    assert signed("facebook", "en") == "Paola, Fernhill Customer Care"  # the source's own
    assert signed("facebook", "it", None) == "Il Servizio Clienti Fernhill"
    assert signed("facebook", "de", None) == "Ihr Kundenservice von Fernhill"
    assert signed("facebook", "en", None) == "The Fernhill team"
    email = renderer.render(answer, channel="email", agent="dev", language="it")
    assert email.text.endswith("Dev\nServizio Clienti Fernhill")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cut_marker(base: AnswerBase, renderer: Renderer, language: str) -> None:
    """A long answer cut on X ends with "…" and the link; on SMS with "..." (GSM-7)."""
    answer = base.answer("delivery-areas")
    for channel, marker in (("x", "… "), ("sms", "... ")):
        reply = renderer.render(
            answer, channel=channel, agent="paola", customer="Giulia", language=language
        )
        assert reply.form == "cut"
        assert f"{marker}https://help.fernhill.example/delivery" in reply.text
        assert reply.limit is not None and reply.length <= reply.limit


def test_an_italian_sms_is_gsm7(base: AnswerBase, renderer: Renderer) -> None:
    """Opening, translated body and signature in GSM-7: measured as GSM-7 segments."""
    for answer in base.answers:
        reply = renderer.render(
            answer, channel="sms", agent="paola", customer="Giulia", language="it"
        )
        assert is_gsm7(reply.text), reply.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_conversation_same_opening_in_every_language(
    base: AnswerBase, renderer: Renderer, language: str
) -> None:
    settings = base.settings
    for conversation in ("a", "b", "c", "d", "e", "f", "g"):
        for tone in TONES:
            for anonymous in (False, True):
                english = choose_opening(
                    settings,
                    tone,
                    anonymous=anonymous,
                    conversation_id=conversation,  # type: ignore[arg-type]
                )
                other = choose_opening(
                    settings,
                    tone,  # type: ignore[arg-type]
                    anonymous=anonymous,
                    conversation_id=conversation,
                    language=language,
                )
                assert other.index == english.index and other.language == language
    answer = base.answer("refund-timing")
    first = renderer.render(
        answer, channel="x", customer="Giulia", conversation_id="z", language=language
    )
    again = Renderer.for_base(base).render(
        answer, channel="x", customer="Giulia", conversation_id="z", language=language
    )
    assert first == again


def test_the_source_language_renders_as_without_language(
    base: AnswerBase, renderer: Renderer
) -> None:
    for answer in base.answers:
        for channel in ("x", "facebook", "sms", "email"):
            plain = renderer.render(answer, channel=channel, agent="paola", customer="Mario")
            english = renderer.render(
                answer, channel=channel, agent="paola", customer="Mario", language="en"
            )
            assert plain == english and plain.language == "en"


def test_a_language_the_base_does_not_list(base: AnswerBase, renderer: Renderer) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown language 'nl'; known languages: "):
        renderer.render(base.answer("refund-timing"), channel="x", language="nl")


# --- overrides from the base -----------------------------------------------------------

OVERRIDES = """\
translations:
  it:
    openings:
      neutral: ["Buongiorno {{ customer.name }}!"]
      apology: ["Ci dispiace, {{ customer.name }}."]
    anonymous_openings:
      neutral: ["Buongiorno a te!"]
    private_invite: "Scrivici in privato, {{ customer.name }}: ti aspettiamo."
    cut_marker: " [...]"
    team_signature: "Lo staff di {{ brand }}"
"""


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    files = {
        "templates/it/social.j2": "{{ opening }}\n\n{{ body }}\n\nUn saluto,\n{{ agent.signature }}",
        # The base's own invitation is written in the source language: English only.
        "templates/private_invite.j2": "DM us please, we will sort it out.",
    }
    return load_language_base(
        tmp_path_factory.mktemp("overrides") / "base", settings=OVERRIDES, files=files
    )


def test_overrides_from_the_base_win(overridden: AnswerBase) -> None:
    renderer = Renderer.for_base(overridden)
    answer = overridden.answer("refund-timing")
    named = renderer.render(answer, channel="facebook", customer="Giulia", language="it")
    assert named.text.startswith("Buongiorno Giulia!\n\nIl rimborso")
    assert named.text.endswith("\n\nUn saluto,\nLo staff di Fernhill")  # templates/it/
    nameless = renderer.render(answer, channel="x", language="it")
    assert nameless.text.startswith("Buongiorno a te! Il rimborso")
    locked = overridden.answer("account-locked")
    invite = renderer.render(locked, channel="x", customer="Giulia", language="it")
    assert invite.text == (
        "Ci dispiace, Giulia. Scrivici in privato, Giulia: ti aspettiamo. ^Fernhill"
    )
    # Nameless: the name taken out of the base's opening and invitation.
    anonymous = renderer.render(locked, channel="x", language="it")
    assert anonymous.text == "Ci dispiace. Scrivici in privato: ti aspettiamo. ^Fernhill"
    team = renderer.render(locked, channel="facebook", language="it")
    assert team.text.endswith("\n\nUn saluto,\nLo staff di Fernhill")
    long = renderer.render(overridden.answer("delivery-areas"), channel="x", language="it")
    assert " [...] https://help.fernhill.example/delivery" in long.text
    sms = renderer.render(overridden.answer("delivery-areas"), channel="sms", language="it")
    assert " [...] https://help.fernhill.example/delivery" in sms.text
    # The other languages and the source keep theirs; the source uses the base's
    # English invitation template, Italian never does.
    english = renderer.render(locked, channel="x", customer="Giulia")
    assert "DM us please, we will sort it out." in english.text
    spanish = renderer.render(answer, channel="facebook", customer="Giulia", language="es")
    assert "Un saluto" not in spanish.text and "Buongiorno" not in spanish.text


def test_a_language_template_for_the_invitation(tmp_path: Path) -> None:
    base = load_language_base(
        tmp_path / "base",
        files={"templates/it/private_invite.j2": "{{ invitation }} A presto!"},
    )
    reply = Renderer.for_base(base).render(
        base.answer("account-locked"), channel="x", language="it", customer="Giulia"
    )
    assert f"{PHRASES['it'].private_invite} A presto!" in reply.text
    files = Renderer.for_base(base).template_files("x", language="it")
    assert [f.name for f in files] == ["short.j2", "it/private_invite.j2"]


def test_an_error_in_a_translated_text_names_its_line(tmp_path: Path) -> None:
    settings = 'translations:\n  it:\n    private_invite: "Scrivici {{ nope }}"\n'
    base = load_language_base(tmp_path / "base", settings=settings)
    with pytest.raises(RenderError) as caught:
        Renderer.for_base(base).render(base.answer("account-locked"), channel="x", language="it")
    message = str(caught.value)
    lines = (tmp_path / "base" / "replykb.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "private_invite:" in text)
    assert f"replykb.yaml:{line}: `translations.it.private_invite`: 'nope' is undefined" in message


def test_an_italian_source_base_opens_in_italian(tmp_path: Path) -> None:
    """A base written in Italian (languages: [it]) gets the Italian built-in texts."""
    settings = "brand: Fernhill\nlanguages: [it]\n"
    answer = (
        "id: rimborso\nquestions: [quando arriva il rimborso]\n"
        "answer: Il rimborso arriva entro 5 giorni lavorativi.\nprivate: true\n"
    )
    root = tmp_path / "base"
    root.mkdir()
    (root / "replykb.yaml").write_text(settings, encoding="utf-8")
    (root / "rimborso.yaml").write_text(answer, encoding="utf-8")
    from replykb import load_answer_base

    base = load_answer_base(root)
    reply = Renderer.for_base(base).render(base.answer("rimborso"), channel="facebook")
    assert reply.language == "it"
    assert PHRASES["it"].private_invite in reply.text
    assert reply.text.endswith("Il Servizio Clienti Fernhill")


def test_a_language_without_builtin_texts(base: AnswerBase) -> None:
    """Dutch has no built-in texts: the English ones where the base gives none, and
    fallback_texts says which (for `replykb check`); Italian has its own."""
    dutch = base.settings.model_copy(update={"languages": ("en", "nl")})
    assert fallback_texts(dutch, "nl") == (
        "openings",
        "anonymous_openings",
        "private_invite",
        "team_signature",
        "signatures of paola",
        "signatures of dev",
    )
    assert fallback_texts(base.settings, "it") == ()
    locked = base.answer("account-locked")
    dutch_text = AnswerTranslation(answer="Uw profiel is geblokkeerd; wij helpen u verder.")
    locked = locked.model_copy(update={"translations": {"nl": dutch_text}})
    reply = Renderer(dutch).render(locked, channel="x", language="nl", conversation_id="c")
    assert reply.language == "nl"
    assert PHRASES["en"].private_invite in reply.text


# --- taking an absent name out, in every language ------------------------------------------


@pytest.mark.parametrize(
    ("opening", "nameless"),
    [
        ("Ci dispiace, {N}.", "Ci dispiace."),
        ("{N}, ci dispiace molto per l'accaduto.", "Ci dispiace molto per l'accaduto."),
        ("Ciao {N}, grazie per averci scritto.", "Ciao, grazie per averci scritto."),
        ("Ciao {N}!", "Ciao!"),
        ("¡Hola, {N}!", "¡Hola!"),
        ("¡Hola, {N}! Gracias por escribirnos.", "¡Hola! Gracias por escribirnos."),
        ("{N}, sentimos mucho lo ocurrido.", "Sentimos mucho lo ocurrido."),
        ("Bonjour {N} !", "Bonjour !"),
        ("Merci beaucoup, {N} !", "Merci beaucoup !"),
        ("Nous sommes désolés, {N} : ce n'est pas", "Nous sommes désolés : ce n'est pas"),
        ("Das ist ärgerlich, {N}, und tut uns leid.", "Das ist ärgerlich und tut uns leid."),
        ("{N}, bitte entschuldigen Sie.", "Bitte entschuldigen Sie."),
        ("Lamentamos, {N}: não é essa a experiência", "Lamentamos: não é essa a experiência"),
    ],
)
def test_absent_name_elision_in_other_languages(opening: str, nameless: str) -> None:
    assert elide_absent_name(opening.replace("{N}", ABSENT_NAME_MARK)) == nameless


@pytest.mark.parametrize("language", sorted(BUILTIN_LANGUAGES))
def test_builtin_nameless_forms_are_the_named_ones_without_the_name(language: str) -> None:
    """Each built-in nameless opening is what taking the name out of the named one
    gives, except where the language needs a different sentence."""
    phrases = PHRASES[language]
    for tone in TONES:
        pairs = zip(
            phrases.openings[tone],  # type: ignore[index]
            phrases.anonymous_openings[tone],  # type: ignore[index]
            strict=True,
        )
        for named, nameless in pairs:
            elided = elide_absent_name(named.replace("{{ customer.name }}", ABSENT_NAME_MARK))
            assert elided == nameless, (named, nameless)


# --- `replykb check` reads the per-language texts as templates ------------------------------


def test_check_reads_per_language_templates_and_openings(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    """A language's invitation template may print ``invitation``; a misspelt variable in
    a translated opening or invitation is RKB102 at its line of replykb.yaml."""
    settings = (
        "translations:\n  it:\n    openings:\n      neutral:\n"
        '        - "Ciao {{ custmer.name }}!"\n'
        '    private_invite: "Scrivici in privato, {{ nome }}."\n'
    )
    files = {"templates/it/private_invite.j2": "{{ invitation }} A presto!"}
    root = write_language_base(tmp_path / "base", settings=settings, files=files)
    report = check(root, real_embedder)
    text = (root / "replykb.yaml").read_text(encoding="utf-8")
    findings = [f for f in found(report, "RKB102") if f.location.file.endswith("replykb.yaml")]
    assert sorted((f.location.line, f.message.split("`")[1]) for f in findings) == [
        (line_of(text, "custmer"), "custmer"),
        (line_of(text, "private_invite:"), "nome"),
    ]
    assert not [f for f in found(report, "RKB102") if "private_invite.j2" in f.location.file]


def test_an_agents_name_per_language(tmp_path: Path) -> None:
    """An agent's `translations.<lang>.name` signs that language's built-in signatures."""
    settings = (
        "brand: Fernhill\nlanguages: [en, de]\nagents:\n  jo:\n    name: Jo\n"
        "    translations:\n      de:\n        name: Johanna\n"
    )
    base = load_language_base(tmp_path / "base", files={"replykb.yaml": settings})
    renderer = Renderer.for_base(base)
    answer = base.answer("refund-timing")
    german = renderer.render(answer, channel="facebook", agent="jo", language="de")
    assert german.text.endswith("\n\nJohanna von Fernhill")
    english = renderer.render(answer, channel="facebook", agent="jo")
    assert english.text.endswith("\n\nJo, Fernhill")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("it", "Ci dispiace."), ("fr", "Bonjour !"), ("en", "Sorry.")],
)
def test_render_opening_per_language(renderer: Renderer, language: str, expected: str) -> None:
    """What the linter shows of an opening for a customer with no name, per language."""
    source = {
        "it": "Ci dispiace, {{ customer.name }}.",
        "fr": "Bonjour {{ customer.name }} !",
        "en": "Sorry, {{ customer.name }}.",
    }[language]
    assert renderer.render_opening(source, channel="x", language=language) == expected
    assert renderer.render_opening(source, channel="x", customer="Giulia", language=language) == (
        source.replace("{{ customer.name }}", "Giulia")
    )


def test_language_templates_on_every_part_of_an_email(tmp_path: Path) -> None:
    """templates/<lang>/ overrides the text and the HTML template of e-mail replies in
    that language; the other languages keep the base's templates/ and the built-in ones."""
    files = {
        "templates/it/email.txt.j2": "{{ opening }}\n\n{{ body }}\n\nUn caro saluto,\n{{ agent.signature }}",
        "templates/it/email.html.j2": "<p>{{ opening }}</p><p>{{ body }}</p><p>Un caro saluto</p>",
        "templates/email.html.j2": "<p>{{ opening }}</p><p>{{ body }}</p><p>Best wishes</p>",
    }
    base = load_language_base(tmp_path / "base", files=files)
    renderer = Renderer.for_base(base)
    answer = base.answer("refund-timing")
    italian = renderer.render(answer, channel="email", agent="paola", language="it")
    assert "\n\nUn caro saluto,\nPaola Ricci\nServizio Clienti Fernhill" in italian.text
    assert italian.html is not None and italian.html.endswith("<p>Un caro saluto</p>")
    spanish = renderer.render(answer, channel="email", agent="paola", language="es")
    assert "saluto" not in spanish.text
    assert spanish.html is not None and spanish.html.endswith("<p>Best wishes</p>")
    names = [f.name for f in renderer.template_files("email", language="it")]
    assert names == ["it/email.txt.j2", "it/email.html.j2"]


UNTRANSLATED = """\
id: opening-hours
questions: [when are you open]
answer: We are open 8am to 8pm every day.
private: true
"""


@pytest.fixture(scope="module")
def untranslated(tmp_path_factory: pytest.TempPathFactory) -> AnswerBase:
    root = tmp_path_factory.mktemp("untranslated") / "base"
    return load_language_base(root, files={"info/opening-hours.yaml": UNTRANSLATED})


@pytest.mark.parametrize("channel", ["x", "facebook", "sms", "email", "whatsapp"])
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_an_untranslated_answer_is_sent_whole_in_the_source_language(
    untranslated: AnswerBase, channel: str, language: str
) -> None:
    """Never half one language, half another: an answer without the language asked for
    is the source-language reply, opening, invitation and signature included."""
    renderer = Renderer.for_base(untranslated)
    answer = untranslated.answer("opening-hours")
    asked = renderer.render(
        answer, channel=channel, agent="paola", customer="Giulia", language=language
    )
    source = renderer.render(answer, channel=channel, agent="paola", customer="Giulia")
    assert asked == source
    assert {part.language for part in replies(asked)} == {"en"}


@pytest.mark.parametrize("channel", ["x", "email"])
def test_a_translation_into_the_source_language_is_never_sent(tmp_path: Path, channel: str) -> None:
    """`translations.en` on an English-source answer is an error for check (RKB708), and
    never a second English text: replies in the source language use the answer's own."""
    with_source_block = UNTRANSLATED + (
        "translations:\n  en:\n    answer: We are open 9 to 5 on weekdays only.\n"
    )
    base = load_language_base(
        tmp_path / "base", files={"info/opening-hours.yaml": with_source_block}
    )
    renderer = Renderer.for_base(base)
    reply = renderer.render(base.answer("opening-hours"), channel=channel, agent="paola")
    texts = [part.text for part in replies(reply)]
    assert not any("9 to 5" in text for text in texts)
    assert reply.language == "en"
