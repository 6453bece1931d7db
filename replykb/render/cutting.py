"""The cut form of a reply: the longest word-boundary prefix of the full answer that
fits the channel's limit, ending with the cut marker of the reply's language (``…``
built in; ``...`` on SMS, where ``…`` is not GSM-7) and the link to the full answer.

Never inside a word, a URL or a grapheme.
The renderer measures each candidate with the channel's own counter (``measure``),
and a binary search over the word boundaries finds the longest that fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import regex

from ..length import find_urls

__all__ = ["ELLIPSIS", "GSM_ELLIPSIS", "Cut", "longest_cut"]

ELLIPSIS: Final = "…"
GSM_ELLIPSIS: Final = "..."


@dataclass(frozen=True)
class Cut:
    """A cut body, the reply it makes and that reply's length on its channel."""

    body: str
    text: str
    length: int


def longest_cut(
    full: str,
    link: str,
    marker: str,
    limit: int,
    measure: Callable[[str], tuple[str, int]],
) -> tuple[Cut | None, Cut]:
    """The longest cut of ``full`` whose reply fits ``limit`` (None when even one word
    is too long), and the shortest cut tried (to say by how much it is over). The
    body ends with ``marker`` (as the channel prints it: see
    :func:`~replykb.render.texts.sms_cut_marker`). ``measure(body)`` renders the reply
    around a body and counts it."""
    cuts = _cut_points(full)
    ellipsis = marker

    def attempt(words: int) -> Cut:
        kept = full[: cuts[words - 1]].rstrip(" ,;:-–—.") if words else ""
        tail = f" {link}" if link and link not in kept else ""
        body = f"{kept}{ellipsis}{tail}" if kept else f"{ellipsis}{tail}".strip()
        return Cut(body, *measure(body))

    low, high, best = 1, len(cuts), None
    while low <= high:
        middle = (low + high) // 2
        cut = attempt(middle)
        if cut.length <= limit:
            best, low = cut, middle + 1
        else:
            high = middle - 1
    return best, best if best is not None else attempt(1 if cuts else 0)


def _cut_points(text: str) -> list[int]:
    """Offsets just after each word, never inside a URL."""
    urls = find_urls(text)
    points = []
    for match in regex.finditer(r"\S+", text):
        end = match.end()
        if not any(start < end < stop for start, stop in urls):
            points.append(end)
    return points
