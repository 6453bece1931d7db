"""Render an answer for a channel in one language: sandboxed templates, a human
opening, the agent's signature, and a fit to the channel's limit as that platform
counts it. Every text of a reply is in the reply's language (:mod:`.texts`).

Fitting: the full answer if the reply fits; else the ``short`` form; else the full
answer cut at a word boundary, ending with the language's cut marker (``…``; ``...``
on SMS, where ``…`` is not GSM-7) and the link to the full answer. The opening and
the signature are never cut, and every candidate is measured with the channel's own
counter, so a returned reply is never over.

A form that would print a ticket detail the request lacks (and the answer gives no
fallback for) is never sent: the next form is tried, and when every form needs it the
reply is empty and lists what it needs (``Reply.needs_details``; :mod:`.detailview`).
A customer with no name is addressed by none (:mod:`.openings`). A private answer on a
public channel is the invitation to a private message, paired with that message
rendered for the channel's ``private_channel`` (``Reply.private_reply``).

Customer names are data, cleaned and bounded per channel (:mod:`.names`); on SMS a
name is spelled in GSM-7 unless the reply is UCS-2 anyway. Templates run in a bounded
sandbox (:mod:`.sandbox`), and every failure is a structured
:class:`~replykb.errors.RenderError` (:func:`.templates.render_error`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..basefiles import TEMPLATES_DIR
from ..errors import RenderError, ReplyTooLongError, UnknownNameError
from ..languages import has_translation, localized
from ..length import count_length, is_gsm7
from ..models import Answer, Channel, Reply, ReplyForm, Settings, SourceMap, Tone
from .cutting import longest_cut
from .detailview import DetailsView, clean_details
from .engine import TextEngine
from .formatting import convert_markdown, convert_template
from .names import CustomerView, customer_views
from .openings import (
    ANONYMOUS_OPENINGS,
    DEFAULT_OPENINGS,
    choose_opening,
)
from .overflow import cut_overflow, invite_overflow
from .templates import (
    HIDDEN_ANSWER_FIELDS,
    TemplateFile,
    TemplateFiles,
    TemplateKind,
    channel_templates,
    html_template,
    invite_template,
    template_variables,
    text_template,
)
from .texts import ReplyTexts, reply_texts, sms_cut_marker
from .views import AgentView, ChannelView, agent_view, team_view
from .windows import reply_window, window_now

if TYPE_CHECKING:
    from ..models import AnswerBase, Customer

__all__ = ["ANONYMOUS_OPENINGS", "DEFAULT_OPENINGS", "AgentView", "ChannelView", "Renderer"]

# When the customer's name as written and its GSM-7 spelling both fit, the better form wins.
_FORM_RANK: Final[dict[ReplyForm, int]] = {
    "full": 0,
    "private_invite": 0,
    "short": 1,
    "cut": 2,
    "needs_details": 3,
}


@dataclass(frozen=True)
class _Request:
    """One reply to render: who signs it, for whom, in which conversation, with what,
    in which language."""

    agent: str | None
    conversation_id: str | None
    details: Mapping[str, str]
    tone: Tone | None
    texts: ReplyTexts


# An answer to render openings with, on their own.
_PROBE: Final = Answer(id="replykb-opening", questions=["a question"], answer="An answer.")


class Renderer:
    """Renders answers of one base; holds compiled templates, immutable after creation."""

    def __init__(
        self,
        settings: Settings,
        templates: dict[str, str] | None = None,
        *,
        templates_dir: Path | None = None,
        settings_source: SourceMap | None = None,
    ) -> None:
        self.settings = settings
        self._settings_source = settings_source
        self._files = TemplateFiles(templates or {}, templates_dir)
        self._engine = TextEngine(self._files, settings_source)
        # Every language's texts, resolved once: the renderer is shared between threads.
        self._texts = {code: reply_texts(settings, code) for code in settings.languages}

    @classmethod
    def for_base(cls, base: AnswerBase) -> Renderer:
        """A renderer for ``base`` that locates its errors in the base's files."""
        return cls(
            base.settings,
            dict(base.templates),
            templates_dir=base.root / TEMPLATES_DIR,
            settings_source=base.settings_source,
        )

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

    def private_channel(self, channel: str) -> tuple[str, Channel] | None:
        """Where a private answer asked on ``channel`` continues (its ``private_channel``:
        X -> x_dm, Facebook -> messenger, Instagram -> instagram_dm), or None."""
        _, spec = self.channel(channel)
        name = spec.private_channel
        if not spec.public or name is None:
            return None
        found = self.channel(name)
        return None if found[1].public else found

    def language(self, language: str | None) -> ReplyTexts:
        """The texts of replies in ``language`` (None: the source language); a language
        the base does not list -> a clear error naming its languages."""
        code = language or self.settings.language
        if code not in self._texts:
            raise UnknownNameError("language", code, self.settings.languages)
        return self._texts[code]

    def template_files(self, channel: str, language: str | None = None) -> tuple[TemplateFile, ...]:
        """The templates replies on ``channel`` in ``language`` render with, and their
        files (the base's ``templates/<language>/`` or ``templates/``, or built in;
        ``path`` is None for a template that exists nowhere)."""
        _, spec = self.channel(channel)
        code = self.language(language).language
        return tuple(
            self._files.find(self._files.localized(name, code)) for name in channel_templates(spec)
        )

    def template_file(self, name: str) -> TemplateFile:
        """Where the template called ``name`` comes from."""
        return self._files.find(name)

    def template_variables(self, kind: TemplateKind) -> frozenset[str]:
        """The names a template of ``kind`` sees in its render context (see
        :func:`~replykb.render.template_variables`)."""
        return template_variables(kind)

    def render_opening(
        self,
        source: str,
        *,
        channel: str,
        customer: str | Customer | None = None,
        language: str | None = None,
    ) -> str:
        """The opening ``source`` as a reply on ``channel`` to ``customer`` in ``language``
        prints it (the linter shows what a customer with no name reads)."""
        channel_name, spec = self.channel(channel)
        view = customer_views(customer, spec)[0]
        request = _Request(None, None, {}, None, self.language(language))
        context = self._context(_PROBE, channel_name, spec, view, request)
        return self._engine.string(source, context, answer=_PROBE, what="opening").strip()

    def render(
        self,
        answer: Answer,
        *,
        channel: str,
        agent: str | None = None,
        customer: str | Customer | None = None,
        conversation_id: str | None = None,
        details: Mapping[str, str | int | None] | None = None,
        tone: Tone | None = None,
        last_customer_message_at: datetime | None = None,
        now: datetime | None = None,
        language: str | None = None,
    ) -> Reply:
        """The reply to ``answer`` on ``channel`` in ``language`` (None: the base's
        source language), fitted to its limit.

        ``details`` are the ticket's (``order_id``...): printed where the answer uses
        them, on private channels only. ``tone`` is the opening's tone (the customer's
        mood); None: the answer's own. A private answer on a public channel is the
        invitation, with the private message for its ``private_channel`` in
        ``private_reply``. ``reply.window`` says whether the reply may be sent ``now``
        (the clock when not given), the customer having last written at
        ``last_customer_message_at`` (:mod:`.windows`). Every text of a reply is in its
        language: the answer's translation (:func:`~replykb.languages.localized`), and
        the language's opening, invitation, cut marker and signature (:mod:`.texts`). An
        answer without a translation into ``language`` is rendered whole in the source
        language (``reply.language`` says which).
        """
        channel_name, spec = self.channel(channel)
        texts = self.language(language)
        if not texts.is_source and not has_translation(answer, texts.language):
            # Never half one language, half another: an answer not translated into the
            # language asked for is sent whole in the source language, and says so.
            texts = self.language(None)
        if not texts.is_source:
            # A `translations:` block of the source language is an error (check RKB708),
            # never a second source text.
            answer = localized(answer, texts.language)
        now = window_now(now, last_customer_message_at)
        window = reply_window(channel_name, spec, last_customer_message_at, now)
        request = _Request(agent, conversation_id, clean_details(details), tone, texts)
        reply = self._render_on(answer, channel_name, spec, customer, request)
        reply = reply.model_copy(update={"window": window})
        if reply.form == "private_invite" and (pair := self.private_channel(channel_name)):
            private = self._render_on(answer, *pair, customer, request)
            # A private reply to the public comment: that channel's `private_reply` rule.
            answered = (channel_name, spec)
            private_window = reply_window(
                *pair, last_customer_message_at, now, private_reply_to=answered
            )
            private = private.model_copy(update={"window": private_window})
            reply = reply.model_copy(update={"private_reply": private})
        return reply

    # --- fitting ------------------------------------------------------------------------

    def _render_on(
        self,
        answer: Answer,
        channel_name: str,
        spec: Channel,
        customer: str | Customer | None,
        request: _Request,
    ) -> Reply:
        try:
            views = customer_views(customer, spec)
        except RenderError as error:
            raise RenderError(
                error.reason, what="customer", answer_id=answer.id, channel=channel_name
            ) from error
        first, too_long = self._try_fit(answer, channel_name, spec, views[0], request)
        if len(views) == 1 or (first is not None and is_gsm7(first.text)):
            if first is None:
                raise too_long  # type: ignore[misc]
            return first
        # The reply is UCS-2 anyway: the name as written, when it costs no worse a form.
        written, _ = self._try_fit(answer, channel_name, spec, views[1], request)
        if written is not None and (
            first is None
            or (first.form != "cut" and _FORM_RANK[written.form] <= _FORM_RANK[first.form])
        ):
            return written
        if first is None:
            raise too_long  # type: ignore[misc]
        return first

    def _try_fit(
        self,
        answer: Answer,
        channel_name: str,
        spec: Channel,
        customer: CustomerView,
        request: _Request,
    ) -> tuple[Reply | None, ReplyTooLongError | None]:
        try:
            context = self._context(answer, channel_name, spec, customer, request)
            return self._fit(answer, channel_name, spec, context), None
        except ReplyTooLongError as error:
            return None, error

    def _fit(
        self, answer: Answer, channel_name: str, spec: Channel, context: dict[str, Any]
    ) -> Reply:
        template = self._files.localized(text_template(spec), context["language"])
        details: DetailsView = context["details"]
        shortest = 0
        needed: set[str] = set()
        for form, body in self._bodies(answer, spec, context):
            if form == "cut":
                if details.holes(self._full_text(answer, context)):
                    break  # a cut of the full answer would print the same hole
                return self._cut(answer, channel_name, spec, template, context)
            text = _addressed(
                self._engine.template(template, {**context, "body": body}, answer), context
            )
            if holes := details.holes(text):
                needed.update(holes)
                continue
            length = count_length(text, spec.count)
            if spec.limit is None or length <= spec.limit:
                return self._reply(answer, channel_name, spec, text, length, form, context, body)
            shortest = min(shortest or length, length)
        if needed:
            return self._needs_details(
                answer, channel_name, spec, sorted(needed), context["language"]
            )
        # Only a private invitation has no cut to fall back on.
        if answer.private and spec.public:
            texts = self.language(context["language"])
            limit = spec.limit or 0
            where = (self._files, self._settings_source)
            raise invite_overflow(answer, channel_name, limit, shortest, texts, *where)
        raise ReplyTooLongError(answer.id, channel_name, shortest, spec.limit or 0)

    def _bodies(
        self, answer: Answer, spec: Channel, context: dict[str, Any]
    ) -> list[tuple[ReplyForm, str]]:
        if answer.private and spec.public:
            invitation = self._invitation(answer, context)
            return [("private_invite", convert_markdown(invitation, spec.format))]
        bodies: list[tuple[ReplyForm, str]] = [("full", self._full_text(answer, context))]
        if answer.short:
            short = self._engine.string(
                self._shown_source(answer.short, context), context, answer=answer, what="short"
            )
            bodies.append(("short", short))
        bodies.append(("cut", ""))
        return bodies

    def _full_text(self, answer: Answer, context: dict[str, Any]) -> str:
        """The answer's full text, rendered with ``context``, as its channel shows it."""
        source = self._shown_source(answer.answer, context)
        return self._engine.string(source, context, answer=answer, what="answer").strip()

    def _shown_source(self, source: str, context: dict[str, Any]) -> str:
        """An answer text (Markdown) as the channel shows it, converted BEFORE the values
        are filled in (they are data, never Markdown) and before the reply is fitted
        (the platform counts what it shows): :mod:`.formatting`."""
        return convert_template(source, context["channel"].format)

    def _invitation(self, answer: Answer, context: dict[str, Any]) -> str:
        """The private invitation in the reply's language, through its template
        (:func:`.templates.invite_template`), which sees the language's ``invitation``."""
        texts = self.language(context["language"])
        invitation = self._engine.text(texts.private_invite, context, answer, "private_invite")
        name = invite_template(self._files, texts.language, is_source=texts.is_source)
        if name is None:
            return invitation
        return self._engine.template(name, {**context, "invitation": invitation}, answer)

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

        def measure(body: str) -> tuple[str, int]:
            rendered = self._engine.template(template, {**context, "body": body}, answer)
            text = _addressed(rendered, context)
            return text, count_length(text, spec.count)

        full = self._full_text(answer, context)
        marker = self.language(context["language"]).cut_marker
        if spec.count == "sms":
            marker = sms_cut_marker(marker)
        best, shortest = longest_cut(full, answer.link or "", marker, spec.limit, measure)
        if best is None:
            raise cut_overflow(
                answer,
                channel_name,
                spec.limit,
                shortest.length,
                full=full,
                marker=marker,
                measure=measure,
                language=context["language"],
                settings=self.settings,
                settings_source=self._settings_source,
            )
        text, length, body = best.text, best.length, best.body
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
        """The one place a sendable reply is built (its HTML part on html channels)."""
        html = None
        if spec.format == "html":
            html = self._engine.template(
                self._files.localized(html_template(spec), context["language"]),
                {**context, "body": body},
                answer,
                html=True,
            )
            if holes := context["details"].holes(html):
                return self._needs_details(answer, channel_name, spec, holes, context["language"])
        return Reply(
            answer_id=answer.id,
            channel=channel_name,
            text=text,
            length=length,
            limit=spec.limit,
            count=spec.count,
            form=form,
            html=html,
            language=context["language"],
        )

    def _needs_details(
        self, answer: Answer, channel_name: str, spec: Channel, needed: list[str], language: str
    ) -> Reply:
        """No text to send: every form would leave a hole where these details go."""
        return Reply(
            language=language,
            answer_id=answer.id,
            channel=channel_name,
            text="",
            length=0,
            limit=spec.limit,
            count=spec.count,
            form="needs_details",
            needs_details=needed,
        )

    # --- the render context -----------------------------------------------------------

    def _context(
        self,
        answer: Answer,
        channel_name: str,
        spec: Channel,
        customer: CustomerView,
        request: _Request,
    ) -> dict[str, Any]:
        texts = request.texts
        context: dict[str, Any] = {
            **answer.model_dump(mode="json", exclude=set(HIDDEN_ANSWER_FIELDS)),
            "brand": self.settings.brand,
            "customer": customer,
            "channel": ChannelView(channel_name, spec.limit, spec.public, spec.format),
            # The ticket's values (the answer's field holds only their declarations).
            "details": DetailsView(request.details, answer.details, public=spec.public),
            "language": texts.language,
        }
        if request.agent is None:
            team = self._engine.text(texts.team_signature, context, answer, "team_signature")
            context["agent"] = team_view(team, spec, self.settings.brand)
        else:
            context["agent"] = agent_view(
                self.settings, request.agent, channel_name, spec, texts=texts
            )
        choice = choose_opening(
            self.settings,
            request.tone or answer.tone,
            anonymous=customer.anonymous,
            conversation_id=request.conversation_id,
            texts=texts,
        )
        context["opening"] = self._engine.string(
            choice.source, context, answer=answer, what="opening", opening=choice
        )
        return context


def _addressed(text: str, context: dict[str, Any]) -> str:
    """The reply as sent: on a platform that notifies a person only when mentioned
    (``mention``: Mastodon), it starts with the customer's @handle, when known."""
    mention = context["customer"].mention
    return f"{mention} {text}" if mention else text
