"""``replykb suggest`` and ``replykb render``: one reply, or a preview of an answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import CACHE_OPTION, JSON_OPTION, QUIET_OPTION, base_options, fail, load_kb
from ._complete import (
    complete_agents,
    complete_answer_ids,
    complete_channels,
    complete_render_channels,
)
from .triage import triage_file

if TYPE_CHECKING:
    from ..channels import ReplyWindow
    from ..models import LanguageChoice, Reply
    from ..prepare.email_result import PreparedText


def _reply_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--agent",
                help="Agent id from replykb.yaml who signs the reply.",
                shell_complete=complete_agents,
            ),
            click.option("--customer", help="The customer's display name or @handle."),
            click.option("--conversation", help="Conversation id: picks the opening, stably."),
            click.option(
                "--detail",
                "details",
                multiple=True,
                metavar="NAME=VALUE",
                help="A ticket detail the answer may print (order_id=FH1234567); repeat it.",
            ),
            click.option(
                "--last-message-at",
                "last_message_at",
                metavar="TIME",
                help="When the customer last wrote, ISO 8601 with its time zone "
                "(2026-11-02T09:30:00Z): the reply says whether it may still be sent "
                "(WhatsApp: 24 h, then a template; Messenger: HUMAN_AGENT up to 7 days).",
            ),
            click.option(
                "--language",
                "-l",
                metavar="CODE",
                help="The reply's language, one of the base's `languages:` (it, es...). "
                "Default: the message's, detected when the base has several (else the "
                "source language, which the result says); with --input, for records "
                "that name none.",
            ),
            click.option(
                "--now",
                metavar="TIME",
                help="The time the reply would be sent at, ISO 8601 with its time zone "
                "(default: the clock), for a result that does not change from run to run.",
            ),
            JSON_OPTION,
            QUIET_OPTION,
        ]
    ):
        function = option(function)
    return function


UNITS = {"sms": "segment", "twitter": "weighted character", "graphemes": "grapheme"}


def _details(values: tuple[str, ...]) -> dict[str, str]:
    """``--detail order_id=FH1234567`` options as a mapping (the renderer checks them)."""
    details: dict[str, str] = {}
    for value in values:
        name, equals, text = value.partition("=")
        name = name.strip()
        if not equals or not name:
            fail(f"--detail {value!r}: write NAME=VALUE, e.g. --detail order_id=FH1234567")
        if details.get(name, text) != text:
            # Two values for one detail: keeping the last would print one silently.
            first = f"{details[name]!r:.40}"
            fail(f"--detail {name} is given twice ({first} and {text!r:.40}); give it once")
        details[name] = text
    return details


def _time(value: str | None, option: str) -> datetime | None:
    """``--last-message-at`` / ``--now`` as a datetime; a naive or unreadable time is a
    MessageError that names the option (one line, exit 2)."""
    from ..render.windows import aware_time

    return None if value is None else aware_time(value, option)


def _window_line(window: ReplyWindow | None) -> str | None:
    """What the agent must know before sending; nothing where any reply may be sent."""
    if window is None or (window.status == "open" and window.closes_at is None):
        return None
    until = "" if window.closes_at is None else f" until {_stamp(window.closes_at)}"
    what = {
        "open": f"open{until}",
        "template_required": "only an approved template may be sent now",
        "human_agent_tag": f"a person may send it with the {window.tag} tag{until}",
        "closed": "closed: it can no longer be sent",
        "unknown": "unknown: give --last-message-at",
    }[window.status]
    once = " (one message only)" if window.once else ""
    return f"[window: {what}{once}; {window.rule}]"


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _print_reply(reply: Reply, *, quiet: bool = False) -> None:
    if quiet:
        click.echo(reply.text)
        return
    unit = UNITS.get(reply.count, "character") + ("" if reply.length == 1 else "s")
    size = f"{reply.length} {unit}" + ("" if reply.limit is None else f" of {reply.limit}")
    header = f"[{reply.answer_id} on {reply.channel}: {reply.form}, {size}]"
    click.echo(click.style(header, dim=True))
    if reply.window is not None and (window := _window_line(reply.window)) is not None:
        click.echo(click.style(window, fg=None if reply.window.status == "open" else "yellow"))
    if reply.needs_details:
        needed = " ".join(f"--detail {name}=..." for name in reply.needs_details)
        click.echo(f"no reply without the ticket's {', '.join(reply.needs_details)}: {needed}")
    else:
        click.echo(reply.text)
        if reply.html is not None:
            # An e-mail is sent as both parts; --json gives them as `text` and `html`.
            click.echo(click.style("--- HTML part ---", dim=True))
            click.echo(reply.html)
    if reply.private_reply is not None:
        click.echo(click.style("then, privately:", dim=True))
        _print_reply(reply.private_reply)


def _language_line(choice: LanguageChoice) -> str | None:
    """Which language the reply is in and why, on a base with several languages."""
    from ..languages import language_name

    name = language_name(choice.language)
    guess = "" if choice.detected is None else f" ({choice.detected} {choice.confidence:.2f})"
    why = {
        "requested": "as asked",
        "detected": f"the message's language{guess}",
        "matched": f"its questions matched best; the language was unsure{guess}",
        "fallback-unsure": f"the source language: the message's is unsure{guess}; --language",
        "fallback-unsupported": f"the source language: the message's is not the base's{guess}",
        "fallback-untranslated": "the source language: the answer has no "
        f"{language_name(choice.requested or choice.matched or choice.language)} translation",
    }.get(choice.reason)
    return None if why is None else f"[reply in {name}: {why}]"


def _print_prepared(prepared: PreparedText, length: int) -> None:
    """Which text of an e-mail was matched, and what was stripped from it."""
    kinds = ", ".join(dict.fromkeys(part.kind for part in prepared.stripped)) or "nothing"
    what = prepared.note or "matched on its newest text"
    used = f"{len(prepared.text_used):,} of {length:,} characters"
    click.echo(click.style(f"[e-mail: {what}, {used}; stripped: {kinds}]", dim=True))


@click.command()
@click.argument("message", required=False)
@base_options(positional=False)
@click.option(
    "--channel",
    "-c",
    help="Channel the message came from (x, sms, email, ...); with --input, the default "
    "for records that name none.",
    shell_complete=complete_channels,
)
@_reply_options
@click.option(
    "--input",
    "input_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Triage a backlog: JSONL or CSV with `message` (and optional channel, customer, "
    "conversation_id, id, details, last_customer_message_at, language; in a CSV, details.<name> "
    "columns).",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="With --input: where to write one JSON line per message (default or -: stdout).",
)
@click.option("--strict", is_flag=True, help="With --input: a bad line fails the run.")
@click.option(
    "--log",
    "log",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="URL",
    help="Record each suggestion in the usage log: a file (usage.db, sqlite:///usage.db) "
    "or postgresql://...; --log alone: the base's `log:` in replykb.yaml. Off by default.",
)
@CACHE_OPTION
def suggest(
    message: str | None,
    kb_path: Path,
    channel: str | None,
    agent: str | None,
    customer: str | None,
    conversation: str | None,
    details: tuple[str, ...],
    last_message_at: str | None,
    language: str | None,
    now: str | None,
    as_json: bool,
    quiet: bool,
    input_path: Path | None,
    output_path: Path | None,
    strict: bool,
    log: str | None,
    cache_dir: Path | None,
) -> None:
    """Suggest the reply to MESSAGE for its channel, or say that a person must answer.

    With --input, triage a whole backlog: one JSON line out per record in, in order.
    With -q only the reply to send is printed (nothing when a person must answer).

    \b
    Examples:
      replykb suggest "where is my refund??" --channel x --agent paola --customer @mario
      replykb suggest "can't log in" --kb answers/ --channel email --json
      replykb suggest --input examples/backlog.jsonl --output replies.jsonl --channel facebook
      REPLYKB_KB=answers/ replykb suggest -q "refund??" -c sms
      replykb suggest --input examples/backlog.jsonl --output replies.jsonl --log usage.db
      replykb suggest "dov'è il mio ordine?" -c x --language it
    """
    if input_path is not None:
        if message is not None:
            fail("give a MESSAGE or --input FILE, not both")
        if details:
            fail("--detail is for one MESSAGE; with --input give each record its `details`")
        if last_message_at is not None:
            fail(
                "--last-message-at is for one MESSAGE; with --input give each record its "
                "`last_customer_message_at`"
            )
        moment = _time(now, "--now")
        with load_kb(kb_path, cache_dir, log=log) as kb:
            triage_file(
                kb,
                input_path,
                output_path,
                channel,
                agent,
                strict,
                quiet=quiet,
                now=moment,
                language=language,
            )
        return
    if message is None and log is not None and any(char.isspace() for char in log):
        fail(f"--log took {log!r:.60} as the log to write to; put the MESSAGE before --log")
    if message is None or channel is None:
        fail("give a MESSAGE and its --channel (or --input FILE); see `replykb suggest --help`")
    last, moment = _time(last_message_at, "--last-message-at"), _time(now, "--now")
    with load_kb(kb_path, cache_dir, log=log) as kb:
        suggestion = kb.suggest(
            message,
            channel=channel,
            agent=agent,
            customer=customer,
            conversation_id=conversation,
            details=_details(details),
            last_customer_message_at=last,
            now=moment,
            language=language,
        )
    if as_json:
        click.echo(suggestion.model_dump_json(indent=2))
        return
    if quiet:
        if suggestion.reply is not None:
            click.echo(suggestion.reply.text)
        return
    if suggestion.prepared is not None:
        _print_prepared(suggestion.prepared, len(message))
    if suggestion.language is not None and (line := _language_line(suggestion.language)):
        click.echo(click.style(line, dim=not suggestion.language.fallback))
    match = suggestion.match
    threshold = kb.settings.match.threshold
    if suggestion.reply is not None:
        click.echo(
            click.style(f"{match.answer_id} (confident, score {match.score:.2f})", bold=True)
        )
        _print_reply(suggestion.reply)
        return
    if match.status == "ambiguous":
        click.echo(
            click.style("ambiguous: these answers are too close to call; choose one:", bold=True)
        )
        for reply in suggestion.alternatives:
            click.echo()
            _print_reply(reply)
        return
    if match.reason == "no-request":
        click.echo(
            click.style(
                "no request: the message only greets, thanks, signs off or holds a "
                "signature; no answer is suggested: a person reads it",
                bold=True,
            )
        )
        return
    click.echo(
        click.style(
            f"no confident answer (best score {match.score:.2f} < threshold {threshold:.2f}): "
            "pass this message to a person",
            bold=True,
        )
    )
    for answer_id, score in match.candidates:
        click.echo(f"  {score:.2f}  {answer_id}")


@click.command()
@click.argument("answer_id", shell_complete=complete_answer_ids)
@base_options(positional=False)
@click.option(
    "--channel",
    "-c",
    default="all",
    show_default=True,
    help="A channel, or `all`.",
    shell_complete=complete_render_channels,
)
@_reply_options
def render(
    answer_id: str,
    kb_path: Path,
    channel: str,
    agent: str | None,
    customer: str | None,
    conversation: str | None,
    details: tuple[str, ...],
    last_message_at: str | None,
    language: str | None,
    now: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Preview answer ANSWER_ID on one channel or on every channel (no model, no index).

    With -q only the replies' text is printed, without the header that names the
    channel and the length.

    \b
    Examples:
      replykb render refund-timing --channel all --agent paola
      replykb render refund-timing --kb answers/ --channel sms --customer Mario --json
      replykb render refund-timing -c x -q
      replykb render refund-timing -c facebook --language it
    """
    from ..loader import load_answer_base
    from ..render import Renderer
    from ..render.windows import current_time

    base = load_answer_base(kb_path)
    # The library's renderer: the same templates per language, errors located alike.
    renderer = Renderer.for_base(base)
    answer = base.answer(answer_id)
    channels = list(base.settings.channels) if channel == "all" else [channel]
    last = _time(last_message_at, "--last-message-at")
    # One time for every channel's reply, read once when not given.
    moment = _time(now, "--now") or (None if last is None else current_time())
    replies = [
        renderer.render(
            answer,
            channel=name,
            agent=agent,
            customer=customer,
            conversation_id=conversation,
            details=_details(details),
            last_customer_message_at=last,
            now=moment,
            language=language,
        )
        for name in channels
    ]
    if as_json:
        click.echo(json.dumps([reply.model_dump(mode="json") for reply in replies], indent=2))
        return
    for index, reply in enumerate(replies):
        if index:
            click.echo()
        _print_reply(reply, quiet=quiet)
