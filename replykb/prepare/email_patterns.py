"""What mail-parser-reply misses, as patterns: the layer ``replykb.prepare.email`` adds.

Each table below was added because a thread of ``tests/fixtures/email_threads/``
failed without it (measured with ``benchmarks/email_parsers.py``); the library does
everything else (Outlook header blocks in 13 languages, "On ... wrote:" lines, the
"-- " delimiter, "Sent from my ...", its disclaimer openers).

Lines reach these patterns as the library leaves them: stripped at both ends, with
``>`` quoting kept in front.
"""

from __future__ import annotations

import re

# A ">" quoting prefix of any depth ("> ", ">>", "> > ").
QUOTE_PREFIX = r"(?:> ?)*"

# --- attribution lines ("On <date>, <someone> wrote:") ------------------------------------
# The library's patterns miss Portuguese, a space before French "a écrit :" once a line
# was wrapped, and Spanish as Gmail writes it; every client wraps long attribution lines
# (Gmail breaks before the address: "... Fernhill <\ncare@fernhill.example> wrote:").
# A date or time is required (a digit) so that a customer's sentence ending in "wrote:"
# does not cut the e-mail.
_OPENERS = r"(?:On|Il giorno|Il|Le|El|Am|Em|Op|Den|Dne|Dnia)"
_ENDINGS = (
    r"(?:wrote|ha scritto|a [ée]crit|escribi[óo]|escreveu|schreef|skrev|"
    r"napisa[łl]\(a\)|napsal\(a\)|schrieb\b.{0,200})\s?:"
)
ATTRIBUTION_OPENER = re.compile(rf"^{QUOTE_PREFIX}{_OPENERS}\s", re.IGNORECASE)
ATTRIBUTION = re.compile(
    rf"^{QUOTE_PREFIX}{_OPENERS}\s(?=[^\n]*\d)[^\n]{{0,300}}?{_ENDINGS}$", re.IGNORECASE
)

# Header blocks of carried messages whose field names mix languages: Gmail writes an
# Italian forward as "Da: ... Date: ... Subject: ... To: ...", which none of the
# library's one-language blocks matches. Two such lines in a row, as the library asks.
_HEADER_NAMES = (
    r"From|Sent|To|Subject|Date|Cc|Da|Inviato|A|Oggetto|Data|Von|Gesendet|An|Betreff|Datum|"
    r"De|Envoy[ée]|[ÀA]|Objet|Para|Enviado|Asunto|Fecha|Assunto"
)
HEADER_BLOCK = re.compile(
    rf"(?:^{QUOTE_PREFIX}\*?(?:{_HEADER_NAMES})\s?:\*?[^\n]*(?:\n|$)){{2,}}",
    re.IGNORECASE | re.MULTILINE,
)

# --- forwards ------------------------------------------------------------------------------
# Marker lines of forwarded messages (Gmail, Apple Mail, Thunderbird, in the languages the
# library's header blocks cover). The library splits on the header block that follows
# ("From: ... Date: ..."), but leaves the marker line as if the customer had written it,
# and does not know that what follows is a forward rather than a reply.
_FORWARD_NAMES = (
    r"Forwarded message|Messaggio inoltrato|Message transf[ée]r[ée]|Mensaje reenviado|"
    r"Weitergeleitete Nachricht|Mensagem encaminhada|Doorgestuurd bericht|"
    r"Vidarebefordrat meddelande|Videresendt meddelelse|Wiadomo[śs][ćc] przekazana"
)
_FORWARD_INTROS = (
    r"Begin forwarded message|Inizio messaggio inoltrato|D[ée]but du message r[ée]exp[ée]di[ée]|"
    r"Inicio del mensaje reenviado|Anfang der weitergeleiteten (?:E-Mail|Nachricht)|"
    r"In[íi]cio da mensagem (?:re)?encaminhada|Begin doorgestuurd bericht"
)
FORWARD_MARKER = re.compile(
    rf"^{QUOTE_PREFIX}(?:-{{2,}}\s*(?:{_FORWARD_NAMES})\s*-{{2,}}|(?:{_FORWARD_INTROS})\s?:)$",
    re.IGNORECASE,
)
# Outlook forwards with the same header block as a reply; only the subject tells
# ("FW:", Italian "I:", French "TR:", German "WG:", Spanish "RV:", Portuguese "ENC:").
FORWARD_SUBJECT = re.compile(
    rf"^{QUOTE_PREFIX}\*?(?:Subject|Oggetto|Objet|Betreff|Asunto|Assunto|Onderwerp)\s?:\*?\s*"
    r"(?:FW|FWD|I|TR|WG|RV|ENC|Doorst)\s?:",
    re.IGNORECASE | re.MULTILINE,
)
# The subject line of a carried message: matched when an e-mail has no text of its own.
SUBJECT_LINE = re.compile(
    rf"^{QUOTE_PREFIX}\*?(?:Subject|Oggetto|Objet|Betreff|Asunto|Assunto|Onderwerp|[ÄA]mne|"
    r"Temat|P[řr]edm[ěe]t|Emne)\s?:\*?[ \t]*(?P<subject>[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
# "Subject: Re: Fwd: ..." -> "...": reply and forward prefixes say nothing to match on.
SUBJECT_PREFIXES = re.compile(r"^(?:(?:RE|R|AW|SV|FW|FWD|I|TR|WG|RV|ENC)\s?:\s*)+", re.IGNORECASE)

# --- signatures ----------------------------------------------------------------------------
# Sign-off lines the library does not know, or knows only with a comma ("Thanks,"): each
# must be the whole line, optionally followed by a name ("Thanks, Omar").
_VALEDICTIONS = (
    # English
    r"thanks(?: again| in advance| a lot| so much)?|thank you(?: (?:again|in advance|so much))?|"
    r"many thanks|cheers|regards|best regards|kind regards|warm regards|best wishes|best|"
    r"all the best|sincerely|yours sincerely|yours faithfully|yours|speak soon|"
    # Italian
    r"grazie(?: mille| ancora| in anticipo)?|saluti|cordiali saluti|distinti saluti|"
    r"un saluto|un cordiale saluto|buona giornata|buona serata|a presto|ciao|"
    # French, Spanish, Portuguese, German
    r"merci(?: beaucoup| d'avance)?|cordialement|bien cordialement|bien [àa] vous|"
    r"gracias|muchas gracias|saludos|un saludo|atentamente|"
    r"obrigad[oa]|atenciosamente|cumprimentos|abra[çc]os|"
    r"danke|vielen dank|viele gr[üu](?:ß|ss)e|beste gr[üu](?:ß|ss)e|liebe gr[üu](?:ß|ss)e|"
    r"mit freundlichen gr[üu](?:ß|ss)en|gr[üu](?:ß|ss)e"
)
VALEDICTION = re.compile(
    rf"^{QUOTE_PREFIX}(?:{_VALEDICTIONS})\s*[,.!]?\s*(?P<name>[^\n]*)$", re.IGNORECASE
)
# "Sent from my iPhone" as mobile clients and webmails write it, in the languages above.
SENT_FROM = re.compile(
    rf"^{QUOTE_PREFIX}(?:Sent from (?:my|Mail|Outlook|Yahoo)|Get Outlook for|"
    r"Inviato da|Inviato dal mio|Envoy[ée] de mon|Envoy[ée] depuis|Enviado desde|"
    r"Enviado do meu|Enviado de meu|Von meinem|Gesendet von)\b[^\n]{0,80}$",
    re.IGNORECASE,
)
# A separator rule: "-- " (RFC 3676, stripped to "--"), "__", or an Outlook rule.
SEPARATOR = re.compile(rf"^{QUOTE_PREFIX}(?:--|__|[-_]{{7,}})$")
RULE = re.compile(rf"^{QUOTE_PREFIX}[-_]{{7,}}$")

# --- disclaimers ---------------------------------------------------------------------------
# Openers of legal notices that mail servers append. A paragraph starting with one is a
# disclaimer only if it also reads like one (it speaks of the message, its confidentiality
# or its addressee), so that "Warning: your site charged me twice" stays the customer's.
DISCLAIMER_OPENER = re.compile(
    r"^(?:\*+\s*)?(?:disclaimer|confidentiality(?: notice)?|confidential|privileged|"
    r"important(?: notice)?|notice|caution|warning|legal notice|"
    r"this (?:e-?mail|message|communication)\b|the information (?:contained )?in this|"
    r"please consider the environment|"
    r"avvertenza|avviso di riservatezza|informativa(?: privacy)?|riservatezza|"
    r"questo messaggio|questa e-?mail|le informazioni contenute|ai sensi del|"
    r"ce message|ce courriel|avertissement|este mensaje|aviso legal|"
    r"esta mensagem|este e-?mail|diese (?:e-?mail|nachricht)|hinweis)\b",
    re.IGNORECASE,
)
DISCLAIMER_WORDS = re.compile(
    r"confidential|privileged|intended (?:solely |only )?for|addressee|in error|"
    r"unauthori[sz]ed|environment before printing|riservat|destinatari|indirizzat|"
    r"per errore|confidentiel|destinataire|confidencial|destinatario|vertraulich|"
    r"empf[äa]nger|d\.\s?lgs|gdpr|regolamento ue",
    re.IGNORECASE,
)
