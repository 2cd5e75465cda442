"""Names as people write them: whole-word matching and tolerance for small typos."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import TypeVar

T = TypeVar("T")
# Letters, digits and hyphens belong to a name ("Rinkeby-Kista"): a match must not start
# or end inside such a run.
NAME_CHAR = r"[\wåäöéü-]"
# How alike (difflib ratio) a written name must be to a known one. A heading line is the
# annex's own spelling: one dropped letter in a long name ("Idrottförvaltningen"), nothing
# shorter ("Bromma" must be "Bromma"). A question is typed: a little more room.
HEADING_SIMILARITY = 0.94
TYPED_SIMILARITY = 0.86
TYPED_SIMILARITY_LONG = 0.9  # from nine letters on
_NAME_TOKEN = re.compile(r"[\wåäö-]{5,}")


def name_pattern(name: str) -> re.Pattern[str]:
    """A name as a whole word, any whitespace between its words, case ignored."""
    body = r"\s+".join(re.escape(part) for part in name.split())
    return re.compile(rf"(?<!{NAME_CHAR}){body}(?!{NAME_CHAR})", re.IGNORECASE)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def closest(written: str, known: Iterable[tuple[str, T]], threshold: float,
            max_length_gap: int | None = None) -> T | None:
    """The value of the known name most like `written`, if it is at least `threshold`
    alike; names whose length differs by more than `max_length_gap` are skipped."""
    best, best_ratio = None, 0.0
    for name, value in known:
        if max_length_gap is not None and abs(len(name) - len(written)) > max_length_gap:
            continue
        ratio = similarity(written, name)
        if ratio > best_ratio:
            best, best_ratio = value, ratio
    return best if best is not None and best_ratio >= threshold else None


def typed_threshold(word: str) -> float:
    return TYPED_SIMILARITY if len(word) < 9 else TYPED_SIMILARITY_LONG


def name_candidates(text: str) -> list[str]:
    """The words of a (normalised) text long enough to be a misspelt name."""
    return sorted(set(_NAME_TOKEN.findall(text)))
