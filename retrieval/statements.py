"""The administrations' own sentences, each tied to the measure it speaks of.

A district often answers several measures in one paragraph ("… (4.1.1) … Förvaltningen
ställer sig positiv … (4.2.1 - 4.2.2) …"): a sentence belongs to the measure last named
before it, or to the measures of its block. Only the administration's own words (answers
and prose) are kept: the commission's description is never its position.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ingest.catalog import TitleIndex
from ingest.models import OWN_ROLES, Chunk, Measure
from ingest.registry import KNOWN_REPORTS, reports_mentioned
from ingest.text import normalize_for_match, normalize_ws
from ingest.text.measures import number_key, references_in
from ingest.text.sentences import quote_spans
from ingest.text.words import DOMAIN_STOPWORDS, ORGANISATION_WORDS, STOPWORDS, derived_matches
from retrieval.index import OpenIndex

MeasureKey = tuple[str, str]  # (report, number)
Scored = tuple[float, str, str]  # (score, report, number) of a title a text matches
# Naming the commission or a report says nothing about which measure a sentence is about,
# yet their names share words with many titles ("… för ett socialt hållbart Stockholm"
# with "socialt hållbar stadsplanering"): they are left out before matching titles.
_NAMES = re.compile(
    r"((kommissionen|kommission) för )?(ett )?socialt hållbart stockholm|hållbarhetskommission\w*|"
    + "|".join(re.escape(normalize_for_match(t)) for r in KNOWN_REPORTS
               for t in sorted({r.full_title, *r.full_title.split(" – "), *r.cues},
                               key=len, reverse=True))
)
# A sentence about the commission's reports or recommendations as a whole ("Hållbarhets-
# kommissionen rekommenderar i sina rapporter ett stort antal åtgärder för att …",
# "Delrapporterna innehåller rekommendationer …") sums them up: it shares words with many
# titles without being about any one measure.
_SUMMARY = re.compile(
    r"\b((del)?rapporter(na)?|rekommendationer(na)?|åtgärderna|rekommenderar"
    r"|(i|utifrån) rapporten|kommissionens analys)\b(?! (att|om)\b)"
)  # "rekommendationerna att genom stadsövergripande riktlinjer …" names what they say
# Share of a measure title's (IDF-weighted) words a sentence must hold to be about it.
WORDING = 0.3
STRONG = 0.4
MARGIN = 0.05
CLEAR_MARGIN = 0.1  # mid-paragraph, how far a weak match must lead every other title
FAINT = WORDING / 2  # a title matched this little still counts as a rival to the best
QUOTED = 0.75  # a sentence that names a number is also about a title it nearly quotes
# A sentence no more than this many words longer than the title it nearly quotes is that
# title (a bullet listing the measure), not a verdict on it and others.
TITLE_ONLY_EXTRA = 3
# A strong match must hold a word of the title that at most this many titles use. Three
# blind development halves: facts 0.768/0.640/0.654 -> 0.779/0.663/0.654, shape
# 0.865/0.857/0.842 -> 0.919/0.893/0.895 (Farsta's general "positiv till att
# Hållbarhetskommissionen lyfter fram vikten av lokal förankring …" was its verdict on
# 6.2.1, which three writers and the stance set's blind annotators do not read as one);
# the stance matrix lost Skarpnäck on 6.1.2 (its "nio åtgärdsförslag" are not named).
# At 2 or 3 only set 1's shape moved (0.892).
OWN_WORD_DF = 1
_CHAPTER = re.compile(r"\b(kapitel|kapitlet|avsnitt|avsnittet)\s+\d+(\.\d+)*\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim (page markers removed), whitespace as in the source
    start: int
    end: int
    source: str
    administration: str
    group: str
    chunk_id: str
    role: str
    measures: tuple[MeasureKey, ...]
    # True when the measure heading, a number in the sentence or a strong match of the
    # measure's title ties the sentence to it; False when it only follows a sentence that
    # did, or matches the title weakly. Answers name a measure only on a direct tie.
    direct: bool = True
    under_heading: bool = False  # stands under the measure's own heading ("6.4.1 Åtgärd: …")

    @property
    def flat(self) -> str:
        return normalize_ws(self.text)


class Statements:
    """All own sentences of all administrations, indexed by administration and measure."""

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        catalog: dict[MeasureKey, Measure] = {}
        for chunk in index.chunks:
            for link in chunk.measures:
                title = chunk.measure_titles.get(link.number)
                if title and (link.report, link.number) not in catalog:
                    catalog[(link.report, link.number)] = Measure(link.report, link.number, title)
        self.measures = catalog
        self._titles = TitleIndex(catalog.values(),
                                  drop=STOPWORDS | DOMAIN_STOPWORDS | ORGANISATION_WORDS,
                                  match=derived_matches)
        self.sentences: list[Sentence] = []
        by_group: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            by_group.setdefault(chunk.group or chunk.id, []).append(chunk)
        for group, chunks in by_group.items():
            self.sentences.extend(self._group_sentences(group, chunks))
        self.silent = self._silent()
        # The commission's own text quoted in each measure block (proposal, "Ansvarig:",
        # "Pågående arbete:"): never a position, but the answer to questions about the
        # commission's proposal. Each distinct sentence once per measure, first copy kept.
        self.commission: dict[MeasureKey, list[Sentence]] = {}
        # Every copy of each: the same "Ansvarig:" line reprinted in two sections is cited
        # in both, so a reader sees where the annex has it.
        self._copies: dict[tuple[MeasureKey, str], list[Sentence]] = {}
        for group, chunks in by_group.items():
            for s in _commission_sentences(self.index, group, chunks):
                for key in s.measures:
                    kept = self.commission.setdefault(key, [])
                    if all(k.flat != s.flat for k in kept):
                        kept.append(s)
                    self._copies.setdefault((key, s.flat), []).append(s)
        # An administration that copies the commission's description into its own prose
        # ("Alla stadsdelsnämnder ska ta fram lokala utvecklingsprogram …") is quoting it:
        # a sentence word for word the commission's is not the administration's words.
        quoted = {normalize_for_match(c.text) for v in self.commission.values() for c in v
                  if c.role != "heading"}
        self.sentences = [s for s in self.sentences
                          if normalize_for_match(s.text) not in quoted]
        self._by_admin: dict[str, list[Sentence]] = {}
        self._by_measure: dict[tuple[str, str, str], list[Sentence]] = {}
        self._by_group: dict[str, list[Sentence]] = {}
        for s in self.sentences:
            self._by_admin.setdefault(s.administration, []).append(s)
            self._by_group.setdefault(s.group, []).append(s)
            for report, number in s.measures:
                self._by_measure.setdefault((s.administration, report, number), []).append(s)
        self._match_text: dict[tuple[str, int], str] = {}
        self._next = {id(a): b for group in self._by_group.values()
                      for a, b in itertools.pairwise(group)}

    def of_administration(self, name: str) -> list[Sentence]:
        return self._by_admin.get(name, [])

    def match_text(self, sentence: Sentence) -> str:
        """The sentence normalised for matching, computed once (answers search the same
        sentences for names and phrases question after question)."""
        key = (sentence.source, sentence.start)
        flat = self._match_text.get(key)
        if flat is None:
            flat = self._match_text[key] = normalize_for_match(sentence.text)
        return flat

    def copies_of(self, key: MeasureKey, sentence: Sentence) -> list[Sentence]:
        """Every copy of one of the commission's sentences on a measure, in order."""
        return self._copies.get((key, sentence.flat), [sentence])

    def of_group(self, group: str) -> list[Sentence]:
        return self._by_group.get(group, [])

    def next_of(self, sentence: Sentence) -> Sentence | None:
        """The own sentence after this one in the same passage, if any."""
        return self._next.get(id(sentence))

    def on_measure(self, administration: str, report: str, number: str) -> list[Sentence]:
        return self._by_measure.get((administration, report, number), [])

    def answer_on_measure(self, administration: str, report: str,
                          number: str) -> list[Sentence]:
        """Its answer under the measure's own heading where it has one; else all its
        sentences on the measure."""
        return _heading_first(self.on_measure(administration, report, number))

    def measures_of(self, administration: str) -> list[MeasureKey]:
        keys = [(r, n) for (a, r, n) in self._by_measure if a == administration]
        return sorted(keys, key=lambda k: (k[0], number_key(k[1])))

    def scoped(self, sources: frozenset[str]) -> StatementsView:
        """The same questions answered from some sources (annexes) only."""
        return StatementsView(self, sources)

    def _silent(self) -> dict[str, list[Sentence]]:
        """Administrations whose section is only "Skrivelse saknas.", with that line in
        each source (annex) where that holds."""
        by_admin: dict[str, list[Chunk]] = {}
        for chunk in self.index.chunks:
            by_admin.setdefault(chunk.administration, []).append(chunk)
        out: dict[str, list[Sentence]] = {}
        for admin, chunks in by_admin.items():
            if not all("no_statement" in c.roles for c in chunks):
                continue
            for chunk in chunks:
                seg = chunk.segments[0]
                layout = self.index.layouts.get(chunk.source)
                text = layout.content(seg.start, seg.end) if layout else chunk.text
                out.setdefault(admin, []).append(
                    Sentence(text, seg.start, seg.end, chunk.source, admin,
                             chunk.group or chunk.id, chunk.id, "no_statement", ()))
        return out

    # -- building ---------------------------------------------------------------------
    def _group_sentences(self, group: str, chunks: list[Chunk]) -> list[Sentence]:
        first = chunks[0]
        layout = self.index.layouts.get(first.source)
        if layout is None:
            return []
        links = first.measures
        heading = tuple((m.report, m.number) for m in links if m.source == "heading")
        reports = {m.report for m in links} | ({first.report} if first.report else set())
        current: tuple[MeasureKey, ...] = heading
        out: list[Sentence] = []
        listing = False  # the sentence before was one measure's title, as in a list of them
        for chunk, segment, start, end, text in _spans(layout, chunks, OWN_ROLES):
            if not heading and current:
                mentioned = {r.name for r in reports_mentioned(text)}
                if mentioned and not mentioned & {report for report, _ in current}:
                    # "I delrapporten ”Från delad till enad stad” finns nio åtgärdsförslag
                    # …" after text on En skola's measures: another report's text starts,
                    # and the measures named before are not its subject.
                    current = ()
            named = _named_measures(text, links)
            by_number = bool(named)
            strong = False
            also: tuple[MeasureKey, ...] = ()
            if heading:
                # Under a measure heading, another number named adds to the
                # heading's measure; it does not take the text away from it.
                named = tuple(dict.fromkeys(heading + named)) if named else ()
            elif named:
                # A number says which measure is meant: "… ska tas fram (4.2.1)" is
                # not also about 4.5.1 for its wording, unless it quotes another
                # title almost word for word ("(6.2.1) … sociala stadsrumsanalyser
                # för att identifiera platser …" is 6.3.2 too).
                quoted = self._titles_quoted(text, reports)
                named = tuple(dict.fromkeys(named + quoted))
            elif _CHAPTER.search(text):
                # "Kapitel 4.6 handlar om …": a chapter of the report, no measure; the
                # sentences after it are about that chapter too, until a measure is named.
                current = ()
            else:
                # A new topic in running prose needs a clear match; the first one
                # in a paragraph may be weaker.
                wording = self._strong_only_with_own_word(self._wording(text), text)
                named, strong = _worded_measures(wording, reports,
                                                 strong_only=bool(current))
                if len(named) > 1:
                    # One title quoted almost word for word ("• Styr forskningsnära
                    # samverkan mot kunskapsutveckling …", 6.1.1) names that measure,
                    # whatever other titles share its words (6.1.2's "socialt hållbar").
                    quoted = self._titles_quoted(text, reports)
                    if len(quoted) == 1 and quoted[0] in named and len(text.split()) <= \
                            len(self.measures[quoted[0]].title.split()) + TITLE_ONLY_EXTRA:
                        named = quoted
                if current and not named:
                    # Mid-paragraph, a weaker match that no other title comes near
                    # is about that measure too ("Möjligheten att staden utser en
                    # neutral part som facilitator för dialoger bör utredas" is
                    # 4.3.2), but the paragraph's topic goes on after it.
                    also = tuple(m for m in _clear_winner(wording, reports)
                                 if m not in current)
            title_only = not heading and bool(named) and self._title_only(text, reports)
            if named:
                # A list of measures by their titles ("Nämnden är berörd av två åtgärder;
                # • Styr forskningsnära samverkan … • Genomför utbildningsinsatser …"): the
                # text after it is about all of them, not only the last.
                current = tuple(dict.fromkeys(current + named)) if title_only and listing \
                    else named
            listing = title_only
            # The title itself is that measure's alone.
            own = named if title_only else current + also
            out.append(Sentence(text, start, end, chunk.source, chunk.administration,
                                group, chunk.id, segment.role, own,
                                direct=by_number or strong or bool(heading),
                                under_heading=bool(heading)))
        return out

    def _title_matches(self, flat: str, reports: set[str], threshold: float
                       ) -> list[Scored]:
        """(score, report, number) of the titles a normalized text matches, in its reports
        (any report where it names none); the commission's and reports' names left out."""
        text = _NAMES.sub(" ", flat)
        return [(score, m.report, m.number)
                for report in (sorted(reports) or [None])
                for m, score in self._titles.best(text, report=report, threshold=threshold)]

    def _strong_only_with_own_word(self, wording: list[Scored], text: str) -> list[Scored]:
        """A strong match holds a word only its title has: "lokal förankring … samordning"
        shares "lokala" and "samordna" with 6.2.1's title (0.44 of it) without its
        "områdesplaneringen" or "utvecklingsprogram", and is no more than a weak match."""
        flat = _NAMES.sub(" ", normalize_for_match(text))
        out = [(min(score, STRONG - 1e-6) if score >= STRONG and not
                self._titles.holds_distinctive(self.measures[(r, n)], flat, OWN_WORD_DF)
                else score, r, n) for score, r, n in wording]
        return sorted(out, reverse=True)

    def _title_only(self, text: str, reports: set[str]) -> bool:
        """The sentence is one measure's title, nearly word for word, and little more."""
        quoted = self._titles_quoted(text, reports)
        return len(quoted) == 1 and len(text.split()) <= \
            len(self.measures[quoted[0]].title.split()) + TITLE_ONLY_EXTRA

    def _titles_quoted(self, text: str, reports: set[str]) -> tuple[MeasureKey, ...]:
        flat = normalize_for_match(text)
        return tuple((r, n) for _, r, n in self._title_matches(flat, reports, QUOTED))

    def _wording(self, text: str) -> list[Scored]:
        """Every title the sentence matches at least faintly, in any report, best first;
        none for a sentence summing up the reports or recommendations."""
        flat = normalize_for_match(text)
        if _SUMMARY.search(flat):
            return []
        return sorted(self._title_matches(flat, set(), FAINT), reverse=True)


COMMISSION_ROLES = frozenset({"heading", "description", "responsible", "ongoing"})


def _commission_sentences(index: OpenIndex, group: str, chunks: list[Chunk]
                          ) -> list[Sentence]:
    """The commission's sentences of one measure block, tied to the block's heading."""
    first = chunks[0]
    layout = index.layouts.get(first.source)
    heading = tuple((m.report, m.number) for m in first.measures if m.source == "heading")
    if layout is None or not heading:
        return []
    return [Sentence(text, start, end, chunk.source, chunk.administration, group, chunk.id,
                     segment.role, _named(text, heading), under_heading=True)
            for chunk, segment, start, end, text in _spans(layout, chunks, COMMISSION_ROLES)]


def _named(text: str, heading: tuple[MeasureKey, ...]) -> tuple[MeasureKey, ...]:
    """A block headed by several measures (Östermalm lists eight, "4.1.1 Åtgärd: …",
    "4.1.2 Åtgärd: …", then one comment): a line that starts with one of their numbers
    is that measure's text alone, not every measure's."""
    m = _LEADING_NUMBERS.match(text)
    named = set(re.findall(r"\d+(?:\.\d+)+", m.group(0))) if m else set()
    own = tuple(k for k in heading if k[1] in named)
    return own or heading


# "4.1.1 Åtgärd: …", "4.3.1 / 4.3.2 Omvärldsbevakning …"
_LEADING_NUMBERS = re.compile(r"\s*\d+(?:\.\d+)+(?:\s*(?:/|,|&|och)\s*\d+(?:\.\d+)+)*\b")


def _spans(layout, chunks: list[Chunk], roles: frozenset[str]):
    """(chunk, segment, start, end, text) of every non-empty sentence in segments of the
    given roles, in document order."""
    for chunk in chunks:
        for segment in chunk.segments:
            if segment.role not in roles:
                continue
            for start, end in quote_spans(layout.unmarked, segment.start, segment.end):
                text = layout.content(start, end)
                if text:
                    yield chunk, segment, start, end, text


class StatementsView:
    """Statements restricted to some sources: what a source filter in the app means."""

    def __init__(self, base: Statements, sources: frozenset[str]) -> None:
        self.index = base.index
        self.measures = base.measures
        self._base = base
        self._sources = sources
        self.silent = {a: kept for a, lines in base.silent.items()
                       if (kept := self._keep(lines))}
        self.commission = {k: kept for k, lines in base.commission.items()
                           if (kept := self._keep(lines))}
        self.sentences = self._keep(base.sentences)

    def _keep(self, sentences: list[Sentence]) -> list[Sentence]:
        return [s for s in sentences if s.source in self._sources]

    def of_administration(self, name: str) -> list[Sentence]:
        return self._keep(self._base.of_administration(name))

    def copies_of(self, key: MeasureKey, sentence: Sentence) -> list[Sentence]:
        return self._keep(self._base.copies_of(key, sentence))

    def match_text(self, sentence: Sentence) -> str:
        return self._base.match_text(sentence)

    def of_group(self, group: str) -> list[Sentence]:
        return self._keep(self._base.of_group(group))

    def next_of(self, sentence: Sentence) -> Sentence | None:
        return self._base.next_of(sentence)  # a passage lies in one source

    def on_measure(self, administration: str, report: str, number: str) -> list[Sentence]:
        return self._keep(self._base.on_measure(administration, report, number))

    def answer_on_measure(self, administration: str, report: str,
                          number: str) -> list[Sentence]:
        return _heading_first(self.on_measure(administration, report, number))

    def measures_of(self, administration: str) -> list[MeasureKey]:
        keys = {m for s in self.of_administration(administration) for m in s.measures}
        return sorted(keys, key=lambda k: (k[0], number_key(k[1])))


def _worded_measures(wording: list[Scored], reports: set[str], strong_only: bool = False
                     ) -> tuple[tuple[MeasureKey, ...], bool]:
    """In prose, a sentence that clearly describes a measure speaks of it ("… en
    lotsfunktion inrättas …" is 4.1.1). Where the text names no report, any report's
    measure may match, but only clearly."""
    candidates = [c for c in wording if c[1] in reports and c[0] >= WORDING] if reports \
        else [c for c in wording if c[0] >= STRONG]
    if not candidates:
        return (), False
    best = candidates[0][0]
    if best >= STRONG:  # one sentence may describe several measures outright
        return tuple((r, n) for sc, r, n in candidates if sc >= STRONG), True
    if strong_only:
        return (), False
    # A weak match counts only as a clear winner.
    if len(candidates) > 1 and best - candidates[1][0] < MARGIN:
        return (), False
    return ((candidates[0][1], candidates[0][2]),), False


def _clear_winner(wording: list[Scored], reports: set[str]) -> tuple[MeasureKey, ...]:
    """The one title (in the sentence's reports, if it has any) a sentence matches at
    least weakly while every other title, in any report, stays CLEAR_MARGIN behind it."""
    candidates = [c for c in wording if (not reports or c[1] in reports) and c[0] >= WORDING]
    if not candidates:
        return ()
    best, report, number = candidates[0]
    runner_up = max((sc for sc, r, n in wording if (r, n) != (report, number)), default=0.0)
    return ((report, number),) if best - runner_up >= CLEAR_MARGIN else ()


def _heading_first(own: list[Sentence]) -> list[Sentence]:
    """Its answer under the measure's own heading where it has one; else all of it."""
    return [s for s in own if s.under_heading] or own


def _named_measures(text: str, links) -> tuple[MeasureKey, ...]:
    """Measures a sentence names by number, resolved against its block's own links."""
    named: list[MeasureKey] = []
    for ref in references_in(text):
        named += [(m.report, m.number) for m in links if ref.covers(m.number)]
    return tuple(dict.fromkeys(named))
