"""The structured model of an annex: who said what about which measure, and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Roles of the text inside an administration's section. Only "answer" and "prose" are
# the administration's own words; "description" and "ongoing" are the commission's
# proposal and its account of current work, and must never be shown as a position.
Role = Literal[
    "heading",  # a measure or recommendation heading line ("6.4.1 Åtgärd: …")
    "description",  # the commission's description ("Beskrivning:" or unlabelled)
    "responsible",  # "Ansvarig:"
    "ongoing",  # "Pågående arbete:"
    "answer",  # "Kommentar:", "Svar:", "Hantering:"
    "prose",  # the administration's own running text
    "report_heading",  # "Delrapport: …", "Rapport: …"
    "no_statement",  # "Skrivning saknas." / "Skrivelse saknas."
]
OWN_ROLES: frozenset[str] = frozenset({"answer", "prose"})

LinkSource = Literal["heading", "reference", "title"]


@dataclass(frozen=True)
class Report:
    key: str
    name: str
    full_title: str
    area: str
    variants: tuple[str, ...] = ()  # how the annex wrote it, as written


@dataclass(frozen=True)
class Measure:
    report: str  # Report.name
    number: str
    title: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.report, self.number)


@dataclass(frozen=True)
class MeasureLink:
    """Why a piece of text is tied to a measure, so a reader can judge the link."""

    report: str
    number: str
    source: LinkSource  # "heading": a measure heading; "reference": "(4.1.1)"; "title": wording
    score: float = 1.0  # for "title": share of the title's words found; else 1.0


@dataclass(frozen=True)
class Segment:
    """A run of text with one role. Offsets index Annex.text; end is exclusive."""

    role: Role
    start: int
    end: int
    line_start: int
    line_end: int
    label: str = ""  # the label as written ("Kommentar", "Svar", …), if any


@dataclass
class Chunk:
    """What gets indexed and cited: verbatim text of one administration."""

    id: str
    source: str
    administration: str
    kind: str
    committee: str
    report: str | None
    measures: list[MeasureLink]
    segments: list[Segment]
    text: str  # the source text of [start, end) without page-marker lines
    start: int
    end: int
    line_start: int
    line_end: int
    page: int | None  # a page the text itself shows (PDF, or a surviving marker)
    page_approx: int | None  # interpolated from surviving markers, for plain text
    measure_titles: dict[str, str] = field(default_factory=dict)  # number -> title
    # The measure block or prose group this chunk is a part of: chunks are cut to fit the
    # embedding model, search returns whole groups ("one passage per administration and
    # measure").
    group: str = ""

    @property
    def roles(self) -> list[str]:
        return sorted({s.role for s in self.segments})

    def embed_text(self) -> str:
        """Text for the embedder: the verbatim passage under a header of who and what."""
        return embed_header(self.administration, self.committee, self.report, self.measures,
                            self.measure_titles) + "\n" + self.text


def embed_header(administration: str, committee: str, report: str | None,
                 measures: list[MeasureLink], titles: dict[str, str]) -> str:
    """Who speaks and about what: the dense model sees this above every chunk, since a
    chunk cut from the middle of a measure rarely names either."""
    header = [administration, f"({committee})"]
    if report:
        header.append(f"– {report}")
    if measures:
        first = measures[0]
        title = titles.get(first.number, "")
        header.append(f"– {first.number} {title[:80]}".rstrip())
    return " ".join(header)


@dataclass
class Administration:
    name: str  # canonical
    heading: str  # as written in the annex
    kind: str
    committee: str
    aliases: tuple[str, ...]
    has_statement: bool
    line_start: int  # the heading line
    line_end: int
    start: int  # offset of the first character after the heading line
    end: int
    measures: list[Measure] = field(default_factory=list)  # measures its section addresses


@dataclass
class Annex:
    source: str  # file name the annex came from
    text: str
    line_offsets: list[int]  # line_offsets[i] = offset of line i+1
    page_of_line: list[int | None]  # real page per line (PDF), or None
    marker_lines: frozenset[int]  # lines that hold only a page marker
    administrations: list[Administration]
    reports: list[Report]
    measures: list[Measure]
    chunks: list[Chunk]

    def administration(self, name: str) -> Administration:
        for admin in self.administrations:
            if admin.name == name:
                return admin
        raise KeyError(name)

    def measures_numbered(self, number: str) -> list[Measure]:
        return [m for m in self.measures if m.number == number]
