"""A private answer asked on a public channel: the public invitation and the private
message itself, rendered for the matching private channel (issue 13, point 6).

X -> X DM, Facebook -> Messenger, Instagram -> Instagram DM, each within its limit as
that platform counts it. No model needed.
"""

from __future__ import annotations

import pytest

from replykb import AnswerBaseError, load_answer_base
from replykb.length import count_length
from replykb.models import Answer, Settings
from replykb.render import Renderer

from .conftest import EXAMPLE_BASE, WriteBase

BASE = load_answer_base(EXAMPLE_BASE)
RENDERER = Renderer.for_base(BASE)
PRIVATE_ANSWERS = [answer for answer in BASE.answers if answer.private]
PAIRS = {"x": "x_dm", "facebook": "messenger", "instagram": "instagram_dm"}
DETAILS = {"order_id": "FH1234567", "tracking_url": "https://track.example/FH1234567"}


@pytest.mark.parametrize("customer", [None, "Mario", "@giulia_r"])
@pytest.mark.parametrize(("public", "private"), sorted(PAIRS.items()))
def test_every_private_answer_gets_its_private_message(
    public: str, private: str, customer: str | None
) -> None:
    assert PRIVATE_ANSWERS, "the example base has private answers"
    for answer in PRIVATE_ANSWERS:
        reply = RENDERER.render(
            answer, channel=public, agent="paola", customer=customer, details=DETAILS
        )
        assert reply.form == "private_invite" and "direct message" in reply.text
        assert reply.limit is not None and reply.length <= reply.limit
        assert "FH1234567" not in reply.text, "no ticket detail in public"
        message = reply.private_reply
        assert message is not None and message.channel == private
        assert message.form in ("full", "short", "cut") and message.private_reply is None
        spec = RENDERER.channel(private)[1]
        assert not spec.public and message.count == spec.count
        assert message.length == count_length(message.text, spec.count) <= (spec.limit or 0)
        # The same message a private channel gets, with the same details and opening.
        direct = RENDERER.render(
            answer, channel=private, agent="paola", customer=customer, details=DETAILS
        )
        # ... but for its window: a private reply to a public comment is sent once.
        assert message.model_copy(update={"window": direct.window}) == direct
        assert message.window is not None
        assert message.window.once is (public != "x")
        for fact in answer.facts:
            assert fact.casefold() in message.text.casefold()


def test_the_private_message_carries_the_tickets_details() -> None:
    reply = RENDERER.render(BASE.answer("where-is-my-order"), channel="x", details=DETAILS)
    assert reply.private_reply is not None
    assert "FH1234567" in reply.private_reply.text and "FH1234567" not in reply.text


@pytest.mark.parametrize("channel", ["sms", "email", "chat", "x_dm", "messenger"])
def test_private_channels_send_the_answer_itself(channel: str) -> None:
    reply = RENDERER.render(PRIVATE_ANSWERS[0], channel=channel)
    assert reply.form != "private_invite" and reply.private_reply is None


@pytest.mark.parametrize("channel", ["x", "facebook", "instagram"])
def test_a_public_answer_on_a_public_channel_has_no_pair(channel: str) -> None:
    reply = RENDERER.render(BASE.answer("app-crash"), channel=channel)
    assert reply.form == "full" and reply.private_reply is None


def test_instagram_direct_messages_are_measured_in_utf8_bytes() -> None:
    """Instagram's Send API takes at most 1000 bytes: an Italian answer with accents is
    cut by bytes, not by characters."""
    text = "Perché è così? " * 80  # 15 characters, 18 bytes, 80 times
    answer = Answer(id="account", questions=["x?"], answer=text, private=True)
    reply = RENDERER.render(answer, channel="instagram")
    message = reply.private_reply
    assert message is not None and message.count == "utf8" and message.form == "cut"
    assert len(message.text.encode("utf-8")) == message.length <= 1000
    # Counted in characters it would have kept about 1000 of them: 1150 bytes.
    assert len(message.text) < 900


def test_a_base_listing_only_the_public_channel_gets_the_private_one(
    write_base: WriteBase,
) -> None:
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\nchannels: {x: {}}\n",
            "order.yaml": "questions: [where is it?]\nanswer: It left on Monday.\nprivate: true\n",
        }
    )
    base = load_answer_base(root)
    assert sorted(base.settings.channels) == ["x", "x_dm"]
    reply = Renderer.for_base(base).render(base.answers[0], channel="twitter")
    assert reply.private_reply is not None and reply.private_reply.channel == "x_dm"
    assert "It left on Monday." in reply.private_reply.text


@pytest.mark.parametrize(
    ("channels", "private_channel"),
    [
        ("{x: {private_channel: chat}, chat: {}}", "chat"),
        ("{facebook: {private_channel: whatsapp}}", "whatsapp"),
        ("{x: {private_channel: null}}", None),
    ],
)
def test_a_base_chooses_the_private_channel(
    write_base: WriteBase, channels: str, private_channel: str | None
) -> None:
    root = write_base(
        {
            "replykb.yaml": f"brand: Acme\nchannels: {channels}\n",
            "order.yaml": "questions: [where is it?]\nanswer: It left on Monday.\nprivate: true\n",
        }
    )
    base = load_answer_base(root)
    public = next(name for name, spec in base.settings.channels.items() if spec.public)
    reply = Renderer.for_base(base).render(base.answers[0], channel=public)
    assert reply.form == "private_invite"
    assert getattr(reply.private_reply, "channel", None) == private_channel


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ("{x: {private_channel: fax}}", "private_channel `fax` is not a channel of this base"),
        ("{x: {private_channel: facebook}}", "private_channel `facebook` is public"),
    ],
)
def test_a_private_channel_that_cannot_be_one_is_located(
    write_base: WriteBase, channels: str, message: str
) -> None:
    root = write_base({"replykb.yaml": f"brand: Acme\nchannels: {channels}\n"})
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    assert "replykb.yaml:2" in str(raised.value) and message in str(raised.value)


def test_settings_without_channels_pair_every_public_preset() -> None:
    settings = Settings.model_validate({"brand": "Acme"})
    renderer = Renderer(settings)
    for public, private in PAIRS.items():
        assert renderer.private_channel(public) == (private, settings.channels[private])
    assert renderer.private_channel("chat") is None
    assert renderer.private_channel("mastodon") is None
