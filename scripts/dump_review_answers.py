"""The answers a blind reviewer checks against the annex (data/eval/reviews/).

    python scripts/dump_review_answers.py OUT.md [PER_SHAPE]

The first PER_SHAPE (default 6) questions of each shape, by a seeded draw from the three
blind sets' development halves (follow-ups left out: they need the question before them),
asked through the product; each answer as printed, with its sources' administration,
line span and measure. Development halves only: a review directs tuning.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from ingest.settings import load_settings
from retrieval.service import Service
from tools.evaluate_blind import BLIND_SETS, load_questions, load_split, select

SEED = 7


def main(out: Path, per_shape: int = 6) -> int:
    service = Service.from_settings(load_settings())
    questions = []
    for directory in BLIND_SETS.values():
        chosen = select(load_questions(directory), load_split(directory), "dev")
        questions += [q for q in chosen if not q.followup_of]
    random.Random(SEED).shuffle(questions)
    by_shape: dict[str, list] = {}
    for q in questions:
        by_shape.setdefault(q.shape, []).append(q)
    picked = [q for shape in sorted(by_shape) for q in by_shape[shape][:per_shape]]
    parts = []
    for i, q in enumerate(picked, 1):
        data = service.answer_dict(service.ask(q.question))
        sources = "\n".join(
            f"[{j}] {c.get('administration')}, rad {c.get('line_start')}-{c.get('line_end')}, "
            f"åtgärd {c.get('measure')}" for j, c in enumerate(data["citations"], 1))
        parts.append(f"## Q{i:02d}: {q.question}\n\n{data['answer']}\n\nKällor:\n{sources}\n")
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"{len(picked)} answers in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 6))
