"""The seeded draw that splits the third blind question set into development and test
halves.

Run once, before anything was measured on this set (2026-12-04, writers I–L); the result
is `split.json`. A follow-up goes to the half of the question it follows. Within each
shape the draw is seeded and even, so each half holds about half of every shape.
Re-running it gives the same split (tests check that).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SEED = 202612043
HERE = Path(__file__).resolve().parent

# The first set's draw, run with this set's seed on this set's questions.
_spec = importlib.util.spec_from_file_location(
    "blind_split_1_for_3", HERE.parent / "blind_questions" / "split.py")
_first = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_first)


def load() -> list[dict]:
    return _first.load(HERE)


def draw(rows: list[dict]) -> dict[str, str]:
    return _first.draw(rows, SEED)


if __name__ == "__main__":
    split = draw(load())
    (HERE / "split.json").write_text(json.dumps(split, indent=1) + "\n", encoding="utf-8")
    print({h: sum(v == h for v in split.values()) for h in ("dev", "test")})
