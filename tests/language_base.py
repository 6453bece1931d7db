"""A small base in six languages (en source; it, es, fr, de, pt), for the rendering
tests in every language and the Italian goldens. Written to a temporary folder by the
tests: it depends on nothing of the example base (answers/).

Four answers: a neutral one with a short form and a link, a private one (apology), a
thanks one, and a long one that every short channel has to cut.
"""

from __future__ import annotations

from pathlib import Path

from replykb import load_answer_base
from replykb.models import AnswerBase

LANGUAGES = ("en", "it", "es", "fr", "de", "pt")

SETTINGS = """\
brand: Fernhill
languages: [en, it, es, fr, de, pt]
agents:
  paola:
    name: Paola
    signatures:
      x: "^Paola"
      facebook: "Paola, Fernhill Customer Care"
      sms: "Paola"
      email: "Paola Ricci\\nFernhill Customer Care"
      chat: "Paola"
    translations:
      it:
        signatures:
          facebook: "Paola di Fernhill"
          email: "Paola Ricci\\nServizio Clienti Fernhill"
  dev:
    name: Dev
    signatures:
      facebook: "Dev, Fernhill Customer Care"
"""

REFUND = """\
id: refund-timing
questions:
  - when will I get my refund
answer: >-
  Refunds reach your account within 5 working days of the return being checked. You
  can follow it in your account under Orders.
short: Refunds arrive within 5 working days of the check.
link: https://help.fernhill.example/refunds
translations:
  it:
    answer: >-
      Il rimborso arriva sul tuo conto entro 5 giorni lavorativi dal controllo del reso.
      Puoi seguirlo nella tua area personale, alla voce Ordini.
    short: Il rimborso arriva entro 5 giorni lavorativi dal controllo del reso.
  es:
    answer: >-
      El reembolso llega a tu cuenta en un plazo de 5 días hábiles desde que revisamos
      la devolución. Puedes seguirlo en tu área personal, en Pedidos.
    short: El reembolso llega en 5 días hábiles desde la revisión.
  fr:
    answer: >-
      Le remboursement arrive sur votre compte sous 5 jours ouvrés après la vérification
      du retour. Vous pouvez le suivre dans votre espace client, rubrique Commandes.
    short: Le remboursement arrive sous 5 jours ouvrés après la vérification.
  de:
    answer: >-
      Die Erstattung ist innerhalb von 5 Werktagen nach der Prüfung der Rücksendung auf
      Ihrem Konto. Sie können sie in Ihrem Kundenkonto unter Bestellungen verfolgen.
    short: Die Erstattung kommt innerhalb von 5 Werktagen nach der Prüfung.
  pt:
    answer: >-
      O reembolso chega à sua conta no prazo de 5 dias úteis após a verificação da
      devolução. Pode acompanhá-lo na sua área de cliente, em Encomendas.
    short: O reembolso chega em 5 dias úteis após a verificação.
"""

LOCKED = """\
id: account-locked
questions:
  - my account is locked
answer: >-
  Your account was locked after several sign-in attempts. We will check your identity
  and unlock it for you.
private: true
tone: apology
translations:
  it:
    answer: >-
      Il tuo profilo è stato bloccato dopo diversi tentativi di accesso. Verificheremo la
      tua identità e lo sbloccheremo per te.
  es:
    answer: >-
      Tu perfil se bloqueó tras varios intentos de acceso. Comprobaremos tu identidad y
      lo desbloquearemos.
  fr:
    answer: >-
      Votre profil a été bloqué après plusieurs tentatives de connexion. Nous allons
      vérifier votre identité et le débloquer.
  de:
    answer: >-
      Ihr Profil wurde nach mehreren Anmeldeversuchen gesperrt. Wir prüfen Ihre
      Identität und entsperren es für Sie.
  pt:
    answer: >-
      O seu perfil foi bloqueado após várias tentativas de acesso. Vamos verificar a sua
      identidade e desbloqueá-lo.
"""

PRAISE = """\
id: positive-feedback
questions:
  - your staff were lovely
answer: We have passed your kind words on to everyone here.
tone: thanks
translations:
  it:
    answer: Abbiamo condiviso le tue belle parole con tutti i colleghi.
  es:
    answer: Hemos compartido tus amables palabras con todos los compañeros.
  fr:
    answer: Nous avons transmis vos gentils mots à toute l'équipe.
  de:
    answer: Wir haben Ihr Lob an alle Kolleginnen und Kollegen weitergegeben.
  pt:
    answer: Partilhámos as suas palavras simpáticas com todos os colegas.
"""

DELIVERY = """\
id: delivery-areas
questions:
  - where do you deliver
answer: >-
  We deliver to every address in the United Kingdom, Ireland and the European Union.
  Standard delivery takes 3 to 5 working days and express delivery takes 1 to 2 working
  days. Deliveries to the north of Scotland and its islands, Northern Ireland and the
  Channel Islands can take up to 2 days more. We do not deliver to post office boxes or
  to parcel lockers yet, and some oversized items can only go to Great Britain.
link: https://help.fernhill.example/delivery
translations:
  it:
    answer: >-
      Consegniamo a qualsiasi indirizzo nel Regno Unito, in Irlanda e nell'Unione
      Europea. La consegna ordinaria richiede da 3 a 5 giorni lavorativi e quella
      espressa da 1 a 2 giorni lavorativi. Le consegne nel nord della Scozia e nelle sue
      isole, in Irlanda del Nord e nelle Isole del Canale possono richiedere fino a 2
      giorni in più. Per ora non consegniamo a caselle postali né ai punti di ritiro
      automatici, e alcuni articoli voluminosi possono essere spediti solo in Gran
      Bretagna.
  es:
    answer: >-
      Enviamos a cualquier dirección del Reino Unido, Irlanda y la Unión Europea. El
      envío estándar tarda de 3 a 5 días hábiles y el urgente, de 1 a 2 días hábiles.
      Los envíos al norte de Escocia y sus islas, a Irlanda del Norte y a las islas del
      Canal pueden tardar hasta 2 días más. Por ahora no enviamos a apartados de correos
      ni a taquillas de recogida, y algunos artículos voluminosos solo pueden enviarse a
      Gran Bretaña.
  fr:
    answer: >-
      Nous livrons à toutes les adresses du Royaume-Uni, de l'Irlande et de l'Union
      européenne. La livraison standard prend de 3 à 5 jours ouvrés et la livraison
      express de 1 à 2 jours ouvrés. Les livraisons dans le nord de l'Écosse et ses
      îles, en Irlande du Nord et dans les îles Anglo-Normandes peuvent prendre jusqu'à
      2 jours de plus. Nous ne livrons pas encore les boîtes postales ni les consignes
      automatiques, et certains articles volumineux ne peuvent être livrés qu'en
      Grande-Bretagne.
  de:
    answer: >-
      Wir liefern an jede Adresse im Vereinigten Königreich, in Irland und in der
      Europäischen Union. Der Standardversand dauert 3 bis 5 Werktage, der Expressversand
      1 bis 2 Werktage. Lieferungen in den Norden Schottlands und auf die schottischen
      Inseln, nach Nordirland und auf die Kanalinseln können bis zu 2 Tage länger
      dauern. An Postfächer und Paketstationen liefern wir noch nicht, und manche
      sperrigen Artikel können nur nach Großbritannien geliefert werden.
  pt:
    answer: >-
      Entregamos em qualquer morada do Reino Unido, da Irlanda e da União Europeia. A
      entrega normal demora de 3 a 5 dias úteis e a expressa de 1 a 2 dias úteis. As
      entregas no norte da Escócia e nas suas ilhas, na Irlanda do Norte e nas Ilhas do
      Canal podem demorar até mais 2 dias. Ainda não entregamos em apartados nem em
      cacifos de recolha, e alguns artigos volumosos só podem ser enviados para a
      Grã-Bretanha.
"""

FILES = {
    "orders/refund-timing.yaml": REFUND,
    "account/account-locked.yaml": LOCKED,
    "feedback/positive-feedback.yaml": PRAISE,
    "orders/delivery-areas.yaml": DELIVERY,
}


def write_language_base(
    root: Path, *, settings: str = "", files: dict[str, str] | None = None
) -> Path:
    """The base written under ``root`` (``settings`` appended to replykb.yaml, ``files``
    added or replacing), returned as its folder."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in {
        "replykb.yaml": SETTINGS + settings,
        **FILES,
        **(files or {}),
    }.items():
        file = root / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content, encoding="utf-8")
    return root


def load_language_base(
    root: Path, *, settings: str = "", files: dict[str, str] | None = None
) -> AnswerBase:
    """The base loaded (see :func:`write_language_base`)."""
    return load_answer_base(write_language_base(root, settings=settings, files=files))
