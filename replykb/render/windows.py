"""Reply windows: whether a reply may be sent now, as the channel's platform rules it.

WhatsApp allows free-form messages within 24 hours of the customer's last message and
only approved templates after; Messenger and Instagram allow 24 hours, then a person
replying with the ``HUMAN_AGENT`` tag up to 7 days; a public Facebook or Instagram
comment may get one private reply within 7 days of the comment. The rules are data
on each channel (:class:`~replykb.channels.WindowRule`,
:class:`~replykb.channels.PrivateReplyRule`), so a base can change them.

Time is an input: :func:`reply_window` reads no clock, so the same times give the same
window, byte for byte; callers that want "now" pass it (:func:`current_time` is the one
place the library reads the clock). Times without a time zone are refused: 10:00 in
Rome and 10:00 UTC are an hour apart, and a window is only as right as its times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from ..channels import PrivateReplyRule, ReplyWindow, WindowRule
from ..errors import MessageError
from ..models import Channel

__all__ = ["CLOCK_SKEW", "aware_time", "current_time", "moment", "reply_window", "window_now"]

# A customer's message stamped this much after `now` is taken as sent just now: the
# platform's clock and ours differ a little. Further ahead is a wrong time (a local time
# given as UTC, a wrong year), and an error says so rather than opening the window.
CLOCK_SKEW: Final = timedelta(minutes=5)

# The times a window is computed from: wide enough for any real message, narrow enough
# that adding a window's hours (at most a year) or converting to UTC cannot overflow
# Python's datetime (years 1 to 9999), which would escape as an OverflowError.
EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9990, 12, 31, tzinfo=UTC)


def current_time() -> datetime:
    """The time now, in UTC: the default ``now`` of a call that was not given one."""
    return datetime.now(UTC)


def window_now(now: datetime | None, last_customer_message_at: datetime | None) -> datetime | None:
    """The ``now`` windows are computed at: ``now`` when given; the clock, read here once,
    only when the customer's last message time is given (else no window needs a now)."""
    if now is None and last_customer_message_at is not None:
        return current_time()
    return now


def moment(value: object) -> datetime:
    """``value`` (a datetime, ISO 8601 text or Unix seconds) as a datetime with a time
    zone; a ``ValueError`` that says the fix (without the field's name) otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"must be a time, not {value}")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(
                f"({_quoted(value)}) is not a Unix time in seconds replykb can read"
            ) from None
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(
                f"({_quoted(text)}) is not an ISO 8601 time: write it like 2026-11-02T09:30:00Z"
            ) from None
    if not isinstance(value, datetime):
        raise ValueError(
            "must be a time with a time zone (a datetime, ISO 8601 text such as "
            f"2026-11-02T09:30:00Z, or Unix seconds), not {type(value).__name__}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"({value.isoformat()}) has no time zone, so the reply window cannot be known: "
            f"give it in UTC ({value.isoformat()}Z, or tzinfo=UTC) or with its offset (+01:00)"
        )
    try:
        in_range = EARLIEST <= value.astimezone(UTC) <= LATEST
    except OverflowError:  # year 1 with a positive offset is before year 1 in UTC
        in_range = False
    if not in_range:
        raise ValueError(
            f"({value.isoformat()}) is not a time replykb reads: give a time between "
            f"{EARLIEST.year} and {LATEST.year} (check the year)"
        )
    return value


def _quoted(value: str | float) -> str:
    # An error line stays one short line whatever was given (1 MB of text, a number
    # of 5,000 digits, which str() itself refuses to convert).
    if isinstance(value, int) and abs(value) > 10**40:
        return "a number of more than 40 digits"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def aware_time(value: object, field: str) -> datetime:
    """``value`` (see :func:`moment`) in UTC; a :class:`MessageError` naming ``field``
    and the fix when it is not a time with a time zone."""
    try:
        return moment(value).astimezone(UTC)
    except ValueError as error:
        raise MessageError(f"`{field}` {error}") from None


def reply_window(
    channel: str,
    spec: Channel,
    last_customer_message_at: datetime | None,
    now: datetime | None,
    *,
    private_reply_to: tuple[str, Channel] | None = None,
) -> ReplyWindow:
    """The window a reply on ``channel`` is sent in at ``now``.

    ``last_customer_message_at`` is when the customer last wrote (for a private reply
    to a public comment: when the comment was made). ``private_reply_to`` names the
    public channel whose comment this private message answers; when that channel has a
    ``private_reply`` rule, the rule decides (one message within its hours). ``now`` may
    be None only when ``last_customer_message_at`` is (see :func:`window_now`).
    """
    last = None
    if now is not None:
        now = aware_time(now, "now")
    if last_customer_message_at is not None:
        if now is None:
            raise MessageError("`now` is needed with `last_customer_message_at`")
        last = aware_time(last_customer_message_at, "last_customer_message_at")
        if last - now > CLOCK_SKEW:
            raise MessageError(
                f"`last_customer_message_at` ({_stamp(last)}) is after `now` ({_stamp(now)}): "
                "check its time zone (a local time given as UTC?) and the date"
            )
    if private_reply_to is not None and private_reply_to[1].private_reply is not None:
        return _private_reply(private_reply_to[0], private_reply_to[1].private_reply, last, now)
    rule = spec.window
    if rule is None:
        return ReplyWindow(status="open", rule=f"{channel}: no reply window")
    text = _describe(channel, rule)
    if last is None:
        return ReplyWindow(status="unknown", rule=text, source=rule.source)
    assert now is not None  # given with `last`, checked above
    free_until = last + timedelta(hours=rule.hours)
    if now < free_until:
        return ReplyWindow(status="open", closes_at=free_until, rule=text, source=rule.source)
    if rule.then == "template":
        return ReplyWindow(status="template_required", rule=text, source=rule.source)
    if rule.then == "human_agent_tag":
        assert rule.tag_hours is not None  # WindowRule requires it with this `then`
        tag_until = last + timedelta(hours=rule.tag_hours)
        if now < tag_until:
            return ReplyWindow(
                status="human_agent_tag",
                closes_at=tag_until,
                rule=text,
                tag=rule.tag,
                source=rule.source,
            )
    return ReplyWindow(status="closed", rule=text, source=rule.source)


def _private_reply(
    public: str, rule: PrivateReplyRule, comment_at: datetime | None, now: datetime | None
) -> ReplyWindow:
    text = (
        f"{public}: one private reply to a public comment, within {_hours(rule.hours)} "
        "of the comment"
    )
    if comment_at is None:
        return ReplyWindow(status="unknown", rule=text, once=True, source=rule.source)
    assert now is not None  # given with `comment_at`
    until = comment_at + timedelta(hours=rule.hours)
    if now < until:
        return ReplyWindow(status="open", closes_at=until, rule=text, once=True, source=rule.source)
    return ReplyWindow(status="closed", rule=text, once=True, source=rule.source)


def _describe(channel: str, rule: WindowRule) -> str:
    free = (
        f"{channel}: free-form replies within {_hours(rule.hours)} of the customer's last message"
    )
    if rule.then == "template":
        return f"{free}, then only an approved template"
    if rule.then == "human_agent_tag":
        assert rule.tag_hours is not None
        return f"{free}, then a person with the {rule.tag} tag up to {_hours(rule.tag_hours)}"
    return f"{free}, then none"


def _hours(hours: int) -> str:
    if hours % 24 == 0 and hours > 24:
        return f"{hours // 24} days"
    return "1 hour" if hours == 1 else f"{hours} hours"


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
