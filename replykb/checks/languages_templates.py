"""RKB710: a folder of templates/ named for a language replies never take it from.

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
