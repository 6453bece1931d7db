"""Links in the HTML part of an e-mail: each URL of a plain text becomes an ``<a href>``.

URLs are found as twitter-text finds them (:func:`replykb.urls.find_urls`, the detector
the X and Mastodon counts use): ``https://...`` and bare ``help.fernhill.example/refunds``
alike, trailing punctuation left out; only http(s) URLs are ever linked, so a text
cannot smuggle in a ``javascript:`` link. A bare domain is linked over https.

Escaping happens exactly once, here: the text around the links, the link's text and
its ``href`` are escaped from plain text, and the result is :class:`~markupsafe.Markup`,
which the HTML sandbox's autoescape leaves alone. Text that is Markup already (HTML
made by a template or a formatter) is returned as it is: never escaped again, never
linked inside.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..urls import find_urls

__all__ = ["link_urls"]


def link_urls(text: str) -> Markup:
    """``text`` as HTML: escaped, each URL an ``<a href="...">`` with the URL as its text.

    >>> link_urls("See x.example/a?b=1&c=2.")
    Markup('See <a href="https://x.example/a?b=1&amp;c=2">x.example/a?b=1&amp;c=2</a>.')
    """
    if isinstance(text, Markup):
        return text
    text = str(text)
    pieces: list[Markup] = []
    position = 0
    for start, end in find_urls(text):
        url = text[start:end]
        href = url if "://" in url else f"https://{url}"
        pieces.append(escape(text[position:start]))
        pieces.append(Markup('<a href="{}">{}</a>').format(href, url))
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)
