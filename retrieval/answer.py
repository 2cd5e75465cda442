"""The answer's data: citations, quotes, stance claims and the answer itself.

Every claim is a quote with a citation [n]; the stance label says which phrase set it.
When no sentence carries the answer, the answer says so ("Det framgår inte av bilagan")
and shows the closest passages without citing them as support. The offline answerer that
composes these lives in `retrieval.answering`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from retrieval.search import Passage
from retrieval.statements import Sentence
from retrieval.understand import Detected

if TYPE_CHECKING:
    from retrieval.answering.plan import QuestionPlan

NOT_IN_ANNEX = "Det framgår inte av bilagan"
NO_STATEMENT_TEXT = "har inte lämnat någon skrivelse i bilagan"


@dataclass
class Citation:
    n: int
    passage: Passage
    sentences: list[Sentence]

    @property
    def quote(self) -> str:
        return " ".join(s.flat for s in self.sentences)

    def as_dict(self, layouts: dict) -> dict:
        p, first, last = self.passage, self.sentences[0], self.sentences[-1]
        c = p.first
        layout = layouts.get(first.source)
        line_start = layout.line_at(first.start) if layout else c.line_start
        line_end = layout.line_at(last.end - 1) if layout else p.parts[-1].line_end
        measure = c.measures[0] if c.measures else None
        keys = [m for s in self.sentences for m in s.measures]
        if keys:
            report, number = keys[0]
            measure_dict = {"report": report, "measure": number,
                            "measure_title": c.measure_titles.get(number)}
        else:
            measure_dict = {"report": c.report, "measure": measure.number if measure else None,
                            "measure_title": c.measure_titles.get(measure.number)
                            if measure else None}
        page = None
        if layout:
            page = next((layout.pages[n - 1] for n in range(line_start, line_end + 1)
                         if layout.pages[n - 1] is not None), None)
        return {
            "n": self.n, "id": p.id, "chunk_id": first.chunk_id, "text": self.quote,
            "passage_text": p.text, "administration": c.administration, "kind": c.kind,
            "committee": c.committee, **measure_dict, "page": page or p.page,
            "page_approx": c.page_approx, "line_start": line_start, "line_end": line_end,
            "source": c.source,
        }


# What kind of answer it is: the plan's shape (retrieval.answering.plan), or a chat
# model's own text.
Shape = Literal[
    "position", "fact", "list_by_stance", "count", "compare", "profile", "inverse",
    "measure_overview", "no_statement", "commission_text", "not_in_annex", "llm",
]


@dataclass(frozen=True)
class Quote:
    """One quoted sentence of the answer, with the citation and passage it comes from."""

    n: int  # the citation marker [n]
    passage_id: str
    chunk_id: str
    administration: str
    text: str  # verbatim (whitespace collapsed)
    commission: bool = False  # the commission's text quoted in the section, not a position

    @property
    def markdown(self) -> str:
        return f"”{self.text}” [{self.n}]"

    @classmethod
    def of(cls, citation: Citation) -> Quote:
        first = citation.sentences[0]
        return cls(citation.n, citation.passage.id, first.chunk_id, first.administration,
                   citation.quote)


@dataclass(frozen=True)
class StanceClaim:
    """A stance label the answer states, with the phrase that set it."""

    administration: str
    report: str | None
    measure: str | None
    label: str
    trigger: str = ""
    reservation: str = ""

    @property
    def markdown(self) -> str:
        return f"**{self.label}**{_trigger(self.trigger, self.reservation)}"


@dataclass
class Answer:
    question: str
    answer: str  # Markdown; offline, rendered from the structured fields below
    mode: str
    grounded: bool
    citations: list[Citation]
    passages: list[Passage]
    detected: Detected
    nearby: list[Passage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    shape: Shape = "fact"
    direct: str = ""  # the answer in one line, without quotes
    stances: list[StanceClaim] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    plan: QuestionPlan | None = None

    @property
    def about(self) -> list[str]:
        """The administrations the answer is about, for a follow-up's "de": those listed
        with the stance the question asked for ("Är det någon förvaltning som tvivlar på
        …?" is about the doubtful one, not everyone the list also shows), else every
        administration it cites, in order."""
        wanted = self.plan.stance_wanted if self.plan is not None else None
        if wanted:
            holding = [s.administration for s in self.stances if s.label == wanted]
            if holding:
                return list(dict.fromkeys(holding))
        return list(dict.fromkeys(c.passage.administration for c in self.citations
                                  if c.passage.administration))

    def as_dict(self, layouts: dict) -> dict:
        return {
            "question": self.question, "answer": self.answer, "mode": self.mode,
            "grounded": self.grounded, "notices": self.notices, "shape": self.shape,
            "direct": self.direct, "about": self.about,
            "stances": [asdict(s) for s in self.stances],
            "quotes": [asdict(q) for q in self.quotes],
            "citations": [c.as_dict(layouts) for c in self.citations],
            "passages": [p.as_dict() for p in self.passages],
            "nearby": [p.as_dict() for p in self.nearby],
            "detected": self.detected.as_dict(), "timings_ms": self.timings_ms,
            "plan": self.plan.as_dict() if self.plan is not None else None,
            "searched_for": self.plan.describe() if self.plan is not None else "",
        }




def _trigger(trigger: str, reservation: str) -> str:
    if not trigger:
        return ""
    extra = f", förbehåll: ”{reservation}”" if reservation else ""
    return f" (”{trigger}”{extra})"
