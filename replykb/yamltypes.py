"""Building blocks of the models read from YAML: ids, texts, URLs, language codes, the
positions of keys in a file, and the per-language blocks (``translations:``).

Kept apart from models.py so that the translation blocks can be shared by the
settings, the agents and the answers without models.py growing past its size, and so
that replykb/languages.py can name them without the rest of the models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from .details import DetailName, DetailSpec
from .locations import Location

__all__ = [
    "SLUG_PATTERN",
    "AgentTexts",
    "AnswerTranslation",
    "FromYaml",
    "LanguageCode",
    "LanguageTexts",
    "Slug",
    "SourceMap",
    "Text",
    "Tone",
    "Url",
]

SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
# A source hash as `replykb translations --mark-current` writes it (languages.source_hash).
SOURCE_HASH_PATTERN = r"^[0-9a-f]{12}$"

Tone = Literal["neutral", "apology", "thanks"]


def _quoted(value: str, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters: a message never echoes a huge value."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 4] + "...'"


def _require_visible(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank; write the text, or remove the key or item")
    return value


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("expected an http(s) URL such as https://help.example.com/refunds")
    return value


def _check_language_code(value: str) -> str:
    # Only the shape is a load error; whether the code is a real ISO 639-1 one is
    # `check` RKB701 (the list is in languages.py), so `xx` loads and is reported there.
    if re.fullmatch(r"[a-z]{2}", value) is None:
        lowered = value.strip().lower()
        hint = f" (write `{lowered}`)" if re.fullmatch(r"[a-z]{2}", lowered) else ""
        if lowered in ("no", "on"):  # unquoted, YAML would read them as false/true
            hint = f' (write `"{lowered}"`, in quotes)'
        raise ValueError(
            f"{_quoted(value)} is not a language code{hint}: use a two-letter lowercase ISO 639-1 "
            "code such as en, it, es, fr, de or pt"
        )
    return value


def _one_code(value: object) -> object:
    # `language: [en, it]`: the list belongs under the plural key.
    if isinstance(value, list | tuple):
        listed = ", ".join(str(item) for item in value)
        first = str(value[0]) if value else "en"
        raise ValueError(
            f"`language:` takes one code, got a list [{listed}]; write "
            f"`languages: [{listed or 'en'}]` (the first is the source), or `language: {first}`"
        )
    return value


def _check_source_hash(value: str) -> str:
    if re.fullmatch(SOURCE_HASH_PATTERN, value) is None:
        # The loader names the answer and the language in the command (SOURCE_HASH_FIX).
        raise ValueError(f"{_quoted(value)} is not a source hash (12 hex digits){SOURCE_HASH_FIX}")
    return value


# Ends the message above; the loader, which knows the answer's id and the language,
# replaces ID and LANG in the command.
SOURCE_HASH_FIX = (
    "; do not write `source:` by hand: run `replykb translations --mark-current ID LANG` "
    "once the translation is reviewed (it writes the hash), or remove the line"
)


def _check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(
            f"{_quoted(value)} is not a regular expression: {error}; fix it (e.g. 'FH\\d{{7}}' in "
            "single quotes), or escape the characters meant literally with a backslash"
        ) from None
    return value


def _check_code(value: str) -> str:
    code = value.strip().upper()
    if re.fullmatch(r"RKB\d{3}", code) is None:
        raise ValueError(
            f"expected a `replykb check` code such as RKB403, got {_quoted(value)}; "
            "the README lists them"
        )
    return code


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
# A regular expression (log masks); a `replykb check` code (`check: ignore`), upper-cased.
Pattern = Annotated[str, AfterValidator(_check_pattern)]
CheckCode = Annotated[str, AfterValidator(_check_code)]
Text = Annotated[str, AfterValidator(_require_visible)]
Url = Annotated[str, AfterValidator(_check_url)]
LanguageCode = Annotated[str, AfterValidator(_check_language_code)]
# `language:` (one code), where a list is the plural key's.
OneLanguageCode = Annotated[str, BeforeValidator(_one_code), AfterValidator(_check_language_code)]
SourceHash = Annotated[str, AfterValidator(_check_source_hash)]


class FromYaml(BaseModel):
    """A model read from YAML: unknown keys are errors, and it is frozen (shareable)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class SourceMap(BaseModel):
    """Positions of every key and item of one YAML file, keyed by their path."""

    model_config = ConfigDict(frozen=True)

    file: str
    positions: Mapping[tuple[str | int, ...], tuple[int, int]] = Field(default_factory=dict)
    # Values YAML read as true/false, as written (`no`, `on`): a message about one that
    # should be text quotes what the user wrote, not Python's False.
    booleans: Mapping[tuple[str | int, ...], str] = Field(default_factory=dict)

    def locate(self, *path: str | int) -> Location:
        """The nearest known position of ``path``, walking up to the document start."""
        key = tuple(path)
        while key:
            if key in self.positions:
                line, column = self.positions[key]
                return Location(file=self.file, line=line, column=column)
            key = key[:-1]
        line, column = self.positions.get((), (1, 1))
        return Location(file=self.file, line=line, column=column)


# --- translations: ---------------------------------------------------------------------


class LanguageTexts(FromYaml):
    """``translations.<lang>`` in replykb.yaml: the base's own texts for one language,
    each overriding the built-in one for that language (all optional)."""

    # Same shape as the top-level `openings:` / `anonymous_openings:`.
    openings: dict[Tone, list[Text]] = Field(default_factory=dict)
    anonymous_openings: dict[Tone, list[Text]] = Field(default_factory=dict)
    # The invitation to continue in private on public channels (Jinja, like an opening).
    private_invite: Text | None = None
    # What ends a cut body before the link.
    cut_marker: Text | None = None
    # The sign-off when no agent is given (Jinja, with `brand`).
    team_signature: Text | None = None
    # Messages in this language that must match no answer.
    out_of_scope: list[Text] = Field(default_factory=list)


class AgentTexts(FromYaml):
    """``agents.<id>.translations.<lang>``: how an agent signs in that language. A channel
    missing here gets the language's built-in sign-off, never the source's signature."""

    name: Text | None = None
    signatures: dict[str, str] = Field(default_factory=dict)


class AnswerTranslation(FromYaml):
    """``translations.<lang>`` in an answer file: the answer as it reads in that language."""

    # The source_hash of the source texts this translation was reviewed against; written
    # by `replykb translations --mark-current ID LANG`. None: never marked.
    source: SourceHash | None = None
    # Customer questions in this language: indexed for matching (recommended).
    questions: list[Text] = Field(default_factory=list)
    answer: Text
    # Required by `check` (RKB702) when the source has a `short`.
    short: Text | None = None
    facts: list[Text] = Field(default_factory=list)
    tests: list[Text] = Field(default_factory=list)
    # A ticket detail's fallback (and description) in this language, for details the
    # answer declares: `details: {order_id: {fallback: il tuo ordine}}`; a detail not
    # given here keeps the source's.
    details: dict[DetailName, DetailSpec] = Field(default_factory=dict)
