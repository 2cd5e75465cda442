"""Recount where each stance phrase fires in the bundled annex and rewrite
retrieval/stance_phrases.json (patterns and notes kept). Run after editing a phrase:

    .venv/bin/python scripts/stance_phrases.py
"""

from __future__ import annotations

import json

from ingest.parse import parse_file
from ingest.settings import DEFAULT_ANNEX
from retrieval.stance_phrases import PHRASES_PATH, load_phrases, own_sentences, recount


def main() -> None:
    data = recount(load_phrases(), own_sentences(parse_file(DEFAULT_ANNEX)))
    PHRASES_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    never = [p["pattern"] for c in data["categories"].values() for p in c["phrases"]
             if not p["fires"]]
    print(f"{sum(len(c['phrases']) for c in data['categories'].values())} phrases, "
          f"{len(never)} never fire:")
    for pattern in never:
        print(f"  {pattern}")


if __name__ == "__main__":
    main()
