"""Triage a CSV export of social posts: which can get a canonical reply, which need a person.

    python examples/triage_csv.py examples/social_posts.csv triaged.csv --kb answers/ --agent paola

The export has one post per row (`post_id,platform,author,text`); the output adds
`status`, `answer_id`, `score` and the `reply` to send, fitted to each platform.
It streams through `KnowledgeBase.suggest_many` (the triage core every door uses), so a
large export takes constant memory; a post that cannot be triaged gets an error row.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from replykb import KnowledgeBase, TriageFailure, TriageRequest

PLATFORMS = {"twitter": "x", "x": "x", "facebook": "facebook", "instagram": "instagram"}


def requests(path: Path, agent: str | None) -> Iterator[TriageRequest]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        for row in reader:
            yield TriageRequest(
                id=row.get("post_id") or None,
                line=reader.line_num,
                message=(row.get("text") or "").strip(),  # an empty post becomes an error row
                channel=PLATFORMS.get((row.get("platform") or "").lower(), "facebook"),
                agent=agent,
                customer=row.get("author") or None,
                conversation_id=row.get("post_id") or None,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("posts", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--kb", default="answers")
    parser.add_argument("--agent")
    args = parser.parse_args()
    kb = KnowledgeBase.load(args.kb)
    statuses: Counter[str] = Counter()
    with args.output.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["post_id", "status", "answer_id", "score", "reply"])
        for result in kb.suggest_many(requests(args.posts, args.agent)):
            statuses[result.status] += 1
            if isinstance(result, TriageFailure):
                writer.writerow([result.id, result.status, "", "", result.error])
                continue
            match, reply = result.suggestion.match, result.suggestion.reply
            # Ambiguous: the close answers, for the agent to choose from.
            answers = match.answer_id or " | ".join(
                r.answer_id for r in result.suggestion.alternatives
            )
            writer.writerow(
                [
                    result.id,
                    result.status,
                    answers,
                    f"{match.score:.3f}",
                    reply.text if reply else "",
                ]
            )
    summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    print(f"triaged {sum(statuses.values())} posts: {summary}")


if __name__ == "__main__":
    main()
