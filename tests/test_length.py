"""Platform-exact length counting: each expected number comes from the platform's rule.

Sources, cited per table:
- [TT-validate] twitter-text ``conformance/tests/validate.yml`` (WeightedTweets* sections,
  the ones run with ``config/v3.json``: emoji parsing on, URLs 23, CJK 2).
- [TT-extract] twitter-text ``conformance/tests/extract.yml`` (``urls`` section).
- [TT-v3] twitter-text ``config/v3.json``: weight 100 for U+0000-10FF, U+2000-200D,
  U+2010-201F, U+2032-2037, 200 otherwise, scale 100, transformedURLLength 23.
- [23.038] 3GPP TS 23.038 section 6.2.1 (GSM 7-bit default alphabet and extension table);
  segment sizes from 3GPP TS 23.040 (140 octets, less a 6-octet concatenation header).
- [Mastodon] Mastodon ``app/validators/status_length_validator.rb`` (URLs count
  ``URL_PLACEHOLDER_CHARS = 23``, remote mentions count as ``@user``, length in grapheme
  clusters) and docs.joinmastodon.org/user/posting ("links count as 23 characters").
"""

from __future__ import annotations

import unicodedata

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec used as an oracle below)
import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from replykb import length as L
from replykb.length import (
    COUNT_RULES,
    count_length,
    find_urls,
    gsm_incompatible_chars,
    is_gsm7,
    sms_segments,
)

ZWJ = "\u200d"
VS16 = "\ufe0f"
FAMILY = "\U0001f468" + ZWJ + "\U0001f469" + ZWJ + "\U0001f467" + ZWJ + "\U0001f466"
POEM = (
    "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。"
    "朱雀桥边野草花，乌衣巷口夕阳斜。旧时王谢堂前燕，飞入寻常百姓家。"
    "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
    "泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。"
    "独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。"
)
KANA = "あいうえおかきくけこ"
X11 = "xxxxxxxxxx-"


# --------------------------------------------------------------------------------------
# twitter: ported from [TT-validate] WeightedTweetsWithDiscountedEmojiCounterTest


TWITTER_CONFORMANCE = [
    pytest.param("Hi http://test.co", 26, id="regular tweet with url"),
    pytest.param("http://test.co", 23, id="just url"),
    pytest.param("285 chars-" + X11 * 25, 285, id="long tweet"),
    pytest.param("285 chars- http://www.twitter.com/jack " + X11 * 24, 299, id="url in middle"),
    pytest.param(X11 * 24 + " http://www.twitter.com/jack ", 289, id="url at end"),
    pytest.param("https://www.twitter.com/aloha " * 10, 240, id="10 urls"),
    pytest.param(POEM, 320, id="160 CJK chars"),
    pytest.param("\U0001f637" * 160, 320, id="160 emoji"),
    pytest.param("the" + POEM, 323, id="3 latin + 160 CJK"),
    pytest.param("282 chars-" + X11 * 24 + "xxxxxA\u0301x", 281, id="NFC inside long tweet"),
    # From the WeightedTweetsCounterTest section; the rule is the same under v3.
    pytest.param("A\u0301B", 2, id="A + combining acute is normalized into 1 char"),
    pytest.param("A\ufb2c", 4, id="U+FB2C is normalized into 3 chars"),
    pytest.param("H\U0001f431\u263a" + FAMILY, 7, id="mix with ZWJ family"),
    pytest.param("\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9", 10, id="5 emoji"),
    pytest.param("\U0001f64b\U0001f3fd\U0001f468" + ZWJ + "\U0001f3a4", 4, id="skin tone + ZWJ"),
    pytest.param(
        "This is a tweet with general punctuation characters: "
        + "".join(map(chr, range(0x2000, 0x200C)))
        + " ‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷",
        110,
        id="general punctuation is light",
    ),
    pytest.param(
        "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com",
        68,
        id="64-character label is no URL",
    ),
    pytest.param(
        KANA * 12 + " http://" + KANA * 5 + "あいう.com",
        358,
        id="host over 63 punycode chars is no URL",
    ),
    pytest.param(
        KANA * 12 + " http://" + KANA * 5 + "あい.com",
        264,
        id="host within 63 punycode chars is a URL",
    ),
    pytest.param(FAMILY * 140, 280, id="140 family emoji"),
    pytest.param(
        "Unicode 10.0 emoji: \U0001f92a; \U0001f9d5; \U0001f9d5\U0001f3fe; "
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        34,
        id="unicode 10 emoji incl. England flag tag sequence",
    ),
    pytest.param(
        "Unicode 9.0 emoji: \U0001f920; \U0001f483; \U0001f483\U0001f3fe", 29, id="unicode 9"
    ),
    # UnicodeDirectionalMarkerCounterTest
    pytest.param("ABC\u202a\uffffABC\ufffe", 12, id="invalid characters still weigh"),
    pytest.param(
        "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069", 31, id="URL between bidi controls"
    ),
]


@pytest.mark.parametrize(("text", "expected"), TWITTER_CONFORMANCE)
def test_twitter_conformance(text: str, expected: int) -> None:
    assert count_length(text, "twitter") == expected


# Adapted from [TT-validate] "Handle long url with invalid domain labels and short url"
# (the original repeats the label ~300 times): labels over 63 characters make the URLs
# plain text, character by character; the short valid URL still counts 23.
def test_twitter_long_invalid_urls_count_as_text() -> None:
    prefix = "Long url with invalid domain labels and a short url: "
    bad = "https://" + "somesuperlongurl" * 20 + ".com/foo"
    text = prefix + bad + " " + bad + " https://validurl.com"
    assert count_length(text, "twitter") == len(prefix) + 2 * len(bad) + 2 + 23


TWITTER_RULES = [
    # [TT-v3] light ranges weigh 1, everything else 2.
    pytest.param("Hello, world!", 13, id="ascii"),
    pytest.param("Ça coûte 5 € — merci", 21, id="latin-1 and punctuation are light, euro heavy"),
    pytest.param("こんにちは", 10, id="kana weigh 2"),
    pytest.param("谢谢", 4, id="CJK weigh 2"),
    pytest.param("안녕", 4, id="hangul weighs 2"),
    pytest.param("Привет", 6, id="cyrillic is light"),
    pytest.param("e\u0301", 1, id="combining mark composes under NFC"),
    pytest.param("\u1100\u1161", 2, id="jamo compose to one heavy syllable"),
    # Emoji sequences weigh 2 as a whole (emojiParsingEnabled).
    pytest.param("\U0001f44d", 2, id="emoji"),
    pytest.param("\U0001f44d\U0001f3ff", 2, id="emoji + skin tone"),
    pytest.param(FAMILY, 2, id="ZWJ family"),
    pytest.param("\U0001f469\U0001f3fd" + ZWJ + "\U0001f4bb", 2, id="ZWJ with skin tone"),
    pytest.param("\U0001f3f3" + VS16 + ZWJ + "\U0001f308", 2, id="rainbow flag"),
    pytest.param("\U0001f1eb\U0001f1f7", 2, id="flag"),
    pytest.param("\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 4, id="two flags"),
    pytest.param("1" + VS16 + "\u20e3", 2, id="keycap"),
    pytest.param("#\u20e3", 2, id="keycap without VS16"),
    pytest.param("\u2764" + VS16, 2, id="text-default emoji + VS16"),
    pytest.param("\u00a9", 1, id="bare (c) is a light character"),
    pytest.param("\u00a9" + VS16, 2, id="(c) + VS16 is an emoji"),
    pytest.param("\u263a\ufe0e", 4, id="VS15 keeps text presentation"),
    pytest.param("ok " + ZWJ, 4, id="lone ZWJ is light"),
    # URLs weigh 23 whatever their length, with or without a scheme.
    pytest.param("example.com", 23, id="URL without scheme"),
    pytest.param("https://help.acme.example/refunds", 23, id="URL with scheme, .example"),
    pytest.param("See example.com/x.", 28, id="path stops before the full stop"),
    pytest.param("https://example.com/" + "a" * 300 + "?q=" + "b" * 200, 23, id="very long URL"),
    pytest.param("foo.bar", 23, id=".bar is a TLD"),
    pytest.param("foo.invalidtld", 14, id="unknown TLD is text"),
    pytest.param("www.example.com.zzz", 27, id="unknown last label: URL ends before it"),
    pytest.param("mail me at a@b.com", 18, id="e-mail address is no URL"),
    pytest.param("Merci ! Voir https://help.acme.example/fr 🙏", 13 + 23 + 1 + 2, id="mixed"),
    pytest.param("", 0, id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), TWITTER_RULES)
def test_twitter_rules(text: str, expected: int) -> None:
    assert count_length(text, "twitter") == expected


def test_twitter_emoji_inside_url_is_part_of_the_url() -> None:
    # parseTweet walks the text: the URL starting first swallows the snowman in its host.
    assert count_length("http://☃.net/ ☃", "twitter") == 23 + 1 + 2


# --------------------------------------------------------------------------------------
# find_urls: ported from [TT-extract] "urls" (the URL texts found, in order).

EXTRACT_URLS = [
    ("text http://✪df.ws/ejp", ["http://✪df.ws/ejp"]),
    ("test http://example.comだよね.comtest/hogehoge", ["http://example.com"]),
    ("text http://chilp.it/?77e8fd", ["http://chilp.it/?77e8fd"]),
    (
        "text http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
        ["http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx"],
    ),
    ("text http://no-tld", []),
    ("text http://tld-too-short.x", []),
    ("(http://twitter.com", ["http://twitter.com"]),
    ("text http://foo.com?#foo text", ["http://foo.com?#foo"]),
    ("foo.com foo.net foo.org foo.edu foo.gov", ["foo.com", "foo.net", "foo.org", "foo.edu", "foo.gov"]),
    (
        "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom "
        "foo.govedu foo.jp",
        ["foo.co.jp", "www.foo.co.uk", "foo.jp"],
    ),
    ("t.co/abcde bit.ly/abcde", ["t.co/abcde", "bit.ly/abcde"]),
    ("Go to http://example.com/a+ or http://example.com/a-", ["http://example.com/a+", "http://example.com/a-"]),
    ("Go to http://example.com/view/slug-url-?foo=bar", ["http://example.com/view/slug-url-?foo=bar"]),
    (
        "Go to https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud please",
        ["https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud"],
    ),
    ("@user Try http:// example.com/path", ["example.com/path"]),
    (
        "これは日本語です。example.com/path/index.html中国語example.com/path한국",
        ["example.com/path/index.html", "example.com/path"],
    ),
    (
        "twitter.comこれは日本語です。example.com中国語t.co/abcde한국twitter.com "
        "example2.comテストtwitter.com/abcde",
        ["twitter.com", "example.com", "t.co/abcde", "twitter.com", "example2.com", "twitter.com/abcde"],
    ),
    (
        "http://twitter.com/これは日本語です。example.com中国語http://t.co/abcde한국twitter.com"
        "テストexample2.comテストhttp://twitter.com/abcde",
        [
            "http://twitter.com/",
            "example.com",
            "http://t.co/abcde",
            "twitter.com",
            "example2.com",
            "http://twitter.com/abcde",
        ],
    ),
    ("Go to http://twitter.com/Русские_слова", ["http://twitter.com/Русские_слова"]),
    (
        "http://exampleこれは日本語です.com/path/index.html http://" + "あ" * 300 + ".com/path/index.html",
        ["http://exampleこれは日本語です.com/path/index.html"],
    ),
    ("twitter.jp日本語it.so中国語foo.jp it.so foo.jp", ["twitter.jp", "it.so", "foo.jp", "it.so", "foo.jp"]),
    ("Hello http://xn--はじめよう.com/index.html", []),
    ("text http://domain-dash_2314352345_dfasd.foo-cow_4352.com", []),
    ("MLB.tv vine.co twitch.tv t.co", ["MLB.tv", "vine.co", "twitch.tv", "t.co"]),
    ("@user Try http://\u00a0example.com/path", ["example.com/path"]),
    ("test http://sub_domain-dash.twitter.com", ["http://sub_domain-dash.twitter.com"]),
    ("test http://a.b.cd", ["http://a.b.cd"]),
    ("test http://a_b.c-d.com", ["http://a_b.c-d.com"]),
    (
        "http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188",
        ["http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188"],
    ),
    ("test http://-leadingdash.twitter.com", []),
    ("test http://leadingdash.-twitter.com", []),
    ("test http://trailingdash-.twitter.com", []),
    ("test http://trailingdash.twitter-.com", []),
    ("test http://_leadingunderscore.twitter.com", []),
    ("test http://leadingunderscore._twitter.com", []),
    ("test http://trailingunderscore_.twitter.com", []),
    ("test http://trailingunderscore.twitter_.com", []),
    ("test http://twitter_underscore.com", []),
    ("test http://twitter.c_o_m", []),
    ("test http://www.foo.com/foo/path-with-period./", ["http://www.foo.com/foo/path-with-period./"]),
    ("test http://www.foo.org.za/foo/bar/688.1", ["http://www.foo.org.za/foo/bar/688.1"]),
    ("test ELPAÍS.com", ["ELPAÍS.com"]),
    ("test http://twitter.com/.", ["http://twitter.com/"]),
    ("Test a ton of periods http://example.com/path" + "." * 42, ["http://example.com/path"]),
    ("Test a ton of periods http://example.com/" + "," * 42, ["http://example.com/"]),
    ("Test a ton of periods http://example.com/path/" + "!" * 42, ["http://example.com/path/"]),
    ("#test.com @test.com #http://test.com @http://test.com #t.co/abcde @t.co/abcde", []),
    ("I really like http://t.co/pbY2NfTZ's website", ["http://t.co/pbY2NfTZ"]),
    ("Check this site out http://t.co/FNkPfmii- it's great", ["http://t.co/FNkPfmii"]),
    ("According to http://t.co/ulYGBYSo: the internet is cool", ["http://t.co/ulYGBYSo"]),
    ("I really like http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234", []),
    ("example.comてすとですtwitter.みんなです", ["example.com", "twitter.みんな"]),
    (
        "http://twitter.com\nhttp://example.com\nhttp://example.com/path\nexample.com/path\nit.so\nit.so/abcde",
        ["http://twitter.com", "http://example.com", "http://example.com/path", "example.com/path", "it.so", "it.so/abcde"],
    ),
    ("$http://twitter.com $twitter.com $http://t.co/abcde $t.co/abcde $t.co $TVI.CA $RBS.CA", []),
    ("long.test.tar.bz2 test.tar.bz2 tar.bz2", []),
    ("john.doe.gov@mail.com", []),
    ("john.doe.jp@mail.com", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), EXTRACT_URLS)
def test_find_urls_conformance(text: str, expected: list[str]) -> None:
    assert [text[start:end] for start, end in find_urls(text)] == expected


# [TT-extract] urls_with_indices: spans are code-point offsets.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("text http://google.com", [(5, 22)]),
        ("皆さん見てください！ http://google.com", [(11, 28)]),
        ("t.co/abcde bit.ly/abcde", [(0, 10), (11, 23)]),
        ("🙂 example.com", [(2, 13)]),
        ("", []),
        ("no urls here", []),
    ],
)
def test_find_urls_spans(text: str, expected: list[tuple[int, int]]) -> None:
    assert find_urls(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Not in the conformance files; they follow from the same rules.
        ("Refunds: https://help.acme.example/refunds.", ["https://help.acme.example/refunds"]),
        ("see help.acme.example/refunds?id=3&x=y, thanks", ["help.acme.example/refunds?id=3&x=y"]),
        ("www.example.com.zzz", ["www.example.com"]),
        ("a.com_x.zzz", ["a.com"]),
        ("日本example.com", ["example.com"]),
        ("readme.txt and notes.md", ["notes.md"]),  # .md is Moldova; .txt is no TLD
        ("ftp://www.example.com/", []),  # the "/" before the bare domain vetoes it
        ("version 1.5 or v2.0", []),
    ],
)
def test_find_urls_more(text: str, expected: list[str]) -> None:
    assert [text[start:end] for start, end in find_urls(text)] == expected


# --------------------------------------------------------------------------------------
# chars and graphemes (UAX #29 extended grapheme clusters)

CHARS_GRAPHEMES = [
    pytest.param("hello", 5, 5, id="ascii"),
    pytest.param("e\u0301", 2, 1, id="combining acute"),
    pytest.param("é", 1, 1, id="precomposed"),
    pytest.param(FAMILY, 7, 1, id="ZWJ family"),
    pytest.param("\U0001f44d\U0001f3fd", 2, 1, id="skin tone"),
    pytest.param("\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 4, 2, id="two flags"),
    pytest.param("\U0001f1eb\U0001f1f7\U0001f1e9", 3, 2, id="flag and a lone indicator"),
    pytest.param("1" + VS16 + "\u20e3", 3, 1, id="keycap"),
    pytest.param("한국어", 3, 3, id="hangul syllables"),
    pytest.param("\u1112\u1161\u11ab", 3, 1, id="conjoining jamo"),
    pytest.param("a\r\nb", 4, 3, id="CR LF is one cluster"),
    pytest.param("谢谢你。", 4, 4, id="CJK"),
    pytest.param("ok\u200d", 3, 2, id="ZWJ extends"),
    pytest.param("", 0, 0, id="empty"),
]


@pytest.mark.parametrize(("text", "chars", "graphemes"), CHARS_GRAPHEMES)
def test_chars_and_graphemes(text: str, chars: int, graphemes: int) -> None:
    assert count_length(text, "chars") == chars
    assert count_length(text, "graphemes") == graphemes


# --------------------------------------------------------------------------------------
# sms: [23.038] alphabet; 160/153 septets, 70/67 UCS-2 code units; an escape pair or a
# surrogate pair is never split across two parts.

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EURO = "€"
ZHE = "ж"  # Cyrillic: UCS-2, one code unit
GRIN = "\U0001f600"  # outside the BMP: a surrogate pair, two code units

SMS = [
    pytest.param("", 0, id="empty is no message"),
    pytest.param("a", 1, id="one char"),
    pytest.param("a" * 160, 1, id="160 GSM chars"),
    pytest.param("a" * 161, 2, id="161 GSM chars"),
    pytest.param("a" * 306, 2, id="153*2"),
    pytest.param("a" * 307, 3, id="153*2+1"),
    pytest.param(GSM_BASIC + "x" * 33, 1, id="whole basic table + 33 = 160"),
    pytest.param(EURO * 80, 1, id="80 euro = 160 septets"),
    pytest.param(EURO * 81, 2, id="81 euro = 162 septets"),
    pytest.param("a" * 159 + EURO, 2, id="escape pair past 160"),
    pytest.param("a" * 152 + EURO + "a" * 152, 3, id="euro at the 153 boundary is not split"),
    pytest.param("a" * 153 + EURO + "a" * 151, 2, id="euro right after the boundary"),
    pytest.param("{}[]~|^\\\f" * 8 + "a" * 16, 1, id="extension table: 144 + 16 septets"),
    pytest.param("{}[]~|^\\\f" * 8 + "a" * 17, 2, id="extension table: 144 + 17 septets"),
    pytest.param(ZHE * 70, 1, id="70 UCS-2"),
    pytest.param(ZHE * 71, 2, id="71 UCS-2"),
    pytest.param(ZHE * 134, 2, id="67*2 UCS-2"),
    pytest.param(ZHE * 135, 3, id="67*2+1 UCS-2"),
    pytest.param("a" * 69 + "’", 1, id="one curly quote forces UCS-2"),
    pytest.param("a" * 70 + "’", 2, id="curly quote at 71"),
    pytest.param(GRIN * 35, 1, id="35 astral = 70 units"),
    pytest.param(GRIN * 36, 2, id="36 astral = 72 units"),
    pytest.param(ZHE * 66 + GRIN + ZHE * 66, 3, id="surrogate pair at the 67 boundary"),
    pytest.param(ZHE * 65 + GRIN + ZHE * 67, 2, id="surrogate pair ends the first part"),
    pytest.param("ç", 1, id="lowercase c cedilla is not GSM"),
]


@pytest.mark.parametrize(("text", "expected"), SMS)
def test_sms_segments(text: str, expected: int) -> None:
    assert count_length(text, "sms") == expected
    assert sms_segments(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GSM_BASIC, True),
        ("^{}\\[~]|€\f", True),
        ("Ç", True),
        ("ç", False),
        ("Don’t", False),
        ("\x1b", False),  # the escape code itself is no character
        ("\t", False),
        ("`", False),
        ("Α", False),  # Greek capital alpha, not the Latin A
        ("", True),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


def test_gsm_incompatible_chars_in_order_of_appearance() -> None:
    text = "Don’t — “quote” me, café ça ’"
    assert gsm_incompatible_chars(text) == ["’", "—", "“", "”", "ç"]
    assert gsm_incompatible_chars("plain GSM text: 5€ {ok}") == []


def test_gsm_alphabet_matches_gsm0338_codec() -> None:
    """Cross-check the [23.038] table against the gsm0338 package, over the whole BMP."""
    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or char == "\x1b":
            continue
        try:
            septets = len(char.encode("gsm03.38"))
        except UnicodeError:
            septets = 0
        assert is_gsm7(char) is (septets > 0), char
        if septets:
            assert len(char) + len(L._GSM7_EXTENSION_RE.findall(char)) == septets, char


# --------------------------------------------------------------------------------------
# mastodon: [Mastodon]

MASTODON = [
    pytest.param("Hello", 5, id="plain"),
    pytest.param("https://help.acme.example/refunds/very/long/path?x=1", 23, id="URL is 23"),
    pytest.param("See http://example.com", 27, id="URL after text"),
    pytest.param("https://t.co", 23, id="short URL is 23 too"),
    pytest.param("help.acme.example/refunds", 25, id="no scheme: plain text"),
    pytest.param("a" * 476 + " http://" + "b" * 30 + ".com/example", 500, id="spec: 476 + URL"),
    pytest.param("a" * 475 + " @alice@" + "b" * 30 + ".com", 482, id="spec: remote mention"),
    pytest.param("Hi @alice@mastodon.social!", 10, id="remote mention counts its local part"),
    pytest.param("@bob", 4, id="local mention"),
    pytest.param("mail bob@example.com", 20, id="e-mail is no mention"),
    pytest.param("Merci 🙏🏽 " + FAMILY, 9, id="emoji sequences are one grapheme each"),
    pytest.param("e\u0301", 1, id="combining mark"),
    pytest.param("https://mastodon.social/@alice@x.org", 23, id="mention inside URL"),
    pytest.param("", 0, id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), MASTODON)
def test_mastodon(text: str, expected: int) -> None:
    assert count_length(text, "mastodon") == expected


# --------------------------------------------------------------------------------------
# API


def test_count_rules_are_all_known() -> None:
    assert COUNT_RULES == ("chars", "graphemes", "twitter", "sms", "mastodon", "utf8")
    for rule in COUNT_RULES:
        assert count_length("abc", rule) >= 1


@pytest.mark.parametrize(
    ("text", "length"),
    [("Ciao", 4), ("perché", 7), ("€5", 4), ("👍🏽", 8), ("王芳", 6), ("", 0)],
)
def test_utf8_counts_bytes_as_instagram_does(text: str, length: int) -> None:
    """Instagram's Send API limit is 1000 bytes of UTF-8, not 1000 characters."""
    assert count_length(text, "utf8") == length == len(text.encode("utf-8"))


def test_unknown_rule_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown count rule 'tweets'") as caught:
        count_length("abc", "tweets")
    for rule in COUNT_RULES:
        assert rule in str(caught.value)


def test_plain_grapheme_ranges_never_join() -> None:
    """Every code point the fast grapheme path treats as plain is Other, Control or LF."""
    joining = regex.compile(
        r"[^\p{Grapheme_Cluster_Break=Other}\p{Grapheme_Cluster_Break=Control}"
        r"\p{Grapheme_Cluster_Break=LF}]"
    )
    plain = regex.compile(f"[{L._GRAPHEME_PLAIN}]")
    for block in range(0, 0x40000, 0x1000):
        chunk = "".join(chr(c) for c in range(block, block + 0x1000) if not 0xD800 <= c < 0xE000)
        candidates = "".join(plain.findall(chunk))
        assert joining.search(candidates) is None


# --------------------------------------------------------------------------------------
# Properties

INTERESTING = (
    "a b.c/:@\r\n'\"éñ€^{}ж谢한\u1100\u1161\u11a8\u0301\u0308\u093f\u094d\u0915"
    "\u200d\ufe0f\ufe0e\u20e3#1\u00a9\U0001f44d\U0001f3fd\U0001f468\U0001f469\U0001f1eb\U0001f1f7"
    "\U0001f3f4\U000e0067\U000e007f\u263a\u2764\U0001f600"
)
texts = st.text(alphabet=st.sampled_from(INTERESTING) | st.characters(), max_size=80)


def _reference_twitter(text: str) -> int:
    """parseTweet's loop, literally: walk the text, URL first, then emoji, then char."""
    normalized = unicodedata.normalize("NFC", text)
    urls = dict(find_urls(normalized))
    emoji = {m.start(): m.end() for m in L._EMOJI_RE.finditer(normalized)}
    total, index = 0, 0
    while index < len(normalized):
        if index in urls:
            total, index = total + 23, urls[index]
        elif index in emoji:
            total, index = total + 2, emoji[index]
        else:
            total += 1 if L._TW_HEAVY_RE.match(normalized[index]) is None else 2
            index += 1
    return total


def _reference_sms(text: str) -> int:
    """Greedy fill, one character at a time."""
    if not text:
        return 0
    if is_gsm7(text):
        costs = [2 if c in "^{}\\[~]|€\f" else 1 for c in text]
        single, multi = 160, 153
    else:
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
        single, multi = 70, 67
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            parts, used = parts + 1, cost
        else:
            used += cost
    return parts


@given(texts)
def test_graphemes_match_full_segmentation(text: str) -> None:
    assert count_length(text, "graphemes") == len(regex.findall(r"\X", text))


@given(texts)
def test_graphemes_never_exceed_chars(text: str) -> None:
    assert count_length(text, "graphemes") <= count_length(text, "chars")


@given(texts)
def test_twitter_matches_reference_walk(text: str) -> None:
    assert count_length(text, "twitter") == _reference_twitter(text)


@given(texts)
def test_twitter_weighs_at_least_one_per_grapheme_without_urls(text: str) -> None:
    normalized = unicodedata.normalize("NFC", text)
    assume(not find_urls(normalized))
    assert count_length(text, "twitter") >= count_length(normalized, "graphemes")


@given(st.text(alphabet=st.characters(max_codepoint=0x7F, exclude_characters="."), max_size=200))
def test_twitter_ascii_without_dots_is_its_length(text: str) -> None:
    assert count_length(text, "twitter") == len(text)


@given(st.text(alphabet=st.sampled_from("a€ж" + GRIN + "’{"), max_size=400))
@settings(max_examples=300)
def test_sms_matches_greedy_reference(text: str) -> None:
    assert sms_segments(text) == _reference_sms(text)


@given(texts, texts)
def test_sms_is_monotonic_under_appending(head: str, tail: str) -> None:
    assert sms_segments(head) <= sms_segments(head + tail)


@given(texts)
def test_gsm_incompatible_chars_explain_is_gsm7(text: str) -> None:
    offenders = gsm_incompatible_chars(text)
    assert is_gsm7(text) is (not offenders)
    assert len(set(offenders)) == len(offenders)
    assert all(char in text for char in offenders)


@given(texts)
def test_find_urls_spans_are_ordered_and_disjoint(text: str) -> None:
    spans = find_urls(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert "." in text[start:end]
        previous_end = end


@given(texts)
def test_mastodon_without_entities_is_graphemes(text: str) -> None:
    assume("@" not in text and ":" not in text)
    assert count_length(text, "mastodon") == count_length(text, "graphemes")


@given(texts)
def test_every_rule_counts_something_nonnegative(text: str) -> None:
    for rule in COUNT_RULES:
        counted = count_length(text, rule)
        assert counted >= 0
        assert (counted == 0) is (text == "")
