"""URLs as twitter-text finds them: the detector behind X's and Mastodon's link counting;
and the one definition of e-mail addresses, card and phone numbers in text (at the end).

Follows twitter-text 3.x's extractor: a URL needs a valid top-level domain (a snapshot of
the ICANN section of the Public Suffix List of February 2023, plus the few ccTLDs
twitter-text still lists, plus ``example`` from RFC 2606 so documentation-style URLs such
as ``https://help.acme.example/refunds`` count like the live ones they stand for); a URL
without a scheme must have an ASCII domain. Mastodon widens the path and query characters
and accepts a few more schemes (:func:`mastodon_url_re`). As in twitter-text, a long
unspaced run of text containing a dot (CJK with "1.5" in it) makes detection quadratic in
that run's length: fine at post size.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Final, TypeAlias

import regex

__all__ = [
    "CARD_RE",
    "EMAIL_RE",
    "LATIN_ACCENTS",
    "PHONE_SHAPE_RE",
    "TWITTER_URL_RE",
    "find_urls",
    "mastodon_url_re",
    "scan_urls",
    "without_links",
]


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a data block."""
    return frozenset(text.split())


# --------------------------------------------------------------------------------------
# Top-level domains twitter-text accepts. Generated from the ICANN section of the Public
# Suffix List (2023-02-09): ccTLDs are the two-letter and IDN country codes, the rest
# generic. "an bl bq eh mf tp um" are kept because twitter-text still lists them.
_CC_TLDS: Final[frozenset[str]] = _words(
    """
    ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn
    bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj
    dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp
    gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh
    ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn
    mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph
    pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr
    ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um us uy
    uz va vc ve vg vi vn vu wf ws ye yt za zm zw ελ ευ бг бел ею мкд мон рф срб укр қаз հայ
    ישראל الاردن البحرين الجزائر السعودية السعوديه السعودیة السعودیۃ المغرب اليمن امارات ايران
    ایران بارت بھارت تونس سودان سوريا سورية عراق عمان فلسطين قطر مصر مليسيا موريتانيا پاكستان
    پاکستان ڀارت भारत भारतम् भारोत বাংলা ভারত ভাৰত ਭਾਰਤ ભારત ଭାରତ இந்தியா இலங்கை சிங்கப்பூர்
    భారత్ ಭಾರತ ഭാരതം ලංකා ไทย ລາວ გე 中国 中國 台湾 台灣 新加坡 澳門 澳门 臺灣 香港 한국
    """
)
_GENERIC_TLDS: Final[frozenset[str]] = _words(
    """
    aaa aarp abarth abb abbott abbvie abc able abogado abudhabi academy accenture accountant
    accountants aco actor ads adult aeg aero aetna afl africa agakhan agency aig airbus
    airforce airtel akdn alfaromeo alibaba alipay allfinanz allstate ally alsace alstom amazon
    americanexpress americanfamily amex amfam amica amsterdam analytics android anquan anz aol
    apartments app apple aquarelle arab aramco archi army arpa art arte asda asia associates
    athleta attorney auction audi audible audio auspost author auto autos avianca aws axa
    azure baby baidu banamex bananarepublic band bank bar barcelona barclaycard barclays
    barefoot bargains baseball basketball bauhaus bayern bbc bbt bbva bcg bcn beats beauty
    beer bentley berlin best bestbuy bet bharti bible bid bike bing bingo bio biz black
    blackfriday blockbuster blog bloomberg blue bms bmw bnpparibas boats boehringer bofa bom
    bond boo book booking bosch bostik boston bot boutique box bradesco bridgestone broadway
    broker brother brussels build builders business buy buzz bzh cab cafe cal call calvinklein
    cam camera camp canon capetown capital capitalone car caravan cards care career careers
    cars casa case cash casino cat catering catholic cba cbn cbre cbs center ceo cern cfa cfd
    chanel channel charity chase chat cheap chintai christmas chrome church cipriani circle
    cisco citadel citi citic city cityeats claims cleaning click clinic clinique clothing
    cloud club clubmed coach codes coffee college cologne com comcast commbank community
    company compare computer comsec condos construction consulting contact contractors cooking
    cookingchannel cool coop corsica country coupon coupons courses cpa credit creditcard
    creditunion cricket crown crs cruise cruises cuisinella cymru cyou dabur dad dance data
    date dating datsun day dclk dds deal dealer deals degree delivery dell deloitte delta
    democrat dental dentist desi design dev dhl diamonds diet digital direct directory
    discount discover dish diy dnp docs doctor dog domains dot download drive dtv dubai dunlop
    dupont durban dvag dvr earth eat eco edeka edu education email emerck energy engineer
    engineering enterprises epson equipment ericsson erni esq estate etisalat eurovision eus
    events exchange expert exposed express extraspace fage fail fairwinds faith family fan
    fans farm farmers fashion fast fedex feedback ferrari ferrero fiat fidelity fido film
    final finance financial fire firestone firmdale fish fishing fit fitness flickr flights
    flir florist flowers fly foo food foodnetwork football ford forex forsale forum foundation
    fox free fresenius frl frogans frontdoor frontier ftr fujitsu fun fund furniture futbol
    fyi gal gallery gallo gallup game games gap garden gay gbiz gdn gea gent genting george
    ggee gift gifts gives giving glass gle global globo gmail gmbh gmo gmx godaddy gold
    goldpoint golf goo goodyear goog google gop got gov grainger graphics gratis green gripe
    grocery group guardian gucci guge guide guitars guru hair hamburg hangout haus hbo hdfc
    hdfcbank health healthcare help helsinki here hermes hgtv hiphop hisamitsu hitachi hiv hkt
    hockey holdings holiday homedepot homegoods homes homesense honda horse hospital host
    hosting hot hoteles hotels hotmail house how hsbc hughes hyatt hyundai ibm icbc ice icu
    ieee ifm ikano imamat imdb immo immobilien inc industries infiniti info ing ink institute
    insurance insure int international intuit investments ipiranga irish ismaili ist istanbul
    itau itv jaguar java jcb jeep jetzt jewelry jio jll jmp jnj jobs joburg jot joy jpmorgan
    jprs juegos juniper kaufen kddi kerryhotels kerrylogistics kerryproperties kfh kia kids
    kim kinder kindle kitchen kiwi koeln komatsu kosher kpmg kpn krd kred kuokgroup kyoto
    lacaixa lamborghini lamer lancaster lancia land landrover lanxess lasalle lat latino
    latrobe law lawyer lds lease leclerc lefrak legal lego lexus lgbt lidl life lifeinsurance
    lifestyle lighting like lilly limited limo lincoln linde link lipsy live living llc llp
    loan loans locker locus lol london lotte lotto love lpl lplfinancial ltd ltda lundbeck
    luxe luxury macys madrid maif maison makeup man management mango map market marketing
    markets marriott marshalls maserati mattel mba mckinsey med media meet melbourne meme
    memorial men menu merckmsd miami microsoft mil mini mint mit mitsubishi mlb mls mma mobi
    mobile moda moe moi mom monash money monster mormon mortgage moscow moto motorcycles mov
    movie msd mtn mtr museum music mutual nab nagoya name natura navy nba nec net netbank
    netflix network neustar new news next nextdirect nexus nfl ngo nhk nico nike nikon ninja
    nissan nissay nokia northwesternmutual norton now nowruz nowtv nra nrw ntt nyc obi
    observer office okinawa olayan olayangroup oldnavy ollo omega one ong onion onl online ooo
    open oracle orange org organic origins osaka otsuka ott ovh page panasonic paris pars
    partners parts party passagens pay pccw pet pfizer pharmacy phd philips phone photo
    photography photos physio pics pictet pictures pid pin ping pink pioneer pizza place play
    playstation plumbing plus pnc pohl poker politie porn post pramerica praxi press prime pro
    prod productions prof progressive promo properties property protection pru prudential pub
    pwc qpon quebec quest racing radio read realestate realtor realty recipes red redstone
    redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican
    rest restaurant review reviews rexroth rich richardli ricoh ril rio rip rocher rocks rodeo
    rogers room rsvp rugby ruhr run rwe ryukyu saarland safe safety sakura sale salon samsclub
    samsung sandvik sandvikcoromant sanofi sap sarl sas save saxo sbi sbs sca scb schaeffler
    schmidt scholarships school schule schwarz science scot search seat secure security seek
    select sener services seven sew sex sexy sfr shangrila sharp shaw shell shia shiksha shoes
    shop shopping shouji show showtime silk sina singles site ski skin sky skype sling smart
    smile sncf soccer social softbank software sohu solar solutions song sony soy spa space
    sport spot srl stada staples star statebank statefarm stc stcgroup stockholm storage store
    stream studio study style sucks supplies supply support surf surgery suzuki swatch swiss
    sydney systems tab taipei talk taobao target tatamotors tatar tattoo tax taxi tci tdk team
    tech technology tel temasek tennis teva thd theater theatre tiaa tickets tienda tiffany
    tips tires tirol tjmaxx tjx tkmaxx tmall today tokyo tools top toray toshiba total tours
    town toyota toys trade trading training travel travelchannel travelers travelersinsurance
    trust trv tube tui tunes tushu tvs ubank ubs unicom university uno uol ups vacations vana
    vanguard vegas ventures verisign vermögensberater vermögensberatung versicherung vet
    viajes video vig viking villas vin vip virgin visa vision viva vivo vlaanderen vodka
    volkswagen volvo vote voting voto voyage vuelos wales walmart walter wang wanggou watch
    watches weather weatherchannel webcam weber website wedding weibo weir whoswho wien wiki
    williamhill win windows wine winners wme wolterskluwer woodside work works world wow wtc
    wtf xbox xerox xfinity xihuan xin xxx xyz yachts yahoo yamaxun yandex yodobashi yoga
    yokohama you youtube yun zappos zara zero zip zone zuerich дети католик ком москва онлайн
    орг рус сайт קום ابوظبي اتصالات ارامكو العليان بازار بيتك شبكة عرب كاثوليك كوم موقع همراه
    कॉम नेट संगठन คอม みんな アマゾン クラウド グーグル コム ストア セール ファッション
    ポイント 世界 中信 中文网 亚马逊 企业 佛山 信息 健康 八卦 公司 公益 商城 商店 商标 嘉里
    嘉里大酒店 在线 大拿 天主教 娱乐 家電 广东 微博 慈善 我爱你 手机 招聘 政务 政府 新闻 时尚
    書籍 机构 淡马锡 游戏 点看 移动 组织机构 网址 网店 网站 网络 联通 谷歌 购物 通販 集团
    電訊盈科 飞利浦 食品 餐厅 香格里拉 닷넷 닷컴 삼성
    """
)

# RFC 2606 reserves "example" for documentation; treating it as a real TLD lets sample
# answers (https://help.acme.example/...) be counted like the live URLs they stand for.
_EXTRA_TLDS: Final[frozenset[str]] = frozenset({"example"})

_Trie: TypeAlias = dict[str, "_Trie"]


def _alternation(words: Iterable[str]) -> str:
    """A compact regex (a trie) matching any of ``words``, longest alternative first."""
    root: _Trie = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [regex.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if "" in node:  # a word ends here: the longer words are an optional, greedy suffix
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(root)


# Characters outside any domain label: punctuation, spaces, controls, the characters
# twitter-text forbids, and bidi controls (twitter-text's DOMAIN_VALID_CHARS).
_DIRECTIONAL: Final = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVALID: Final = r"\ufffe\ufeff\uffff"
_NOT_IN_DOMAIN: Final = (
    r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"""
    r"\x00-\x20\x7f\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    + _INVALID
    + _DIRECTIONAL
)
_DOMAIN_CHAR: Final = f"[^{_NOT_IN_DOMAIN}]"
# A label starts and ends with a domain character; inside, '-' (and '_' below the
# registered name) may appear. Atomic groups: the label run before '.' is unambiguous,
# so backtracking into it can never help and would make long words quadratic.
_SUBDOMAIN: Final = f"(?:(?>{_DOMAIN_CHAR}(?:[_-]*{_DOMAIN_CHAR})*)\\.)"
_DOMAIN_NAME: Final = f"(?:(?>{_DOMAIN_CHAR}(?:-*{_DOMAIN_CHAR})*)\\.)"
_TLD_END: Final = r"(?=[^0-9A-Za-z@+-]|$)"
# An ASCII TLD is matched as any run of letters (group "tld") and looked up in a set
# afterwards (see _finditer_known_tld): spelling ~1,200 ASCII TLDs out in each pattern
# would cost a third of a second at import. The few IDN TLDs stay in the patterns.
_ASCII_TLDS: Final[frozenset[str]] = frozenset(
    tld for tld in _GENERIC_TLDS | _CC_TLDS | _EXTRA_TLDS if tld.isascii()
)
_IDN_TLDS: Final = _alternation(tld for tld in _GENERIC_TLDS | _CC_TLDS if not tld.isascii())
_TLD: Final = f"(?:(?P<tld>[A-Za-z]+){_TLD_END}|(?i:{_IDN_TLDS}){_TLD_END}|(?i:xn--[0-9a-z-]+))"
_DOMAIN: Final = f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}{_TLD})"

_LATIN_ACCENTS: Final = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    r"\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC: Final = r"\u0400-\u04ff"
_PATH_CHAR: Final = f"[A-Za-z{_CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\\u2013_~@|&{_LATIN_ACCENTS}]"
# Up to two nested levels of balanced parentheses: /wiki/Primer_(film), /S(dfd346)/.
_PARENS: Final = f"\\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*)\\)"
# A path never ends on punctuation, so "see example.com/help." keeps its full stop.
_PATH_END: Final = f"(?:[+\\-A-Za-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|{_PARENS})"
_PATH: Final = f"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_QUERY: Final = r"\?[A-Za-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[A-Za-z0-9\-_&=#/]"
# The character before a URL is consumed, as in twitter-text (so "a@b.com" is no URL).
_PRECEDING: Final = f"(?:[^A-Za-z0-9@\\uff20$#\\uff03{_INVALID}]|^)"

_TW_URL_RE: Final = regex.compile(
    f"(?P<before>{_PRECEDING})"
    f"(?P<url>(?P<protocol>(?i:https?://))?(?P<domain>{_DOMAIN})(?::[0-9]+)?"
    f"(?P<path>/{_PATH}*)?(?:{_QUERY})?)"
)
_ASCII_DOMAIN_RE: Final = regex.compile(
    f"(?P<domain>(?:[\\-A-Za-z0-9{_LATIN_ACCENTS}]+\\.)+{_TLD})"
)
_TLD_AT_RE: Final = regex.compile(_TLD)
_CHUNK_RE: Final = regex.compile(r"[^\t\n\x0b\x0c\r ]+")
_TCO_RE: Final = regex.compile(r"(?i:https?://t\.co/)([A-Za-z0-9]+)")
_MAX_TCO_SLUG_LENGTH: Final = 40
_MAX_URL_LENGTH: Final = 4096
_DEFAULT_PROTOCOL: Final = "https://"

# Mastodon (config/initializers/twitter_regex.rb) widens twitter-text's path and query
# characters and accepts a few more schemes; the domain rules are twitter-text's.
_UCHARS: Final = r"\xa0-\ud7ff\ue000-\uf8ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"\\U{plane << 16 | (0x1000 if plane == 0xE else 0):08x}-\\U{plane << 16 | 0xFFFD:08x}"
    for plane in range(1, 0x11)
)
_M_PATH_CHAR: Final = r"[^\p{White_Space}<>()?]"
_M_PARENS: Final = f"\\((?:{_M_PATH_CHAR}+|{_M_PATH_CHAR}*\\({_M_PATH_CHAR}+\\){_M_PATH_CHAR}*)\\)"
_M_PATH_END: Final = f"(?:[^\\p{{White_Space}}()?!*\"'「」<>;:=,.$%\\[\\]~&|@]|{_PARENS})"
_M_PATH: Final = f"(?:{_M_PATH_CHAR}*(?:{_M_PARENS}{_M_PATH_CHAR}*)*{_M_PATH_END}|{_M_PATH_CHAR}+/)"
_M_QUERY: Final = (
    f"\\?[A-Za-z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@^{_UCHARS}]*[A-Za-z0-9_&=#/\\-{_UCHARS}]"
)
_M_URL: Final = (
    f"(?P<before>{_PRECEDING})"
    f"(?P<url>(?P<protocol>(?i:(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://))?"
    f"(?P<domain>{_DOMAIN})(?::[0-9]+)?(?P<path>/{_M_PATH}*)?(?:{_M_QUERY})?)"
)


@functools.cache
def mastodon_url_re() -> regex.Pattern[str]:
    # Compiled at first use: it takes ~30 ms, which a start-up that counts no Mastodon
    # text (every `replykb suggest` on another channel) should not pay.
    return regex.compile(_M_URL)


def _url_length_ok(url: str, protocol: str | None, domain: str) -> bool:
    """twitter-text's isValidUrl: the host must IDNA-encode and the URL fit 4096 chars.

    IDNA (2003, as twitter-text's libraries use) rejects empty labels and labels over
    63 characters once punycode-encoded, so overlong hosts are plain text, not URLs.
    """
    try:
        encoded = domain.encode("idna")
    except UnicodeError:
        return False
    if not encoded:
        return False
    length = len(url) + max(0, len(encoded) - len(domain))
    if not protocol:
        length += len(_DEFAULT_PROTOCOL)
    return length <= _MAX_URL_LENGTH


def _known_tld(match: regex.Match[str]) -> bool:
    """Whether the ASCII TLD a match captured (if it captured one) is a valid one."""
    tld: str | None = match["tld"]
    return tld is None or tld.lower() in _ASCII_TLDS


def _shorter_domain(
    pattern: regex.Pattern[str], text: str, start: int, match: regex.Match[str]
) -> regex.Match[str] | None:
    """The match the regex would backtrack to when ``match`` ends on an unknown TLD.

    Fewer labels, so the TLD moves to an earlier label. Only a label that starts with a
    plausible TLD is tried: ``pattern`` is re-run with the text cut at the dot after that
    label (a dot is a TLD boundary, so the cut changes nothing else).
    """
    floor: int = match.start("domain")
    dot: int = match.start("tld") - 1
    while (earlier := text.rfind(".", floor, dot)) > floor:
        tld = _TLD_AT_RE.match(text, earlier + 1, dot)
        if tld is not None and _known_tld(tld):
            found: regex.Match[str] | None = pattern.match(text, start, dot)
            return found
        dot = earlier
    return None


def _finditer_known_tld(
    pattern: regex.Pattern[str], text: str, pos: int = 0, endpos: int | None = None
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer`` as if the pattern spelled out every valid ASCII TLD.

    A match on an unknown TLD is handled as the regex would have handled it: backtrack
    to fewer labels (:func:`_shorter_domain`), and when no shorter domain works, try
    again one character further on.
    """
    end = len(text) if endpos is None else endpos
    position = pos
    while position < end:
        match: regex.Match[str] | None = pattern.search(text, position, end)
        if match is None:
            return
        start: int = match.start()
        while match is not None and not _known_tld(match):
            match = _shorter_domain(pattern, text, start, match)
        if match is None:
            position = start + 1
            continue
        yield match
        position = match.end()


def _url_matches(
    pattern: regex.Pattern[str], text: str, require_protocol: bool
) -> Iterator[regex.Match[str]]:
    """The raw URL matches, found chunk by chunk between ASCII whitespace.

    No part of a URL can hold ASCII whitespace, so each chunk (with the whitespace before
    it, the URL's preceding character) is scanned alone, with the same result as one scan
    of the text; chunks without a dot are skipped. This keeps long unspaced runs of text
    (CJK, where most characters may be in a domain label) from making the scan quadratic
    in the length of the whole text.
    """
    for chunk in _CHUNK_RE.finditer(text):
        body: str = chunk[0]
        if "." not in body or (require_protocol and ":" not in body):
            continue
        yield from _finditer_known_tld(pattern, text, max(chunk.start() - 1, 0), chunk.end())


def scan_urls(
    pattern: regex.Pattern[str], text: str, *, require_protocol: bool
) -> list[tuple[int, int]]:
    """twitter-text's extractUrlsWithIndices over ``pattern``; spans in code points."""
    if "." not in text or (require_protocol and ":" not in text):
        return []
    spans: list[list[int]] = []
    for match in _url_matches(pattern, text, require_protocol):
        url: str = match["url"]
        protocol: str | None = match["protocol"]
        domain: str = match["domain"]
        start: int = match.start("url")
        end: int = match.end("url")
        if not _url_length_ok(url, protocol, domain):
            continue
        if protocol:
            tco = _TCO_RE.match(url)
            if tco is not None:
                if len(tco[1]) > _MAX_TCO_SLUG_LENGTH:
                    continue
                end = start + tco.end()  # a t.co link never takes more path than its slug
            spans.append([start, end])
            continue
        before: str = match["before"]
        if require_protocol or (before and before in "-_./"):
            continue
        # Without a scheme only ASCII domains count: "日本example.com" links example.com.
        path: str | None = match["path"]
        last: list[int] | None = None
        for found in _finditer_known_tld(_ASCII_DOMAIN_RE, domain):
            last = [start + found.start(), start + found.end()]
            spans.append(last)
        if last is not None and path:
            last[1] = end  # the path and query belong to the last domain found
    return [(s, e) for s, e in spans]


def find_urls(text: str) -> list[tuple[int, int]]:
    """Code-point ``(start, end)`` spans of the URLs twitter-text would link in ``text``.

    The same detector the ``twitter`` rule counts with (scheme optional, valid TLD
    required), so the reply fitter can keep URLs whole and spot customer-supplied ones.
    """
    return scan_urls(_TW_URL_RE, text, require_protocol=False)


# Public names for the counters in replykb.length.
TWITTER_URL_RE: Final = _TW_URL_RE
LATIN_ACCENTS: Final = _LATIN_ACCENTS


# --------------------------------------------------------------------------------------
# E-mail addresses, card and phone numbers in text: the one definition the usage log's
# masking (learn/masking.py) and check's rules on answer texts (checks/ticket_texts.py)
# share, next to the URLs.

# An e-mail address; ``domain`` is what follows the @, ending in a TLD of letters.
EMAIL_RE: Final = re.compile(r"[\w.+%-]+@(?P<domain>[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})")
# A card number's shape: 13 to 19 digits, in groups split by spaces, dashes or dots or
# not at all, not after a "+" (a phone's country code) nor inside a longer number or
# word. Luhn tells a card from another long number (the masking checks it).
CARD_RE: Final = re.compile(r"(?<![\w+.])\d(?:[ .-]?\d){12,18}(?![\w])")
# Anything shaped like a phone number: 9 or more digits with spaces, dots, dashes or
# brackets, an optional "+". Loose on purpose, for a base's own texts, where check
# asks the author about each one (dates and the company's published numbers excepted
# there). The usage log's masking does NOT use it: customers' messages are full of
# order ids and amounts, so it masks only numbers that libphonenumber validates against
# a country's numbering plan, plus numbers right after a word such as "call".
PHONE_SHAPE_RE: Final = re.compile(r"(?<![\w/.])\+?\d[\d ().-]{7,}\d(?![\w/])")


# Anything written with a scheme is a link to a reader, whatever its TLD (an intranet's).
_SCHEME_URL_RE: Final = re.compile(r"\S+://\S+")


def without_links(text: str) -> str:
    """``text`` with its e-mail addresses and URLs (as :func:`find_urls` finds them, and
    anything with a scheme) replaced by spaces."""
    text = _SCHEME_URL_RE.sub(" ", EMAIL_RE.sub(" ", text))
    for start, end in reversed(find_urls(text)):
        text = f"{text[:start]} {text[end:]}"
    return text
