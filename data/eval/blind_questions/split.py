"""The seeded draw that splits the blind question set into development and test halves.

Run once, before any change was measured on the set (2026-12-02); the result is
`split.json`. A follow-up goes to the half of the question it follows. Within each
shape the draw is seeded and even, so each half holds about half of every shape.
Re-running it gives the same split (tests check that).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

SEED = 20261202
HERE = Path(__file__).resolve().parent


def load(here: Path = HERE) -> list[dict]:
    return [json.loads(line) for path in sorted(here.glob("writer_*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def draw(rows: list[dict], seed: int = SEED) -> dict[str, str]:
    by_id = {r["id"]: r for r in rows}

    def root(r: dict) -> dict:
        while r.get("followup_of") in by_id:
            r = by_id[r["followup_of"]]
        return r

    families: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        families[root(r)["id"]].append(r["id"])
    by_shape: dict[str, list[str]] = defaultdict(list)
    for head in sorted(families):
        by_shape[by_id[head]["shape"]].append(head)
    rng = random.Random(seed)
    half: dict[str, str] = {}
    for shape in sorted(by_shape):
        heads = by_shape[shape]
        rng.shuffle(heads)
        for i, head in enumerate(heads):
            for member in families[head]:
                half[member] = "dev" if i % 2 == 0 else "test"
    return dict(sorted(half.items()))


if __name__ == "__main__":
    split = draw(load())
    (HERE / "split.json").write_text(json.dumps(split, indent=1) + "\n", encoding="utf-8")
    print({h: sum(v == h for v in split.values()) for h in ("dev", "test")})
