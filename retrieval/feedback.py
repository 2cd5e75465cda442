"""Thumbs up/down on answers: one JSON line per rating, appended to a file."""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from ingest.errors import NamndsvarError

MAX_COMMENT_CHARS = 2000
_RATINGS = MappingProxyType({"up": "up", "down": "down", 1: "up", 0: "down",
                             "upp": "up", "ned": "down"})


class FeedbackError(NamndsvarError):
    """The rating could not be saved."""


def _citation(c: dict) -> dict:
    keys = ("n", "id", "administration", "report", "measure", "page", "page_approx",
            "line_start", "line_end", "source", "text")
    return {k: c.get(k) for k in keys}


def record(path: Path | str, question: str, answer: dict, rating: str | int,
           comment: str = "") -> dict:
    """Append {timestamp, question, answer, citations, rating, comment, …} to `path`
    (its directory is created) and return the entry. `rating` is "up"/"down" (or the
    1/0 of a thumbs widget)."""
    if rating not in _RATINGS:
        raise ValueError(f"Okänt omdöme: {rating!r} (ange 'up' eller 'down').")
    entry = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": question,
        "searched": answer.get("question", question),
        "answer": answer.get("answer", ""),
        "grounded": answer.get("grounded"),
        "mode": answer.get("mode"),
        "citations": [_citation(c) for c in answer.get("citations", [])],
        "rating": _RATINGS[rating],
        "comment": comment[:MAX_COMMENT_CHARS],
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            # Sessions of one server write concurrently: one whole line at a time.
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError as exc:
        raise FeedbackError(
            f"Omdömet kunde inte sparas i {target} ({exc.strerror or exc}). Kontrollera "
            "att katalogen är skrivbar eller ange en annan fil i NAMNDSVAR_FEEDBACK_PATH."
        ) from exc
    return entry


def read(path: Path | str) -> list[dict]:
    """All recorded entries (for analysis and tests); none when the file is missing."""
    target = Path(path)
    if not target.exists():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()
            if line.strip()]
