"""The words, phrases and emojis that tell a customer's mood, in six languages.

Pure data, read by :mod:`replykb.prepare.mood`. Entries are separated by ``|``; a
trailing ``*`` matches any ending (``vergogn*``: vergogna, vergognatevi, vergognoso),
``=0.6`` gives an entry its own weight (default 1.0), and entries are matched as whole
words on the message folded to lower case without accents (so ``perche`` matches as
``perché`` does, and ``è`` typed as ``e'`` too). Every language is looked for in every
message: no language identification is needed, and a message that mixes languages
(an Italian customer writing "thanks") is read whole.

Categories, in the order a span is claimed (a longer phrase claims its words before a
shorter one, and an earlier category before a later one, so "thanks for nothing" is
irony, not thanks, and "grazie in anticipo" a courtesy, not gratitude):

- ``IRONY``: thanks or praise that means the opposite; counts as anger.
- ``COURTESY``: set phrases that thank for nothing yet ("thanks in advance"), sign-offs
  ("Mit freundlichen Grüßen"), and "again" that is not repeated contact ("order again").
- ``ANGER``: anger, frustration, disappointment, insults, threats to leave or complain.
- ``REPEATED``: not the first time (asked before, still waiting, happened again).
- ``URGENT``: needs it now. A flag only: urgency alone is not anger.
- ``THANKS``: thanking. Worth less in a message that also asks something (a question
  mark or a request): "how long do refunds take? thanks" is a question.
- ``PRAISE``: praise and delight.

This lexicon and its weights were written from general knowledge of each language
and tuned on the development messages of ``benchmarks/data/mood_dev.jsonl``;
``benchmarks/data/mood.jsonl`` measures them (see README, "The customer's mood", for
the first measurement and the few general fixes made after it).
"""

from __future__ import annotations

from typing import Final


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


IRONY: Final = {
    "en": "thanks for nothing | thank you for nothing | thanks for absolutely nothing"
    " | cheers for nothing | well done guys really | great job guys really",
    "it": "grazie per niente | grazie di niente | grazie per nulla | complimenti vivissimi"
    " | bravi bravi",
    "es": "gracias por nada | gracias por nada eh",
    "fr": "merci pour rien | merci de rien du tout | bravo vraiment",
    "de": "danke fur nichts | danke fuer nichts | vielen dank auch",
    "pt": "obrigado por nada | obrigada por nada",
}

COURTESY: Final = {
    "en": "thanks in advance | thank you in advance | thanks for your time"
    " | thank you for your time | thanks for your help in advance | order again | buy again"
    " | shop again | ordering again"
    " | thanks again | thank you again | many thanks in advance",
    "it": "grazie in anticipo | grazie anticipatamente | ringrazio anticipatamente"
    " | vi ringrazio anticipatamente | grazie per l'attenzione | grazie dell'attenzione"
    " | ringraziando anticipatamente | grazie ancora | grazie di nuovo | gentile cliente"
    " | gentile team | gentile servizio clienti | gentili signori | gentile signora"
    " | gentile signore | gentile assistenza",
    "es": "gracias de antemano | gracias por adelantado | desde ya gracias"
    " | gracias por su atencion | gracias de nuevo | gracias otra vez",
    "fr": "merci d'avance | merci par avance | merci de votre attention | merci encore"
    " | merci de votre retour",
    "de": "danke im voraus | vielen dank im voraus | besten dank im voraus"
    " | mit freundlichen grussen | mit freundlichen gruessen | freundliche grusse"
    " | freundliche gruesse | danke nochmal | nochmals danke",
    "pt": "obrigado desde ja | obrigada desde ja | agradeco desde ja | desde ja obrigado"
    " | desde ja obrigada | obrigado novamente | obrigada novamente",
}

ANGER: Final = {
    "en": "unacceptable | ridiculous | disgrace* | disgust* | appalling | appalled | outrageous"
    " | outraged | shocking | terrible | awful | horrible | horrendous | dreadful | worst"
    " | useless | pathetic | incompeten* | garbage | rubbish | trash | crap | crappy | shit*"
    " | scam* | fraud* | rip off | ripoff | rip-off | thieves | liars | lied to me | furious"
    " | fuming | livid | angry | annoyed=0.7 | irritated=0.7 | frustrat*=0.8 | fed up | sick of"
    " | sick and tired | had enough | enough is enough | never again | never buying"
    " | never ordering | never shopping | never using | shame on you | shameful"
    " | disappoint*=0.8 | let down=0.8 | misled | misleading | a joke | is a joke | what a joke"
    " | taking the piss | wtf | ffs | fuck* | bloody=0.6 | damn=0.6 | nightmare"
    " | disaster | shambles | shambolic | rude=0.8 | not good enough | not acceptable"
    " | how hard is | how difficult is | sort it out | sort yourselves out | fix it=0.6"
    " | formal complaint=0.8 | complain*=0.5 | escalat*=0.6 | chargeback | my bank=0.5"
    " | dispute the charge | disputing the charge | trading standards | small claims"
    " | solicitor | lawyer | ombudsman | hung up on me | nobody cares | no one cares"
    " | waste of time | waste of money | driving me mad | driving me crazy | losing my patience"
    " | lost my patience | unbelievable=0.8 | beyond a joke | cowboys | clowns | poor service"
    " | bad service | poor=0.5 | don't bother | do not buy | stay away | unprofessional"
    " | unhappy | displeased | dissatisfied | gutted=0.8 | upset=0.8 | ruined | false advertising"
    " | overpriced=0.6 | falls apart | fell apart | never arrived=0.5 | never came=0.5"
    " | shame=0.6 | seriously=0.3 | sucks | hate | i want my money back=0.8"
    " | give me my money back=0.8",
    "it": "vergogn* | inaccettabil* | inammissibil* | ridicol* | assurd* | scandal* | schifo"
    " | schifos* | schifezza | porcheria | robaccia | pessim* | orribil* | terribil*=0.8"
    " | indecent* | truff* | ladri | ladro | imbroglion* | incompetent* | incapaci"
    " | inutili=0.8 | arrabbiat* | furios* | furibond* | incazzat* | sono stufo | sono stufa"
    " | siamo stufi | stufo di | stufa di | basta=0.5 | mai piu | deluso | delusa | delusi"
    " | deluse | delusissim* | deludent* | delusione | pazzesco=0.8 | allucinant*"
    " | presa in giro | prendete in giro | prendendo in giro | scherziamo | state scherzando"
    " | barzelletta | disastro | disservizi* | maleducat* | scortes* | sgarbat* | arrogant*"
    " | vi denuncio | denuncia=0.8 | avvocato | associazione di consumatori"
    " | associazione consumatori | altroconsumo | codacons | reclamo=0.5"
    " | perdendo la pazienza | perso la pazienza | non se ne puo piu | non ne posso piu"
    " | ne ho abbastanza | cazz* | merda | che cavolo | accidenti=0.6 | inesistent*=0.8"
    " | non e serio | poco seri* | non e accettabile | non e possibile=0.7 | pietos* | penos*"
    " | squallid* | ingiust*=0.6 | senza vergogna | figuraccia | non comprate"
    " | non acquistate | sconsiglio | sconsigliat* | insoddisfatt* | indignat* | sconcertat*"
    " | allibit* | esasperat* | frustrat*=0.8 | mai arrivat*=0.5 | peccato che=0.5"
    " | ridatemi i soldi=0.8 | rivoglio i miei soldi=0.8",
    "es": "verguenza | inaceptable | indignad* | indignante | estoy harto | estoy harta"
    " | estamos hartos | estafa* | ladrones | pesim* | fatal=0.8 | horrible | terrible"
    " | desastre | vergonzoso | ridicul* | mierda | basura | decepcionad* | decepcion"
    " | enfadad* | cabread* | furios* | nunca mas | inutiles=0.8 | incompetentes"
    " | tomadura de pelo | tomando el pelo | es una broma | que asco | asco | abogado"
    " | hoja de reclamaciones | reclamacion=0.5 | maleducad* | groser* | no es serio"
    " | lamentable | nunca llego=0.5 | devolvedme mi dinero=0.8 | quiero mi dinero=0.8",
    "fr": "inadmissible | inacceptable | honteu* | honte | scandale | scandaleu* | arnaque*"
    " | escroc* | voleurs | nul=0.8 | nuls=0.8 | nulle=0.8 | lamentable | pitoyable"
    " | catastroph* | deplorable | decu | decue | decus | deception | decevant* | marre"
    " | j'en ai marre | ras le bol | ras-le-bol | j'en ai assez | furieu* | enerve* | en colere"
    " | agace* | exaspere* | n'importe quoi | plus jamais | jamais plus | ridicule | merde"
    " | putain | foutage de gueule | vous vous moquez | le pire | horrible | incompetent*"
    " | malpoli* | impoli* | grossier* | avocat | plainte=0.6 | mecontent* | insatisfait*"
    " | pas serieux | c'est une blague | jamais recu=0.5 | jamais arrive=0.5"
    " | rendez-moi mon argent=0.8 | remboursez-moi=0.6",
    "de": "unverschamt* | unverschaemt* | frechheit | inakzeptabel | unakzeptabel | katastroph*"
    " | skandal* | enttauscht | enttaeuscht | enttauschung | enttauschend | sauer | stinksauer"
    " | wutend | wuetend | verargert | veraergert | argerlich | betrug | betruger | abzocke"
    " | abgezockt | schlecht=0.7 | schlechteste* | miserabel | unterirdisch | lacherlich"
    " | laecherlich | unmoglich=0.7 | nie wieder | nie mehr | es reicht | mir reicht's"
    " | mir reichts | scheisse | mist=0.8 | verarsche | verarscht | unzumutbar | zumutung"
    " | unfreundlich | unhoflich | frech | anwalt | verbraucherzentrale | beschwerde=0.6"
    " | genervt | zum kotzen | armselig | peinlich | inkompetent | unfahig | nie angekommen=0.5"
    " | ich will mein geld zuruck=0.8",
    "pt": "vergonha | inaceitavel | absurdo | ridicul* | pessim* | horrivel | terrivel"
    " | decepcionad* | decepcao | revoltad* | furios* | irritad* | chatead* | fraude | golpe"
    " | ladroes | palhacada | descaso | lixo | nunca mais | desrespeito | falta de respeito"
    " | inutil=0.7 | incompetent* | merda | procon | reclame aqui | advogado | porcaria"
    " | vergonhoso | nao aguento mais | estou farto | estou farta | insatisfeit*"
    " | mal educad* | grosseir* | nunca chegou=0.5 | quero meu dinheiro de volta=0.8",
}

REPEATED: Final = {
    "en": "second time | third time | fourth time | fifth time | 2nd time | 3rd time | 4th time"
    " | 5th time | umpteenth time | again=0.6 | yet again | once again | still waiting"
    " | still no | still not | still nothing | still haven't | still hasn't | still havent"
    " | still hasnt | still don't | still doesn't | still broken | already told"
    " | already asked | already sent | already contacted | already called | already emailed"
    " | already explained | keep asking | keeps happening | keeps crashing | keep crashing"
    " | every single time | every time | how many times | times now | for weeks | for days"
    " | for a month | for months | weeks now | days now | it's been a month | it's been weeks"
    " | it's been days | been waiting | waiting since | of waiting | chasing=0.6"
    " | never heard back | heard nothing | no one got back | nobody got back | last two emails"
    " | my last email | my previous email | several emails | emails later | calls later"
    " | you promised=0.6 | was promised=0.6 | in a row | no one answers | nobody answers"
    " | no one is answering | nobody is answering | no one replies | nobody replies"
    " | nobody has replied | nobody has answered | no one has answered | no reply=0.8"
    " | no response=0.8 | no answer=0.6 | waiting=0.4",
    "it": "seconda volta | terza volta | quarta volta | quinta volta | ennesima volta"
    " | l'ennesima | un'altra volta=0.6 | ancora una volta | di nuovo=0.6 | nuovamente=0.6"
    " | ancora niente | ancora nulla | ancora nessun* | ancora non | sto ancora aspettando"
    " | ancora aspettando | aspetto ancora | ancora in attesa | gia scritto | gia chiamato"
    " | gia segnalato | gia inviato | gia mandato | gia spiegato | gia contattato | vi ho gia"
    " | quante volte | ogni volta | tutte le volte | da settimane | da giorni | da un mese"
    " | da mesi | da una settimana | da due settimane | nessuna risposta=0.8"
    " | zero risposte | senza risposta=0.8 | nessuno risponde | nessuno mi risponde"
    " | non risponde nessuno | non rispondete | sollecito=0.6 | aspetto=0.4 | aspettando=0.4"
    " | aspettare=0.4",
    "es": "segunda vez | tercera vez | cuarta vez | otra vez=0.6 | de nuevo=0.6 | sigo esperando"
    " | todavia no | todavia nada | aun no | aun nada | ya he escrito | ya os escribi"
    " | ya les escribi | ya llame | cuantas veces | desde hace | nadie contesta"
    " | nadie responde | nadie me responde | sin respuesta=0.8 | esperando=0.4",
    "fr": "deuxieme fois | troisieme fois | enieme fois | encore une fois | de nouveau=0.6"
    " | a nouveau=0.6 | toujours pas | toujours rien | toujours aucun* | j'attends toujours"
    " | j'attends encore | toujours en attente | deja ecrit | deja contacte | deja appele"
    " | je vous ai deja | combien de fois | depuis des semaines | depuis une semaine"
    " | depuis un mois | depuis des jours | personne ne repond | aucune reponse=0.8"
    " | sans reponse=0.8 | relance=0.6 | encore=0.4 | j'attends=0.4",
    "de": "zweite mal | dritte mal | zum zweiten mal | zum dritten mal | schon wieder"
    " | wieder einmal | erneut=0.6 | immer noch | noch immer | noch keine | noch nichts"
    " | bereits geschrieben | schon geschrieben | bereits angerufen | schon angerufen | wie oft"
    " | seit wochen | seit tagen | seit einem monat | seit einer woche | niemand antwortet"
    " | niemand meldet sich | keine antwort=0.8 | nicht erreichbar=0.8 | warte=0.4 | warten=0.4",
    "pt": "segunda vez | terceira vez | quarta vez | de novo=0.6 | novamente=0.6 | outra vez=0.6"
    " | ainda nao | ainda nada | ainda estou esperando | ainda aguardando | continuo esperando"
    " | continuo aguardando | ja escrevi | ja liguei | ja reclamei | quantas vezes | ha semanas"
    " | ha dias | ha um mes | ate hoje | ate agora | ninguem responde | ninguem resolve"
    " | ninguem me ajuda | nenhuma resposta=0.8 | sem resposta=0.8 | esperando=0.4"
    " | aguardando=0.4",
}

# Durations of a wait ("3 weeks", "due settimane", "seit drei Wochen"), and "not yet"
# with a verb in between ("non è ancora arrivato", "hasn't been refunded yet").
REPEATED_PATTERNS: Final = (
    (
        r"(?:\d+|two|three|four|five|six|several|due|tre|quattro|cinque|sei|dos|tres|cuatro"
        r"|deux|trois|quatre|zwei|drei|vier|duas)\s+(?:weeks?|months?|settimane|mesi|semanas"
        r"|meses|semaines|mois|wochen|monaten?)",
        0.5,
    ),
    (r"non\s+(?:\w+\s+){1,2}ancora|non\s+ancora", 0.8),
    (r"n't\s+(?:\w+\s+){0,3}yet|not\s+(?:\w+\s+){0,3}yet", 0.6),
    (r"\bday\s+\d+\s+of", 0.8),
)

URGENT: Final = {
    "en": "urgent | urgently | asap | a.s.a.p | immediately | as soon as possible | emergency"
    " | at once | without delay | by tomorrow | by tonight | by the end of the day | right now",
    "it": "urgente | urgentemente | con urgenza | d'urgenza | subito | immediatamente"
    " | immediato | immediata | al piu presto | quanto prima | prima possibile"
    " | il prima possibile | oggi stesso | entro oggi | entro domani | entro stasera"
    " | emergenza",
    "es": "urgente | urgentemente | cuanto antes | lo antes posible | inmediatamente | ya mismo"
    " | hoy mismo | de inmediato | sin demora",
    "fr": "urgent | urgente | urgence | au plus vite | immediatement | des que possible"
    " | au plus tot | aujourd'hui meme | sans delai",
    "de": "dringend | sofort | umgehend | so schnell wie moglich | schnellstmoglich | eilig"
    " | heute noch | noch heute | unverzuglich",
    "pt": "urgente | urgencia | imediatamente | o mais rapido possivel | o quanto antes"
    " | hoje mesmo",
}

# "I need it today", "mi serve entro oggi": a need and a day in the same sentence.
URGENT_PATTERNS: Final = (
    (
        r"(?:need|needs|needed|expect|want|serve|servirebbe|bisogno|necesito|besoin|brauche"
        r"|preciso)\b[^.?!\n]{0,60}\b(?:today|tonight|now|oggi|stasera|hoy|aujourd'hui"
        r"|heute|hoje)\b",
        1.0,
    ),
)

THANKS: Final = {
    "en": "thank* | thx | cheers=0.8 | appreciat* | grateful | gratitude | kudos | shout out"
    " | shoutout | big love",
    "it": "grazie | grazie mille | grazie di cuore | ringrazi* | gentilissim* | davvero gentil*"
    " | molto gentil* | troppo gentil* | gentili=0.6 | apprezz* | riconoscent* | grato | grata",
    "es": "gracias | mil gracias | muchas gracias | agradec* | se agradece | muy amable*",
    "fr": "merci | remerci* | reconnaissant* | tres gentil* | trop gentil* | sympa=0.6",
    "de": "danke* | vielen dank | vielen lieben dank | herzlichen dank | besten dank | bedank*"
    " | dankbar",
    "pt": "obrigad* | valeu | agradec* | grato | grata",
}

PRAISE: Final = {
    "en": "amazing | awesome | brilliant | fantastic | excellent | outstanding | superb"
    " | wonderful | lovely=0.8 | love=0.8 | loved=0.8 | loving=0.8 | gorgeous | beautiful*"
    " | perfect=0.8 | great=0.7 | the best | best ever | well done | good job | great job"
    " | great service | top service | 5 stars | five stars | 10/10 | a star | you're a star"
    " | legend | superstar | impressed | impressive | pleased | delighted | thrilled"
    " | happy=0.8 | obsessed | incredible | helpful | kind=0.6 | friendly=0.6 | no fuss"
    " | above and beyond | a steal | recommend* | compliment* | spot on | smashing"
    " | problem solved=0.6 | solved=0.5 | sorted=0.5 | all fixed=0.5 | that worked=0.5"
    " | wow=0.5 | made my day | so quick=0.6 | super quick=0.6",
    "it": "fantastic* | eccezional* | eccellent* | ottim* | perfett*=0.8 | bravissim* | bravi"
    " | brava | bravo | complimenti | stupend* | meraviglios* | meraviglia | splendid*"
    " | bellissim* | adoro | innamorat* | incredibil*=0.6 | top | super=0.6"
    " | siete dei grandi | siete i migliori | il migliore | impeccabil* | cortesi*=0.6"
    " | disponibilissim* | disponibilita=0.6 | professionalita=0.6 | velocissim*=0.8"
    " | rapidissim*=0.8 | contentissim* | contenta=0.8 | contento=0.8 | contenti=0.8"
    " | soddisfatt* | felice | felicissim* | 5 stelle | cinque stelle | 10 e lode"
    " | consigliatissim* | risolto=0.5 | tutto a posto=0.5 | sistemato=0.5 | wow=0.5"
    " | che bello | un affare | curatissim* | attentissim*",
    "es": "genial* | excelente | estupend* | fantastic* | maravillos* | perfect*=0.8"
    " | increible=0.6 | me encanta* | me encanto | encantad* | sois los mejores | los mejores"
    " | de diez | rapidisim*=0.8 | resuelto=0.5 | solucionado=0.5 | felicidades | contento=0.8"
    " | contenta=0.8 | satisfech*",
    "fr": "genial* | excellent* | parfait*=0.8 | super=0.6 | top | au top | bravo | formidable"
    " | merveilleu* | magnifique | ravi | ravie | content=0.8 | contente=0.8 | satisfait*"
    " | impeccable | efficace*=0.6 | reactivite=0.6 | precieu*=0.6 | regle=0.5 | resolu=0.5"
    " | adore | j'adore | incroyable=0.6",
    "de": "super=0.6 | toll=0.8 | tolle=0.8 | toller=0.8 | tolles=0.8 | klasse | spitze"
    " | tollen=0.8 | perfekt=0.8 | hervorragend* | grossartig* | wunderbar | wunderschon"
    " | ausgezeichnet"
    " | zufrieden | begeistert | freundlich*=0.6 | erledigt=0.5 | geklappt=0.5 | gelost=0.5"
    " | top | empfehle* | weiterempfehlen",
    "pt": "excelente | otim* | perfeit*=0.8 | maravilhos* | incrivel=0.6 | adorei | amei"
    " | adoro | amo | parabens | top | rapidissim*=0.8 | resolvido=0.5 | satisfeit*"
    " | feliz | nota 10 | nota dez | voces sao demais | os melhores | atencios*=0.6",
}

# Words that negate the next few words of their clause: "not happy", "non sono
# soddisfatto", "nicht zufrieden" turn praise into a complaint.
NEGATORS: Final = _words(
    "not no never hardly nothing non mai nessun nessuna niente nulla nunca nada ni pas"
    " jamais guere nicht kein keine keinen nie niemals nao nem"
)

# Words that make the next cue stronger ("extremely disappointed", "davvero pessimo").
BOOSTERS: Final = _words(
    "very so really extremely absolutely totally truly utterly incredibly deeply beyond"
    " molto davvero veramente proprio profondamente estremamente assolutamente troppo"
    " muy realmente totalmente tres vraiment extremement totalement sehr wirklich"
    " total absolut extrem muito realmente totalmente extremamente"
)
BOOST: Final = 1.3

# Words after which the sentence's real point comes ("I love your shops but..."): cues
# before the last of them in a sentence count half. Not Italian "ma" (French "my") nor
# Portuguese "mas" (Spanish "más" once its accent is folded).
CONTRASTS: Final = _words(
    "but however yet though pero tuttavia peccato mais cependant aber jedoch doch porem"
)

# Emojis by what they say (a skin tone or a gender sign after them changes nothing).
ANGRY_EMOJIS: Final = {
    "😡": 1.0, "🤬": 1.5, "😠": 1.0, "👿": 1.0, "💢": 1.0, "😤": 1.0, "👎": 1.0,
    "🤦": 0.8, "😑": 0.6, "😞": 0.8, "😩": 0.8, "😫": 0.8, "😖": 0.8, "😣": 0.8,
    "☹": 0.8, "🙁": 0.6, "😕": 0.6, "😢": 0.8, "😭": 0.8, "💩": 1.0, "🖕": 1.5,
    "🤡": 1.0, "😾": 1.0,
}  # fmt: skip
# Irony: a rolled eye or an upside-down smile turns the message's praise into anger.
IRONY_EMOJIS: Final = {"🙄": 1.0, "🙃": 1.0, "😒": 1.0}
HAPPY_EMOJIS: Final = {
    "❤": 1.0, "♥": 1.0, "😍": 1.0, "🥰": 1.0, "😊": 0.8, "☺": 0.8, "😀": 0.6, "😃": 0.6,
    "😄": 0.8, "😁": 0.8, "🙏": 0.6, "👏": 0.6, "👍": 0.6, "🎉": 1.0, "🥳": 1.0, "💯": 0.8,
    "⭐": 0.6, "🌟": 0.8, "✨": 0.5, "💕": 1.0, "💖": 1.0, "💗": 1.0, "💙": 1.0, "💚": 1.0,
    "💛": 1.0, "🧡": 1.0, "💜": 1.0, "🤩": 1.0, "😘": 1.0, "🤗": 0.8, "🙌": 1.0, "🔥": 0.6,
    "🥹": 1.0, "💐": 0.8, "🙂": 0.3, "😌": 0.5,
}  # fmt: skip

# Capitalised words that are names, not shouting.
ACRONYMS: Final = _words(
    "GDPR IBAN HTTP HTTPS HTML VISA PAYPAL SEPA SWIFT RGPD DSGVO FAQ FAQS ISBN EAN UPS DHL"
    " FEDEX TNT GLS BRT SDA USPS COVID NHS AMEX JPEG UTC GMT CEST"
)

# A message that asks for something: its thanks are courtesy ("can you check? thanks").
ASKING: Final = {
    "en": "please | pls | plz | could you | can you | would you | i'd like | i would like"
    " | can i | how do i | how can i | i need",
    "it": "per favore | per cortesia | potete | potreste | puoi | potresti | vorrei"
    " | come faccio | come posso | mi servirebbe | chiedo",
    "es": "por favor | podriais | podrian | puede | pueden | podeis | quisiera | como puedo",
    "fr": "s'il vous plait | svp | pourriez | pouvez | je voudrais | comment",
    "de": "bitte | konnen sie | konnten sie | wie kann",
    "pt": "por favor | podem | poderiam | gostaria | como faco | como posso",
}
