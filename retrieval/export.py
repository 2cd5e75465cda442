"""Answers, stances and the document as safe Markdown, CSV and tables.

Everything that comes from the document, a user or a model is escaped here before it
reaches a Markdown renderer: `<script>` or `![x](http://…)` must show as text.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ingest.models import Chunk, Measure
from ingest.text import normalize_ws
from retrieval.stance import INGEN, Stance

# Every ASCII character with a meaning in CommonMark, GFM or Streamlit's Markdown
# (directives, LaTeX); a backslash before ASCII punctuation always yields the character.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:&=^\"'])")
# The answerer's own emphasis: **bold** and *italic*; kept, with escaped content.
_EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|\*(?=[^\s*])([^*]+?)(?<=\S)\*")
_BULLET = re.compile(r"^\s*[-•]\s+(.*)$")
# GitHub-flavoured Markdown links bare URLs and e-mail addresses even when escaped; an
# invisible word joiner keeps them text.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])|(?<=\w)(@)(?=\w)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Text that renders as itself in Markdown: no links, images, HTML, code or LaTeX."""
    text = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, text)
    return _SPECIAL.sub(r"\\\1", text)


def inline_markdown(text: str) -> str:
    """One line as escaped Markdown, whitespace collapsed."""
    return escape_markdown(normalize_ws(text))


def paragraphs_markdown(text: str) -> str:
    """Document text as escaped Markdown: blank lines separate paragraphs, wrapped lines
    join, bullet lines ("•") keep their own line."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        rendered = ""
        for line in lines:
            if rendered and line.startswith("•"):
                rendered += "  \n"  # a hard break before a bullet
            elif rendered:
                rendered += " "
            rendered += escape_markdown(line)
        if rendered:
            out.append(rendered)
    return "\n\n".join(out)


def _emphasis(line: str) -> str:
    parts: list[str] = []
    cursor = 0
    for m in _EMPHASIS.finditer(line):
        parts.append(escape_markdown(line[cursor:m.start()]))
        if m.group(1) is not None:
            parts.append("**" + escape_markdown(m.group(1)) + "**")
        else:
            parts.append("*" + escape_markdown(m.group(2)) + "*")
        cursor = m.end()
    parts.append(escape_markdown(line[cursor:]))
    return "".join(parts)


def answer_markdown(text: str) -> str:
    """An answer (offline or model) as safe Markdown: only bold, italics, bullet lists
    and line breaks survive; everything else, quotes and [n] markers included, is text."""
    lines: list[str] = []
    for raw in text.split("\n"):
        stripped = raw.strip()
        if m := _BULLET.match(stripped):
            lines.append("- " + _emphasis(m.group(1)))
        elif stripped:
            lines.append(_emphasis(stripped) + "  ")
        else:
            lines.append("")
    return "\n".join(lines).rstrip()


def split_direct(text: str) -> tuple[str, str]:
    """(the answer's first line, the rest): the direct answer – the count, the stance, the
    fact, "Det framgår inte av bilagan" – is the answerer's first line, the quotes follow.
    One place to switch to a structured direct field when the answer object gets one."""
    lines = text.strip().split("\n")
    return lines[0].strip(), "\n".join(lines[1:]).strip("\n")


# -- citations --------------------------------------------------------------------------
def page_text(page: int | None, page_approx: int | None) -> str:
    if page:
        return f"s. {page}"
    if page_approx:
        return f"ca s. {page_approx}"
    return ""


def measure_text(number: str | None, title: str | None) -> str:
    if not number:
        return ""
    return f"åtgärd {number} {title}".strip() if title else f"åtgärd {number}"


def source_line(c: dict) -> str:
    """Plain text: who, where in the commission's reports, where in the annex."""
    parts = [f"{c['administration']} ({c['committee']})"]
    if c.get("report"):
        parts.append(str(c["report"]))
    if measure := measure_text(c.get("measure"), c.get("measure_title")):
        parts.append(measure)
    if page := page_text(c.get("page"), c.get("page_approx")):
        parts.append(page)
    if c.get("line_start"):
        span = (f"rad {c['line_start']}" if c["line_start"] == c.get("line_end")
                else f"rad {c['line_start']}–{c.get('line_end')}")
        parts.append(span)
    return " – ".join(parts)


def conversation_markdown(turns: Sequence[dict], title: str = "Nämndsvar – samtal") -> str:
    """A conversation as a Markdown document with every quote and its source.

    A turn is {"question", "searched" (the rewritten question, or None), "answer" (an
    answer dict, or None), "error" (or None), "filters" (a description, optional)}.
    """
    out = [f"# {escape_markdown(title)}", "",
           f"Exporterat {time.strftime('%Y-%m-%d %H:%M')}. Svaren citerar bilagan; "
           "kontrollera alltid mot källan.", ""]
    for i, turn in enumerate(turns, start=1):
        out += [f"## Fråga {i}: {inline_markdown(turn.get('question', ''))}", ""]
        if turn.get("searched"):
            out += [f"*Kompletterad fråga: {inline_markdown(turn['searched'])}*", ""]
        if turn.get("filters"):
            out += [f"*Filter: {inline_markdown(turn['filters'])}*", ""]
        answer = turn.get("answer")
        if answer and answer.get("searched_for"):
            out += [f"*{inline_markdown(answer['searched_for'])}*", ""]
        if not answer:
            out += [inline_markdown(turn.get("error") or "Inget svar."), ""]
            continue
        for notice in answer.get("notices", []):
            out += [f"> OBS: {inline_markdown(notice)}", ""]
        out += [answer_markdown(answer.get("answer", "")), ""]
        if answer.get("citations"):
            out += ["### Källor", ""]
            for c in answer["citations"]:
                out += [f"{c['n']}\\. {inline_markdown(source_line(c))} "
                        f"({inline_markdown(str(c.get('source', '')))})", "",
                        f"> ”{inline_markdown(c.get('text', ''))}”", ""]
        elif answer.get("nearby"):
            out += ["### Närliggande avsnitt (stöder inget svar)", ""]
            for p in answer["nearby"]:
                out += [f"- {inline_markdown(p['administration'])}: "
                        f"{inline_markdown(p['text'][:300])} …"]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- stances ----------------------------------------------------------------------------
MeasureKey = str  # "report|number": widget-friendly


def measure_key(report: str, number: str) -> MeasureKey:
    return f"{report}|{number}"


def split_key(key: MeasureKey) -> tuple[str, str]:
    report, _, number = key.partition("|")
    return report, number


def stance_record(stance: Stance, index) -> dict:
    """A stance row with where its sentence stands (lines, page) and its measure title.
    `index` is an OpenIndex: its chunks and layouts locate the sentence."""
    s = stance.sentence
    record = stance.as_dict()
    titles: dict[str, str] = {}
    line_start = line_end = page = page_approx = None
    source = ""
    if s is not None:
        source = s.source
        position = index.position.get(s.chunk_id)
        chunk = index.chunks[position] if position is not None else None
        layout = index.layouts.get(s.source)
        if layout is not None:
            line_start, line_end = layout.line_at(s.start), layout.line_at(max(s.start, s.end - 1))
            page = next((layout.pages[n - 1] for n in range(line_start, line_end + 1)
                         if layout.pages[n - 1] is not None), None)
        if chunk is not None:
            titles = chunk.measure_titles
            page_approx = chunk.page_approx
            page = page or chunk.page
    record.update({"measure_title": titles.get(stance.number or "", ""),
                   "line_start": line_start, "line_end": line_end, "page": page,
                   "page_approx": page_approx, "source": source})
    return record


_CSV_COLUMNS = MappingProxyType({
    "administration": "förvaltning", "report": "delrapport", "measure": "åtgärd",
    "measure_title": "åtgärdens titel", "label": "ställningstagande",
    "trigger": "avgörande formulering", "reservation": "förbehåll", "quote": "citat",
    "line_start": "rad från", "line_end": "rad till", "page": "sida",
    "page_approx": "ungefärlig sida", "source": "källa",
})


def stances_csv(records: Iterable[dict]) -> str:
    """Stance records (stance_record) as CSV with Swedish headers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV_COLUMNS.values())
    for r in records:
        writer.writerow(["" if r.get(k) is None else normalize_ws(str(r.get(k)))
                         for k in _CSV_COLUMNS])
    return buffer.getvalue()


@dataclass
class StanceTable:
    """Measures (rows, grouped by report) × administrations (columns): one label a cell,
    "" where the administration does not speak of the measure."""

    keys: list[MeasureKey]  # one per row
    row_labels: list[tuple[str, str]]  # (report, "number title")
    administrations: list[str]
    cells: list[list[str]]

    def frame(self):
        import pandas as pd

        data = {"Delrapport": [r for r, _ in self.row_labels],
                "Åtgärd": [m for _, m in self.row_labels]}
        for j, admin in enumerate(self.administrations):
            data[admin] = [row[j] for row in self.cells]
        return pd.DataFrame(data)


def stance_table(stances: Sequence[Stance], measures: Sequence[Measure],
                 administrations: Sequence[str], report: str | None = None,
                 number_key: MeasureKey | None = None) -> StanceTable:
    by_cell = {(s.administration, s.report, s.number): s.label for s in stances if s.number}
    silent = {s.administration for s in stances if s.label == INGEN}
    rows = [m for m in measures
            if (report is None or m.report == report)
            and (number_key is None or measure_key(m.report, m.number) == number_key)]
    cells = [[INGEN if admin in silent else by_cell.get((admin, m.report, m.number), "")
              for admin in administrations] for m in rows]
    return StanceTable([measure_key(m.report, m.number) for m in rows],
                       [(m.report, f"{m.number} {m.title}") for m in rows],
                       list(administrations), cells)


def not_commented(stances: Sequence[Stance], administrations: Sequence[str],
                  key: MeasureKey) -> tuple[list[str], list[str]]:
    """For one measure: (administrations without any statement in the annex,
    administrations whose statement does not take up the measure)."""
    report, number = split_key(key)
    silent = [a for a in administrations
              if any(s.administration == a and s.label == INGEN for s in stances)]
    spoke = {s.administration for s in stances if s.report == report and s.number == number}
    quiet = [a for a in administrations if a not in spoke and a not in silent]
    return silent, quiet


# -- the document -----------------------------------------------------------------------
@dataclass(frozen=True)
class DocBlock:
    """One segment of an administration's section, verbatim, in document order."""

    group: str  # the passage it belongs to (what citations name)
    role: str
    text: str
    line_start: int
    line_end: int


def document_blocks(chunks: Sequence[Chunk], layouts: dict) -> list[DocBlock]:
    blocks: list[DocBlock] = []
    for chunk in chunks:
        layout = layouts.get(chunk.source)
        group = chunk.group or chunk.id
        if layout is None or not chunk.segments:
            blocks.append(DocBlock(group, "prose", chunk.text, chunk.line_start, chunk.line_end))
            continue
        for seg in chunk.segments:
            text = layout.content(seg.start, seg.end)
            if text:
                blocks.append(DocBlock(group, seg.role, text, seg.line_start, seg.line_end))
    return blocks


def group_window(blocks: Sequence[DocBlock], group: str, around: int = 2) -> list[DocBlock]:
    """The blocks of a passage and of the `around` passages before and after it."""
    order = list(dict.fromkeys(b.group for b in blocks))
    if group not in order:
        return list(blocks)
    i = order.index(group)
    keep = set(order[max(0, i - around): i + around + 1])
    return [b for b in blocks if b.group in keep]
