"""The sandbox the templates of an answer base run in, with bounded time and memory.

An answer base is a folder anyone can send a pull request to, and CI renders it with
``replykb check``: its templates must not reach what they should not (Jinja's immutable
sandbox), nor run for ever or fill the memory. Every render of a template has a budget:

- ``range()`` gives at most ``MAX_RANGE`` items;
- no value a template makes (a string, a list, a number's digits, the rendered text)
  is over ``MAX_TEXT`` characters or items, and what one render makes adds up to at
  most ``MAX_MADE``;
- loop iterations, calls, operators and ``{{ }}`` outputs add up to at most ``MAX_STEPS``;
- a render stops after ``MAX_SECONDS``.

Going over a bound raises :class:`BoundExceeded` inside the template, so Jinja locates
it at the template's line. Operations that could allocate a huge value in one step
(``'a' * 10**9``, ``s.ljust(10**9)``, ``'%9999999999s' % x``, ``s.replace('', big)``,
``sep.join(many)``) are checked before they run, the others after.

Built on the hooks Jinja's sandbox documents: intercepted binary operators
(:meth:`call_binop`), :meth:`call` for every call, a bounded ``range``; plus wrapped
filters, a context-aware ``finalize`` for every ``{{ }}`` (which also keeps Jinja from
evaluating outputs while compiling), a bounded ``concat`` of the output, and a code
generator that counts every loop iteration, macro call and ``~`` (through an
extension's method, the way Jinja lets a compiler-added node call Python). Constant folding is
off (``optimized=False``): Jinja would otherwise compute ``{{ 'a' * 10**9 }}`` while
compiling, outside any bound. ``lipsum`` (a lorem-ipsum generator, no use in a reply)
is not available, and the ``random`` filter raises at its line: replies are
deterministic.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from jinja2 import Template, TemplateRuntimeError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.ext import Extension
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_context

__all__ = [
    "MAX_MADE",
    "MAX_RANGE",
    "MAX_SECONDS",
    "MAX_STEPS",
    "MAX_TEXT",
    "TEMPLATE_GLOBALS",
    "BoundExceeded",
    "BoundedSandbox",
]

MAX_RANGE: Final = 1_000
MAX_TEXT: Final = 100_000
MAX_MADE: Final = 1_000_000
MAX_STEPS: Final = 20_000
MAX_SECONDS: Final = 1.0
# A number a template computes: far beyond any figure in a reply, far below a slow one.
MAX_INT_BITS: Final = 4_096

HINT: Final = (
    "templates run in a bounded sandbox (see the README, 'Rendering'): loop over fewer "
    "items and build smaller texts"
)


class BoundExceeded(TemplateRuntimeError):
    """A template went over one of the sandbox's bounds."""


@dataclass
class _Budget:
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)
    steps: int = 0
    made: int = 0

    def step(self, made: int = 0) -> None:
        self.steps += 1
        self.made += made
        if self.steps > MAX_STEPS:
            raise BoundExceeded(
                f"the template takes more than {MAX_STEPS:,} steps (loop iterations, "
                "calls, operators and outputs)"
            )
        if self.made > MAX_MADE:
            raise BoundExceeded(f"the template makes more than {MAX_MADE:,} characters")
        if time.monotonic() > self.deadline:
            raise BoundExceeded(f"the template takes more than {MAX_SECONDS:g} s to render")


# One budget per render of a template, wherever (and on whichever thread) it runs.
_BUDGET: ContextVar[_Budget | None] = ContextVar("replykb_template_budget", default=None)


def _step(made: int = 0) -> None:
    budget = _BUDGET.get()
    if budget is not None:  # no budget while Jinja folds constants at compile time
        budget.step(made)


def _made(size: int) -> None:
    """Count ``size`` characters made, without a step (the call that makes them is one)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.made += size


# --- sizes -------------------------------------------------------------------------------


def _size(value: object, depth: int = 0) -> int:
    """Characters or items in ``value``, counting what its containers hold (capped)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3  # about its decimal digits
    if isinstance(value, range):
        return len(value) if value.start == 0 or abs(value.step) == 1 else MAX_TEXT + 1
    if isinstance(value, list | tuple | set | frozenset | dict):
        total = len(value)
        if depth < 4:
            items: Iterable[object] = value.items() if isinstance(value, dict) else value
            for item in items:
                total += _size(item, depth + 1)
                if total > MAX_TEXT:
                    break
        return total
    return 0


def _describe(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {value.bit_length() * 3 // 10} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _checked(value: Any, what: str) -> Any:
    """``value`` if its size is within the bounds (and counted against the budget)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise BoundExceeded(f"{what} gives {_describe(value)}, over the sandbox's bound")
        _step()
        return value
    size = _size(value)
    if size > MAX_TEXT:
        raise BoundExceeded(f"{what} gives more than {MAX_TEXT:,} characters or items")
    _step(size)
    return value


def _at_most(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise BoundExceeded(f"{what} would make more than {MAX_TEXT:,} characters or items")


def _width(value: object, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_TEXT:
        raise BoundExceeded(f"{what} of {_describe(value)} is over {MAX_TEXT:,}")


# --- what one step could make: checked before it runs -------------------------------------

_PERCENT_FIELD: Final = re.compile(
    r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)
_SPEC_NUMBERS: Final = re.compile(r"\d+")


def _percent_size(template: str, values: object) -> int:
    """An upper bound of ``template % values``."""
    largest = _size(values)
    numbers = values if isinstance(values, tuple) else (values,)
    star = max((v for v in numbers if isinstance(v, int) and not isinstance(v, bool)), default=0)
    total = len(template)
    for match in _PERCENT_FIELD.finditer(template):
        widths = [int(w) if w.isdigit() else star for w in match.groups() if w]
        total += max([largest, *widths])
        if total > MAX_TEXT:
            break
    return total


def _format_size(template: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    """An upper bound of ``template.format(*args, **kwargs)``."""
    largest = max((_size(v) for v in (*args, *kwargs.values())), default=0)
    total = len(template)
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return total  # str.format raises the same error
    for _, name, spec, _ in fields:
        if name is None:
            continue
        widths = [int(n) for n in _SPEC_NUMBERS.findall(spec or "") if len(n) < 12]
        if any(len(n) >= 12 for n in _SPEC_NUMBERS.findall(spec or "")):
            return MAX_TEXT + 1
        total += max([largest, *widths])
        if total > MAX_TEXT:
            break
    return total


def _precheck_text_method(name: str, text: str, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    """Bound a str (or Markup) method call by what it could make, before it runs."""
    what = f"{name}()"
    if name in ("ljust", "rjust", "center", "zfill"):
        for value in (*args, *kw.values()):
            _width(value, f"{what} width")
    elif name == "expandtabs":
        size = args[0] if args else kw.get("tabsize", 8)
        _width(size, f"{what} tab size")
        if isinstance(size, int):
            _at_most(len(text) + text.count("\t") * size, what)
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = len(text) + 1 if not old else text.count(old)
        _at_most(len(text) + hits * len(new), what)
    elif name == "join" and args:
        items = args[0]
        count = len(items) if hasattr(items, "__len__") else MAX_TEXT
        _at_most(_size(items) + max(count - 1, 0) * len(text), what)
    elif name in ("format", "format_map"):
        mapping = dict(args[0]) if name == "format_map" and args else kw
        _at_most(_format_size(text, args if name == "format" else (), mapping), what)
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((_size(v) for v in args[0].values()), default=1)
        _at_most(len(text) * max(longest, 1), what)


def _precheck_binop(operator: str, left: Any, right: Any) -> None:
    what = f"`{operator}`"
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        if right > 0 and abs(left) > 1 and abs(left).bit_length() * right > MAX_INT_BITS:
            raise BoundExceeded(
                f"{_describe(left)} ** {_describe(right)} is over the sandbox's bound"
            )
    elif operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and isinstance(sequence, str | list | tuple):
                _at_most(_size(sequence) * max(times, 0), f"{what} of a text or list")
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() + right.bit_length() > MAX_INT_BITS
        ):
            raise BoundExceeded("a product of numbers is over the sandbox's bound")
    elif operator == "+" and isinstance(left, str | list | tuple):
        _at_most(_size(left) + _size(right), what)
    elif operator == "%" and isinstance(left, str):
        _at_most(_percent_size(left, right), f"{what} formatting")


# --- filters --------------------------------------------------------------------------------

_WIDTH_ARGUMENTS: Final = {
    "center": "width",
    "indent": "width",
    "wordwrap": "width",
    "truncate": "length",
    "batch": "line count",
    "slice": "slice count",
}


def _precheck_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Bound a filter call (``args`` after the value) by what it could make."""
    if not args:
        return
    value, rest = args[0], args[1:]
    if name in _WIDTH_ARGUMENTS:
        for argument in (*rest, *kwargs.values()):
            _width(argument, f"the {name} filter's {_WIDTH_ARGUMENTS[name]}")
    text = str(value) if isinstance(value, str) else ""
    if name == "replace" and len(rest) >= 2:
        _precheck_text_method("replace", text, (str(rest[0]), str(rest[1])), {})
    elif name == "join":
        separator = str(rest[0]) if rest else str(kwargs.get("d", ""))
        count = len(value) if hasattr(value, "__len__") else MAX_TEXT
        _at_most(_size(value) + max(count - 1, 0) * len(separator), "the join filter")
    elif name == "format":
        _at_most(_percent_size(text, rest or kwargs), "the format filter")
    elif name == "indent":
        width = rest[0] if rest else kwargs.get("width", 4)
        pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _at_most(len(text) + (text.count("\n") + 1) * pad, "the indent filter")
    elif name == "wordwrap":
        wrap = rest[2] if len(rest) > 2 else kwargs.get("wrapstring")
        if isinstance(wrap, str):
            _at_most(len(text) * (len(wrap) + 1), "the wordwrap filter")


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its arguments checked before and its result after it runs."""

    @functools.wraps(function)  # keeps jinja_pass_arg: Jinja passes the same arguments
    def bounded(*args: Any, **kwargs: Any) -> Any:
        offset = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0
        if name == "join" and len(args) > offset and not hasattr(args[offset], "__len__"):
            args = (*args[:offset], list(args[offset]), *args[offset + 1 :])
        _precheck_filter(name, args[offset:], kwargs)
        return _checked(function(*args, **kwargs), f"the {name} filter")

    return bounded


def _bounded_range(*args: int) -> range:
    """``range`` for templates: at most ``MAX_RANGE`` items."""
    try:
        items = range(*args)
        too_many = len(items) > MAX_RANGE
    except OverflowError:
        too_many = True
    if too_many:
        shown = ", ".join(_describe(arg) for arg in args)
        raise BoundExceeded(f"range({shown}) has more than {MAX_RANGE:,} items")
    return items


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """Every ``{{ }}`` output: counted and bounded (and never folded at compile time)."""
    size = len(value) if isinstance(value, str) else _size(value)
    if size > MAX_TEXT:
        raise BoundExceeded(f"an output of more than {MAX_TEXT:,} characters")
    _step(size)
    return value


# --- code generation: count loop iterations, macro calls and `~` ------------------------


class _Bounds(Extension):
    """The budget's entry point in generated code (Jinja's way to call Python from a
    node the compiler adds: ``ExtensionAttribute``)."""

    def tick(self, size: int) -> None:
        _made(size)  # the step is the sandboxed call of this method


def _tick(size: int, lineno: int) -> nodes.ExprStmt:
    """A statement that counts one step, and the literal text it outputs, at ``lineno``."""
    call = nodes.Call(
        nodes.ExtensionAttribute(_Bounds.identifier, "tick"), [nodes.Const(size)], [], None, None
    )
    statement = nodes.ExprStmt(call)
    statement.set_lineno(lineno)
    return statement


def _literal_size(body: list[nodes.Node]) -> int:
    """Characters of template text one run of ``body`` outputs outside nested loops."""
    total = 0
    pending = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, nodes.TemplateData):
            total += len(node.data)
        elif not isinstance(node, nodes.For | nodes.Macro | nodes.CallBlock):
            pending.extend(node.iter_child_nodes())
    return total


class _BoundedCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # Every loop iteration and macro (or call block) run counts: a loop whose body
        # outputs only text would otherwise take no step at all.
        owners: list[nodes.For | nodes.Macro | nodes.CallBlock] = list(
            node.find_all((nodes.For, nodes.Macro, nodes.CallBlock))
        )
        for owner in owners:
            owner.body.insert(0, _tick(_literal_size(owner.body), owner.lineno))
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class _BoundedTemplate(Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        token = _BUDGET.set(_Budget())
        try:
            return super().render(*args, **kwargs)
        finally:
            _BUDGET.reset(token)


def _no_random(*_: Any, **__: Any) -> Any:
    """Jinja's ``random`` filter, refused where it is used (so ``replykb check`` fails
    at that line): the same message, channel, agent, language and conversation must
    give the same reply byte for byte, through every door."""
    raise SecurityError(
        "the `random` filter is not available: a reply must be the same every time it "
        "is rendered for the same message; to vary the greeting, give several "
        "`openings:` (each conversation keeps one, chosen by its id)"
    )


# The names every template sees besides its context.
TEMPLATE_GLOBALS: Final = frozenset({"range", "dict", "cycler", "joiner", "namespace"})


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the bounds of this module."""

    code_generator_class = _BoundedCodeGenerator
    template_class = _BoundedTemplate
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self, *, filters: Mapping[str, Callable[..., Any]] = {}, **options: Any) -> None:
        super().__init__(optimized=False, finalize=_finalize, extensions=[_Bounds], **options)
        self.globals = {name: self.globals[name] for name in TEMPLATE_GLOBALS - {"range"}}
        self.globals["range"] = _bounded_range
        every = {**self.filters, **filters}
        self.filters = {name: _bounded_filter(name, f) for name, f in every.items()}
        self.filters["random"] = _no_random

    def concat(self, pieces: Iterator[str]) -> str:  # type: ignore[override]
        """The rendered text, bounded as it is produced."""
        total = 0
        parts = []
        for piece in pieces:
            total += len(piece)
            if total > MAX_TEXT:
                raise BoundExceeded(f"the rendered text is over {MAX_TEXT:,} characters")
            parts.append(piece)
        return "".join(parts)

    def bounded(self, value: Any) -> Any:
        return _checked(value, "an expression")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _precheck_binop(operator, left, right)
        return _checked(super().call_binop(context, operator, left, right), f"`{operator}`")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__wrapped__", __obj)  # str.format, wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        name = getattr(target, "__name__", "")
        if isinstance(owner, str):
            _precheck_text_method(name, owner, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return _checked(result, f"{name or 'a call'}()")
