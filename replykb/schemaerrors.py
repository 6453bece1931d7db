"""One validation error of data read from YAML, described in the words of the file.

pydantic's own messages name Python types ("a valid dictionary or instance of Agent",
"a valid tuple"); a person editing an answer base wrote a mapping, a list or a text,
so :func:`describe_error` says what was written, what is expected there in YAML terms
and how to fix it. It is the one describer of the package: the loader uses it for every
file of a base, and callers validating other data (requests) can use it for the types.

A leaf module (pydantic only): anything may import it.
"""

from __future__ import annotations

import datetime
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails, PydanticCustomError

__all__ = ["describe_error", "error_at", "keys_of", "located", "model_at", "shown"]

# What a mapping field holds, by its key, for "expected a mapping of ...".
_MAPPING_OF = {
    "channels": "channel names to their settings (`x: {}`, `sms: {limit: 160}`)",
    "agents": "agent ids to agents (`paola: {name: Paola}`)",
    "signatures": 'channel names to sign-offs (`x: "^Paola"`)',
    "translations": "language codes to their texts (`it:` then the texts, indented)",
    "openings": "tones to lists of openings (`apology: [...]`)",
    "anonymous_openings": "tones to lists of openings (`apology: [...]`)",
    "details": "detail names to their fallbacks (`order_id: {fallback: your order}`)",
    "mask": "token names to lists of patterns (`order: ['FH\\d{7}']`)",
}

# A model read from YAML, in the words of its file, for "expected a mapping of ...".
_MODEL_NOUN = {
    "Settings": "settings",
    "Answer": "an answer",
    "AnswerTranslation": "a translation",
    "LanguageTexts": "a language's texts",
    "AgentTexts": "an agent's texts in a language",
    "Agent": "an agent",
    "Channel": "a channel",
    "MatchSettings": "matching settings",
    "TuneSettings": "tuning settings",
    "LogSettings": "usage-log settings",
    "Policy": "review rules",
    "CheckSettings": "check settings",
    "IgnoredCode": "an ignored check code",
    "WindowRule": "a reply window",
    "PrivateReplyRule": "a private-reply rule",
    "DetailSpec": "a detail",
}


def error_at(message: str, *at: str | int) -> PydanticCustomError:
    """A validation error about the key at ``at`` under the field being validated, for a
    validator that checks several keys together (a channel's ``private_channel`` against
    the others): the loader reports it at that key's line, not at the field's."""
    # pydantic fills `{at}` from the context; other braces are kept as written.
    return PydanticCustomError("located", message, {"at": at})


def shown(value: Any, width: int = 60) -> str:
    """A value as YAML would read to its writer: text quoted, a list or mapping named and
    cut to ``width`` characters, so a huge value cannot flood a message."""
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        text = repr(value)
        return "the text " + (text if len(text) <= width else text[: width - 3] + "...")
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, datetime.date):  # YAML reads 2026-10-01 unquoted as a date
        return f"the date {value.isoformat()}"
    if isinstance(value, bytes):
        return "binary data (`!!binary`)"
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    text = repr(value)
    text = text if len(text) <= width else text[: width - 3] + "..."
    if isinstance(value, list | tuple):
        count = len(value)
        return f"a list of {count} item{'s' if count != 1 else ''} {text}"
    if isinstance(value, dict):
        return f"a mapping {text}"
    return text


def _unwrap(annotation: Any) -> list[Any]:
    """The types an annotation may hold: ``Annotated`` and ``X | None`` opened up."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation of what ``part`` (a key, an index) selects inside ``annotation``."""
    for kind in _unwrap(annotation):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(str(part))
            if field is not None:
                return field.annotation
        origin = typing.get_origin(kind)
        args = typing.get_args(kind)
        if origin in (dict, Mapping) and len(args) == 2:
            return args[1]
        if origin in (list, tuple, set, frozenset) and args:
            return args[0]
    return None


def model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model that validates the value at ``loc`` inside ``model``, if one does."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    for kind in _unwrap(annotation):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return kind
    return None


def keys_of(model: type[BaseModel], limit: int = 8) -> str:
    """``questions:, answer:, short:, ...``: the first keys a model takes."""
    names = list(model.model_fields)
    more = ", ..." if len(names) > limit else ""
    return ", ".join(f"{name}:" for name in names[:limit]) + more


def _unknown_key(key: str, loc: tuple[str | int, ...], root: type[BaseModel] | None) -> str:
    owner = model_at(root, loc[:-1]) if root is not None else None
    if owner is None:
        return f"unknown key `{key}`; remove it or fix its name"
    allowed = [name for name in owner.model_fields if name != key]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
    if close:
        return f"unknown key `{key}`; did you mean `{close[0]}`?"
    where = ".".join(str(part) for part in loc[:-1])
    here = f" in `{where}`" if where else ""
    message = f"unknown key `{key}`{here}; the keys here are {', '.join(owner.model_fields)}"
    if where and root is not None and key in root.model_fields:
        # `link:` under translations.it: a key of the file's top level, one level too deep.
        return f"{message}; `{key}:` belongs at the top of the file, not under `{where}`"
    return f"{message}: remove it or fix its name"


def _expected_mapping(loc: tuple[str | int, ...], model: type[BaseModel] | None) -> str:
    if model is not None:
        noun = _MODEL_NOUN.get(model.__name__, "settings")
        return f"a mapping with the keys of {noun} ({keys_of(model, 4)})"
    key = next((part for part in reversed(loc) if isinstance(part, str)), "")
    return f"a mapping of {_MAPPING_OF.get(key, 'names to values (`name: value` lines)')}"


def _as_list_hint(value: Any, written: str | None = None) -> str:
    if isinstance(value, bool) and written is not None:
        return f'write it as a list, quoted: `["{written}"]`'
    if isinstance(value, str) and len(value) <= 30 and not set(value) & set(",:[]{}#'\""):
        return f"write it as a list: `[{value}]`, or one `- item` line per item"
    if isinstance(value, str):
        # In `[...]` a comma would split the text: the dash form keeps it whole.
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"write it as a list, one `- item` line per item, indented: `- {short}`"
    if isinstance(value, dict):
        return "write a list: `[a, b]`, or one `- item` line per item, without `key:`"
    return "write a list: `[a, b]`, or one `- item` line per item"


def _text_hint(value: Any, written: str | None) -> str:
    if isinstance(value, bool) and written is not None:
        return (
            f"YAML reads `{written}` unquoted as {str(value).lower()}, not as text; "
            f'quote it: "{written}"'
        )
    if isinstance(value, list | tuple):
        return f"expected one text, got {shown(value)}; write a single text, without [ ] or - items"
    if isinstance(value, dict):
        return (
            f"expected text, got {shown(value)} (YAML reads `key: value` inside a text as a "
            "mapping); quote the whole text"
        )
    return f"expected text, got {shown(value)}; quote it if it is meant as text"


_BOUNDS = {
    "greater_than_equal": ("ge", "greater than or equal to"),
    "greater_than": ("gt", "greater than"),
    "less_than_equal": ("le", "less than or equal to"),
    "less_than": ("lt", "less than"),
}


def located(detail: ErrorDetails | Mapping[str, Any]) -> tuple[str | int, ...]:
    """Where the error is: a bad mapping key at the key itself (not its `[key]` marker),
    and an :func:`error_at` error at the key it names."""
    loc = tuple(part for part in detail.get("loc", ()) if part != "[key]")
    return loc + tuple((detail.get("ctx") or {}).get("at", ()))


def describe_error(
    detail: ErrorDetails | Mapping[str, Any],
    root: type[BaseModel] | None = None,
    written: str | None = None,
) -> str:
    """What is wrong at ``detail["loc"]`` and how to fix it, in YAML terms.

    ``root`` is the model the whole document was validated as (to find which keys are
    valid where); ``written`` is the value's text as written, when YAML changed it (a
    `no` read as false).
    """
    loc = located(detail)
    kind = str(detail.get("type", ""))
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    if written is not None and written.lower() in ("true", "false"):
        written = None  # `true` is read as written: nothing to explain
    got = shown(value)
    if isinstance(value, bool) and written is not None:
        got = f"`{written}`, which YAML reads unquoted as {got}"
    if kind == "missing":
        key = loc[-1] if loc else "?"
        parent = ".".join(str(part) for part in loc[:-1])
        where = f"under `{parent}`" if parent else "to the file"
        return f"missing required key `{key}`; add `{key}:` {where}"
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]) if loc else "?", loc, root)
    if kind == "invalid_key":
        return f"a key must be text, got {shown(value)}; quote it"
    if kind in ("string_type", "string_sub_type"):
        return _text_hint(value, written)
    if kind in ("model_type", "model_attributes_type", "dict_type", "mapping_type"):
        model = model_at(root, loc) if root is not None else None
        expected = _expected_mapping(loc, model)
        if isinstance(value, list | tuple):
            fix = "write `key: value` lines (indented under this one), not a list"
        else:
            fix = "write `key: value` lines, indented under this one"
        return f"expected {expected}, got {got}; {fix}"
    if kind in ("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"):
        return f"expected a list, got {got}; {_as_list_hint(value, written)}"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return f"expected a whole number, got {got}; write digits only, such as 24"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"expected a number, got {got}; write a number such as 0.5"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {shown(value)}; write true or false"
    if kind == "literal_error":
        expected = ctx.get("expected", "one of the listed values")
        return f"expected {expected}, got {got}; write one of them"
    if kind in _BOUNDS:
        name, words = _BOUNDS[kind]
        return f"must be {words} {ctx.get(name)}, got {got}; change the value"
    if kind in ("too_short", "too_long"):
        least = kind == "too_short"
        bound = ctx.get("min_length" if least else "max_length")
        items = "item" if bound == 1 else "items"
        word = "at least" if least else "at most"
        return f"must hold {word} {bound} {items}, got {ctx.get('actual_length')}; " + (
            "add some" if least else "remove some"
        )
    if kind == "string_pattern_mismatch":
        example = "-".join(str(value).lower().split())[:40]
        return (
            f"{shown(value)} is not a valid id: use lowercase letters, digits and dashes "
            f"(pattern {ctx.get('pattern')}), such as `{example}`"
        )
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"expected a date such as 2026-10-01, got {shown(value)}; write it as YYYY-MM-DD"
    message = str(detail.get("msg", "is not valid")).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if isinstance(value, bool) and message.startswith("expected a number"):
        return f"expected a number, got {got}; write a number"
    if message == "must not be blank":
        return f"{message}; write the text, or remove the key or item"
    return message
