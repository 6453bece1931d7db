"""RKB710: a folder of templates/ named for a language replies never take it from;
RKB711: a base template whose own words are sent in another language's replies.

A reply in a language renders with ``templates/<code>/<name>`` when the base has it
(:meth:`~replykb.render.TemplateFiles.localized`: the exact ISO 639-1 code of a
listed language), else with ``templates/<name>``. A folder named for a language any
other way (``templates/IT/``, ``templates/it_IT/``, ``templates/fr/`` while `fr` is
not listed) is never read for a reply: the language's replies silently use the
default templates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from ..languages import ISO_639_1, language_name
from .languages import languages
from .registry import Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__: list[str] = []

# A folder named like a language: its code in any case, or a locale (it_IT, pt-BR, es-419).
_LANGUAGE_FOLDER: Final = re.compile(r"([A-Za-z]{2})(?:[_-](?:[A-Za-z]{2}|\d{3}))?")


@languages.rule(
    "RKB710",
    "error",
    "template folder for a language replies never use",
    hint="name the folder by the ISO 639-1 code of a language of `languages:`, in lowercase "
    "(`templates/it/`), or add the language to `languages:`",
)
def language_template_folders(ctx: CheckContext) -> Iterator[Found]:
    """
    A reply in a listed language renders with `templates/<code>/<name>` when the base
    has it, `<code>` being the language's ISO 639-1 code as `languages:` writes it
    (lowercase). A folder of `templates/` named for a language any other way is never
    read: in uppercase (`templates/IT/`), as a locale (`templates/it_IT/`,
    `templates/pt-BR/`), or for a language `languages:` does not list
    (`templates/fr/` with `languages: [en, it]`). That language's replies silently
    use the default templates. Reported once per folder, at its first file. A folder
    whose templates another template includes (`{% include "IT/footer.j2" %}`) is
    used that way and not reported; a folder not named like a language
    (`templates/partials/`) is not read as one.
    ```yaml
    # replykb.yaml: languages: [en, it]
    # templates/IT/private_invite.j2         # never used: the folder is templates/it/
    ```
    Fix: rename the folder to the language's code in lowercase (`templates/it/`), or
    add the language to `languages:` (then every answer needs its translation).
    """
    listed = ctx.base.settings.languages
    folders: dict[str, list[str]] = defaultdict(list)
    for name in ctx.base.templates:
        folder, slash, _ = name.partition("/")
        if slash:
            folders[folder].append(name)
    texts = "\n".join(ctx.base.templates.values())
    for folder, names in folders.items():
        named = _LANGUAGE_FOLDER.fullmatch(folder)
        if named is None or folder in listed:
            continue
        code = named[1].casefold()
        if code not in ISO_639_1 or re.search(rf"""["']{re.escape(folder)}/""", texts):
            continue  # not a language's folder, or one the base's templates include
        name = language_name(code)
        if code in listed:
            why = f"replies in {name} read `templates/{code}/` (the code as `languages:` writes it)"
            hint = f"rename `templates/{folder}/` to `templates/{code}/`"
        else:
            why = (
                f"`languages:` does not list {name} ({', '.join(listed)}): no reply is ever "
                f"in {name}"
                + (
                    f"; a language's folder is its lowercase code (`{code}`)"
                    if folder != code
                    else ""
                )
            )
            hint = (
                f"add {code} to `languages:` (and name the folder `templates/{code}/`), "
                f"or remove `templates/{folder}/`"
            )
        files = sorted(names)
        yield Found(
            ctx.template_location(files[0]),
            f"`templates/{folder}/` ({len(files)} template{'s' if len(files) > 1 else ''}: "
            f"{', '.join(f.split('/', 1)[1] for f in files)}) is never used: {why}",
            hint=hint,
        )


# What a template prints that is not its words: Jinja (blanked, keeping line breaks so
# lines stay the file's), comments, HTML tags, entities, <style>/<script> blocks.
_NOT_TEXT: Final = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<(style|script)\b.*?</\1\s*>|<[^>]*>|&#?\w+;",
    re.S | re.I,
)
_ADDRESS: Final = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@\S+", re.I)
_LETTERS: Final = re.compile(r"[^\W\d_]+")


def _blank(found: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", found.group())


def _worded_lines(text: str, brand: str) -> Iterator[tuple[int, str]]:
    """The lines of a template that print words of their own (the brand aside): its
    1-based line and that line's literal text."""
    brand_words = {word.casefold() for word in _LETTERS.findall(brand)}
    blanked = _NOT_TEXT.sub(_blank, text)
    for number, line in enumerate(blanked.splitlines(), 1):
        literal = " ".join(_ADDRESS.sub(" ", line).split())
        words = [w for w in _LETTERS.findall(literal) if w.casefold() not in brand_words]
        if words:
            yield number, literal


@languages.rule(
    "RKB711",
    "error",
    "template text sent in another language's replies",
    hint="write the template for that language as `templates/<lang>/<name>`",
)
def source_template_words(ctx: CheckContext) -> Iterator[Found]:
    """
    A reply in a listed language other than the source renders with
    `templates/<lang>/<name>` when the base has it, else with `templates/<name>`. A
    base template whose own text (outside `{{ }}`, `{% %}`, comments and HTML tags,
    the brand, URLs and e-mail addresses aside) has words sends those words, in the
    language they are written in, in every such language's replies. Reported once
    per template and language, at its first line with words; a line of 4 words or
    more that the language detector reads as another language than the source is
    not counted (a template written in both languages).
    ```yaml
    # replykb.yaml: languages: [en, it]
    # templates/sms.j2:
    #   {{ opening }} {{ body }}
    #   Reply STOP to opt out                # Italian SMS end in English
    ```
    Fix: write `templates/it/sms.j2` with the text in Italian (the same template,
    its words translated).
    """
    from .languages_sentences import source_sentences

    listed = ctx.base.settings.languages
    source = listed[0]
    for name, text in sorted(ctx.base.templates.items()):
        if "/" in name:
            continue  # a language's own (templates/it/...) or a folder of partials
        lines = [
            (number, literal)
            for number, literal in _worded_lines(text, ctx.base.settings.brand)
            if len(_LETTERS.findall(literal)) < 4
            or next(source_sentences(literal, source, listed), None) is not None
        ]
        if not lines:
            continue
        number, literal = lines[0]
        for language in listed[1:]:
            if f"{language}/{name}" in ctx.base.templates:
                continue
            lang = language_name(language)
            yield Found(
                ctx.template_location(name, number),
                f"{literal!r} of `templates/{name}` is sent in {lang} replies too "
                f"(there is no `templates/{language}/{name}`): they would say it in "
                f"{language_name(source)}"
                + (f" ({len(lines)} lines with words)" if len(lines) > 1 else ""),
                hint=f"write `templates/{language}/{name}` in {lang} (the same template, "
                "its words translated)",
            )
