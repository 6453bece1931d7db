"""Reply windows per channel: whether a reply may be sent, at times around each rule's
boundary (23h59, 24h01, 7 days +- 1 minute), as the platforms document them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from replykb import load_answer_base
from replykb.channels import CHANNEL_PRESETS, ReplyWindow
from replykb.cli import cli
from replykb.errors import AnswerBaseError, MessageError
from replykb.models import Channel, Settings
from replykb.render import Renderer, windows
from replykb.render.windows import reply_window
from replykb.triage_models import TriageFailure

from .conftest import EXAMPLE_BASE, MINIMAL_ANSWER, WriteBase

LAST = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # the customer's last message
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
SETTINGS = Settings.model_validate({"brand": "Acme"})  # every preset, as shipped

# After the customer's last message: (label, elapsed, status) for each kind of channel.
WHATSAPP = [
    ("0", timedelta(0), "open"),
    ("23h59", 23 * HOUR + 59 * MINUTE, "open"),
    ("24h", 24 * HOUR, "template_required"),
    ("24h01", 24 * HOUR + MINUTE, "template_required"),
    ("7d-1m", 7 * DAY - MINUTE, "template_required"),
    ("7d+1m", 7 * DAY + MINUTE, "template_required"),
    ("400d", 400 * DAY, "template_required"),
]
MESSENGER = [
    ("0", timedelta(0), "open"),
    ("23h59", 23 * HOUR + 59 * MINUTE, "open"),
    ("24h", 24 * HOUR, "human_agent_tag"),
    ("24h01", 24 * HOUR + MINUTE, "human_agent_tag"),
    ("7d-1m", 7 * DAY - MINUTE, "human_agent_tag"),
    ("7d", 7 * DAY, "closed"),
    ("7d+1m", 7 * DAY + MINUTE, "closed"),
]
NO_WINDOW = [(label, elapsed, "open") for label, elapsed, _ in WHATSAPP]
WINDOWED = {"whatsapp": WHATSAPP, "messenger": MESSENGER, "instagram_dm": MESSENGER}
EXPECTED = {name: WINDOWED.get(name, NO_WINDOW) for name in CHANNEL_PRESETS}
CASES = [
    pytest.param(name, elapsed, status, id=f"{name}-{label}")
    for name, rows in sorted(EXPECTED.items())
    for label, elapsed, status in rows
]


def window(channel: str, elapsed: timedelta | None, **options: object) -> ReplyWindow:
    spec = SETTINGS.channels[channel]
    last = None if elapsed is None else LAST
    return reply_window(channel, spec, last, LAST + (elapsed or timedelta(0)), **options)  # type: ignore[arg-type]


def test_only_whatsapp_messenger_and_instagram_dm_have_windows() -> None:
    assert {name for name, spec in SETTINGS.channels.items() if spec.window} == set(WINDOWED)
    assert {name for name, spec in SETTINGS.channels.items() if spec.private_reply} == {
        "facebook",
        "instagram",
    }


@pytest.mark.parametrize(("channel", "elapsed", "status"), CASES)
def test_window_status_around_each_boundary(channel: str, elapsed: timedelta, status: str) -> None:
    result = window(channel, elapsed)
    assert result.status == status
    if status == "open" and channel in ("whatsapp", "messenger", "instagram_dm"):
        assert result.closes_at == LAST + 24 * HOUR
    elif status == "human_agent_tag":
        assert (result.tag, result.closes_at) == ("HUMAN_AGENT", LAST + 7 * DAY)
    else:
        assert result.closes_at is None
    if status != "human_agent_tag":
        assert result.tag is None
    assert result.once is False


@pytest.mark.parametrize(
    ("channel", "rule", "source"),
    [
        (
            "whatsapp",
            "whatsapp: free-form replies within 24 hours of the customer's last message, "
            "then only an approved template",
            "developers.facebook.com/docs/whatsapp/",
        ),
        (
            "messenger",
            "messenger: free-form replies within 24 hours of the customer's last message, "
            "then a person with the HUMAN_AGENT tag up to 7 days",
            "developers.facebook.com/docs/messenger-platform/policy/",
        ),
        (
            "instagram_dm",
            "instagram_dm: free-form replies within 24 hours of the customer's last message, "
            "then a person with the HUMAN_AGENT tag up to 7 days",
            "developers.facebook.com/docs/messenger-platform/instagram/",
        ),
    ],
)
def test_window_says_its_rule_and_source(channel: str, rule: str, source: str) -> None:
    for elapsed in (None, HOUR, 30 * HOUR, 8 * DAY):
        result = window(channel, elapsed)
        assert result.rule == rule
        assert result.source is not None and source in result.source


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram_dm"])
def test_unknown_last_message_time_on_a_windowed_channel(channel: str) -> None:
    result = window(channel, None)
    assert (result.status, result.closes_at, result.tag) == ("unknown", None, None)


@pytest.mark.parametrize("channel", ["x", "sms", "email", "chat", "facebook", "x_dm"])
def test_channels_without_a_window_are_open_without_a_time(channel: str) -> None:
    result = window(channel, None)
    assert result == ReplyWindow(status="open", rule=f"{channel}: no reply window")


@pytest.mark.parametrize(
    ("public", "elapsed", "status"),
    [
        ("facebook", timedelta(0), "open"),
        ("facebook", 25 * HOUR, "open"),
        ("facebook", 7 * DAY - MINUTE, "open"),
        ("facebook", 7 * DAY, "closed"),
        ("facebook", 7 * DAY + MINUTE, "closed"),
        ("instagram", 7 * DAY - MINUTE, "open"),
        ("instagram", 7 * DAY + MINUTE, "closed"),
    ],
)
def test_private_reply_to_a_public_comment_is_one_message_within_7_days(
    public: str, elapsed: timedelta, status: str
) -> None:
    private = "messenger" if public == "facebook" else "instagram_dm"
    result = window(private, elapsed, private_reply_to=(public, SETTINGS.channels[public]))
    assert (result.status, result.once) == (status, True)
    assert result.closes_at == (LAST + 7 * DAY if status == "open" else None)
    assert (
        result.rule
        == f"{public}: one private reply to a public comment, within 7 days of the comment"
    )
    assert result.source is not None and "private-replies" in result.source


def test_private_reply_to_a_channel_without_the_rule_uses_the_private_channels_window() -> None:
    result = window("x_dm", 30 * DAY, private_reply_to=("x", SETTINGS.channels["x"]))
    assert (result.status, result.once) == ("open", False)


@pytest.mark.parametrize("field", ["last_customer_message_at", "now"])
def test_naive_times_are_refused_with_the_fix(field: str) -> None:
    naive = datetime(2026, 11, 2, 9, 30)
    times = {"last_customer_message_at": LAST, "now": LAST + HOUR, field: naive}
    with pytest.raises(MessageError) as caught:
        reply_window(
            "whatsapp",
            SETTINGS.channels["whatsapp"],
            times["last_customer_message_at"],
            times["now"],
        )
    assert str(caught.value) == (
        f"`{field}` (2026-11-02T09:30:00) has no time zone, so the reply window cannot be "
        "known: give it in UTC (2026-11-02T09:30:00Z, or tzinfo=UTC) or with its offset (+01:00)"
    )


def test_a_last_message_after_now_beyond_clock_skew_is_an_error() -> None:
    spec = SETTINGS.channels["whatsapp"]
    # A few minutes ahead: two clocks that differ; the window is open from now.
    assert reply_window("whatsapp", spec, LAST + 5 * MINUTE, LAST).status == "open"
    with pytest.raises(MessageError, match=r"is after `now` .*check its time zone"):
        reply_window("whatsapp", spec, LAST + HOUR, LAST)


def test_the_same_instant_in_any_offset_gives_the_same_window_byte_for_byte() -> None:
    spec = SETTINGS.channels["messenger"]
    rome = timezone(timedelta(hours=1))
    in_utc = reply_window("messenger", spec, LAST, LAST + 30 * HOUR)
    in_rome = reply_window(
        "messenger", spec, LAST.astimezone(rome), (LAST + 30 * HOUR).astimezone(rome)
    )
    assert in_rome.model_dump_json() == in_utc.model_dump_json()
    assert '"closes_at":"2026-11-09T09:30:00Z"' in in_utc.model_dump_json()


# --- a base's own rules --------------------------------------------------------------


def settings_with(channels: str) -> str:
    return f"brand: Acme\nchannels:\n{channels}"


@pytest.mark.parametrize(
    ("channels", "elapsed", "status"),
    [
        ("  whatsapp: {window: ~}\n", 30 * DAY, "open"),
        ("  whatsapp: {window: {hours: 48, then: template}}\n", 47 * HOUR, "open"),
        ("  whatsapp: {window: {hours: 48, then: template}}\n", 49 * HOUR, "template_required"),
        ("  helpdesk: {limit: 500, window: {hours: 72}}\n", 73 * HOUR, "closed"),
        (
            "  messenger: {window: {hours: 24, then: human_agent_tag, tag: CUSTOM, tag_hours: 48}}\n",
            47 * HOUR,
            "human_agent_tag",
        ),
    ],
)
def test_a_base_overrides_a_presets_window(
    write_base: WriteBase, channels: str, elapsed: timedelta, status: str
) -> None:
    base = load_answer_base(
        write_base({"replykb.yaml": settings_with(channels), "a.yaml": MINIMAL_ANSWER})
    )
    (name,) = base.settings.channels
    result = reply_window(name, base.settings.channels[name], LAST, LAST + elapsed)
    assert result.status == status
    if status == "human_agent_tag":
        assert result.tag == "CUSTOM"


@pytest.mark.parametrize(
    ("channels", "line", "message"),
    [
        (
            "  whatsapp:\n    window: {hours: 24, then: human_agent_tag}\n",
            4,
            "`then: human_agent_tag` needs `tag_hours`",
        ),
        (
            "  messenger:\n    window: {hours: 24, then: human_agent_tag, tag_hours: 12}\n",
            4,
            "`tag_hours` (12) must be more than `hours` (24)",
        ),
        (
            "  whatsapp:\n    window: {hours: 24, then: template, tag: HUMAN_AGENT}\n",
            4,
            "`tag` and `tag_hours` apply only with `then: human_agent_tag`",
        ),
        ("  whatsapp:\n    window: {hours: 0}\n", 4, "hours"),
        ("  whatsapp:\n    window: {hours: 24, then: later}\n", 4, "then"),
        (
            "  whatsapp:\n    window: {hours: 24, tag_hour: 3}\n",
            4,
            "unknown key `tag_hour`; did you mean `tag_hours`?",
        ),
        ("  whatsapp:\n    format: rtf\n", 4, "format"),
        ("  facebook:\n    private_reply: {hours: -1}\n", 4, "hours"),
        (
            "  facebook:\n    public: false\n",
            3,
            "`private_reply` (one private reply to a public comment) applies to public "
            "channels: set `public: true`, or `private_reply: ~`",
        ),
        ("  chat:\n    private_reply: {hours: 24}\n", 3, "applies to public channels"),
    ],
)
def test_an_invalid_window_or_format_is_a_located_loader_error(
    write_base: WriteBase, channels: str, line: int, message: str
) -> None:
    root = write_base({"replykb.yaml": settings_with(channels), "a.yaml": MINIMAL_ANSWER})
    with pytest.raises(AnswerBaseError) as caught:
        load_answer_base(root)
    (problem,) = caught.value.problems
    assert problem.code == "RKB001"
    assert Path(problem.location.file).name == "replykb.yaml"
    assert problem.location.line == line
    assert message in str(problem)


def test_window_rule_defaults_the_tag_to_human_agent() -> None:
    channel = Channel.model_validate(
        {"limit": 10, "window": {"hours": 24, "then": "human_agent_tag", "tag_hours": 168}}
    )
    assert channel.window is not None and channel.window.tag == "HUMAN_AGENT"


# --- on replies: Renderer.render(..., last_customer_message_at=, now=) -----------------

EXAMPLE = load_answer_base(EXAMPLE_BASE)
RENDERER = Renderer(
    Settings.model_validate(
        {
            **EXAMPLE.settings.model_dump(mode="json"),
            "channels": {name: {} for name in ("x", "facebook", "instagram", "whatsapp", "sms")},
        }
    ),
    dict(EXAMPLE.templates),
)
PUBLIC_ANSWER = EXAMPLE.answer("refund-timing")
PRIVATE_ANSWER = EXAMPLE.answer("account-locked")  # private: an invitation on public channels


@pytest.mark.parametrize(
    ("channel", "elapsed", "status"),
    [
        ("whatsapp", 23 * HOUR + 59 * MINUTE, "open"),
        ("whatsapp", 24 * HOUR + MINUTE, "template_required"),
        ("x", 30 * DAY, "open"),
        ("sms", 30 * DAY, "open"),
    ],
)
def test_a_rendered_reply_states_its_window(channel: str, elapsed: timedelta, status: str) -> None:
    reply = RENDERER.render(
        PUBLIC_ANSWER, channel=channel, last_customer_message_at=LAST, now=LAST + elapsed
    )
    assert reply.window is not None and reply.window.status == status
    assert reply.text  # the reply is rendered whatever the window: the agent decides


@pytest.mark.parametrize(
    ("public", "private", "elapsed", "status"),
    [
        ("facebook", "messenger", 6 * DAY, "open"),
        ("facebook", "messenger", 7 * DAY + MINUTE, "closed"),
        ("instagram", "instagram_dm", 7 * DAY - MINUTE, "open"),
        ("instagram", "instagram_dm", 7 * DAY + MINUTE, "closed"),
    ],
)
def test_the_private_message_of_a_public_comment_is_a_private_reply(
    public: str, private: str, elapsed: timedelta, status: str
) -> None:
    reply = RENDERER.render(
        PRIVATE_ANSWER, channel=public, last_customer_message_at=LAST, now=LAST + elapsed
    )
    assert reply.form == "private_invite"
    assert reply.window == ReplyWindow(status="open", rule=f"{public}: no reply window")
    assert reply.private_reply is not None and reply.private_reply.channel == private
    window = reply.private_reply.window
    assert window is not None and (window.status, window.once) == (status, True)
    assert window.closes_at == (LAST + 7 * DAY if status == "open" else None)


def test_x_private_message_goes_by_dm_without_a_window() -> None:
    reply = RENDERER.render(
        PRIVATE_ANSWER, channel="x", last_customer_message_at=LAST, now=LAST + 30 * DAY
    )
    assert reply.private_reply is not None and reply.private_reply.channel == "x_dm"
    assert reply.private_reply.window == ReplyWindow(status="open", rule="x_dm: no reply window")


def test_same_inputs_same_reply_byte_for_byte() -> None:
    def render() -> str:
        return RENDERER.render(
            PRIVATE_ANSWER,
            channel="facebook",
            customer="Mario",
            last_customer_message_at=LAST,
            now=LAST + 2 * DAY,
        ).model_dump_json()

    assert render() == render()
    assert '"closes_at":"2026-11-09T09:30:00Z"' in render()


def test_no_clock_is_read_without_a_last_message_time(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_clock() -> datetime:
        raise AssertionError("the clock was read")

    monkeypatch.setattr(windows, "current_time", no_clock)
    reply = RENDERER.render(PUBLIC_ANSWER, channel="whatsapp")
    assert reply.window is not None and reply.window.status == "unknown"


def test_without_now_the_clock_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[datetime] = []

    def clock() -> datetime:
        reads.append(LAST + 30 * HOUR)
        return reads[-1]

    monkeypatch.setattr(windows, "current_time", clock)
    reply = RENDERER.render(PRIVATE_ANSWER, channel="facebook", last_customer_message_at=LAST)
    assert len(reads) == 1
    assert reply.private_reply is not None and reply.private_reply.window is not None
    assert reply.private_reply.window.status == "open"


def test_a_naive_time_fails_the_render_with_the_fix() -> None:
    with pytest.raises(
        MessageError, match=r"`last_customer_message_at` \(2026-11-02T09:30:00\) has no time zone"
    ):
        RENDERER.render(
            PUBLIC_ANSWER, channel="whatsapp", last_customer_message_at=datetime(2026, 11, 2, 9, 30)
        )


# --- through the triage core: kb.suggest, kb.render, suggest_many ------------------------


def test_kb_suggest_states_the_window_of_every_reply(example_kb) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(
        "when will I get my refund",
        channel="messenger",
        last_customer_message_at=LAST,
        now=LAST + 2 * DAY,
    )
    assert suggestion.reply is not None and suggestion.reply.window is not None
    window = suggestion.reply.window
    assert (window.status, window.tag, window.closes_at) == (
        "human_agent_tag",
        "HUMAN_AGENT",
        LAST + 7 * DAY,
    )


def test_kb_render_a_private_answer_on_a_facebook_comment(example_kb) -> None:  # type: ignore[no-untyped-def]
    reply = example_kb.render(
        "account-locked",
        channel="facebook",
        last_customer_message_at="2026-11-02T10:30:00+01:00",  # ISO 8601 text: LAST in Rome
        now=LAST + 8 * DAY,
    )
    assert reply.form == "private_invite"
    assert reply.private_reply is not None and reply.private_reply.window is not None
    assert (reply.private_reply.window.status, reply.private_reply.window.once) == ("closed", True)


WINDOW_REQUESTS = [
    ("when will I get my refund", "messenger", LAST),
    ("my account is locked", "facebook", LAST - 6 * DAY),
    ("do you price match", "instagram", "2026-10-20T09:30:00Z"),
    ("where is my parcel", "messenger", int((LAST - 3 * DAY).timestamp())),  # Unix seconds
    ("who won the football last night", "x", LAST),
    ("refund?", "chat", None),
]


def test_suggest_many_gives_what_suggest_gives_with_windows(example_kb) -> None:  # type: ignore[no-untyped-def]
    now = LAST + 30 * HOUR
    requests = [
        {"message": message, "channel": channel, "last_customer_message_at": last, "id": str(i)}
        for i, (message, channel, last) in enumerate(WINDOW_REQUESTS)
    ]
    results = list(example_kb.suggest_many(requests, now=now, batch_size=4))
    statuses = []
    for request, result in zip(requests, results, strict=True):
        assert result.status != "error", result
        single = example_kb.suggest(
            request["message"],
            channel=request["channel"],
            last_customer_message_at=request["last_customer_message_at"],
            now=now,
        )
        assert result.suggestion.model_dump_json() == single.model_dump_json()
        replies = [single.reply, *single.alternatives]
        statuses += [r.window.status for r in replies if r is not None and r.window]
    assert "human_agent_tag" in statuses and "open" in statuses


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2026-11-02T09:30:00",
            "`last_customer_message_at` (2026-11-02T09:30:00) has no time zone, so the reply "
            "window cannot be known: give it in UTC (2026-11-02T09:30:00Z, or tzinfo=UTC) or "
            "with its offset (+01:00)",
        ),
        (
            "yesterday",
            "`last_customer_message_at` ('yesterday') is not an ISO 8601 time: write it like "
            "2026-11-02T09:30:00Z",
        ),
        (True, "`last_customer_message_at` must be a time, not True"),
        (
            [2026, 11, 2],
            "`last_customer_message_at` must be a time with a time zone (a datetime, ISO 8601 "
            "text such as 2026-11-02T09:30:00Z, or Unix seconds), not list",
        ),
    ],
)
def test_a_request_with_an_unusable_time_fails_on_its_field(
    example_kb, value: object, message: str
) -> None:  # type: ignore[no-untyped-def]
    (result,) = example_kb.suggest_many(
        [{"message": "refund?", "channel": "chat", "last_customer_message_at": value, "line": 7}],
        now=LAST,
    )
    assert isinstance(result, TriageFailure)
    assert (result.kind, result.field, result.line, result.error) == (
        "MessageError",
        "last_customer_message_at",
        7,
        message,
    )
    with pytest.raises(MessageError) as caught:
        example_kb.suggest("refund?", channel="chat", last_customer_message_at=value, now=LAST)
    assert str(caught.value) == message


OUT_OF_RANGE = "is not a time replykb reads: give a time between 1900 and 9990 (check the year)"


@pytest.mark.parametrize(
    ("last", "now", "message"),
    [
        # Adding the window's hours to a time near year 9999 overflowed datetime.
        pytest.param(
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59Z",
            f"`now` (9999-12-31T23:59:59+00:00) {OUT_OF_RANGE}",
            id="year-9999",
        ),
        # Year 1 with a positive offset is before year 1 in UTC.
        pytest.param(
            "0001-01-01T00:00:00+05:00",
            LAST,
            f"`last_customer_message_at` (0001-01-01T00:00:00+05:00) {OUT_OF_RANGE}",
            id="year-1-offset",
        ),
        # str() refuses integers over 4,300 digits: the error itself used to fail.
        pytest.param(
            10**5000,
            LAST,
            "`last_customer_message_at` (a number of more than 40 digits) is not a Unix time "
            "in seconds replykb can read",
            id="5000-digit-number",
        ),
        # A megabyte of text is not echoed back whole.
        pytest.param(
            "x" * 1_000_000,
            LAST,
            "`last_customer_message_at` ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...) "
            "is not an ISO 8601 time: write it like 2026-11-02T09:30:00Z",
            id="1MB-text",
        ),
    ],
)
def test_times_no_window_can_use_are_one_line_errors(
    example_kb, last: object, now: object, message: str
) -> None:  # type: ignore[no-untyped-def]
    for channel in ("messenger", "whatsapp"):
        spec = SETTINGS.channels[channel]
        with pytest.raises(MessageError) as caught:
            reply_window(channel, spec, last, now)  # type: ignore[arg-type]
        assert str(caught.value) == message
    with pytest.raises(MessageError) as caught:
        example_kb.suggest("refund?", channel="chat", last_customer_message_at=last, now=now)
    assert str(caught.value) == message


def test_a_naive_now_is_refused_before_any_work(example_kb) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MessageError, match=r"^`now` \(2026-11-02T09:30:00\) has no time zone"):
        list(
            example_kb.suggest_many(
                [{"message": "refund?", "channel": "chat"}], now=datetime(2026, 11, 2, 9, 30)
            )
        )


# --- the command line: --last-message-at, --now, batch records ---------------------------


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--kb", str(EXAMPLE_BASE)])


def test_cli_render_prints_the_window_the_agent_must_respect() -> None:
    result = invoke(
        "render", "refund-timing", "-c", "messenger",
        "--last-message-at", "2026-11-02T09:30:00Z", "--now", "2026-11-03T18:00:00+01:00",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "[window: a person may send it with the HUMAN_AGENT tag until 2026-11-09T09:30:00Z; "
        "messenger: free-form replies within 24 hours of the customer's last message, then a "
        "person with the HUMAN_AGENT tag up to 7 days]\n"
    ) in result.stdout


def test_cli_render_of_a_pair_says_the_private_reply_is_closed() -> None:
    result = invoke(
        "render", "account-locked", "-c", "facebook",
        "--last-message-at", "2026-11-02T09:30:00Z", "--now", "2026-11-10T18:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    private = result.stdout.split("then, privately:\n")[1]
    assert private.splitlines()[1] == (
        "[window: closed: it can no longer be sent (one message only); facebook: one private "
        "reply to a public comment, within 7 days of the comment]"
    )


def test_cli_prints_no_window_line_where_any_reply_may_be_sent() -> None:
    result = invoke(
        "render", "refund-timing", "-c", "x", "--last-message-at", "2026-11-02T09:30:00Z"
    )
    assert result.exit_code == 0 and "[window" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--last-message-at", "2026-11-02T09:30"],
            "replykb: error: `--last-message-at` (2026-11-02T09:30:00) has no time zone",
        ),
        (["--now", "tomorrow"], "replykb: error: `--now` ('tomorrow') is not an ISO 8601 time"),
    ],
)
def test_cli_an_unusable_time_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = invoke("render", "refund-timing", "-c", "messenger", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1


def test_cli_batch_records_carry_their_last_message_time(tmp_path: Path) -> None:
    backlog = tmp_path / "backlog.jsonl"
    backlog.write_text(
        '{"message": "when will I get my refund", "channel": "messenger", '
        '"last_customer_message_at": "2026-11-02T09:30:00Z"}\n'
        '{"message": "when will I get my refund", "channel": "messenger", '
        '"last_customer_message_at": "2026-11-02T09:30:00"}\n'
        '{"message": "when will I get my refund", "channel": "messenger"}\n'
    )
    args = ["suggest", "--input", str(backlog), "--now", "2026-11-02T21:30:00Z", "-q"]
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout  # --now: the same output on every run
    rows = [json.loads(line) for line in first.stdout.splitlines()]
    assert rows[0]["reply"]["window"]["status"] == "open"
    assert rows[0]["reply"]["window"]["closes_at"] == "2026-11-03T09:30:00Z"
    assert (rows[1]["status"], rows[1]["field"]) == ("error", "last_customer_message_at")
    assert "has no time zone" in rows[1]["error"]
    assert rows[2]["reply"]["window"]["status"] == "unknown"
    refused = invoke(
        "suggest", "--input", str(backlog), "--last-message-at", "2026-11-02T09:30:00Z"
    )
    assert (
        refused.exit_code == 2
        and "give each record its `last_customer_message_at`" in refused.stderr
    )
