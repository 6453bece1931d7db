"""Matching messages in several languages: what the model does with each language, and
what matching a message against its own language's questions changes.

For every labelled message (``{"text": ..., "answer": "<id>" or null, "language": "it"}``;
default ``benchmarks/data/bilingual_messages.jsonl``: 60 hand-written messages, 30 Italian
and the same 30 in English, 5 out of scope each, for the base
``tests/fixtures/bases/bilingual``) or, with ``--from-base``, every test and out-of-scope
message of the base in every language, it reports per language how often the match is
confident and right, confident and wrong, ambiguous (the right answer among those
offered), no_match, and for out-of-scope messages how often nothing is offered, under
three ways of matching:

- ``own language`` (what replykb does): the message's language is detected, and only
  that language's questions score (with the source questions of answers that have
  none); when the detector is unsure, each language's questions are tried and the best
  decision is kept;
- ``every question``: one index of every language's questions, as before issue 16;
- ``source only``: only the source language's questions, as for a base whose
  translations have no questions.

    python benchmarks/language_matching.py
    python benchmarks/language_matching.py --base answers/ --from-base
    python benchmarks/language_matching.py --model /models/paraphrase-multilingual-MiniLM-L12-v2

The base's index is built in a temporary cache with the base's model (or ``--model``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _machine import OthersCpu, load_conditions  # noqa: E402

from replykb import KnowledgeBase  # noqa: E402
from replykb.models import Match  # noqa: E402
from replykb.prepare.language import choose_language  # noqa: E402

Labelled = tuple[str, str | None, str]  # text, answer id (None: out of scope), language


def from_file(path: Path) -> list[Labelled]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            rows.append((record["text"], record["answer"], record["language"]))
    return rows


def from_base(kb: KnowledgeBase) -> list[Labelled]:
    source = kb.settings.language
    rows: list[Labelled] = []
    for answer in kb.answers:
        rows += [(text, answer.id, source) for text in answer.tests]
        for language, translation in answer.translations.items():
            rows += [(text, answer.id, language) for text in translation.tests]
    rows += [(text, None, source) for text in kb.settings.out_of_scope]
    for language, texts in kb.settings.translations.items():
        rows += [(text, None, language) for text in texts.out_of_scope]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, default=HERE.parent / "tests/fixtures/bases/bilingual")
    parser.add_argument("--data", type=Path, default=HERE / "data" / "bilingual_messages.jsonl")
    parser.add_argument("--from-base", action="store_true", help="the base's own tests")
    parser.add_argument("--model", help="a model folder or hub name instead of the base's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        kb = KnowledgeBase.load(args.base, cache_dir=cache, model=args.model)
        rows = from_base(kb) if args.from_base else from_file(args.data)
        print(f"{len(rows)} messages; model {kb.index.model_id[:40]}; {load_conditions()}")
        others = OthersCpu()
        vectors = kb.embedder.encode([text for text, _, _ in rows])
        source = kb.settings.language
        ways = {
            "own language": lambda text, vector: kb.matchers.match_choice(
                vector, choose_language(text, kb.settings.languages)
            )[0],
            "every question": lambda text, vector: kb.matcher.match(vector),
            "source only": lambda text, vector: kb.matchers.match(vector, language=source),
        }
        for name, match in ways.items():
            print(f"\n## {name}")
            tally: dict[tuple[str, bool], Counter[str]] = defaultdict(Counter)
            for (text, expected, language), vector in zip(rows, vectors, strict=True):
                found: Match = match(text, vector)
                count = tally[(language, expected is not None)]
                count["n"] += 1
                offered = [a for a, _ in found.candidates] if found.status == "ambiguous" else []
                if expected is None:
                    count["none offered"] += found.status == "no_match"
                    count["ambiguous"] += found.status == "ambiguous"
                    count["confident"] += found.status == "confident"
                    continue
                confident = found.status == "confident"
                count["right"] += confident and found.answer_id == expected
                count["wrong"] += confident and found.answer_id != expected
                count["ambiguous, right offered"] += expected in offered
                count["ambiguous, right not offered"] += bool(offered) and expected not in offered
                count["no_match"] += found.status == "no_match"
            for (language, in_scope), count in sorted(tally.items()):
                n = count.pop("n")
                kind = "in scope" if in_scope else "out of scope"
                shown = ", ".join(f"{key} {value / n:.0%}" for key, value in count.items())
                print(f"  {language} {kind} ({n}): {shown}")
        print(f"\nother processes used {others.share():.0%} of the CPU meanwhile")


if __name__ == "__main__":
    main()
