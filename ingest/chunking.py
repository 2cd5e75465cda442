"""Blocks to chunks: one per administration and measure, or per prose paragraph group,
each small enough for the embedding model to read whole."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.layout import Layout
from ingest.models import Chunk, Measure, MeasureLink, Segment, embed_header
from ingest.structure import Block
from ingest.text import normalize_ws
from ingest.text.sentences import sentence_spans


@dataclass(frozen=True)
class Budget:
    """How much one chunk may hold. Characters by default (inspect, tests); when building
    an index, the embedder's own tokens with the header counted, so that the model reads
    every chunk whole."""

    limit: int
    measure: Callable[[str], int] = len
    counts_header: bool = False
    unit: str = "chars"


@dataclass
class Owner:
    """Who a chunk speaks for."""

    source: str
    administration: str
    kind: str
    committee: str


@dataclass
class _Group:
    start: int
    end: int
    blocks: list[Block]


def chunk_id(source: str, start: int, end: int) -> str:
    """Stable id from the source file and character span: re-ingesting gives the same ids."""
    return hashlib.sha1(f"{source}|{start}|{end}".encode()).hexdigest()[:16]


def make_chunks(layout: Layout, owner: Owner, blocks: list[Block],
                measures: dict[tuple[str, str], Measure], budget: Budget) -> list[Chunk]:
    chunks: list[Chunk] = []

    def size(start: int, end: int) -> int:
        return budget.measure(normalize_ws(layout.content(start, end)))

    for group in _group_blocks(layout, blocks, budget.limit, size):
        links: list[MeasureLink] = []
        reports: list[str] = []
        segments: list[Segment] = []
        for block in group.blocks:
            for link in block.links:
                if all((x.report, x.number) != (link.report, link.number) for x in links):
                    links.append(link)
            if block.report and block.report not in reports:
                reports.append(block.report)
            segments.extend(block.segments)
        report = reports[0] if len(reports) == 1 else _link_report(links, reports)
        group_id = chunk_id(owner.source, group.start, group.end)
        limit = budget.limit
        if budget.counts_header:
            titles = {link.number: measures[(link.report, link.number)].title
                      for link in links if (link.report, link.number) in measures}
            header = embed_header(owner.administration, owner.committee, report, links, titles)
            limit -= budget.measure(header)
        for start, end in _split(layout, group.start, group.end, segments, limit, size):
            chunk = _chunk(layout, owner, start, end, report, links, segments, measures)
            chunk.group = group_id
            chunks.append(chunk)
    return chunks


def _link_report(links: list[MeasureLink], reports: list[str]) -> str | None:
    linked = {link.report for link in links}
    if len(linked) == 1:
        return next(iter(linked))
    return reports[0] if reports else None


Size = Callable[[int, int], int]


def _group_blocks(layout: Layout, blocks: list[Block], max_chars: int,
                  _size: Size) -> list[_Group]:
    short = max_chars // 3  # a prose paragraph this short joins its neighbour
    groups: list[_Group] = []
    # Report headings join whatever comes next, so they are never alone; several in a row
    # (Södermalm lists "1. Stad i samverkan …", "2. En skola …") all join it.
    pending: list[Block] = []
    for block in blocks:
        if block.kind == "report_heading":
            pending.append(block)
            continue
        lead = pending
        start = pending[0].start if pending else block.start
        pending = []
        prev = groups[-1] if groups else None
        if (
            not lead and prev is not None and block.kind == "prose"
            and all(b.kind == "prose" for b in prev.blocks)
            and _size(prev.start, block.end) <= max_chars
            and (
                _size(block.start, block.end) < short
                or _size(prev.start, prev.end) < short
                or _linkset(prev.blocks) == _linkset([block])
            )
        ):
            prev.end = block.end
            prev.blocks.append(block)
            continue
        groups.append(_Group(start, block.end, [*lead, block]))
    if pending:
        groups.append(_Group(pending[0].start, pending[-1].end, pending))
    return groups


def _linkset(blocks: list[Block]) -> set[tuple[str, str]]:
    return {(link.report, link.number) for b in blocks for link in b.links}


def _split(layout: Layout, start: int, end: int, segments: list[Segment],
           max_chars: int, _size: Size) -> list[tuple[int, int]]:
    """Cut [start, end) into spans within the budget, preferring role boundaries."""
    if _size(start, end) <= max_chars:
        return [(start, end)]
    text = layout.unmarked  # a page break is no sentence start
    segment_starts = {s.start for s in segments if start < s.start < end}
    sentence_starts = {a for a, _ in sentence_spans(text, start, end, keep_bullets=True)} - {start}
    cuts = sorted(segment_starts | sentence_starts)
    spans: list[tuple[int, int]] = []
    cursor = start
    while cursor < end:
        if _size(cursor, end) <= max_chars:
            spans.append((cursor, end))
            break
        fitting = [c for c in cuts if cursor < c < end and _size(cursor, c) <= max_chars]
        if not fitting:
            cut = _word_cut(text, cursor, end, max_chars, _size)
        else:
            cut = fitting[-1]
            role_cuts = [c for c in fitting if c in segment_starts
                         and _size(cursor, c) >= max_chars // 2]
            if role_cuts:
                cut = role_cuts[-1]
        spans.append((cursor, cut))
        cursor = cut
        while cursor < end and text[cursor].isspace():
            cursor += 1
    return [(a, _rstrip(text, a, b)) for a, b in spans if layout.content(a, b)]


def _word_cut(text: str, start: int, end: int, max_chars: int, _size: Size) -> int:
    cut = start
    for m in re.finditer(r"\s+", text[start:end]):
        pos = start + m.start()
        if _size(start, pos) > max_chars:
            break
        cut = pos
    return cut if cut > start else end


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _chunk(layout: Layout, owner: Owner, start: int, end: int, report: str | None,
           links: list[MeasureLink], segments: list[Segment],
           measures: dict[tuple[str, str], Measure]) -> Chunk:
    clipped: list[Segment] = []
    for s in segments:
        a, b = max(s.start, start), min(s.end, end)
        if a < b and layout.content(a, b):
            clipped.append(Segment(s.role, a, b, layout.line_at(a), layout.line_at(b - 1),
                                   s.label))
    line_start, line_end = layout.line_at(start), layout.line_at(end - 1)
    titles = {link.number: measures[(link.report, link.number)].title
              for link in links if (link.report, link.number) in measures}
    return Chunk(
        id=chunk_id(owner.source, start, end),
        source=owner.source,
        administration=owner.administration,
        kind=owner.kind,
        committee=owner.committee,
        report=report,
        measures=list(links),
        segments=clipped,
        text=layout.content(start, end),
        start=start,
        end=end,
        line_start=line_start,
        line_end=line_end,
        page=_page(layout, line_start, line_end),
        page_approx=approx_page(layout, line_start),
        measure_titles=titles,
    )


def _page(layout: Layout, line_start: int, line_end: int) -> int | None:
    real = [layout.pages[n - 1] for n in range(line_start, line_end + 1)
            if n <= len(layout.pages) and layout.pages[n - 1] is not None]
    if real:
        return real[0]
    shown = [layout.markers[n] for n in range(line_start, line_end + 1) if n in layout.markers]
    return shown[0] if shown else None


def approx_page(layout: Layout, line: int) -> int | None:
    """Page estimated from the few surviving markers ("4 (44)"), which head their page."""
    if line <= len(layout.pages) and layout.pages[line - 1] is not None:
        return layout.pages[line - 1]
    anchors = sorted({(n, p) for n, p in layout.markers.items()
                      if n - 1 not in layout.markers})
    if len(anchors) < 2:
        return None
    lines_per_page = (anchors[-1][0] - anchors[0][0]) / max(1, anchors[-1][1] - anchors[0][1])
    before = [a for a in anchors if a[0] <= line]
    after = [a for a in anchors if a[0] > line]
    if before and after:
        (lb, pb), (la, pa) = before[-1], after[0]
        page = pb + int((line - lb) * (pa - pb) / (la - lb))
    elif before:
        lb, pb = before[-1]
        page = pb + int((line - lb) / lines_per_page)
    else:
        la, pa = after[0]
        page = pa - 1 - int((la - line) / lines_per_page)
    top = layout.total_pages or page
    return max(1, min(page, top))
