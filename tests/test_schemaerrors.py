"""replykb.schemaerrors: pydantic's errors of YAML data in the words of the file."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from replykb.channels import WindowRule
from replykb.details import DetailSpec
from replykb.models import Agent, Answer, AnswerTranslation, Channel, Settings
from replykb.schemaerrors import describe_error, located, model_at, shown


@pytest.mark.parametrize(
    ("root", "loc", "model"),
    [
        (Settings, ("channels", "x"), Channel),  # dict[Slug, Channel]
        (Settings, ("channels", "x", "window"), WindowRule),  # WindowRule | None
        (Settings, ("agents", "paola"), Agent),
        (Answer, ("translations", "it"), AnswerTranslation),  # dict[LanguageCode, ...]
        (Answer, ("translations", "it", "details", "order_id"), DetailSpec),
        (Answer, ("questions", 0), None),  # a text, not a model
        (Answer, ("nonsense",), None),
        (Answer, (), Answer),
    ],
)
def test_model_at_walks_mappings_lists_and_optionals(
    root: Any, loc: tuple[str | int, ...], model: Any
) -> None:
    assert model_at(root, loc) is model


def _errors(model: Any, data: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return raised.value.errors()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"brand": "A", "agents": {"p": {"name": "P", "signaturs": {}}}},
            "unknown key `signaturs`; did you mean `signatures`?",
        ),
        (
            # a key valid elsewhere is never proposed as itself
            {"brand": "A", "channels": {"x": {"brand": "A"}}},
            "unknown key `brand` in `channels.x`; the keys here are limit, count,",
        ),
        (
            {"brand": "A", "agents": {"p": "Paola"}},
            "expected a mapping with the keys of an agent (name:, signatures:, translations:), "
            "got the text 'Paola'; write `key: value` lines, indented under this one",
        ),
        (
            {"brand": "A", "languages": {"en": 1}},
            "expected a list, got a mapping {'en': 1}; write a list: `[a, b]`, or one `- item` "
            "line per item, without `key:`",
        ),
        (
            {"brand": "A", "channels": {"x": {"private_channel": "facebook"}}},
            "channel `x`: private_channel `facebook` is public; name a private channel",
        ),
    ],
)
def test_settings_errors_read_as_yaml(data: dict[str, Any], message: str) -> None:
    (detail,) = _errors(Settings, data)
    assert message in describe_error(detail, Settings)


def test_a_cross_key_error_is_located_at_the_key_at_fault() -> None:
    (detail,) = _errors(Settings, {"brand": "A", "channels": {"x": {"private_channel": "fax"}}})
    assert located(detail) == ("channels", "x", "private_channel")


def test_a_boolean_is_quoted_as_written() -> None:
    (detail,) = _errors(Answer, {"id": "a", "questions": [False], "answer": "x"})
    assert describe_error(detail, Answer, "no") == (
        'YAML reads `no` unquoted as false, not as text; quote it: "no"'
    )
    assert describe_error(detail, Answer) == (
        "expected text, got false; quote it if it is meant as text"
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "null (nothing)"),
        (True, "true"),
        ("x" * 100, "the text 'xxxxxxxx"),
        (42, "the number 42"),
        ([1, 2], "a list of 2 items [1, 2]"),
        ({"a": 1}, "a mapping {'a': 1}"),
        ({"b", "a"}, "a list of 2 items ['a', 'b']"),
        (b"hi", "binary data (`!!binary`)"),
    ],
)
def test_shown_names_yaml_values(value: object, words: str) -> None:
    assert shown(value).startswith(words)
    assert len(shown(value)) <= 90
