"""Logical structure of one administration's section: blocks, roles, reports, measures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.catalog import (
    RECOMMENDATION_HEADING,
    HeadingMatch,
    TitleIndex,
    match_measure_heading,
)
from ingest.layout import Layout, SectionSpan, Unit, units_of
from ingest.models import Measure, MeasureLink, Segment
from ingest.registry import KnownReport, reports_mentioned
from ingest.text import normalize_for_match, normalize_ws
from ingest.text.measures import expand, family, number_key, references_in
from ingest.text.placeholders import is_placeholder

_LABEL = re.compile(
    r"(?P<label>Beskrivning|Ansvarig|Pågående arbete|Kommentar|Svar|Hantering)[ \t]*:"
)
_LABEL_ROLE = {
    "Beskrivning": "description", "Ansvarig": "responsible", "Pågående arbete": "ongoing",
    "Kommentar": "answer", "Svar": "answer", "Hantering": "answer",
}
_TITLE_END = re.compile(r"\.(?=\s|$)")
_REPORT_HEADING_START = ("rapport", "delrapport")
TITLE_LINK_THRESHOLD = 0.6


@dataclass
class Block:
    kind: str  # "measure", "recommendation", "report_heading", "prose", "no_statement"
    start: int
    end: int
    report: str | None
    links: list[MeasureLink] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    heading: HeadingMatch | None = None
    title_end: int | None = None  # offset where a measure heading's title ends
    listed: list[Block] = field(default_factory=list)  # headings listed before this one


@dataclass
class Catalog:
    """The measures of each report, as the annex's own headings give them."""

    measures: dict[tuple[str, str], Measure] = field(default_factory=dict)
    families: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    titles: TitleIndex | None = None

    def reports_with(self, number: str) -> list[str]:
        return [r for (r, n) in self.measures if n == number]

    def freeze(self) -> None:
        self.titles = TitleIndex(self.measures.values())


@dataclass
class HeadingRecord:
    number: str
    context: str | None
    title: str
    has_atgard: bool


class SectionWalker:
    """Walks one section's units in order, keeping the report the text is speaking of."""

    def __init__(self, layout: Layout, section: SectionSpan, catalog: Catalog | None) -> None:
        self.layout = layout
        self.section = section
        self.catalog = catalog
        self.headings: list[HeadingRecord] = []

    # -- units ------------------------------------------------------------------------
    def _starts_unit(self, line: str) -> bool:
        if match_measure_heading(line):
            return True
        m = RECOMMENDATION_HEADING.match(line)
        return bool(m and "." in m.group("num") and len(line.strip()) < 110)

    def walk(self) -> list[Block]:
        units = units_of(self.layout, self.section, self._starts_unit)
        texts = [self.layout.content(u.start, u.end) for u in units]
        heads = [match_measure_heading(t.split("\n", 1)[0]) for t in texts]
        blocks: list[Block] = []
        context: str | None = None
        current: Block | None = None
        for i, (unit, text) in enumerate(zip(units, texts, strict=True)):
            kind = self._classify(text, heads[i], heads[i + 1] if i + 1 < len(heads) else None)
            if kind == "body" and current is not None:
                current.end = unit.end
                continue
            if kind == "measure":
                heading = heads[i]
                assert heading is not None
                report = self._measure_report(heading.numbers[0], context, heading.rest)
                if report:
                    context = report
                current = Block("measure", unit.start, unit.end, report, heading=heading)
                current.title_end = self._title_end(unit, text, heading, report)
                self._record_heading(current, context)
                blocks.append(current)
                continue
            mentioned = [r.name for r in reports_mentioned(text)]
            if kind == "report_heading":
                context = mentioned[0]
                blocks.append(Block("report_heading", unit.start, unit.end, context))
                current = None
                continue
            if kind == "no_statement":
                blocks.append(Block("no_statement", unit.start, unit.end, None))
                current = None
                continue
            unit_report = mentioned[0] if mentioned else context
            if mentioned:
                context = mentioned[-1]
            block = Block(kind if kind == "recommendation" else "prose", unit.start, unit.end,
                          unit_report)
            blocks.append(block)
            current = block if kind == "recommendation" else None
        return _merge_heading_lists(blocks)

    def _classify(self, text: str, heading: HeadingMatch | None,
                  next_heading: HeadingMatch | None) -> str:
        flat = normalize_ws(text)
        if heading is not None:
            return "measure"
        if is_placeholder(flat):
            return "no_statement"
        rec = RECOMMENDATION_HEADING.match(text)
        if rec and len(flat) < 110 and ("." in rec.group("num") or next_heading is not None):
            return "recommendation"
        norm = normalize_for_match(flat)
        if reports_mentioned(flat) and (
            (norm.startswith(_REPORT_HEADING_START) and len(flat) <= 160) or len(flat) <= 60
        ):
            return "report_heading"
        return "body"

    # -- measures -----------------------------------------------------------------------
    def _family_ok(self, report: str | None, number: str) -> bool:
        if report is None:
            return False
        if self.catalog is None or not self.catalog.families:
            return True
        return family(number) in self.catalog.families.get(report, set())

    def _measure_report(self, number: str, context: str | None, text: str) -> str | None:
        if self.catalog is None:  # pre-scan: trust the context, resolve the rest later
            return context
        return resolve_report(self.catalog, number, context, text)

    def _title_end(self, unit: Unit, text: str, heading: HeadingMatch, report: str | None) -> int:
        """Offset where the measure's title ends inside the heading unit."""
        rest_start = unit.start + heading.rest_offset
        if not heading.has_atgard and self.catalog is not None and report:
            known = self.catalog.measures.get((report, heading.numbers[0]))
            if known is not None:
                words = known.title.rstrip(".").split()
                pattern = r"\s+".join(re.escape(w) for w in words)
                if m := re.match(pattern, self.layout.text[rest_start:unit.end]):
                    return rest_start + m.end()
        return _title_end(self.layout.text, rest_start, unit.end)

    def _record_heading(self, block: Block, context: str | None) -> None:
        assert block.heading is not None and block.title_end is not None
        if len(block.heading.numbers) != 1:
            return
        title = normalize_ws(
            self.layout.text[block.start + block.heading.rest_offset:block.title_end]
        ).rstrip(".").strip()
        self.headings.append(
            HeadingRecord(block.heading.numbers[0], block.report or context, title,
                          block.heading.has_atgard)
        )

    # -- roles and links ------------------------------------------------------------------
    def finish(self, block: Block) -> None:
        """Fill a block's segments and measure links (needs the final catalog)."""
        layout = self.layout
        if block.kind == "measure":
            assert block.heading is not None and block.title_end is not None
            self._measure_segments(block)
            for head in [*block.listed, block]:
                assert head.heading is not None and head.title_end is not None
                title = layout.content(head.start, head.title_end)
                for number in head.heading.numbers:
                    report = resolve_report(self.catalog, number, head.report, title)
                    if report:
                        _add_link(block.links, MeasureLink(report, number, "heading"))
            body = layout.content(block.title_end, block.end)
            self._reference_links(block, body)
            return
        role = {"report_heading": "report_heading", "no_statement": "no_statement",
                "recommendation": "description", "prose": "prose"}[block.kind]
        self._add_segment(block, role, block.start, block.end)
        if block.kind == "recommendation" and block.segments:
            first = block.segments[0]
            line_end = layout.lines[first.line_start - 1].end
            if line_end < block.end:  # heading line, then the commission's description
                block.segments = []
                self._add_segment(block, "heading", block.start, line_end)
                self._add_segment(block, "description", line_end, block.end)
            else:
                block.segments = [Segment("heading", first.start, first.end, first.line_start,
                                          first.line_end)]
        if block.kind == "prose":
            text = layout.content(block.start, block.end)
            self._reference_links(block, text)
            # Wording is matched only where the text names a report: an introduction
            # about everything would otherwise "match" half the titles.
            if not block.links and block.report and self.catalog and self.catalog.titles:
                for measure, score in self.catalog.titles.best(
                    text, report=block.report, threshold=TITLE_LINK_THRESHOLD
                )[:3]:
                    _add_link(block.links, MeasureLink(measure.report, measure.number, "title",
                                                       round(score, 2)))

    def _measure_segments(self, block: Block) -> None:
        assert block.title_end is not None
        text = self.layout.text
        self._add_segment(block, "heading", block.start, block.title_end)
        labels = [m for m in _LABEL.finditer(text, block.title_end, block.end)
                  if _label_starts_here(text, m.start())]
        has_answer = any(_LABEL_ROLE[m.group("label")] == "answer" for m in labels)
        first_label = labels[0].start() if labels else block.end
        self._add_segment(block, "description" if has_answer else "prose",
                          block.title_end, first_label)
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else block.end
            label = m.group("label")
            self._add_segment(block, _LABEL_ROLE[label], m.start(), end, label)

    def _add_segment(self, block: Block, role: str, start: int, end: int, label: str = "") -> None:
        text = self.layout.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end or not self.layout.content(start, end):
            return
        block.segments.append(Segment(role, start, end, self.layout.line_at(start),
                                      self.layout.line_at(end - 1), label))

    def _reference_links(self, block: Block, text: str) -> None:
        if self.catalog is None:
            return
        for ref in references_in(text):
            report = resolve_report(self.catalog, ref.first, block.report, text)
            if report is None:
                continue
            numbers = sorted((n for r, n in self.catalog.measures if r == report),
                             key=number_key)
            for n in expand(ref, numbers):
                _add_link(block.links, MeasureLink(report, n, "reference"))


def _title_end(text: str, start: int, end: int) -> int:
    """Where a heading's title stops: at its first full stop, or at a line break that is
    followed by a capital (the description starting on the next line)."""
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        if m := _TITLE_END.search(text, pos, line_end):
            return m.end()
        if newline == -1:
            return end
        following = text[newline:end].lstrip()
        if not following[:1].islower():
            return line_end
        pos = newline + 1
    return end


def _label_starts_here(text: str, pos: int) -> bool:
    """A field label counts at a line start or after a sentence ("… partnerskap. Kommentar:")."""
    before = text[max(0, pos - 3):pos]
    line_start = text.rfind("\n", 0, pos) + 1
    if not text[line_start:pos].strip():
        return True
    return bool(re.search(r"[.!?)]\s+$", before))


def _add_link(links: list[MeasureLink], link: MeasureLink) -> None:
    if all((x.report, x.number) != (link.report, link.number) for x in links):
        links.append(link)


def _merge_heading_lists(blocks: list[Block]) -> list[Block]:
    """Headings listed one after another share the answer that follows them (Östermalm)."""
    merged: list[Block] = []
    pending: list[Block] = []
    for block in blocks:
        if block.kind == "measure" and block.title_end is not None and block.title_end >= block.end:
            pending.append(block)
            continue
        if pending and block.kind == "measure":
            block.start = pending[0].start
            block.listed = pending
            pending = []
        merged.extend(pending)
        pending = []
        merged.append(block)
    merged.extend(pending)
    return merged


def resolve_report(catalog: Catalog | None, number: str, context: str | None,
                   text: str) -> str | None:
    """Which report a measure number belongs to, given the report the text speaks of."""
    if catalog is None:
        return context
    candidates = catalog.reports_with(number)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        if context in candidates:
            return context
        if catalog.titles is not None:
            scored = [(catalog.titles.score(catalog.measures[(r, number)], text), r)
                      for r in candidates]
            best = max(scored)
            return best[1] if best[0] > 0 else None
        return None
    fam = family(number)
    if context and fam in catalog.families.get(context, set()):
        return context
    owners = [r for r, fams in catalog.families.items() if fam in fams]
    return owners[0] if len(owners) == 1 else None


def build_catalog(records: list[HeadingRecord],
                  reports: dict[str, KnownReport]) -> Catalog:
    """Measures from the annex's own headings, each tied to the report it stands under.

    "Åtgärd:" headings under a known report give the canonical titles and each report's
    numbering families (4.x.x, 6.x.x, two-level). A heading with no report around it
    (Stadsbyggnadskontoret) goes to the report whose measure of that number has the same
    wording, or to the one report of that family that lacks the number.
    """
    catalog = Catalog()
    for rec in records:
        if rec.context in reports and rec.has_atgard:
            catalog.families.setdefault(rec.context, set()).add(family(rec.number))
    deferred: list[HeadingRecord] = []
    for rec in sorted(records, key=lambda r: not r.has_atgard):
        if rec.context and family(rec.number) in catalog.families.get(rec.context, set()):
            key = (rec.context, rec.number)
            if key not in catalog.measures:
                catalog.measures[key] = Measure(rec.context, rec.number, rec.title)
        else:
            deferred.append(rec)
    catalog.freeze()
    for rec in deferred:
        report = _report_for_heading(catalog, rec)
        if report and (report, rec.number) not in catalog.measures:
            catalog.measures[(report, rec.number)] = Measure(report, rec.number, rec.title)
            catalog.freeze()
    return catalog


def _report_for_heading(catalog: Catalog, rec: HeadingRecord) -> str | None:
    owners = [r for r, fams in catalog.families.items() if family(rec.number) in fams]
    assert catalog.titles is not None
    scored = [(catalog.titles.similarity(catalog.measures[(r, rec.number)], rec.title), r)
              for r in owners if (r, rec.number) in catalog.measures]
    if scored and max(scored)[0] >= 0.5:
        return max(scored)[1]
    free = [r for r in owners if (r, rec.number) not in catalog.measures]
    return free[0] if len(free) == 1 else None
