"""The built-in texts of a reply, per language: openings for every tone (named and
nameless forms at the same places), the invitation to continue in private on public
channels, the cut marker, the team's sign-off and the agents' default signatures per
channel family. One table per language, all in this module.

A base overrides any of them per language under ``translations.<lang>`` of
``replykb.yaml`` (the source language's openings stay at the top level); the renderer
resolves the two in :mod:`.texts`. A language without a table here gets the English
texts, and ``replykb check`` says so (:func:`~replykb.render.texts.fallback_texts`).

Every table has as many variants per tone as English (5, 5, 4), so the same
conversation id opens at the same place in every language.

Texts meant for SMS stay GSM-7 where the language allows it: Italian uses ``è à ù ò ì é``
(all GSM-7), never a capital ``È`` nor the typographic apostrophe ``’``; Spanish ``¡ ¿ ñ``
are GSM-7 too, but ``á í ó ú`` are not, nor Portuguese ``ã õ ç`` (an SMS in Portuguese
is UCS-2 from its first "Olá"), nor French ``ê ô ç``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..models import TemplateFamily, Tone

__all__ = ["BUILTIN_LANGUAGES", "FALLBACK_LANGUAGE", "PHRASES", "Phrases", "phrases_for"]


@dataclass(frozen=True)
class Phrases:
    """The built-in texts of one language.

    ``openings``/``anonymous_openings`` are Jinja (they see ``customer``), the
    ``private_invite`` too; ``team_signature`` is Jinja with ``brand``; ``signatures``
    are per template family, with ``{name}`` (the agent's) and ``{brand}``, and
    ``"default"`` for a family not listed.
    """

    openings: dict[Tone, tuple[str, ...]]
    anonymous_openings: dict[Tone, tuple[str, ...]]
    private_invite: str
    cut_marker: str
    team_signature: str
    signatures: dict[TemplateFamily | str, str]

    def signature(self, family: str, *, name: str, brand: str) -> str:
        """An agent's default sign-off on a channel of ``family``."""
        pattern = self.signatures.get(family, self.signatures["default"])
        return pattern.format(name=name, brand=brand)


# Every opening is a whole sentence, so the answer that follows reads well inline (X,
# SMS) as well as on a line of its own (e-mail). The English texts are the ones replykb
# has always sent: an English base renders byte for byte as before.
_ENGLISH: Final = Phrases(
    openings={
        "neutral": (
            "Hi {{ customer.name }}!",
            "Hello {{ customer.name }}!",
            "Hi {{ customer.name }}, thanks for getting in touch.",
            "Hey {{ customer.name }}, thanks for the message.",
            "Thanks for reaching out, {{ customer.name }}.",
        ),
        "apology": (
            "Sorry about this, {{ customer.name }}.",
            "{{ customer.name }}, we're sorry for the trouble.",
            "Sorry to hear that, {{ customer.name }}.",
            "Apologies for this, {{ customer.name }}.",
            "We're sorry, {{ customer.name }}: that's not the experience we want for you.",
        ),
        "thanks": (
            "Thank you, {{ customer.name }}!",
            "Thanks so much, {{ customer.name }}!",
            "Thanks for letting us know, {{ customer.name }}!",
            "Thank you for taking the time, {{ customer.name }}.",
        ),
    },
    # The same openings for a customer with no name, at the same places, so a
    # conversation keeps its opening: "Sorry about this, there." would read like a form.
    anonymous_openings={
        "neutral": (
            "Hi!",
            "Hello!",
            "Hi, thanks for getting in touch.",
            "Hey, thanks for the message.",
            "Thanks for reaching out.",
        ),
        "apology": (
            "Sorry about this.",
            "We're sorry for the trouble.",
            "Sorry to hear that.",
            "Apologies for this.",
            "We're sorry: that's not the experience we want for you.",
        ),
        "thanks": (
            "Thank you!",
            "Thanks so much!",
            "Thanks for letting us know!",
            "Thank you for taking the time.",
        ),
    },
    private_invite=(
        "We would like to look into this with you personally: please send us a direct "
        "message and we will pick it up there, privately."
    ),
    cut_marker="…",
    team_signature="The {{ brand }} team",
    signatures={
        "short": "^{name}",
        "sms": "{name}, {brand}",
        "email": "{name}\n{brand} Customer Care",
        "default": "{name}, {brand}",
    },
)

# Italian: "tu", as Italian care teams write on social media and chat ("Ciao Giulia!"
# with "Lei" would clash); warm but professional. Plain apostrophes and no capital È, so
# an Italian SMS stays GSM-7.
_ITALIAN: Final = Phrases(
    openings={
        "neutral": (
            "Ciao {{ customer.name }}!",
            "Ciao {{ customer.name }}, grazie per averci scritto.",
            "Ciao {{ customer.name }}, grazie per il messaggio.",
            "Grazie per averci contattato, {{ customer.name }}.",
            "Ciao {{ customer.name }}, siamo qui per aiutarti.",
        ),
        "apology": (
            "Ci dispiace per il disagio, {{ customer.name }}.",
            "{{ customer.name }}, ci dispiace molto per l'accaduto.",
            "Ci dispiace davvero, {{ customer.name }}.",
            "Ci scusiamo per l'inconveniente, {{ customer.name }}.",
            "Ci dispiace, {{ customer.name }}: non è l'esperienza che vogliamo offrirti.",
        ),
        "thanks": (
            "Grazie, {{ customer.name }}!",
            "Grazie mille, {{ customer.name }}!",
            "Grazie per avercelo fatto sapere, {{ customer.name }}!",
            "Grazie per il tempo che ci hai dedicato, {{ customer.name }}.",
        ),
    },
    anonymous_openings={
        "neutral": (
            "Ciao!",
            "Ciao, grazie per averci scritto.",
            "Ciao, grazie per il messaggio.",
            "Grazie per averci contattato.",
            "Ciao, siamo qui per aiutarti.",
        ),
        "apology": (
            "Ci dispiace per il disagio.",
            "Ci dispiace molto per l'accaduto.",
            "Ci dispiace davvero.",
            "Ci scusiamo per l'inconveniente.",
            "Ci dispiace: non è l'esperienza che vogliamo offrirti.",
        ),
        "thanks": (
            "Grazie!",
            "Grazie mille!",
            "Grazie per avercelo fatto sapere!",
            "Grazie per il tempo che ci hai dedicato.",
        ),
    },
    private_invite=(
        "Vorremmo approfondire la cosa con te personalmente: scrivici un messaggio "
        "privato e ce ne occuperemo lì."
    ),
    cut_marker="…",
    team_signature="Il Servizio Clienti {{ brand }}",
    signatures={
        "short": "^{name}",
        "sms": "{name} di {brand}",
        "email": "{name}\nServizio Clienti {brand}",
        "default": "{name} di {brand}",
    },
)

# Spanish: "tú", as the large Spanish brands answer on social media and chat ("¡Hola,
# Lucía!"); a base that serves "usted" markets overrides the texts under
# `translations.es`. The vocative takes its comma ("¡Hola, Lucía!", RAE).
_SPANISH: Final = Phrases(
    openings={
        "neutral": (
            "¡Hola, {{ customer.name }}!",
            "¡Hola, {{ customer.name }}! Gracias por escribirnos.",
            "Hola, {{ customer.name }}, gracias por tu mensaje.",
            "Gracias por ponerte en contacto con nosotros, {{ customer.name }}.",
            "Hola, {{ customer.name }}, estamos aquí para ayudarte.",
        ),
        "apology": (
            "Disculpa las molestias, {{ customer.name }}.",
            "{{ customer.name }}, sentimos mucho lo ocurrido.",
            "Lo sentimos mucho, {{ customer.name }}.",
            "Te pedimos disculpas, {{ customer.name }}.",
            "Lo sentimos, {{ customer.name }}: no es la experiencia que queremos para ti.",
        ),
        "thanks": (
            "¡Gracias, {{ customer.name }}!",
            "¡Muchas gracias, {{ customer.name }}!",
            "¡Gracias por avisarnos, {{ customer.name }}!",
            "Gracias por dedicarnos tu tiempo, {{ customer.name }}.",
        ),
    },
    anonymous_openings={
        "neutral": (
            "¡Hola!",
            "¡Hola! Gracias por escribirnos.",
            "Hola, gracias por tu mensaje.",
            "Gracias por ponerte en contacto con nosotros.",
            "Hola, estamos aquí para ayudarte.",
        ),
        "apology": (
            "Disculpa las molestias.",
            "Sentimos mucho lo ocurrido.",
            "Lo sentimos mucho.",
            "Te pedimos disculpas.",
            "Lo sentimos: no es la experiencia que queremos para ti.",
        ),
        "thanks": (
            "¡Gracias!",
            "¡Muchas gracias!",
            "¡Gracias por avisarnos!",
            "Gracias por dedicarnos tu tiempo.",
        ),
    },
    private_invite=(
        "Queremos revisar tu caso personalmente: escríbenos por mensaje privado y "
        "seguimos por allí."
    ),
    cut_marker="…",
    team_signature="El equipo de {{ brand }}",
    signatures={
        "short": "^{name}",
        "sms": "{name}, de {brand}",
        "email": "{name}\nAtención al Cliente de {brand}",
        "default": "{name}, de {brand}",
    },
)

# French: "vous", which French customer care uses almost everywhere, social media
# included. A plain space before "!", "?" and ":" (where French typography puts one):
# a no-break space would make every French SMS UCS-2.
_FRENCH: Final = Phrases(
    openings={
        "neutral": (
            "Bonjour {{ customer.name }} !",
            "Bonjour {{ customer.name }}, merci de nous avoir contactés.",
            "Bonjour {{ customer.name }}, merci pour votre message.",
            "Merci de nous avoir écrit, {{ customer.name }}.",
            "Bonjour {{ customer.name }}, nous sommes là pour vous aider.",
        ),
        "apology": (
            "Nous sommes désolés pour ce désagrément, {{ customer.name }}.",
            "{{ customer.name }}, nous sommes vraiment navrés de ce qui s'est passé.",
            "Toutes nos excuses, {{ customer.name }}.",
            "Veuillez nous excuser pour la gêne occasionnée, {{ customer.name }}.",
            "Nous sommes désolés, {{ customer.name }} : ce n'est pas l'expérience que nous "
            "souhaitons vous offrir.",
        ),
        "thanks": (
            "Merci, {{ customer.name }} !",
            "Merci beaucoup, {{ customer.name }} !",
            "Merci pour votre retour, {{ customer.name }} !",
            "Merci d'avoir pris le temps de nous écrire, {{ customer.name }}.",
        ),
    },
    anonymous_openings={
        "neutral": (
            "Bonjour !",
            "Bonjour, merci de nous avoir contactés.",
            "Bonjour, merci pour votre message.",
            "Merci de nous avoir écrit.",
            "Bonjour, nous sommes là pour vous aider.",
        ),
        "apology": (
            "Nous sommes désolés pour ce désagrément.",
            "Nous sommes vraiment navrés de ce qui s'est passé.",
            "Toutes nos excuses.",
            "Veuillez nous excuser pour la gêne occasionnée.",
            "Nous sommes désolés : ce n'est pas l'expérience que nous souhaitons vous offrir.",
        ),
        "thanks": (
            "Merci !",
            "Merci beaucoup !",
            "Merci pour votre retour !",
            "Merci d'avoir pris le temps de nous écrire.",
        ),
    },
    private_invite=(
        "Nous aimerions examiner cela avec vous personnellement : envoyez-nous un message "
        "privé et nous poursuivrons l'échange en privé."
    ),
    cut_marker="…",
    team_signature="L'équipe {{ brand }}",
    signatures={
        "short": "^{name}",
        "sms": "{name}, {brand}",
        "email": "{name}\nService Client {brand}",
        "default": "{name}, de l'équipe {brand}",
    },
)

# German: "Sie". German customer care addresses customers it does not know with "Sie"
# (e-mail always, most brands on social media too); "Hallo" with a first name and "Sie"
# is the usual mix online. A brand with a "du" culture overrides under `translations.de`.
# "Kundenservice", not "Team", in sign-offs: the same word in both languages would read
# as English to a check for English words.
_GERMAN: Final = Phrases(
    openings={
        "neutral": (
            "Hallo {{ customer.name }}!",
            "Hallo {{ customer.name }}, danke für Ihre Nachricht.",
            "Hallo {{ customer.name }}, schön, dass Sie sich bei uns melden.",
            "Vielen Dank für Ihre Anfrage, {{ customer.name }}.",
            "Hallo {{ customer.name }}, wir helfen Ihnen gern weiter.",
        ),
        "apology": (
            "Das tut uns leid, {{ customer.name }}.",
            "{{ customer.name }}, bitte entschuldigen Sie die Unannehmlichkeiten.",
            "Das ist ärgerlich, {{ customer.name }}, und tut uns leid.",
            "Wir entschuldigen uns für die Umstände, {{ customer.name }}.",
            "Das tut uns leid, {{ customer.name }}: So sollte es nicht sein.",
        ),
        "thanks": (
            "Danke, {{ customer.name }}!",
            "Vielen Dank, {{ customer.name }}!",
            "Danke für Ihre Rückmeldung, {{ customer.name }}!",
            "Danke, dass Sie sich die Zeit genommen haben, {{ customer.name }}.",
        ),
    },
    anonymous_openings={
        "neutral": (
            "Hallo!",
            "Hallo, danke für Ihre Nachricht.",
            "Hallo, schön, dass Sie sich bei uns melden.",
            "Vielen Dank für Ihre Anfrage.",
            "Hallo, wir helfen Ihnen gern weiter.",
        ),
        "apology": (
            "Das tut uns leid.",
            "Bitte entschuldigen Sie die Unannehmlichkeiten.",
            "Das ist ärgerlich und tut uns leid.",
            "Wir entschuldigen uns für die Umstände.",
            "Das tut uns leid: So sollte es nicht sein.",
        ),
        "thanks": (
            "Danke!",
            "Vielen Dank!",
            "Danke für Ihre Rückmeldung!",
            "Danke, dass Sie sich die Zeit genommen haben.",
        ),
    },
    private_invite=(
        "Wir möchten uns das gern persönlich mit Ihnen ansehen: Schreiben Sie uns bitte "
        "eine private Nachricht, dann kümmern wir uns dort darum."
    ),
    cut_marker="…",
    # "Kundenservice Fernhill", not "Fernhill Kundenservice" (Duden wants a hyphen there,
    # which a brand of two words cannot take).
    team_signature="Ihr Kundenservice von {{ brand }}",
    signatures={
        "short": "^{name}",
        "sms": "{name} von {brand}",
        "email": "{name}\nKundenservice {brand}",
        "default": "{name} von {brand}",
    },
)

# Portuguese: written to read naturally in Portugal and in Brazil alike: no "você" nor
# "tu" (the possessive "sua" works in both), and none of the words the two spell or
# choose differently (contacto/contato, equipa/equipe, connosco/conosco, incómodo/
# incômodo). A base for one market overrides under `translations.pt`.
_PORTUGUESE: Final = Phrases(
    openings={
        "neutral": (
            "Olá, {{ customer.name }}!",
            "Olá, {{ customer.name }}! Obrigado por nos escrever.",
            "Olá, {{ customer.name }}, obrigado pela mensagem.",
            "Agradecemos a sua mensagem, {{ customer.name }}.",
            "Olá, {{ customer.name }}, estamos aqui para ajudar.",
        ),
        "apology": (
            "Lamentamos muito, {{ customer.name }}.",
            "{{ customer.name }}, lamentamos o sucedido.",
            "Pedimos desculpa por esta situação, {{ customer.name }}.",
            "Sentimos muito por isso, {{ customer.name }}.",
            "Lamentamos, {{ customer.name }}: não é essa a experiência que queremos oferecer.",
        ),
        "thanks": (
            "Obrigado, {{ customer.name }}!",
            "Muito obrigado, {{ customer.name }}!",
            "Obrigado por nos avisar, {{ customer.name }}!",
            "Obrigado pelo seu tempo, {{ customer.name }}.",
        ),
    },
    anonymous_openings={
        "neutral": (
            "Olá!",
            "Olá! Obrigado por nos escrever.",
            "Olá, obrigado pela mensagem.",
            "Agradecemos a sua mensagem.",
            "Olá, estamos aqui para ajudar.",
        ),
        "apology": (
            "Lamentamos muito.",
            "Lamentamos o sucedido.",
            "Pedimos desculpa por esta situação.",
            "Sentimos muito por isso.",
            "Lamentamos: não é essa a experiência que queremos oferecer.",
        ),
        "thanks": (
            "Obrigado!",
            "Muito obrigado!",
            "Obrigado por nos avisar!",
            "Obrigado pelo seu tempo.",
        ),
    },
    private_invite=(
        "Gostaríamos de analisar o seu caso pessoalmente: envie-nos uma mensagem privada "
        "e continuamos por lá."
    ),
    cut_marker="…",
    team_signature="Atendimento ao Cliente {{ brand }}",
    signatures={
        "short": "^{name}",
        # The article before a brand ("da", "do") depends on its gender: none.
        "sms": "{name}, {brand}",
        "email": "{name}\nAtendimento ao Cliente {brand}",
        "default": "{name}, {brand}",
    },
)

PHRASES: Final[dict[str, Phrases]] = {
    "en": _ENGLISH,
    "it": _ITALIAN,
    "es": _SPANISH,
    "fr": _FRENCH,
    "de": _GERMAN,
    "pt": _PORTUGUESE,
}
BUILTIN_LANGUAGES: Final = frozenset(PHRASES)
# The texts of a language without a table of its own (`replykb check` says so).
FALLBACK_LANGUAGE: Final = "en"

for _code, _phrases in PHRASES.items():
    for _tone, _named in _ENGLISH.openings.items():
        if not (
            len(_phrases.openings[_tone]) == len(_phrases.anonymous_openings[_tone]) == len(_named)
        ):
            raise AssertionError(f"{_code} {_tone}: as many openings, nameless too, as English")


def phrases_for(language: str) -> Phrases:
    """The built-in texts of ``language``; English for a language without a table."""
    return PHRASES.get(language, PHRASES[FALLBACK_LANGUAGE])
