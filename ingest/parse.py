"""Annex text to the structured model: sections, measures, roles, chunks."""

from __future__ import annotations

import logging
from pathlib import Path

from ingest.chunking import Budget, Owner, make_chunks
from ingest.errors import DocumentError
from ingest.layout import build_layout, find_sections
from ingest.models import Administration, Annex, Measure, Report
from ingest.registry import KNOWN_REPORTS, REPORTS_BY_NAME, aliases_for, reports_mentioned
from ingest.source import SourceText, read_source
from ingest.structure import SectionWalker, build_catalog
from ingest.text import normalize_ws

log = logging.getLogger(__name__)

DEFAULT_CHUNK_MAX_CHARS = 560


def parse_file(path: Path, *, chunk_max_chars: int = DEFAULT_CHUNK_MAX_CHARS,
               budget: Budget | None = None) -> Annex:
    return parse_source(read_source(path), chunk_max_chars=chunk_max_chars, budget=budget)


def parse_source(source: SourceText, *, chunk_max_chars: int = DEFAULT_CHUNK_MAX_CHARS,
                 budget: Budget | None = None) -> Annex:
    """Parse an annex. Chunks fit `budget`, or `chunk_max_chars` characters without one."""
    budget = budget or Budget(chunk_max_chars)
    layout = build_layout(source)
    sections = find_sections(layout)
    if not sections:
        raise DocumentError(
            f"{source.name} har inte bilagans struktur: ingen rad innehåller bara namnet på "
            "en förvaltning (t.ex. 'Arbetsmarknadsförvaltningen' eller 'Skärholmen'). "
            "Kontrollera att det är rätt fil."
        )
    # First pass: the measure headings, so that references and bare headings elsewhere
    # can be tied to the right report in the second.
    records = []
    for section in sections:
        walker = SectionWalker(layout, section, None)
        walker.walk()
        records.extend(walker.headings)
    catalog = build_catalog(records, {r.name: r for r in KNOWN_REPORTS})

    administrations: list[Administration] = []
    chunks = []
    variants: dict[str, list[str]] = {}
    for section in sections:
        walker = SectionWalker(layout, section, catalog)
        blocks = walker.walk()
        for block in blocks:
            walker.finish(block)
            if block.kind == "report_heading":
                written = normalize_ws(layout.content(block.start, block.end))
                for report in reports_mentioned(written)[:1]:
                    variants.setdefault(report.name, [])
                    if written not in variants[report.name]:
                        variants[report.name].append(written)
        known = section.known
        has_statement = any(b.kind != "no_statement" for b in blocks) and bool(blocks)
        body_start = layout.lines[section.first_line - 1].start if section.first_line <= len(
            layout.lines) else len(layout.text)
        body_end = layout.lines[section.last_line - 1].end if section.last_line >= 1 else 0
        addressed: list[Measure] = []
        for block in blocks:
            for link in block.links:
                measure = catalog.measures.get((link.report, link.number))
                if measure is not None and measure not in addressed:
                    addressed.append(measure)
        admin = Administration(
            name=known.name, heading=section.heading, kind=section.kind,
            committee=known.committee, aliases=aliases_for(known), has_statement=has_statement,
            line_start=section.heading_line, line_end=section.last_line,
            start=body_start, end=max(body_start, body_end), measures=addressed,
        )
        administrations.append(admin)
        owner = Owner(source.name, known.name, section.kind, known.committee)
        chunks.extend(make_chunks(layout, owner, blocks, catalog.measures, budget))

    used = {m.report for m in catalog.measures.values()} | set(variants)
    reports = [
        Report(r.key, r.name, r.full_title, r.area, tuple(variants.get(r.name, ())))
        for r in KNOWN_REPORTS if r.name in used
    ]
    order = {r.name: i for i, r in enumerate(KNOWN_REPORTS)}
    measures = sorted(catalog.measures.values(),
                      key=lambda m: (order.get(m.report, 99), [int(p) for p in
                                                               m.number.split(".")]))
    log.info("parsed %s: %d administrations, %d measures, %d chunks", source.name,
             len(administrations), len(measures), len(chunks))
    return Annex(
        source=source.name, text=layout.text, line_offsets=layout.line_offsets,
        page_of_line=layout.pages, marker_lines=frozenset(layout.markers),
        administrations=administrations, reports=reports, measures=measures, chunks=chunks,
    )


__all__ = ["DEFAULT_CHUNK_MAX_CHARS", "REPORTS_BY_NAME", "parse_file", "parse_source"]
