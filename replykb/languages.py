"""Languages of an answer base: the ISO 639-1 table, the hash that says which version of
the source a translation was made from, an answer as it reads in another language, and
the state of every translation (what ``replykb translations`` lists and ``check``
reports as RKB702/RKB703).

The source language is ``settings.languages[0]``: every answer is written in it, and
``translations.<lang>`` of an answer holds its other languages.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .details import DetailSpec
from .models import Answer, AnswerBase, Location, SourceMap

__all__ = [
    "ISO_639_1",
    "LANGUAGE_NAMES",
    "TRANSLATED_FIELDS",
    "TranslationState",
    "TranslationStatus",
    "has_translation",
    "language_name",
    "localized",
    "source_hash",
    "translation_status",
]

# Every ISO 639-1 code with its English name (for messages: "Italian"); from the
# Debian iso-codes list (ISO 639-2's alpha_2 codes), names shortened to everyday use.
_TABLE = """\
aa=Afar|ab=Abkhazian|ae=Avestan|af=Afrikaans|ak=Akan|am=Amharic|an=Aragonese|ar=Arabic|
as=Assamese|av=Avaric|ay=Aymara|az=Azerbaijani|ba=Bashkir|be=Belarusian|bg=Bulgarian|
bh=Bihari|bi=Bislama|bm=Bambara|bn=Bengali|bo=Tibetan|br=Breton|bs=Bosnian|ca=Catalan|
ce=Chechen|ch=Chamorro|co=Corsican|cr=Cree|cs=Czech|cu=Church Slavonic|cv=Chuvash|
cy=Welsh|da=Danish|de=German|dv=Dhivehi|dz=Dzongkha|ee=Ewe|el=Greek|en=English|
eo=Esperanto|es=Spanish|et=Estonian|eu=Basque|fa=Persian|ff=Fula|fi=Finnish|fj=Fijian|
fo=Faroese|fr=French|fy=Western Frisian|ga=Irish|gd=Scottish Gaelic|gl=Galician|
gn=Guarani|gu=Gujarati|gv=Manx|ha=Hausa|he=Hebrew|hi=Hindi|ho=Hiri Motu|hr=Croatian|
ht=Haitian Creole|hu=Hungarian|hy=Armenian|hz=Herero|ia=Interlingua|id=Indonesian|
ie=Interlingue|ig=Igbo|ii=Nuosu|ik=Inupiaq|io=Ido|is=Icelandic|it=Italian|iu=Inuktitut|
ja=Japanese|jv=Javanese|ka=Georgian|kg=Kongo|ki=Kikuyu|kj=Kuanyama|kk=Kazakh|
kl=Greenlandic|km=Khmer|kn=Kannada|ko=Korean|kr=Kanuri|ks=Kashmiri|ku=Kurdish|kv=Komi|
kw=Cornish|ky=Kyrgyz|la=Latin|lb=Luxembourgish|lg=Ganda|li=Limburgish|ln=Lingala|lo=Lao|
lt=Lithuanian|lu=Luba-Katanga|lv=Latvian|mg=Malagasy|mh=Marshallese|mi=Maori|
mk=Macedonian|ml=Malayalam|mn=Mongolian|mr=Marathi|ms=Malay|mt=Maltese|my=Burmese|
na=Nauru|nb=Norwegian Bokmål|nd=North Ndebele|ne=Nepali|ng=Ndonga|nl=Dutch|
nn=Norwegian Nynorsk|no=Norwegian|nr=South Ndebele|nv=Navajo|ny=Chichewa|oc=Occitan|
oj=Ojibwa|om=Oromo|or=Odia|os=Ossetian|pa=Punjabi|pi=Pali|pl=Polish|ps=Pashto|
pt=Portuguese|qu=Quechua|rm=Romansh|rn=Rundi|ro=Romanian|ru=Russian|rw=Kinyarwanda|
sa=Sanskrit|sc=Sardinian|sd=Sindhi|se=Northern Sami|sg=Sango|si=Sinhala|sk=Slovak|
sl=Slovenian|sm=Samoan|sn=Shona|so=Somali|sq=Albanian|sr=Serbian|ss=Swati|
st=Southern Sotho|su=Sundanese|sv=Swedish|sw=Swahili|ta=Tamil|te=Telugu|tg=Tajik|
th=Thai|ti=Tigrinya|tk=Turkmen|tl=Tagalog|tn=Tswana|to=Tongan|tr=Turkish|ts=Tsonga|
tt=Tatar|tw=Twi|ty=Tahitian|ug=Uyghur|uk=Ukrainian|ur=Urdu|uz=Uzbek|ve=Venda|
vi=Vietnamese|vo=Volapük|wa=Walloon|wo=Wolof|xh=Xhosa|yi=Yiddish|yo=Yoruba|za=Zhuang|
zh=Chinese|zu=Zulu|"""

LANGUAGE_NAMES: dict[str, str] = dict(
    item.split("=", 1) for item in _TABLE.replace("\n", "").split("|") if item
)
ISO_639_1: frozenset[str] = frozenset(LANGUAGE_NAMES)

# The fields a translation replaces; `source_hash` covers those a customer reads in a
# reply (questions and tests are matched, not sent, so editing them stales nothing).
TRANSLATED_FIELDS = ("questions", "answer", "short", "facts", "tests")
_HASHED_FIELDS = ("answer", "short", "facts")

TranslationState = Literal["current", "stale", "missing", "unmarked"]


def language_name(code: str) -> str:
    """``"Italian (it)"`` for a known code, the code itself otherwise."""
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code


def source_hash(answer: Answer) -> str:
    """12 hex digits of sha256 over the source texts a translation renders (answer,
    short, facts) as canonical JSON: any edit of them changes it, and so makes every
    translation recorded against the old value stale."""
    texts = {name: getattr(answer, name) for name in _HASHED_FIELDS}
    encoded = json.dumps(texts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:12]


def has_translation(answer: Answer, language: str) -> bool:
    """Whether ``answer`` has a ``translations.<language>`` block."""
    return language in answer.translations


def localized(answer: Answer, language: str) -> Answer:
    """``answer`` as it reads in ``language``: questions, answer, short, facts and tests
    are the translation's, and so is each detail's fallback the translation gives; id,
    link, private, tone, tags... are the answer's.

    The source language, or a language the answer has no translation for, returns
    ``answer`` itself (check :func:`has_translation` first). The copy's ``source``
    points at the translation's lines, so a problem in its text is located there.
    """
    translation = answer.translations.get(language)
    if translation is None:
        return answer
    update: dict[str, Any] = {name: getattr(translation, name) for name in TRANSLATED_FIELDS}
    update["details"] = {
        name: _translated_detail(spec, translation.details.get(name))
        for name, spec in answer.details.items()
    }
    copy = answer.model_copy(update=update)
    copy._source = _translation_source(answer.source, language)
    return copy


def _translated_detail(spec: DetailSpec, translated: DetailSpec | None) -> DetailSpec:
    if translated is None:
        return spec
    given = translated.model_dump(exclude_none=True)
    return spec.model_copy(update=given)


def _translation_source(source: SourceMap, language: str) -> SourceMap:
    """The answer's positions with the translated fields' moved to the translation's."""
    prefix = ("translations", language)
    positions = {
        path: position
        for path, position in source.positions.items()
        if not (path and path[0] in TRANSLATED_FIELDS)
    }
    for path, position in source.positions.items():
        if path[:2] == prefix and len(path) > 2 and path[2] in (*TRANSLATED_FIELDS, "details"):
            positions[path[2:]] = position
    return SourceMap(file=source.file, positions=positions)


class TranslationStatus(BaseModel):
    """Where one answer's translation into one language stands.

    ``current``: reviewed against the source as it is now. ``stale``: the source's
    texts changed since (``recorded`` != ``current``). ``unmarked``: written, never
    marked as reviewed. ``missing``: the answer has no translation into the language.
    ``missing_fields``: fields the translation lacks while the source has them
    (``short``).
    """

    model_config = ConfigDict(frozen=True)

    answer_id: str
    language: str
    state: TranslationState
    # The source hash written in the translation (`source:`), and the source's now.
    recorded: str | None
    current: str
    # The translation's `source:` line (or its language key); the answer's for `missing`.
    location: Location
    missing_fields: tuple[str, ...] = ()

    @property
    def needs_work(self) -> bool:
        """Anything but current and complete: what fails ``replykb translations`` (and
        ``check``: an unmarked translation was never reviewed against the source)."""
        return self.state != "current" or bool(self.missing_fields)


def translation_status(
    base: AnswerBase, languages: tuple[str, ...] | None = None
) -> list[TranslationStatus]:
    """The state of every answer's translation into every language of the base after the
    source (or into ``languages``), ordered by answer id then by the base's order."""
    wanted = base.settings.languages[1:] if languages is None else languages
    statuses = []
    for answer in sorted(base.answers, key=lambda a: a.id):
        current = source_hash(answer)
        for language in wanted:
            statuses.append(_status(answer, language, current))
    return statuses


def _status(answer: Answer, language: str, current: str) -> TranslationStatus:
    translation = answer.translations.get(language)
    if translation is None:
        return TranslationStatus(
            answer_id=answer.id,
            language=language,
            state="missing",
            recorded=None,
            current=current,
            location=answer.source.locate("translations")
            if answer.translations
            else answer.source.locate("answer"),
        )
    recorded = translation.source
    state: TranslationState = (
        "unmarked" if recorded is None else "current" if recorded == current else "stale"
    )
    missing = ("short",) if answer.short is not None and translation.short is None else ()
    return TranslationStatus(
        answer_id=answer.id,
        language=language,
        state=state,
        recorded=recorded,
        current=current,
        location=answer.source.locate("translations", language, "source"),
        missing_fields=missing,
    )
