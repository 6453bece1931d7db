"""RKB707: a base with questions or customers in other languages than English, matched
by a model that knows English only.

Whether a model is multilingual is read from its name, without loading it: a list of
well-known multilingual sentence-transformers models, a hint in the name
(``multilingual``, ``labse``, ``xlm-r``, ``bge-m3``...), or, for a local folder, a
tokenizer vocabulary of more than 100,000 pieces in its ``config.json`` (multilingual
models have 119,547 (mBERT) to 501,153 (LaBSE); English ones about 30,000 to 50,000).
Any other model, the packaged all-MiniLM-L6-v2 included, is taken as English-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..languages import language_name
from .languages import languages
from .model_kind import configured_model, is_multilingual_model
from .registry import Found

if TYPE_CHECKING:
    from ..models import AnswerBase
    from .context import CheckContext

__all__ = ["configured_model", "is_multilingual_model", "non_english_languages"]

# What a model is called in messages when the base names none.
_PACKAGED = "all-MiniLM-L6-v2 (the packaged model)"


def non_english_languages(base: AnswerBase) -> dict[str, int]:
    """The base's languages other than English, each with how many questions it has
    (listed languages, and the language the source questions are written in when they
    are not English whatever `languages:` says)."""
    settings = base.settings
    counts: dict[str, int] = {}
    source = settings.languages[0]
    detected = _source_questions_language(base)
    if detected is not None and detected != source:
        source = detected
    for language in (source, *settings.languages[1:]):
        if language == "en":
            continue
        if language == source:
            counts[language] = sum(len(a.questions) for a in base.answers)
        else:
            counts[language] = sum(
                len(a.translations[language].questions)
                for a in base.answers
                if language in a.translations
            )
    return counts


def _source_questions_language(base: AnswerBase) -> str | None:
    """The language the source questions are written in, when the detector is sure;
    read from all of them at once (one short question says little)."""
    from ..prepare.language import MIN_CONFIDENCE, detect_language, known_languages

    text = "\n".join(q for a in base.answers for q in a.questions)
    if not text.strip():
        return None
    guess = detect_language(text, sorted(known_languages()))
    return guess.language if guess.confidence >= MIN_CONFIDENCE else None


@languages.rule(
    "RKB707",
    "warning",
    "non-English questions with an English-only model",
    hint="set `model:` to a multilingual model, such as "
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 (a hub name or a local folder)",
)
def english_only_model(ctx: CheckContext) -> Iterator[Found]:
    """
    The base lists a language other than English, or its questions are written in
    one, but `model:` is an English-only model (the packaged all-MiniLM-L6-v2 is):
    it compares other languages by spelling rather than meaning, so their messages
    match less often and less surely. A model counts as multilingual when its name is
    a well-known multilingual model or says so (`multilingual`, `LaBSE`, `xlm-r`,
    `bge-m3`), or its local folder's `config.json` has a vocabulary over 100,000
    pieces; accept the warning with a reason (`check: ignore:`) for another one.
    ```yaml
    languages: [en, it]
    # no `model:`: the packaged English all-MiniLM-L6-v2
    ```
    Fix: `model: sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2` (or the
    path of a local copy), then `replykb build`.
    """
    where = ctx.base.settings_source
    configured = configured_model(ctx.base)
    if configured is not None and is_multilingual_model(configured, ctx.base.root):
        return
    found = non_english_languages(ctx.base)
    if not found:
        return
    model = f"`model: {configured}`" if configured else _PACKAGED
    kind = "not known to be multilingual" if configured else "an English-only model"
    described = ", ".join(
        f"{count} {language_name(code)} question{'s' if count != 1 else ''}"
        if count
        else f"{language_name(code)} in `languages:` (no {language_name(code)} questions yet)"
        for code, count in found.items()
    )
    if ("model",) in where.positions:
        location = where.locate("model")
    elif ("languages",) in where.positions:
        location = where.locate("languages")
    else:
        location = where.locate("language")
    yield Found(
        location,
        f"the base has {described}, but {model} is {kind}: messages in those languages "
        "are matched by their spelling more than their meaning",
        count=len(found),
    )
