"""Physical layout: lines, page markers, administration sections and text units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ingest.registry import GROUP_HEADINGS, KnownAdministration, find_known
from ingest.source import SourceText
from ingest.text import normalize_for_match
from ingest.text.sentences import ends_sentence

_MARKER_ONE = re.compile(r"^\s*(\d{1,3})\s*\(\s*(\d{1,3})\s*\)\s*$")
_MARKER_NUM = re.compile(r"^\s*(\d{1,3})\s*$")
_MARKER_TOTAL = re.compile(r"^\s*\(\s*(\d{1,3})\s*\)\s*$")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    start: int  # offset in the document text
    end: int  # offset of the line's end (before "\n")
    text: str


@dataclass
class Layout:
    text: str
    lines: list[Line]
    pages: list[int | None]  # real page per line (PDF)
    markers: dict[int, int]  # line number -> page number the marker shows
    total_pages: int | None

    @property
    def line_offsets(self) -> list[int]:
        return [line.start for line in self.lines]

    def line_at(self, offset: int) -> int:
        """The 1-based line holding a character offset."""
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    @cached_property
    def unmarked(self) -> str:
        """The text with every page-marker line blanked (same length, same offsets): what
        sentences are cut from, so that "… när i tid", the page marker "39 (44)" and
        "dessa bör ske." stay one sentence across the page break."""
        chars = list(self.text)
        for number in self.markers:
            line = self.lines[number - 1]
            chars[line.start:line.end] = " " * (line.end - line.start)
        return "".join(chars)

    def content(self, start: int, end: int) -> str:
        """Document text in [start, end) without page-marker lines, trimmed."""
        first, last = self.line_at(start), self.line_at(max(start, end - 1))
        parts: list[str] = []
        cursor = start
        for number in range(first, last + 1):
            if number in self.markers:
                line = self.lines[number - 1]
                parts.append(self.text[cursor:line.start])
                cursor = min(end, line.end + 1)
        parts.append(self.text[cursor:end])
        return "".join(parts).strip()


def build_layout(source: SourceText) -> Layout:
    text = source.text
    lines: list[Line] = []
    offset = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        lines.append(Line(number, offset, offset + len(raw), raw))
        offset += len(raw) + 1
    markers: dict[int, int] = {}
    total: int | None = None
    for i, line in enumerate(lines):
        if m := _MARKER_ONE.match(line.text):
            markers[line.number] = int(m.group(1))
            total = int(m.group(2))
        elif (
            (m := _MARKER_NUM.match(line.text))
            and i + 1 < len(lines)
            and (t := _MARKER_TOTAL.match(lines[i + 1].text))
        ):
            # "22 \n(44)": the extraction broke the marker over two lines
            markers[line.number] = int(m.group(1))
            markers[line.number + 1] = int(m.group(1))
            total = int(t.group(1))
    return Layout(text, lines, list(source.pages), markers, total)


@dataclass
class SectionSpan:
    known: KnownAdministration
    heading: str
    kind: str
    heading_line: int
    first_line: int  # first body line
    last_line: int  # last body line


def find_sections(layout: Layout) -> list[SectionSpan]:
    """Administration sections: each starts at a line holding only a known name."""
    heads: list[tuple[int, KnownAdministration | None, str]] = []  # line, known, group kind
    seen: set[str] = set()
    group = ""
    for line in layout.lines:
        stripped = line.text.strip()
        if not stripped or line.number in layout.markers:
            continue
        key = normalize_for_match(stripped)
        if key in GROUP_HEADINGS:
            group = GROUP_HEADINGS[key]
            heads.append((line.number, None, group))
            continue
        known = find_known(stripped)
        if known is not None and known.name not in seen:
            seen.add(known.name)
            heads.append((line.number, known, group or known.kind))
    sections: list[SectionSpan] = []
    for i, (number, known, kind) in enumerate(heads):
        if known is None:
            continue
        next_line = heads[i + 1][0] if i + 1 < len(heads) else len(layout.lines) + 1
        sections.append(
            SectionSpan(known, layout.lines[number - 1].text.strip(), kind, number,
                        number + 1, next_line - 1)
        )
    return sections


@dataclass
class Unit:
    """A paragraph-like run of content lines: [start, end) offsets, trimmed."""

    start: int
    end: int
    first_line: int
    last_line: int


def units_of(layout: Layout, section: SectionSpan, starts_unit) -> list[Unit]:
    """Split a section body into units at blank lines and at lines that start a unit.

    A gap (blank lines, or a page marker with blank lines around it) does not end a
    paragraph when the text before it stops mid-sentence and the text after it goes on in
    lower case: the extraction broke a page or a line there, not a paragraph.
    `starts_unit(line_text)` says whether a line opens a new unit (a measure heading).
    """
    units: list[Unit] = []
    current: list[Line] = []
    gap = False

    def flush() -> None:
        if current:
            first, last = current[0], current[-1]
            start = first.start + (len(first.text) - len(first.text.lstrip()))
            end = last.start + len(last.text.rstrip())
            units.append(Unit(start, end, first.number, last.number))
            current.clear()

    for number in range(section.first_line, section.last_line + 1):
        line = layout.lines[number - 1]
        if number in layout.markers:
            gap = True
            continue
        if not line.text.strip():
            gap = True
            continue
        if current and gap:
            continues = (
                not ends_sentence(current[-1].text)
                and line.text.lstrip()[:1].islower()
            )
            if not continues:
                flush()
        elif current and starts_unit(line.text):
            flush()
        gap = False
        current.append(line)
    flush()
    return units
