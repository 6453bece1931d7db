"""Phone masking in the usage log: libphonenumber (the choice) against a plain regex.

Reads the labelled messages of tests/fixtures/masking/phones.txt (Italian and English;
each real number in [[ ]], other digits are distractors: orders, prices, dates, cards,
IBANs, tracking codes) and reports, per method, the precision and recall of the phone
spans found (a span counts when it covers the labelled number exactly, give or take
surrounding spaces and brackets).

    python benchmarks/masking_phones.py
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import phonenumbers

CASES = Path(__file__).parent.parent / "tests" / "fixtures" / "masking" / "phones.txt"

# The kind of pattern a team writes by hand: an optional +CC or 00CC, then 8 or more
# digits with spaces, dots, dashes or brackets between them.
PHONE_REGEX = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{6,}\d(?![\w])")

Span = tuple[int, int]


def labelled(path: Path = CASES) -> list[tuple[str, list[Span]]]:
    """Each message without its [[ ]] marks, and the spans of the numbers marked."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, spans = "", []
        for part in re.split(r"(\[\[.*?\]\])", line):
            if part.startswith("[["):
                spans.append((len(text), len(text) + len(part) - 4))
                text += part[2:-2]
            else:
                text += part
        cases.append((text, spans))
    return cases


def by_library(text: str) -> list[Span]:
    from replykb.learn.masking import PHONE_REGIONS

    found: set[Span] = set()
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            found.add((match.start, match.end))
    return sorted(found)


def by_regex(text: str) -> list[Span]:
    return [match.span() for match in PHONE_REGEX.finditer(text)]


def _same(text: str, found: Span, truth: Span) -> bool:
    strip = " ()"
    a = text[found[0] : found[1]].strip(strip)
    b = text[truth[0] : truth[1]].strip(strip)
    return a == b or a.lstrip("(+39) ") == b.lstrip("(+39) ")


def score(method: Callable[[str], list[Span]]) -> tuple[float, float, list[str]]:
    true_positive = false_positive = false_negative = 0
    mistakes = []
    for text, truth in labelled():
        found = method(text)
        hits = [f for f in found if any(_same(text, f, t) for t in truth)]
        true_positive += len(hits)
        for f in found:
            if f not in hits:
                false_positive += 1
                mistakes.append(f"false: {text[f[0] : f[1]]!r} in {text!r}")
        for t in truth:
            if not any(_same(text, f, t) for f in found):
                false_negative += 1
                mistakes.append(f"missed: {text[t[0] : t[1]]!r} in {text!r}")
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    return precision, recall, mistakes


def main() -> int:
    cases = labelled()
    phones = sum(len(spans) for _, spans in cases)
    print(f"{len(cases)} messages, {phones} phone numbers ({CASES.name})")
    for name, method in [("phonenumbers (IT, GB, US)", by_library), ("regex", by_regex)]:
        precision, recall, mistakes = score(method)
        print(f"{name:28} precision {precision:.2f}  recall {recall:.2f}")
        for mistake in mistakes:
            print(f"    {mistake}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
