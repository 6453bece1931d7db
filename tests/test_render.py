"""Rendering: templates in a sandbox, openings, signatures, fitting to each channel's limit.

These tests need no model: they render answers directly with a Renderer.
"""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replykb import Customer, RenderError, ReplyTooLongError, UnknownNameError
from replykb.length import count_length, find_urls
from replykb.models import Agent, Answer, Channel, Settings
from replykb.render import DEFAULT_OPENINGS, Renderer, clean_customer_text, customer_views

LINK = "https://help.acme.example/refunds"
FULL = (
    "Refunds reach your account within 5 working days of approval. Banks can take a little "
    "longer to show the money, so if it has been more than a week, reply with your order "
    "number and we will chase it for you. You can follow yours at {{ link }}."
)
SHORT = "Refunds arrive within 5 working days: {{ link }}"


def make_settings(**channels: Channel) -> Settings:
    return Settings.model_validate(
        {
            "brand": "Acme",
            "channels": {"x": {}, "sms": {}, "facebook": {}, "email": {}, "chat": {}, **channels},
            "agents": {
                "paola": Agent(
                    name="Paola", signatures={"x": "^Paola", "email": "Paola Ricci\nAcme Care"}
                ),
                "dev": Agent(name="Dev"),
            },
        }
    )


def make_answer(**fields: object) -> Answer:
    values: dict[str, object] = {
        "id": "refund-timing",
        "questions": ["When will I get my refund?"],
        "answer": FULL,
        "short": SHORT,
        "facts": ["5 working days"],
        "link": LINK,
    }
    return Answer.model_validate({**values, **fields})


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(make_settings())


CHANNELS = ["x", "twitter", "sms", "facebook", "email", "chat"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_reply_is_measured_by_the_channel_rule_and_fits(renderer: Renderer, channel: str) -> None:
    reply = renderer.render(make_answer(), channel=channel, agent="paola", customer="Mario")
    name, spec = renderer.channel(channel)
    assert reply.channel == name
    assert reply.length == count_length(reply.text, spec.count)
    assert reply.limit == spec.limit
    assert spec.limit is None or reply.length <= spec.limit
    assert "5 working days" in reply.text
    assert "Mario" in reply.text


@pytest.mark.parametrize(
    ("limit", "form"),
    [(2000, "full"), (120, "short"), (95, "cut")],
)
def test_fitting_picks_full_then_short_then_cut(limit: int, form: str) -> None:
    renderer = Renderer(make_settings(tight=Channel(limit=limit, count="chars", family="short")))
    reply = renderer.render(make_answer(), channel="tight", agent="paola", conversation_id="c1")
    assert reply.form == form
    assert reply.length <= limit
    assert reply.text.endswith("^Paola")
    assert LINK in reply.text
    if form == "cut":
        assert "…" in reply.text


def test_cut_without_short_keeps_link_and_ends_with_ellipsis() -> None:
    renderer = Renderer(make_settings(tight=Channel(limit=140, count="twitter", family="short")))
    reply = renderer.render(make_answer(short=None), channel="tight", agent="paola")
    assert reply.form == "cut"
    before_link = reply.text.split(LINK)[0]
    assert before_link.rstrip().endswith("…")
    assert reply.text.startswith(reply.text.split(" ")[0])
    assert reply.length <= 140


def test_too_long_even_when_cut_names_answer_channel_and_overflow() -> None:
    settings = make_settings(tiny=Channel(limit=30, count="chars", family="short"))
    with pytest.raises(ReplyTooLongError) as raised:
        Renderer(settings).render(make_answer(), channel="tiny", agent="paola")
    assert raised.value.answer_id == "refund-timing" and raised.value.channel == "tiny"
    assert raised.value.overflow > 0
    assert "refund-timing" in str(raised.value) and "'tiny'" in str(raised.value)


def test_private_answer_invites_to_private_channel_on_public_channels(renderer: Renderer) -> None:
    answer = make_answer(private=True, answer="Your order 1234 ships to 5 Main Street.", short=None)
    public = renderer.render(answer, channel="x", agent="paola")
    assert public.form == "private_invite"
    assert "direct message" in public.text and "Main Street" not in public.text
    private = renderer.render(answer, channel="chat", agent="paola")
    assert private.form == "full" and "Main Street" in private.text


@pytest.mark.parametrize(
    ("agent", "channel", "signature"),
    [
        ("paola", "x", "^Paola"),
        ("paola", "twitter", "^Paola"),
        ("paola", "email", "Paola Ricci\nAcme Care"),
        ("paola", "facebook", "Paola, Acme"),
        ("dev", "x", "^Dev"),
        ("dev", "email", "Dev\nAcme Customer Care"),
        (None, "facebook", "The Acme team"),
    ],
)
def test_signatures_per_agent_and_channel(
    renderer: Renderer, agent: str | None, channel: str, signature: str
) -> None:
    reply = renderer.render(make_answer(), channel=channel, agent=agent)
    assert reply.text.endswith(signature)


def test_openings_are_stable_per_conversation_and_vary_between(renderer: Renderer) -> None:
    answer = make_answer()

    def opening(conversation: str) -> str:
        text = renderer.render(
            answer, channel="email", agent="paola", customer="Mario", conversation_id=conversation
        ).text
        return text.split("\n\n")[0]

    assert opening("conv-1") == opening("conv-1")
    openings = {opening(f"conv-{i}") for i in range(30)}
    assert len(openings) >= 3
    solutions = {
        renderer.render(
            answer, channel="email", agent="paola", conversation_id=f"conv-{i}"
        ).text.split("\n\n")[1]
        for i in range(30)
    }
    assert len(solutions) == 1, "the solution never varies"


@pytest.mark.parametrize("tone", ["neutral", "apology", "thanks"])
def test_each_tone_has_its_own_openings(renderer: Renderer, tone: str) -> None:
    text = renderer.render(
        make_answer(tone=tone), channel="email", customer="Mario", conversation_id="c"
    ).text
    first_line = text.split("\n\n")[0]
    expected = {
        variant.replace("{{ customer.name }}", "Mario") for variant in DEFAULT_OPENINGS[tone]
    }  # type: ignore[index]
    assert first_line in expected


@pytest.mark.parametrize(
    "customer", ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{{ ''.__class__ }}"]
)
def test_customer_text_is_data_never_template_code(renderer: Renderer, customer: str) -> None:
    reply = renderer.render(make_answer(), channel="chat", customer=customer)
    assert customer in reply.text
    assert "49" not in reply.text


def test_template_touching_class_fails_safely() -> None:
    renderer = Renderer(make_settings(), {"chat.j2": "{{ customer.__class__.__mro__ }} {{ body }}"})
    with pytest.raises(RenderError, match=r"chat\.j2"):
        renderer.render(make_answer(), channel="chat")


def test_answer_text_touching_globals_fails_safely(renderer: Renderer) -> None:
    with pytest.raises(RenderError):
        renderer.render(make_answer(answer="{{ cycler.__init__.__globals__ }}"), channel="chat")


def test_undefined_variable_is_an_error_not_blank() -> None:
    renderer = Renderer(
        make_settings(), {"chat.j2": "{{ opening }} {{ body }} {{ agent.nickname }}"}
    )
    with pytest.raises(RenderError, match="nickname"):
        renderer.render(make_answer(), channel="chat")


def test_base_templates_override_builtin_ones() -> None:
    renderer = Renderer(
        make_settings(), {"chat.j2": "{{ body }} -- {{ agent.name }} at {{ brand }}"}
    )
    reply = renderer.render(make_answer(short=None), channel="chat", agent="dev")
    assert reply.text.endswith("-- Dev at Acme")


def test_html_escaping_only_in_html_formats(renderer: Renderer) -> None:
    reply = renderer.render(make_answer(), channel="email", customer="<b>Mario</b>")
    assert "<b>Mario</b>" in reply.text
    assert reply.html is not None and "&lt;b&gt;Mario&lt;/b&gt;" in reply.html
    assert "<b>Mario</b>" not in reply.html


@pytest.mark.parametrize(
    ("raw", "public", "expected"),
    [
        ("Mario\u202eoiram", False, "Mariooiram"),
        ("Ma\x00ri\x1bo", False, "Ma ri o"),  # a control character separates words
        ("Mario\nP.S.", False, "Mario P.S."),
        ("Ma\ud800rio\udfff", True, "Mario"),  # lone surrogates (a JSON "\ud800") go
        ("Mario\u2028Rossi\r\nP.S.", False, "Mario Rossi P.S."),
        ("Mario @elonmusk #sale", True, "Mario elonmusk sale"),
        ("Mario @elonmusk #sale", False, "Mario @elonmusk #sale"),
        ("see https://evil.example/x now", True, "see evil[.]example/x now"),
        ("family 👨‍👩‍👧 fan", True, "family 👨‍👩‍👧 fan"),
        ("mario@example.com", True, "mario@example.com"),  # not a link nor a mention on X
    ],
)
def test_customer_text_is_cleaned(raw: str, public: bool, expected: str) -> None:
    assert clean_customer_text(raw, public=public) == expected


def test_customer_as_handle_or_model(renderer: Renderer) -> None:
    by_handle = renderer.render(
        make_answer(), channel="chat", customer="@mario_r", conversation_id="c"
    )
    by_model = renderer.render(
        make_answer(),
        channel="chat",
        customer=Customer(name="Mario", handle="@mario_r"),
        conversation_id="c",
    )
    # A handle is never turned into a name: the nameless opening, the handle nowhere.
    assert "mario_r" not in by_handle.text and by_handle.text.startswith("Hi! Refunds")
    assert by_model.text.startswith("Hi Mario! Refunds") and "mario_r" not in by_model.text


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [("channel", {"channel": "fax"}), ("agent", {"channel": "x", "agent": "zed"})],
)
def test_unknown_channel_or_agent_lists_known_ones(
    renderer: Renderer, kind: str, kwargs: dict[str, str]
) -> None:
    with pytest.raises(UnknownNameError, match=f"unknown {kind}") as raised:
        renderer.render(make_answer(), **kwargs)
    assert ("paola" if kind == "agent" else "facebook") in str(raised.value)


def test_long_customer_name_is_shortened_not_cut_into_solution(renderer: Renderer) -> None:
    name = "Bartholomew " * 10 + "🎉"
    reply = renderer.render(make_answer(), channel="x", agent="paola", customer=name)
    assert reply.length <= 280 and "5 working days" in reply.text
    assert "Bartholomew Bartholomew" in reply.text and "…" in reply.text


# --- properties of the fitter -------------------------------------------------------------

# Whole graphemes only: a lone skin-tone modifier would merge with the space before it.
GRAPHEMES = [*"abcdefghijklmnopqrstuvwxyzé日本", "😀", "👍🏽", "🇮🇹"]
WORD = st.lists(st.sampled_from(GRAPHEMES), min_size=1, max_size=12).map("".join)
ANSWER_TEXT = st.lists(
    st.one_of(WORD, st.just("{{ link }}"), st.just("https://status.acme.example/x")),
    min_size=1,
    max_size=60,
).map(" ".join)
NAME = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=70)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=ANSWER_TEXT,
    name=NAME,
    limit=st.integers(min_value=90, max_value=400),
    rule=st.sampled_from(["chars", "graphemes", "twitter", "mastodon"]),
)
def test_fitter_properties(text: str, name: str, limit: int, rule: str) -> None:
    renderer = Renderer(
        make_settings(tight=Channel(limit=limit, count=rule, public=True, family="short"))
    )  # type: ignore[arg-type]
    answer = make_answer(answer=text, short=None)
    try:
        reply = renderer.render(answer, channel="tight", agent="paola", customer=name or None)
    except ReplyTooLongError as error:
        assert error.length > limit
        return
    assert reply.length == count_length(reply.text, rule) <= limit
    assert reply.text.endswith(" ^Paola"), "the signature is intact"
    if reply.form == "cut":
        assert LINK in reply.text, "a cut keeps the link to the full answer"
    full = renderer.render(answer, channel="email").text
    allowed_urls = {LINK, "https://status.acme.example/x"}
    for start, end in find_urls(reply.text):
        url = reply.text[start:end]
        if url.startswith("https://"):
            assert url in allowed_urls, f"a URL was cut: {url}"
    body_graphemes = set(regex.findall(r"\X", full))
    reply_graphemes = set(regex.findall(r"\X", reply.text))
    customer_graphemes = set(regex.findall(r"\X", unicodedata.normalize("NFC", name)))
    # ... as printed: a grapheme of over 10 code points keeps its first one.
    spec = renderer.channel("tight")[1]
    customer_graphemes |= set(regex.findall(r"\X", customer_views(name or None, spec)[0].name))
    openings = " ".join(v for variants in DEFAULT_OPENINGS.values() for v in variants)
    stray = (
        reply_graphemes
        - body_graphemes
        - customer_graphemes
        - set(regex.findall(r"\X", f"…^Paola {openings} {LINK}"))
    )
    assert not stray, f"graphemes broken by the cut: {stray}"


@pytest.mark.parametrize("name", ["\u0301Mario", "\U00011b60", " \u20dd\u0301Anna"])
def test_leading_combining_marks_do_not_fuse_with_the_opening(name: str) -> None:
    cleaned = clean_customer_text(name, public=True)
    assert regex.match(r"\X", " " + cleaned + "!").group() == " "
    assert cleaned in ("Mario", "", "Anna")
