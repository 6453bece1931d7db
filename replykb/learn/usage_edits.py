"""Agents' edits of an answer: what changed against the reply they were given, and
which edits are the same change.

An agent edits a whole reply: the opening with the customer's name, the answer's body,
the signature. Two agents who make the same correction to an answer never send the
same text (other customers, other signatures, other openings), so edits are compared
by *what they change in the answer's words*:

1. The reference is the reply the agent was given, rendered again for the edit's
   channel and agent (so the same signature; the opening is the variant of no
   conversation, as any other is frame) with a placeholder customer name,
   :data:`NAME_SLOT`; when it cannot be rendered (the answer, channel or agent is gone
   from the base), the answer's ``answer`` or ``short`` text, whichever the edit is
   closer to, Jinja tags left out.
2. Both texts are normalised (:func:`normalise_words`): Unicode NFKC, case folded,
   accents removed, punctuation and symbols read as spaces. So "Refunds take 10
   days!" and "refunds take 10 days" are the same words.
3. The edited words are diffed against the reference's with difflib; each hunk is
   (removed words, added words). The reply's frame is left out: changes inside the
   reference's opening or signature (found by rendering the reply once more with
   :data:`BODY_SLOT` as its body: another greeting, another sign-off), a greeting of at
   most :data:`FRAME_WORDS` words added before a reply without one, and the hunk that
   puts a name of up to :data:`NAME_WORDS` words (or none) in place of the name slot.
   A sentence inserted where the body meets the opening or the signature counts. With
   no rendered reference, the opening and signature are what lies before the first or
   after the last run of :data:`ANCHOR_WORDS` unchanged words, when at most
   :data:`FRAME_WORDS` words on each side.
4. The change is the list of remaining hunks: edits with the same change are the same
   edit. An edit whose change is empty touched only the frame, and changed nothing of
   the answer.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from .usage_models import DiffPart

# The longest run of words an opening ("Thanks for reaching out, Anna Bell") or a
# signature ("Jo Adeyemi, Fernhill Customer Care Team Leader") takes in the built-in
# openings and the example base's agents.
FRAME_WORDS = 8
# An unchanged run of this many words anchors the body: what lies before the first
# anchor or after the last one is where the opening and the signature are.
ANCHOR_WORDS = 3
# The most words a customer's name takes ("Anna Maria Bell").
NAME_WORDS = 3
# The customer's name in a reference reply: a word no reply holds, read as a name.
NAME_SLOT = "Xyzzy"
# The body of a reply rendered to find where its opening ends and its signature starts.
BODY_SLOT = "Qxbodyslotq"
_SLOT = NAME_SLOT.casefold()
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
# Equal runs longer than this are shortened in a shown diff, keeping their two ends.
CONTEXT_WORDS = 4

_NOT_WORD = re.compile(r"[^\w<>]+")  # masking placeholders such as <EMAIL> stay words

Hunk = tuple[tuple[str, ...], tuple[str, ...]]
Opcode = tuple[str, int, int, int, int]
# (words of the opening, words of the signature) at the ends of a reference reply.
Frame = tuple[int, int]


def normalise_words(text: str) -> list[str]:
    """``"Rimborsi: 10 giorni!"`` -> ``["rimborsi", "10", "giorni"]``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    bare = "".join(
        char for char in unicodedata.normalize("NFD", folded) if unicodedata.category(char) != "Mn"
    )
    return [word for word in _NOT_WORD.sub(" ", bare.replace("_", " ")).split() if word]


def _opcodes(old: Sequence[str], new: Sequence[str]) -> Sequence[Opcode]:
    return difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()


def closest_text(edited: str, canonical: Sequence[str]) -> int:
    """The index of the canonical text (``answer``, ``short``) the edit is closest to."""
    words = normalise_words(edited)
    ratios = [
        difflib.SequenceMatcher(a=normalise_words(text), b=words, autojunk=False).ratio()
        for text in canonical
    ]
    return max(range(len(ratios)), key=lambda i: (ratios[i], -i))


def without_jinja(text: str) -> str:
    """An answer's text as written, its Jinja tags left out (a reference of last resort)."""
    return _JINJA.sub(" ", text)


def change_key(edited: str, reference: str, frame: Frame | None = None) -> tuple[Hunk, ...]:
    """What an edit changes in the reference's words, frame left out (see the module).

    ``frame`` is (words of the opening, words of the signature) in the reference when
    known; without it, the opening and the signature are found around the anchors."""
    old, new = normalise_words(reference), normalise_words(edited)
    codes = list(_opcodes(old, new))
    framed = _known_frame(codes, len(old), frame) if frame is not None else _guessed_frame(codes)
    hunks: list[Hunk] = []
    for position, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal" or position in framed:
            continue
        removed, added = tuple(old[i1:i2]), tuple(new[j1:j2])
        if removed == (_SLOT,) and len(added) <= NAME_WORDS:
            continue  # the customer's name in place of the slot, or no name
        removed = tuple(word for word in removed if word != _SLOT)
        if removed or added:
            hunks.append((removed, added))
    return tuple(hunks)


def _known_frame(codes: Sequence[Opcode], size: int, frame: Frame) -> set[int]:
    """The opcodes inside the reference's opening or signature (a greeting in another
    mood, another agent's sign-off), and a short greeting added before a reply that
    has none; an insertion where the body meets them is the agent's, and counts."""
    opening, signature = frame
    body_end = size - signature
    found = set()
    for position, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal":
            continue
        if i1 < i2:
            inside = i2 <= opening or i1 >= body_end
        else:
            inside = i1 < opening or i1 > body_end or (i1 == 0 and j2 - j1 <= FRAME_WORDS)
        if inside:
            found.add(position)
    return found


def _guessed_frame(codes: Sequence[Opcode]) -> set[int]:
    anchors = [i for i, c in enumerate(codes) if c[0] == "equal" and c[2] - c[1] >= ANCHOR_WORDS]
    if not anchors:
        return set()
    return _frame(codes, range(anchors[0])) | _frame(codes, range(anchors[-1] + 1, len(codes)))


def _frame(codes: Sequence[Opcode], region: range) -> set[int]:
    """The opcodes of ``region`` (before the first or after the last anchor) when they
    are short enough to be an opening or a signature; none otherwise."""
    removed = sum(codes[i][2] - codes[i][1] for i in region)
    added = sum(codes[i][4] - codes[i][3] for i in region)
    return set(region) if max(removed, added) <= FRAME_WORDS else set()


def frame_of(marked: str) -> Frame | None:
    """(opening words, signature words) of a reply rendered with :data:`BODY_SLOT` as
    its body; None when the slot is not there once (a private invitation)."""
    words = normalise_words(marked)
    slot = BODY_SLOT.casefold()
    if words.count(slot) != 1:
        return None
    at = words.index(slot)
    return at, len(words) - at - 1


def describe_change(key: Sequence[Hunk]) -> str:
    """A change in wdiff's notation: ``[-5-] {+10+}`` per hunk, hunks joined by `` … ``."""
    parts = []
    for removed, added in key:
        shown = []
        if removed:
            shown.append(f"[-{' '.join(removed)}-]")
        if added:
            shown.append(f"{{+{' '.join(added)}+}}")
        parts.append(" ".join(shown))
    return " … ".join(parts)


def word_diff(canonical: str, edited: str) -> list[DiffPart]:
    """The edited text against the canonical one, word by word, as written (not
    normalised), with long unchanged runs shortened to their ends around ``…``."""
    old, new = canonical.split(), edited.split()
    parts: list[DiffPart] = []
    for tag, i1, i2, j1, j2 in _opcodes(
        [" ".join(normalise_words(w)) for w in old], [" ".join(normalise_words(w)) for w in new]
    ):
        if tag == "equal":
            words = new[j1:j2]
            if len(words) > 2 * CONTEXT_WORDS:
                words = [*words[:CONTEXT_WORDS], "…", *words[-CONTEXT_WORDS:]]
            parts.append(DiffPart(op="equal", text=" ".join(words)))
            continue
        if i2 > i1:
            parts.append(DiffPart(op="delete", text=" ".join(old[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart(op="insert", text=" ".join(new[j1:j2])))
    return parts


def diff_notation(parts: Sequence[DiffPart]) -> str:
    """A diff as one line of text: unchanged words as they are, ``[-removed-]``,
    ``{+added+}``."""
    shown = {
        "equal": "{}",
        "delete": "[-{}-]",
        "insert": "{{+{}+}}",
    }
    return " ".join(shown[part.op].format(part.text) for part in parts)
