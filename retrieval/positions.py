"""Positions for the meeting-room pages: one administration on every measure it takes up,
one measure with every administration's stance, the one-line summary, chart frames and the
measure page's Markdown and CSV.

The app only renders what these functions return; the stances themselves come from
retrieval/stance.py and are never recomputed here.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ingest.models import Measure
from ingest.text import normalize_ws
from retrieval.export import (
    MeasureKey,
    escape_markdown,
    inline_markdown,
    measure_key,
    page_text,
    split_key,
    stance_record,
)
from retrieval.stance import AVVISANDE, FORBEHALL, INGEN, LABELS, NEUTRAL, POSITIV, TVEKSAM, Stance

# How each label reads in "positiv till 5, med förbehåll till 3, … av 9 åtgärder".
_SUMMARY_WORDS = {
    POSITIV: "positiv till",
    FORBEHALL: "med förbehåll till",
    TVEKSAM: "tveksam till",
    AVVISANDE: "avvisande till",
    NEUTRAL: "beskrivande (utan värdering) om",
}
# The labels a statement can carry, in the matrix's order (INGEN is no statement).
STATEMENT_LABELS: tuple[str, ...] = tuple(label for label in LABELS if label != INGEN)


@dataclass(frozen=True)
class Position:
    """One administration's stance on one measure, with what a reader needs to check it."""

    administration: str
    kind: str
    report: str
    number: str
    title: str
    label: str
    trigger: str  # the phrase that decided the label ("" for neutral)
    reservation: str
    quote: str  # the sentence the trigger stands in (or the first own sentence)
    group: str  # the passage to highlight in the document view
    source: str
    where: str  # "ca s. 28, rad 1350–1352"

    @property
    def key(self) -> MeasureKey:
        return measure_key(self.report, self.number)


def _where(record: dict) -> str:
    parts = [page_text(record["page"], record["page_approx"])]
    if record["line_start"]:
        parts.append(f"rad {record['line_start']}" if record["line_start"] == record["line_end"]
                     else f"rad {record['line_start']}–{record['line_end']}")
    return ", ".join(p for p in parts if p)


def position_of(stance: Stance, index, kind: str, titles: Mapping[MeasureKey, str]) -> Position:
    """A stance with its place in the annex (`index` is an OpenIndex)."""
    record = stance_record(stance, index)
    key = measure_key(stance.report or "", stance.number or "")
    return Position(stance.administration, kind, stance.report or "", stance.number or "",
                    titles.get(key) or record["measure_title"], stance.label, stance.trigger,
                    stance.reservation, record["quote"], record["passage_id"],
                    record["source"], _where(record))


def _measure_order(measures: Sequence[Measure]) -> dict[MeasureKey, int]:
    return {measure_key(m.report, m.number): i for i, m in enumerate(measures)}


def _titles(measures: Sequence[Measure]) -> dict[MeasureKey, str]:
    return {measure_key(m.report, m.number): m.title for m in measures}


def administration_positions(stances: Sequence[Stance], index, measures: Sequence[Measure],
                             administration: str, kind: str = "") -> list[Position]:
    """The administration's stance on every measure it takes up, in the measures' order
    (report, then number). Empty when it has no statement: that is not a position."""
    order = _measure_order(measures)
    titles = _titles(measures)
    own = [s for s in stances if s.administration == administration
           and s.label != INGEN and s.number]
    own.sort(key=lambda s: order.get(measure_key(s.report or "", s.number or ""), len(order)))
    return [position_of(s, index, kind, titles) for s in own]


def by_report(positions: Sequence[Position]) -> list[tuple[str, list[Position]]]:
    """Positions grouped by report, reports in the order they first occur."""
    groups: dict[str, list[Position]] = {}
    for p in positions:
        groups.setdefault(p.report, []).append(p)
    return list(groups.items())


def has_statement(stances: Sequence[Stance], administration: str) -> bool:
    return not any(s.administration == administration and s.label == INGEN for s in stances)


def position_summary(labels: Sequence[str]) -> str:
    """"positiv till 5, med förbehåll till 3, tveksam till 1 av 9 åtgärder": the counts of
    each label (zero counts left out), over the measures the administration takes up."""
    counts = Counter(labels)
    parts = [f"{_SUMMARY_WORDS[label]} {counts[label]}" for label in STATEMENT_LABELS
             if counts[label]]
    total = sum(counts[label] for label in STATEMENT_LABELS)
    if not total:
        return "tar inte upp någon av kommissionens åtgärder"
    noun = "åtgärd" if total == 1 else "åtgärder"
    return f"{', '.join(parts)} av {total} {noun}"


def measure_summary(labels: Sequence[str]) -> str:
    """"8 förvaltningar tar upp åtgärden: positiv med förbehåll 6, neutral/beskrivande 2"."""
    counts = Counter(labels)
    total = sum(counts[label] for label in STATEMENT_LABELS)
    if not total:
        return "Ingen förvaltning tar upp åtgärden"
    parts = [f"{label} {counts[label]}" for label in STATEMENT_LABELS if counts[label]]
    who = "förvaltning tar" if total == 1 else "förvaltningar tar"
    return f"{total} {who} upp åtgärden: {', '.join(parts)}"


# -- one measure ------------------------------------------------------------------------
NO_COMMISSION_TEXT = ("Bilagan återger inte kommissionens beskrivning av åtgärden; "
                      "förvaltningarna hänvisar bara till den.")

@dataclass(frozen=True)
class CommissionText:
    """The commission's own text on a measure, as the annex reprints it in an
    administration's section: it is the proposal, never an administration's position."""

    description: str = ""
    responsible: str = ""
    administration: str = ""  # whose section the description was taken from
    where: str = ""


def commission_text(index, report: str, number: str) -> CommissionText:
    """The fullest reprint of the measure's description, and its "Ansvarig" as most
    sections give it (the sections reprint it with small differences, some abbreviated).
    A measure block may be cut into several chunks: its pieces are joined per block."""
    pieces: dict[str, dict[int, tuple[int, int, str]]] = {}  # block -> start -> segment
    owner: dict[str, str] = {}
    responsible: Counter[str] = Counter()
    for chunk in index.chunks:
        if not any(link.report == report and link.number == number
                   and link.source == "heading" for link in chunk.measures):
            continue
        layout = index.layouts.get(chunk.source)
        if layout is None:
            continue
        block = chunk.group or chunk.id
        owner[block] = chunk.administration
        for seg in chunk.segments:
            text = normalize_ws(layout.content(seg.start, seg.end))
            if seg.role == "description" and text:
                pieces.setdefault(block, {})[seg.start] = (seg.line_start, seg.line_end, text)
            elif seg.role == "responsible" and text:
                responsible[text.removeprefix("Ansvarig:").strip()] += 1
    best = CommissionText()
    for block, segments in pieces.items():
        ordered = [segments[k] for k in sorted(segments)]
        text = " ".join(t for _, _, t in ordered)
        if len(text) > len(best.description):
            best = CommissionText(text, "", owner[block],
                                  f"rad {ordered[0][0]}–{ordered[-1][1]}")
    who = responsible.most_common(1)[0][0] if responsible else ""
    return CommissionText(best.description, who, best.administration, best.where)


@dataclass(frozen=True)
class MeasureOverview:
    measure: Measure
    commission: CommissionText
    positions: list[Position]  # one per administration that takes the measure up
    silent: list[str] = field(default_factory=list)  # no statement in the annex at all
    quiet: list[str] = field(default_factory=list)  # a statement that does not take it up

    @property
    def key(self) -> MeasureKey:
        return measure_key(self.measure.report, self.measure.number)


def measure_overview(stances: Sequence[Stance], index, measure: Measure,
                     administrations: Sequence[str], kinds: Mapping[str, str]
                     ) -> MeasureOverview:
    """Every administration's stance on one measure, in the administrations' order, and
    who has not commented on it (without any statement, or not on this measure)."""
    titles = {measure_key(measure.report, measure.number): measure.title}
    on_it = {s.administration: s for s in stances
             if s.report == measure.report and s.number == measure.number}
    silent = [a for a in administrations if not has_statement(stances, a)]
    positions = [position_of(on_it[a], index, kinds.get(a, ""), titles)
                 for a in administrations if a in on_it]
    quiet = [a for a in administrations if a not in on_it and a not in silent]
    return MeasureOverview(measure, commission_text(index, measure.report, measure.number),
                           positions, silent, quiet)


def measure_markdown(overview: MeasureOverview) -> str:
    """The measure page as a Markdown document; every quoted text is escaped."""
    m, c = overview.measure, overview.commission
    out = [f"# Åtgärd {escape_markdown(m.number)} {inline_markdown(m.title)}", "",
           f"Delrapport: {inline_markdown(m.report)}", ""]
    out += ["## Kommissionens förslag (kommissionens text, inte en förvaltnings)", ""]
    if not (c.description or c.responsible):
        out += [NO_COMMISSION_TEXT, ""]
    else:
        if c.description:
            out += [f"> {inline_markdown(c.description)}", ""]
        if c.responsible:
            out += [f"**Ansvarig enligt kommissionen:** {inline_markdown(c.responsible)}", ""]
        if c.administration:
            out += [f"*Återgiven i {inline_markdown(c.administration)}s avsnitt, "
                    f"{inline_markdown(c.where)}.*", ""]
    out += ["## Förvaltningarnas ställningstaganden", "",
            inline_markdown(measure_summary([p.label for p in overview.positions])) + ".", ""]
    for p in overview.positions:
        line = f"- **{inline_markdown(p.administration)}**: {inline_markdown(p.label)}"
        if p.trigger:
            line += f" (”{inline_markdown(p.trigger)}”)"
        if p.quote:
            line += f" – ”{inline_markdown(p.quote)}”"
        if p.where:
            line += f" ({inline_markdown(p.where)})"
        out.append(line)
    out += ["", "## Har inte yttrat sig", "",
            "**Har inte lämnat någon skrivelse:** "
            + (inline_markdown(", ".join(overview.silent)) or "–"), "",
            "**Tar inte upp åtgärden i sin skrivelse:** "
            + (inline_markdown(", ".join(overview.quiet)) or "–")]
    return "\n".join(out).rstrip() + "\n"


_MEASURE_CSV = ("förvaltning", "typ", "delrapport", "åtgärd", "åtgärdens titel",
                "ställningstagande", "avgörande formulering", "förbehåll", "citat", "var")


def measure_csv(overview: MeasureOverview) -> str:
    """One row per administration: its stance with quote, or why it has none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_MEASURE_CSV)
    m = overview.measure
    for p in overview.positions:
        writer.writerow([p.administration, p.kind, m.report, m.number, m.title, p.label,
                         p.trigger, p.reservation, normalize_ws(p.quote), p.where])
    for name in overview.silent:
        writer.writerow([name, "", m.report, m.number, m.title, INGEN, "", "", "", ""])
    for name in overview.quiet:
        writer.writerow([name, "", m.report, m.number, m.title, "tar inte upp åtgärden",
                         "", "", "", ""])
    return buffer.getvalue()


# -- charts -----------------------------------------------------------------------------
MEASURE_CHART_COLUMNS = ("nyckel", "Delrapport", "Åtgärd", "Ställningstagande", "Antal",
                         "Förvaltningar", "ordning")


def short_title(number: str, title: str, limit: int = 48) -> str:
    """"4.1.1 Etablera lotsar för civilsamhället i …": a bar label that fits beside a bar."""
    title = normalize_ws(title)
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0] + " …"
    return f"{number} {title}"


def measure_chart_frame(stances: Sequence[Stance], measures: Sequence[Measure],
                        report: str | None = None):
    """Long frame for the stacked bars: one row per (measure, label) with its count and
    the administrations. Administrations without a statement, and those that do not take
    the measure up, are not counted (they would swamp every bar)."""
    import pandas as pd

    rows: list[dict] = []
    for m in measures:
        if report is not None and m.report != report:
            continue
        names: dict[str, list[str]] = {label: [] for label in STATEMENT_LABELS}
        for s in stances:
            if s.report == m.report and s.number == m.number and s.label in names:
                names[s.label].append(s.administration)
        for i, label in enumerate(STATEMENT_LABELS):
            if names[label]:
                rows.append({"nyckel": measure_key(m.report, m.number), "Delrapport": m.report,
                             "Åtgärd": short_title(m.number, m.title),
                             "Ställningstagande": label, "Antal": len(names[label]),
                             "Förvaltningar": ", ".join(names[label]), "ordning": i})
    return pd.DataFrame(rows, columns=list(MEASURE_CHART_COLUMNS))


ADMIN_CHART_COLUMNS = ("Delrapport", "Ställningstagande", "Antal", "Åtgärder", "ordning")


def administration_chart_frame(positions: Sequence[Position]):
    """Long frame for one administration's bars: one bar per report, a segment per label."""
    import pandas as pd

    rows: list[dict] = []
    for report, items in by_report(positions):
        for i, label in enumerate(STATEMENT_LABELS):
            numbers = [p.number for p in items if p.label == label]
            if numbers:
                rows.append({"Delrapport": report, "Ställningstagande": label,
                             "Antal": len(numbers), "Åtgärder": ", ".join(numbers),
                             "ordning": i})
    return pd.DataFrame(rows, columns=list(ADMIN_CHART_COLUMNS))


def administrations_with(stances: Iterable[Stance], key: MeasureKey, label: str) -> list[str]:
    """Who holds `label` on the measure: what a click on a bar segment lists."""
    report, number = split_key(key)
    return [s.administration for s in stances
            if s.report == report and s.number == number and s.label == label]
