"""What the issue-13 checks read in a base's texts: the ticket details they print, the
openings a customer with no name gets, and personal data written into answers.

Static readings (Jinja parsed, not rendered) except for openings, which are rendered
for a nameless customer to show what that customer would read. Used by RKB104 and
RKB105 (templates.py) and RKB502 (privacy.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from jinja2 import Environment, TemplateSyntaxError, nodes

from ..errors import RenderError
from ..models import Answer, Location, Tone
from ..render import prints_customer_name
from ..urls import CARD_RE, EMAIL_RE, PHONE_SHAPE_RE, without_links
from .template_texts import JINJA_SPANS

if TYPE_CHECKING:
    from .base_view import BaseView

__all__ = [
    "DetailGap",
    "FallbackGap",
    "NamelessOpening",
    "PersonalData",
    "detail_gaps",
    "fallback_gaps",
    "nameless_openings",
    "personal_data",
    "printed_details",
]

# --- ticket details ----------------------------------------------------------------------

# Parsing only (no compiling, so no constant is folded and no filter looked up).
_PARSER: Final = Environment()


def _detail_name(node: nodes.Node) -> str | None:
    """The detail ``node`` reads (``details.x`` or ``details['x']``), if it reads one."""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        return node.attr if node.node.name == "details" else None
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "details"
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        return node.arg.value
    return None


def _tested(test: nodes.Node) -> tuple[set[str], set[str]]:
    """The details present whenever ``test`` is true, and those present whenever it is
    false (``{% if not details.x %}...{% else %}`` has ``x`` in its else branch)."""
    if isinstance(test, nodes.Not):
        when_true, when_false = _tested(test.node)
        return when_false, when_true
    if isinstance(test, nodes.And | nodes.Or):
        left, right = _tested(test.left), _tested(test.right)
        if isinstance(test, nodes.And):
            return left[0] | right[0], left[1] & right[1]
        return left[0] & right[0], left[1] | right[1]
    if isinstance(test, nodes.Compare) and len(test.ops) == 1 and test.ops[0].op == "in":
        operand = test.ops[0].expr
        if (
            isinstance(operand, nodes.Name)
            and operand.name == "details"
            and isinstance(test.expr, nodes.Const)
            and isinstance(test.expr.value, str)
        ):
            return {test.expr.value}, set()
    # A detail the ticket lacks is false and equal to nothing a test compares it with.
    names = {
        name
        for node in test.find_all((nodes.Getattr, nodes.Getitem))
        if (name := _detail_name(node))
    }
    if (name := _detail_name(test)) is not None:
        names.add(name)
    return names, set()


def printed_details(source: str) -> dict[str, bool]:
    """The details ``source`` prints, each with whether every place printing it is
    guarded (inside ``{% if details.x %}``, or ``details.x | default(...)``): a guarded
    detail never prints when the ticket lacks it. A text that does not parse: {}."""
    try:
        tree = _PARSER.parse(source)
    except TemplateSyntaxError:
        return {}
    found: dict[str, bool] = {}

    def visit(node: nodes.Node, guarded: frozenset[str]) -> None:
        if isinstance(node, nodes.If):
            when_true, when_false = _tested(node.test)
            for child in node.body:
                visit(child, guarded | when_true)
            for branch in node.elif_:
                visit(branch, guarded | when_false)
            for child in node.else_:
                visit(child, guarded | when_false)
            return
        if isinstance(node, nodes.CondExpr):
            when_true, when_false = _tested(node.test)
            visit(node.expr1, guarded | when_true)
            if node.expr2 is not None:
                visit(node.expr2, guarded | when_false)
            return
        if isinstance(node, nodes.Filter) and node.name == "default" and node.node is not None:
            name = _detail_name(node.node)
            if name is not None:
                found.setdefault(name, True)
                for argument in node.args:
                    visit(argument, guarded)
                return
        name = _detail_name(node)
        if name is not None:
            found[name] = found.get(name, True) and name in guarded
            return
        for child in node.iter_child_nodes():
            visit(child, guarded)

    visit(tree, frozenset())
    return found


@dataclass(frozen=True)
class DetailGap:
    """A detail an answer prints with nothing to say when the ticket lacks it."""

    answer: Answer
    name: str
    declared: bool
    texts: tuple[str, ...]  # "answer", "short"

    @property
    def location(self) -> Location:
        source = self.answer.source
        return (
            source.locate("details", self.name) if self.declared else source.locate(self.texts[0])
        )


def detail_gaps(answer: Answer) -> list[DetailGap]:
    """Details ``answer`` prints unguarded that it does not declare with a fallback."""
    unguarded: dict[str, list[str]] = {}
    for key in ("answer", "short"):
        text = getattr(answer, key)
        for name, guarded in printed_details(text or "").items():
            if not guarded:
                unguarded.setdefault(name, []).append(key)
    gaps = []
    for name, texts in unguarded.items():
        spec = answer.details.get(name)
        if spec is None or spec.fallback is None:
            gaps.append(DetailGap(answer, name, spec is not None, tuple(texts)))
    return gaps


@dataclass(frozen=True)
class FallbackGap:
    """A detail a translation prints whose fallback only the source language gives."""

    answer: Answer
    language: str
    name: str
    fallback: str
    texts: tuple[str, ...]  # "answer", "short"

    @property
    def location(self) -> Location:
        return self.answer.source.locate("translations", self.language, self.texts[0])


# Links, e-mail addresses (urls.without_links): a fallback made only of these (and
# numbers) has no language.
_WORD: Final = re.compile(r"[^\W\d_]{2,}")


def fallback_gaps(answer: Answer, language: str) -> list[FallbackGap]:
    """Details the ``language`` translation of ``answer`` prints unguarded whose
    fallback (printed on public channels and for tickets without the detail) is the
    source's, untranslated: the translation gives no `details: <name>: fallback:`.
    A fallback with no words (a link, an e-mail address, a number) reads the same in
    every language."""
    translation = answer.translations.get(language)
    if translation is None:
        return []
    printed: dict[str, list[str]] = {}
    for key in ("answer", "short"):
        for name, guarded in printed_details(getattr(translation, key) or "").items():
            if not guarded:
                printed.setdefault(name, []).append(key)
    gaps = []
    for name, texts in printed.items():
        spec, own = answer.details.get(name), translation.details.get(name)
        if spec is None or spec.fallback is None or (own is not None and own.fallback):
            continue
        if _WORD.search(without_links(spec.fallback)):
            gaps.append(FallbackGap(answer, language, name, spec.fallback, tuple(texts)))
    return gaps


# --- openings for a customer with no name --------------------------------------------------

# What a missing name can leave: punctuation opening the text or after a space, doubled,
# or closing it with a comma, colon or semicolon ("Gentile,"), or nothing at all.
_DANGLING: Final = re.compile(r"^\s*[,.;:!?]|\s[,.;:!?]|[,;:][.,;:!?]|[,;:]\s*$")


@dataclass(frozen=True)
class NamelessOpening:
    """An opening of the base that reads badly for a customer with no name."""

    location: Location
    tone: Tone
    what: str  # "opening apology #2", "nameless opening apology #1"
    reads: str  # what a customer with no name reads
    why: str


def nameless_openings(ctx: BaseView) -> Iterator[NamelessOpening]:
    """Openings a nameless customer gets that still use the name (the renderer takes it
    out, and the result may read badly) or read badly."""
    settings = ctx.base.settings
    channel = next(iter(settings.channels), None)
    if channel is None:
        return
    source = ctx.base.settings_source
    for tone in ("neutral", "apology", "thanks"):
        nameless = settings.anonymous_openings.get(tone)
        if nameless:
            candidates = [
                ("anonymous_openings", "nameless opening", i, t) for i, t in enumerate(nameless)
            ]
        else:
            named = settings.openings.get(tone) or []
            if not named or not all(prints_customer_name(text) for text in named):
                continue  # built-in nameless forms, or the base's name-free openings
            candidates = [("openings", "opening", i, t) for i, t in enumerate(named)]
        for key, label, index, text in candidates:
            try:
                reads = ctx.renderer.render_opening(text, channel=channel)
            except RenderError:
                continue  # a template error: RKB101/RKB102 report it
            uses_name = prints_customer_name(text)
            bad = not reads or _DANGLING.search(reads) is not None
            if not uses_name and not bad:
                continue
            if key == "openings":
                why = (
                    f"every {tone} opening prints the customer's name and the tone has no "
                    f"nameless form, so replykb takes the name out"
                )
            elif uses_name:
                why = "a nameless opening uses `customer.name`, which a customer with no name lacks"
            else:
                why = "it reads badly"
            yield NamelessOpening(
                source.locate(key, tone, index), tone, f"{label} {tone} #{index + 1}", reads, why
            )


# --- personal data written into an answer ----------------------------------------------------

# E-mail addresses, card numbers and the loose phone shape: urls.py, shared with the
# usage log's masking (which reads phones with libphonenumber instead: see there).
_EMAIL: Final = EMAIL_RE
_CARD: Final = CARD_RE
_PHONE: Final = PHONE_SHAPE_RE
_DATE: Final = re.compile(r"\d{4}-\d\d-\d\d|\d\d?[./-]\d\d?[./-]\d{2,4}")
_ORDER: Final = re.compile(
    r"\b[A-Z]{1,4}-?\d{5,}\b|#\d{4,}\b|(?i:\b(?:order|account|reference|ref|ticket)\s*"
    r"(?:no\.?|number|#)?\s*:?\s*\d{4,}\b)"
)
# Numbers a company publishes: free and service numbers (UK 0800/0808/03/0843-0845/0870,
# Italy 800/803, US and Canada 800/833/844/855/866/877/888), with or without the country code.
_SERVICE_NUMBER: Final = re.compile(
    r"^(?:44|0)?(?:80[08]|3\d\d|84[345]|87[01]|500)|^(?:39)?80[03]|^1?8(?:00|33|44|55|66|77|88)"
)


@dataclass(frozen=True)
class PersonalData:
    """Personal data found in an answer's text."""

    answer: Answer
    key: str  # "answer" or "short"
    what: str  # "an order number"
    text: str


def _own_domains(ctx: BaseView) -> set[str]:
    """The registrable domains of the base's own links (help.fernhill.example ->
    fernhill.example): addresses there are the company's, not a customer's."""
    domains = set()
    for answer in ctx.base.answers:
        if answer.link:
            host = (urlsplit(answer.link).hostname or "").lower()
            domains.add(".".join(host.split(".")[-2:]))
    return domains


def personal_data(ctx: BaseView, answers: Iterable[Answer] | None = None) -> Iterator[PersonalData]:
    """Order numbers, customers' e-mail addresses, phone and card numbers written into
    the texts of ``answers`` (default: the base's; localized ones for a translation's)
    outside Jinja tags; numbers an answer lists as ``facts:`` and free or service
    numbers are the company's own."""
    own = _own_domains(ctx)
    for answer in ctx.base.answers if answers is None else answers:
        published = {re.sub(r"\D", "", fact) for fact in answer.facts} - {""}
        for key in ("answer", "short"):
            text = JINJA_SPANS.sub(" ", getattr(answer, key) or "")
            for what, found in _personal(text, own, published):
                yield PersonalData(answer, key, what, found)


def _personal(text: str, own: set[str], published: set[str]) -> Iterator[tuple[str, str]]:
    """(what, the text found) for each piece of personal data in ``text``, each place
    reported once (an order number is not a phone number too)."""
    seen: list[tuple[int, int]] = []

    def fresh(match: re.Match[str]) -> bool:
        start, end = match.span()
        if any(start < stop and begin < end for begin, stop in seen):
            return False
        seen.append((start, end))
        return True

    for match in _EMAIL.finditer(text):
        if ".".join(match.group("domain").lower().split(".")[-2:]) not in own and fresh(match):
            yield "an e-mail address", match.group()
    for match in _ORDER.finditer(text):
        if fresh(match):
            yield "an order or account number", match.group()
    for match in _CARD.finditer(text):
        if fresh(match):
            yield "a card number", match.group()
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        company = digits in published or _SERVICE_NUMBER.match(digits) is not None
        if not company and not _DATE.fullmatch(match.group().strip()) and fresh(match):
            yield "a phone number", match.group().strip()
