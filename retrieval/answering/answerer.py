"""The offline answerer: search, plan, compose. No language model.

question → clean → hybrid search (passages) → QuestionPlan (scope, topic, shape) →
the shape's composer (quotes ranked by sentence-level evidence) → Answer. A composer
that finds nothing in scope carrying the asked content refuses: "Det framgår inte av
bilagan", with the closest passages shown as nearby, not as support."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

from ingest.models import Chunk
from retrieval.answer import NOT_IN_ANNEX, Answer
from retrieval.answering.compose import Composed, Context, Refusal
from retrieval.answering.composers import COMPOSERS
from retrieval.answering.evidence import EvidenceRanker, template_sentences
from retrieval.answering.meaning import Meaning
from retrieval.answering.measures import MeasureResolver
from retrieval.answering.plan import Planner, QuestionPlan
from retrieval.answering.wording import Wording, is_english, unknown_organisation
from retrieval.guard import asks_for_something_else, clean_question
from retrieval.search import Filters, Passage, Searcher, SearchResult
from retrieval.statements import MeasureKey, Statements

VOTED_PASSAGES = 5  # the search's best passages vote for the measures they are about
# Shapes whose whole answer is about the one measure the plan resolved.
_ON_THE_MEASURE = frozenset({"list_by_stance", "measure_overview", "count", "commission_text",
                            "no_statement"})


# Shapes that need no topic words: an administration's whole text, its silence, or the
# commission's text, which the question may name in its own words.
_NO_TOPIC = frozenset({"profile", "inverse", "no_statement", "commission_text"})


class OfflineAnswerer:
    mode = "offline"

    def __init__(self, searcher: Searcher, statements: Statements) -> None:
        self.searcher = searcher
        self.statements = statements
        self.index = searcher.index
        self.alias_words = {w for alias, _ in searcher.vocab.aliases for w in alias.split()}
        texts = [s.text for s in statements.sentences]
        texts += [s.text for v in statements.commission.values() for s in v]
        sections: dict[str, list[str]] = {}
        for s in statements.sentences:
            sections.setdefault(s.administration, []).append(s.text)
        self.wording = Wording(texts, self.alias_words, sections)
        self.meaning = Meaning(self.index.sentence_vectors)
        self.ranker = EvidenceRanker(self.meaning, self.wording,
                                     template_sentences(statements.sentences, self.meaning))
        self.resolver = MeasureResolver(statements, self.wording, self.meaning)
        self.kind_of = searcher.vocab.kind_of
        self.committee_of: dict[str, str] = {}
        for c in self.index.chunks:
            self.committee_of.setdefault(c.administration, c.committee)
        self.planner = Planner(statements, self.wording, self.resolver, searcher.vocab)
        self._named: dict[str, frozenset[tuple[str, int]]] = {}
        self.groups: dict[str, list[Chunk]] = {
            p: [self.index.chunks[i] for i in idx] for p, idx in self.index.groups.items()}

    # -- entry point --------------------------------------------------------------------
    def answer(self, question: str, filters: Filters | None = None,
               previous: Sequence[str] = ()) -> Answer:
        """`previous`: the passages the previous answer cited, for a follow-up that points
        back at what it said ("Ska det prövas någon annanstans också?"); the caller, who
        has the user's own words, decides (`retrieval.followup.points_back`). Passages the
        filters leave out are dropped."""
        statements = self.statements
        previous = self.allowed(previous, filters)
        if filters and filters.sources:
            # A source filter: answer from that annex's sentences only.
            statements = self.statements.scoped(frozenset(filters.sources))
        t0 = time.perf_counter()
        q, notices = clean_question(question, self.searcher.settings.max_question_chars)
        result = self.searcher.search(q, k=10, filters=filters)
        t1 = time.perf_counter()
        plan = self.plan(q, result, filters, statements)
        if plan.english:
            notices.append("Frågan verkar vara på engelska; svaret citerar bilagan på svenska.")
        t2 = time.perf_counter()
        composed = self.compose(plan, result, statements, previous)
        timings = dict(result.timings_ms)
        timings["plan"] = round((t2 - t1) * 1000, 2)
        timings["answer"] = round((time.perf_counter() - t2) * 1000, 2)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        if isinstance(composed, Refusal) or not composed.cites.items:
            reason = composed.reason if isinstance(composed, Refusal) else "inget citat"
            text = (f"{NOT_IN_ANNEX}. {reason[:1].upper()}{reason[1:]}; närliggande avsnitt "
                    "visas nedan men stöder inget svar.")
            return Answer(q, text, self.mode, False, [], result.passages, result.detected,
                          result.passages[:3], notices, timings, shape="not_in_annex",
                          direct=f"{NOT_IN_ANNEX}: {reason}.", plan=plan)
        notices.extend(composed.notices)
        unsure = self._unsure(plan, statements)
        if unsure:
            notices.append(unsure)
        cites = composed.cites
        text = composed.text
        if result.detected.ambiguous_measures:
            text = self._ambiguity(result.detected, statements) + "\n\n" + text
        return Answer(q, text, self.mode, True, cites.items, result.passages,
                      result.detected, [], notices, timings, shape=plan.shape,
                      direct=composed.direct, stances=cites.stances, quotes=cites.quotes,
                      plan=plan)

    def allowed(self, passages: Sequence[str], filters: Filters | None) -> list[str]:
        """The passage ids the index has and the filters let through."""
        return [g for g in passages if g in self.groups
                and (filters is None or all(filters.allows(c) for c in self.groups[g]))]

    # -- steps ----------------------------------------------------------------------------
    def plan(self, question: str, result: SearchResult, filters: Filters | None = None,
             statements: Statements | None = None) -> QuestionPlan:
        statements = statements or self.statements
        detected = result.detected
        if filters and filters.administrations and not detected.administrations \
                and len(filters.administrations) == 1:
            detected = copy.copy(detected)
            detected.administrations = list(filters.administrations)
        # One planner for the whole index; a source filter's narrower statements get
        # their own (rare: the app's source filter).
        planner = self.planner if statements is self.statements else Planner(
            statements, self.wording, self.resolver, self.searcher.vocab)
        plan = planner.run(question, detected, self._query(question),
                           _measure_votes(result.passages), english=is_english(question),
                           kinds_filter=filters.kinds if filters else None)
        if plan.english:
            # English words cannot match Swedish text; names and loanwords can.
            plan.topic.words = self.wording.known(plan.topic.words) or plan.topic.words
        if asks_for_something_else(question):
            plan.shape = "not_in_annex"
            plan.reason = "frågan ber om något annat än vad bilagan säger"
        elif not detected.administrations and plan.shape in ("fact", "position") \
                and unknown_organisation(
                self.wording.without_reports(question, detected.reports), self.alias_words):
            # A body the annex has no section for, asked about as the subject (not a
            # list, a count or the commission's text, which may name it in passing).
            plan.shape = "not_in_annex"
            plan.reason = "bilagan har ingen skrivelse från den organisation frågan gäller"
        elif not plan.english and plan.topic.words and plan.shape not in _NO_TOPIC \
                and plan.topic.measures_by in ("meaning", "none") \
                and self.wording.known_share(plan.topic.words) == 0.0:
            # No word of the topic occurs in the annex, not even as part of a compound
            # ("hemlösheten"): meaning alone would answer on the closest measure. A word
            # the annex has with a typo's difference ("sysselsätning") is offered.
            near = [c for w in plan.topic.words if (c := self.wording.misspelt_known(w))]
            plan.shape = "not_in_annex"
            plan.reason = "bilagan använder inget av frågans ord för det den gäller" + (
                f" (menade du ”{near[0]}”?)" if near else "")
        if filters and filters.administrations:
            plan.scope.only = list(filters.administrations)
            outside = [a for a in plan.scope.administrations if a not in filters.administrations]
            if outside:
                plan.shape = "not_in_annex"
                plan.reason = (f"{', '.join(outside)} ligger utanför filtret "
                               f"({', '.join(filters.administrations)})")
        if filters and (filters.measures or filters.reports) and not plan.topic.measures:
            # The user's filter is the topic the question does not name.
            plan.topic.measures = [k for k in statements.measures
                                   if (not filters.measures or k[1] in filters.measures)
                                   and (not filters.reports or k[0] in filters.reports)]
            plan.topic.measures_by = "number"
            plan.topic.reports = plan.topic.reports or list(filters.reports)
        return plan

    def compose(self, plan: QuestionPlan, result: SearchResult,
                statements: Statements | None = None, previous: Sequence[str] = ()
                ) -> Composed | Refusal:
        if plan.shape == "not_in_annex":
            return Refusal(plan.reason or "frågan gäller något bilagan inte tar upp")
        return COMPOSERS[plan.shape].run(
            plan, self.context(plan.question, result, statements, previous))

    def context(self, question: str, result: SearchResult,
                statements: Statements | None = None, previous: Sequence[str] = ()
                ) -> Context:
        """What the composers read for a question and its search result; the passages
        the previous answer cited, where given, rank first."""
        passages = result.passages
        back = frozenset(g for g in previous if g in self.groups)
        if back:
            found = {p.id: p for p in passages}
            first = [found.get(g) or Passage(self.groups[g], 0.0)
                     for g in dict.fromkeys(previous) if g in self.groups]
            ids = {p.id for p in first}
            passages = [*first, *(p for p in passages if p.id not in ids)]
        return Context(statements=statements or self.statements, groups=self.groups,
                       ranker=self.ranker, wording=self.wording, passages=passages,
                       query=self._query(question), kind_of=self.kind_of,
                       committee_of=self.committee_of, naming=self._naming, previous=back)

    def _ambiguity(self, detected, statements: Statements) -> str:
        """Say so when a number names a measure in two reports, and which ones."""
        lines = []
        for number in detected.ambiguous_measures:
            named = [statements.measures[k] for k in detected.measures
                     if k[1] == number and k in statements.measures]
            lines.append(f"Åtgärd {number} finns i två delrapporter: " + " och ".join(
                f"i ”{m.report}” (*{m.title}*)" for m in named) + ".")
        return "\n".join(lines)

    def _naming(self, admin: str) -> frozenset[tuple[str, int]]:
        """(source, start) of the own sentences that name the administration, by any of
        its names (cached: the statements do not change while the answerer lives)."""
        if admin not in self._named:
            # Inside words too: "Brommas", "Brommabornas".
            names = [alias for alias, name in self.searcher.vocab.aliases if name == admin]
            self._named[admin] = frozenset(
                (s.source, s.start) for s in self.statements.sentences
                if any(n in self.statements.match_text(s) for n in names))
        return self._named[admin]

    def _unsure(self, plan: QuestionPlan, statements: Statements) -> str:
        """A notice when an answer on one measure rests on a reading by meaning whose lead
        over the next measure is small: the user sees which other measure the question may
        mean and how to ask for it."""
        topic = plan.topic
        if topic.measures_by != "meaning" or not topic.runners_up or not topic.measures \
                or plan.shape not in _ON_THE_MEASURE:
            return ""
        others = " eller ".join(
            f"åtgärd {n} {statements.measures[(r, n)].title} (”{r}”)"
            if (r, n) in statements.measures else f"åtgärd {n}" for r, n in topic.runners_up)
        return (f"Frågan tolkades som åtgärd {topic.measures[0][1]} efter innebörd, men "
                f"tolkningen är osäker: den kan också gälla {others}. Fråga med åtgärdens "
                "nummer för att få svar om den.")

    def _query(self, question: str):
        if not self.meaning.available:
            return None
        return self.searcher.query_vector(question)


def _measure_votes(passages: list[Passage]) -> dict[MeasureKey, float]:
    votes: dict[MeasureKey, float] = {}
    for i, p in enumerate(passages[:VOTED_PASSAGES]):
        for link in p.first.measures:
            key = (link.report, link.number)
            votes[key] = votes.get(key, 0.0) + 1.0 / (i + 1)
    return votes
