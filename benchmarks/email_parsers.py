"""Which e-mail reply parser keeps what the customer wrote now: measured, not assumed.

Runs each parser on the real-looking threads of ``tests/fixtures/email_threads/``
(English, Italian, French, Spanish, German, Portuguese; Gmail, Outlook desktop, web and
mobile, Apple Mail, Thunderbird; top-posting, bottom-posting, inline answers, forwards,
signatures, legal notices) and compares its newest text with the one written in
``cases.yaml``, line by line (spaces at line ends and blank lines ignored):

- complete: every line the customer wrote now is kept, in order;
- clean: no other line is kept (quoted text, headers, signature, notice), apart from
  the sign-off lines a case allows ("Grazie", a bare name);
- right: both.

    python benchmarks/email_parsers.py            # a table per parser
    python benchmarks/email_parsers.py --show     # and each wrong case's output

Parsers: mail-parser-reply (replykb's dependency), email-reply-parser (GitHub's parser,
Zapier's Python port) and quotequail (Close's) — ``pip install email-reply-parser
quotequail`` for the last two; a parser that is not installed is skipped with a note —
and replykb's ``prepare_email`` (mail-parser-reply plus its layer). Figures go to the
README's e-mail section.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

THREADS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "email_threads"

Parser = Callable[[str], str]
# The threads replykb's layer was written against, then threads written after it was
# fixed (never used to tune it): the second set says how far the layer generalizes.
SETS = (
    ("cases.yaml", "Development threads"),
    ("heldout.yaml", "Held-out threads"),
)


def _mail_parser_reply() -> Parser:
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.constants import MAIL_LANGUAGES

    languages = [code for code in MAIL_LANGUAGES if len(code) == 2]

    def parse(text: str) -> str:
        # As its README says: the first reply's body is the latest message without
        # headers, signatures and disclaimers.
        replies = EmailReplyParser(languages=list(languages)).read(text).replies
        return str(replies[0].body) if replies else ""

    return parse


def _email_reply_parser() -> Parser:
    from email_reply_parser import EmailReplyParser

    return lambda text: str(EmailReplyParser.parse_reply(text))


def _quotequail() -> Parser:
    import quotequail

    def parse(text: str) -> str:
        return "\n".join(
            part for shown, part in quotequail.quote(text, quote_intro_line=True) if shown
        )

    return parse


def _replykb() -> Parser:
    sys.path.insert(0, str(THREADS.parent.parent.parent))
    from replykb.prepare.email import prepare_email

    return lambda text: prepare_email(text).text_used


PARSERS: dict[str, tuple[str, Callable[[], Parser]]] = {
    "mail-parser-reply": ("mail-parser-reply", _mail_parser_reply),
    "email-reply-parser": ("email-reply-parser", _email_reply_parser),
    "quotequail": ("quotequail", _quotequail),
    "replykb prepare_email": ("mail-parser-reply", _replykb),
}


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def judge(output: str, case: dict[str, object]) -> tuple[bool, bool]:
    """(complete, clean) for one parser output against its case."""
    got = lines(output)
    expected = lines(str(case["expect"]))
    allowed = {str(line) for line in case.get("may_keep") or []}  # type: ignore[attr-defined]
    remaining = iter(got)
    complete = all(any(line == kept for kept in remaining) for line in expected)
    clean = all(line in expected or line in allowed for line in got)
    return complete, clean


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--show", action="store_true", help="print each wrong case's output")
    arguments = options.parse_args()
    wrong_outputs: list[str] = []
    for file, title in SETS:
        cases: dict[str, dict[str, object]] = yaml.safe_load(
            (THREADS / file).read_text(encoding="utf-8")
        )
        print(f"\n{title}: {len(cases)} threads of {THREADS.name}/{file}\n")
        wrong_outputs += measure(cases)
    if arguments.show:
        print("\n" + "\n\n".join(wrong_outputs))
    return 0


def measure(cases: dict[str, dict[str, object]]) -> list[str]:
    """Print one table row per parser; return each wrong case's output."""
    texts = {name: (THREADS / f"{name}.txt").read_text(encoding="utf-8") for name in cases}
    languages = sorted({str(case["language"]) for case in cases.values()})
    print("| parser | version | right | complete | clean | right by language | ms/e-mail |")
    print("|---|---|---|---|---|---|---|")
    wrong_outputs: list[str] = []
    for label, (distribution, factory) in PARSERS.items():
        try:
            parse = factory()
            version = importlib.metadata.version(distribution)
        except ImportError as error:
            print(f"| {label} | not installed ({error.name}) | | | | | |")
            continue
        right = complete_count = clean_count = 0
        by_language: dict[str, list[int]] = {language: [0, 0] for language in languages}
        started = time.perf_counter()
        outputs = {name: parse(texts[name]) for name in cases}
        per_mail = (time.perf_counter() - started) * 1000 / len(cases)
        for name, case in cases.items():
            complete, clean = judge(outputs[name], case)
            complete_count += complete
            clean_count += clean
            right += complete and clean
            tally = by_language[str(case["language"])]
            tally[0] += complete and clean
            tally[1] += 1
            if not (complete and clean):
                wrong_outputs.append(
                    f"--- {label} / {name}: complete={complete} clean={clean}\n{outputs[name]}"
                )
        languages_text = ", ".join(f"{lang} {r}/{n}" for lang, (r, n) in by_language.items())
        print(
            f"| {label} | {version} | {right}/{len(cases)} | {complete_count} | {clean_count} "
            f"| {languages_text} | {per_mail:.1f} |"
        )
    return wrong_outputs


if __name__ == "__main__":
    raise SystemExit(main())
