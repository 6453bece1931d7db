"""Render an answer for a channel: sandboxed templates, a human opening, the agent's
signature, and a fit to the channel's limit as that platform counts it.

Fitting: the full answer if the reply fits; else the ``short`` form; else the full
answer cut at a word boundary, ending with an ellipsis and the link to the full
answer. The opening and the signature are never cut, and every candidate is
measured with the channel's own counter, so a returned reply is never over.

Customer-supplied values (names, handles) are data: they reach templates only as
variable values, are cleaned of control and bidirectional-override characters,
and on public channels lose what would notify strangers (@mentions, #hashtags,
live URLs).
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex
from jinja2 import (
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .errors import RenderError, ReplyTooLongError, UnknownNameError
from .length import count_length, find_urls
from .models import Answer, Channel, Customer, Reply, ReplyForm, Settings, Tone

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
PRIVATE_INVITE_TEMPLATE = "private_invite.j2"
ELLIPSIS = "…"
# Longer display names are shortened: a name must never push the solution out.
MAX_NAME_GRAPHEMES = 40
MAX_CUSTOMER_CHARS = 256

# Every opening is a whole sentence, so the answer that follows reads well inline (X,
# SMS) as well as on a line of its own (e-mail).
DEFAULT_OPENINGS: dict[Tone, tuple[str, ...]] = {
    "neutral": (
        "Hi {{ customer.name }}!",
        "Hello {{ customer.name }}!",
        "Hi {{ customer.name }}, thanks for getting in touch.",
        "Hey {{ customer.name }}, thanks for the message.",
        "Thanks for reaching out, {{ customer.name }}.",
    ),
    "apology": (
        "Sorry about this, {{ customer.name }}.",
        "{{ customer.name }}, we're sorry for the trouble.",
        "Sorry to hear that, {{ customer.name }}.",
        "Apologies for this, {{ customer.name }}.",
        "We're sorry, {{ customer.name }}: that's not the experience we want for you.",
    ),
    "thanks": (
        "Thank you, {{ customer.name }}!",
        "Thanks so much, {{ customer.name }}!",
        "Thanks for letting us know, {{ customer.name }}!",
        "Thank you for taking the time, {{ customer.name }}.",
    ),
}
_ANONYMOUS = "there"

_CONTROL_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
_KEEP_FORMAT = {"\u200d", "\ufe0f"}  # ZWJ and emoji presentation: parts of emoji sequences
_MENTION_OR_TAG = regex.compile(r"(?<![\p{L}\p{N}_])[@＠#＃](?=[\p{L}\p{N}_])")


@dataclass(frozen=True)
class CustomerView:
    """What templates see of the customer: already cleaned, safe to print."""

    name: str
    handle: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class AgentView:
    """What templates see of the agent: their name and their sign-off for this channel."""

    id: str
    name: str
    signature: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ChannelView:
    name: str
    limit: int | None
    public: bool
    format: str


class Renderer:
    """Renders answers of one base; holds compiled templates, immutable after creation."""

    def __init__(self, settings: Settings, templates: dict[str, str] | None = None) -> None:
        self.settings = settings
        loader = ChoiceLoader(
            [DictLoader(dict(templates or {})), FileSystemLoader(str(BUILTIN_TEMPLATES))]
        )
        common: dict[str, Any] = {
            "loader": loader,
            "undefined": StrictUndefined,
            "keep_trailing_newline": False,
        }
        self._plain = ImmutableSandboxedEnvironment(autoescape=False, **common)
        self._html = ImmutableSandboxedEnvironment(autoescape=True, **common)
        for environment in (self._plain, self._html):
            environment.filters["linebreaks"] = _linebreaks
        # Answer texts, short forms and openings come from the base, so there are finitely
        # many; compiling is most of a render's time, so each is compiled once.
        self._compile = functools.lru_cache(maxsize=None)(self._plain.from_string)

    # --- public -------------------------------------------------------------------

    def channel(self, name: str) -> tuple[str, Channel]:
        """The channel called ``name`` (or one of its aliases); unknown -> a clear error."""
        channels = self.settings.channels
        if name in channels:
            return name, channels[name]
        for channel_name, channel in channels.items():
            if name in channel.aliases:
                return channel_name, channel
        raise UnknownNameError("channel", name, channels)

    def render(
        self,
        answer: Answer,
        *,
        channel: str,
        agent: str | None = None,
        customer: str | Customer | None = None,
        conversation_id: str | None = None,
    ) -> Reply:
        """The reply to ``answer`` on ``channel``, fitted to its limit."""
        channel_name, spec = self.channel(channel)
        context = self._context(answer, channel_name, spec, agent, customer, conversation_id)
        bodies = self._bodies(answer, spec, context)
        family_template = spec.template or f"{spec.family}.j2"
        if spec.family == "email" and spec.template is None:
            family_template = "email.txt.j2"
        shortest = 0
        for form, body in bodies:
            if form == "cut":
                return self._cut(answer, channel_name, spec, family_template, context)
            text = self._render_template(family_template, {**context, "body": body})
            length = count_length(text, spec.count)
            if spec.limit is None or length <= spec.limit:
                return self._reply(answer, channel_name, spec, text, length, form, context, body)
            shortest = min(shortest or length, length)
        # Only a private invitation has no cut to fall back on.
        raise ReplyTooLongError(answer.id, channel_name, shortest, spec.limit or 0)

    # --- the pieces of a reply -----------------------------------------------------------

    def _context(
        self,
        answer: Answer,
        channel_name: str,
        spec: Channel,
        agent_id: str | None,
        customer: str | Customer | None,
        conversation_id: str | None,
    ) -> dict[str, Any]:
        customer_view = self._customer_view(customer, public=spec.public)
        agent_view = self._agent_view(agent_id, channel_name, spec)
        context: dict[str, Any] = {
            **answer.model_dump(mode="json", exclude={"questions", "tests"}),
            "brand": self.settings.brand,
            "customer": customer_view,
            "agent": agent_view,
            "channel": ChannelView(channel_name, spec.limit, spec.public, spec.format),
        }
        context["opening"] = self._opening(answer, conversation_id, context)
        return context

    def _customer_view(self, customer: str | Customer | None, *, public: bool) -> CustomerView:
        if isinstance(customer, str):
            stripped = customer.strip()
            customer = (
                Customer(handle=stripped) if stripped.startswith("@") else Customer(name=stripped)
            )
        name = clean_customer_text(customer.name if customer else None, public=public)
        handle = clean_customer_text(customer.handle if customer else None, public=public)
        if not name:
            name = handle.lstrip("@＠") if handle else _ANONYMOUS
        return CustomerView(name=_shorten_name(name), handle=handle)

    def _agent_view(self, agent_id: str | None, channel_name: str, spec: Channel) -> AgentView:
        brand = self.settings.brand
        if agent_id is None:
            name = f"The {brand} team"
            return AgentView("", name, name if spec.family != "short" else f"^{brand}")
        agents = self.settings.agents
        if agent_id not in agents:
            raise UnknownNameError("agent", agent_id, agents)
        agent = agents[agent_id]
        signature = next(
            (
                agent.signatures[name]
                for name in (channel_name, *spec.aliases)
                if name in agent.signatures
            ),
            None,
        )
        if signature is None:
            signature = {
                "short": f"^{agent.name}",
                "sms": f"{agent.name}, {brand}",
                "email": f"{agent.name}\n{brand} Customer Care",
            }.get(spec.family, f"{agent.name}, {brand}")
        return AgentView(agent_id, agent.name, signature)

    def _opening(self, answer: Answer, conversation_id: str | None, context: dict[str, Any]) -> str:
        variants = self.settings.openings.get(answer.tone) or DEFAULT_OPENINGS[answer.tone]
        # A stable hash (not Python's salted hash()) so a conversation keeps its opening
        # across processes and machines.
        seed = f"{conversation_id or ''}\x00{answer.tone}".encode()
        choice = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % len(variants)
        return self._render_string(variants[choice], context, what="opening")

    def _bodies(
        self, answer: Answer, spec: Channel, context: dict[str, Any]
    ) -> list[tuple[ReplyForm, str]]:
        if answer.private and spec.public:
            invitation = self._render_template(PRIVATE_INVITE_TEMPLATE, context)
            return [("private_invite", invitation)]
        bodies: list[tuple[ReplyForm, str]] = [("full", self.answer_text(answer, context))]
        if answer.short:
            bodies.append(("short", self._render_string(answer.short, context, what="short")))
        bodies.append(("cut", ""))
        return bodies

    def answer_text(self, answer: Answer, context: dict[str, Any]) -> str:
        return self._render_string(answer.answer, context, what="answer").strip()

    def _cut(
        self,
        answer: Answer,
        channel_name: str,
        spec: Channel,
        template: str,
        context: dict[str, Any],
    ) -> Reply:
        """The longest word-boundary prefix of the full answer that fits, plus the link."""
        assert spec.limit is not None
        full = self.answer_text(answer, context)
        link = answer.link or ""
        cuts = _cut_points(full)

        def attempt(words: int) -> tuple[str, str, int]:
            kept = full[: cuts[words - 1]].rstrip(" ,;:-–—") if words else ""
            tail = f" {link}" if link and link not in kept else ""
            body = f"{kept}{ELLIPSIS}{tail}" if kept else f"{ELLIPSIS}{tail}".strip()
            text = self._render_template(template, {**context, "body": body})
            return body, text, count_length(text, spec.count)

        low, high, best = 1, len(cuts), None
        while low <= high:
            middle = (low + high) // 2
            body, text, length = attempt(middle)
            if length <= spec.limit:
                best, low = (body, text, length), middle + 1
            else:
                high = middle - 1
        if best is None:
            _, _, length = attempt(1 if cuts else 0)
            raise ReplyTooLongError(answer.id, channel_name, length, spec.limit)
        body, text, length = best
        return self._reply(answer, channel_name, spec, text, length, "cut", context, body)

    def _reply(
        self,
        answer: Answer,
        channel_name: str,
        spec: Channel,
        text: str,
        length: int,
        form: ReplyForm,
        context: dict[str, Any],
        body: str,
    ) -> Reply:
        html = None
        if spec.format == "html":
            html_template = "email.html.j2" if spec.template is None else spec.template
            html = self._render_template(html_template, {**context, "body": body}, html=True)
        return Reply(
            answer_id=answer.id,
            channel=channel_name,
            text=text,
            length=length,
            limit=spec.limit,
            count=spec.count,
            form=form,
            html=html,
        )

    # --- Jinja -------------------------------------------------------------------------

    def _render_template(self, name: str, context: dict[str, Any], *, html: bool = False) -> str:
        environment = self._html if html else self._plain
        try:
            return environment.get_template(name).render(context).strip()
        except TemplateSyntaxError as error:
            raise RenderError(
                f"template {error.filename or name}:{error.lineno}: {error.message}"
            ) from error
        except TemplateError as error:
            raise RenderError(f"template {name}: {error}") from error

    def _render_string(self, source: str, context: dict[str, Any], *, what: str) -> str:
        try:
            return self._compile(source).render(context)
        except TemplateSyntaxError as error:
            raise RenderError(f"{what}, line {error.lineno}: {error.message}") from error
        except TemplateError as error:
            raise RenderError(f"{what}: {error}") from error


_FIRST_GRAPHEME = regex.compile(r"\X")


def clean_customer_text(text: str | None, *, public: bool) -> str:
    """Customer-supplied text made safe to print in a reply.

    Control, format and bidirectional-override characters go (they can reorder or
    hide text); on public channels @mentions and #hashtags lose their sign and URLs
    their dots, so a reply never notifies strangers or links where a customer chose.
    """
    if not text:
        return ""
    cleaned = "".join(
        char
        # No display name is this long; the cap bounds the work on hostile input.
        for char in unicodedata.normalize("NFC", text[:MAX_CUSTOMER_CHARS])
        if char in _KEEP_FORMAT or unicodedata.category(char) not in _CONTROL_CATEGORIES
    )
    cleaned = " ".join(cleaned.split())
    if public:
        for start, end in reversed(find_urls(cleaned)):
            url = cleaned[start:end].split("://", 1)[-1]
            cleaned = cleaned[:start] + url.replace(".", "[.]") + cleaned[end:]
        cleaned = _MENTION_OR_TAG.sub("", cleaned)
    # A leading combining mark would fuse with the space or letter before the name
    # (one grapheme), changing text that is not the customer's.
    while cleaned and len(_FIRST_GRAPHEME.match(" " + cleaned).group()) > 1:
        cleaned = cleaned[1:].lstrip()
    return cleaned


def _shorten_name(name: str) -> str:
    graphemes = regex.findall(r"\X", name)
    if len(graphemes) <= MAX_NAME_GRAPHEMES:
        return name
    return "".join(graphemes[: MAX_NAME_GRAPHEMES - 1]).rstrip() + ELLIPSIS


def _cut_points(text: str) -> list[int]:
    """Offsets just after each word, never inside a URL."""
    urls = find_urls(text)
    points = []
    for match in regex.finditer(r"\S+", text):
        end = match.end()
        if not any(start < end < stop for start, stop in urls):
            points.append(end)
    return points


def _linebreaks(value: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())
