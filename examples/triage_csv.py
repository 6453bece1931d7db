"""Triage a CSV export of social posts: which can get a canonical reply, which need a person.

    python examples/triage_csv.py examples/social_posts.csv triaged.csv --kb answers/ --agent paola

The export has one post per row (`post_id,platform,author,text`); the output adds
`status`, `answer_id`, `score` and the `reply` to send, fitted to each platform.
It streams through replykb's batch API, so a large export takes constant memory.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from replykb import KnowledgeBase
from replykb.batch import BadRecord, BatchRecord, triage

PLATFORMS = {"twitter": "x", "x": "x", "facebook": "facebook", "instagram": "instagram"}


def records(path: Path) -> Iterator[BatchRecord | BadRecord]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        for row in reader:
            text = (row.get("text") or "").strip()
            if not text:
                yield BadRecord(line=reader.line_num, id=row.get("post_id"), error="empty post")
                continue
            yield BatchRecord(
                line=reader.line_num,
                id=row.get("post_id"),
                message=text,
                channel=PLATFORMS.get((row.get("platform") or "").lower(), "facebook"),
                customer=row.get("author") or None,
                conversation_id=row.get("post_id"),
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
        for result in triage(kb, records(args.posts), channel=None, agent=args.agent):
            statuses[result["status"]] += 1
            reply = (result.get("reply") or {}).get("text", "")
            score = f"{result['score']:.3f}" if "score" in result else ""
            writer.writerow(
                [result["id"], result["status"], result.get("answer_id") or "", score, reply]
            )
    summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    print(f"triaged {sum(statuses.values())} posts: {summary}")


if __name__ == "__main__":
    main()
