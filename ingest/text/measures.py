"""Measure numbers: "4.1.1" in headings, prose and questions, and ranges "4.2.1 - 4.2.2".

One pattern for a number, used everywhere: one or two digits per level, so "10.1.2" is a
number and "2016.1" or "1.5 miljoner" (two levels, no measure word) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LEVEL = r"\d{1,2}"
THREE_LEVELS = rf"{LEVEL}\.{LEVEL}\.{LEVEL}"
# A number with two or three levels, as headings write it ("6.3", "6.4.1").
NUMBER = rf"{LEVEL}\.{LEVEL}(?:\.{LEVEL})?"
# Not part of a longer number or version on either side.
_BEFORE = r"(?<![\d.])"
_AFTER = r"(?![\d]|\.\d)"
# Words after which a two-level number is a measure ("åtgärd 2.2", "punkt 1.3").
MEASURE_WORDS = ("åtgärd", "åtgärden", "punkt", "rekommendation", "measure")

# "(4.1.1)", "(åtgärd 4.2.1)", "(4.2.1 - 4.2.2)", "(4.1.2.)", "åtgärd 6.1.1"
_REFERENCE = re.compile(
    rf"{_BEFORE}(?P<a>{THREE_LEVELS})\.?(?:\s*[-–]\s*(?P<b>{THREE_LEVELS}))?(?![\d])"
)
_MENTION = re.compile(
    rf"{_BEFORE}(?P<three>{THREE_LEVELS}){_AFTER}"
    rf"|\b(?:{'|'.join(MEASURE_WORDS)})\s+(?P<two>{LEVEL}\.{LEVEL}){_AFTER}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reference:
    """A measure number named in text, or a range of them ("4.2.1 - 4.2.2")."""

    first: str
    last: str | None = None  # set for a range

    def covers(self, number: str) -> bool:
        if self.last is None:
            return number == self.first
        return number_key(self.first) <= number_key(number) <= number_key(self.last)


def number_key(number: str) -> tuple[int, ...]:
    """Sort key: "4.10.1" after "4.2.1"."""
    return tuple(int(p) for p in number.split("."))


def family(number: str) -> tuple[int, int]:
    """(first level, depth): 4.1.1 -> (4, 3); 1.2 -> (1, 2). Reports number in families."""
    parts = number.split(".")
    return (int(parts[0]), len(parts))


def references_in(text: str) -> list[Reference]:
    """Three-level measure numbers (and ranges) named in prose, in order."""
    return [Reference(m.group("a"), m.group("b")) for m in _REFERENCE.finditer(text)]


def expand(reference: Reference, numbers: Iterable[str]) -> list[str]:
    """The numbers among `numbers` that a reference names (a range: all within it)."""
    return [n for n in numbers if reference.covers(n)]


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    number: str


def mentions_in(question: str) -> list[Mention]:
    """Measure numbers a question names: three levels anywhere ("6.5.1"), two levels after
    a measure word ("åtgärd 2.2"); "1.5 miljoner" and "2016" are not measures."""
    out: list[Mention] = []
    for m in _MENTION.finditer(question):
        group = "three" if m.group("three") else "two"
        out.append(Mention(m.start(group), m.end(group), m.group(group)))
    return out
