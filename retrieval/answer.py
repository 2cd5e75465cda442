"""The offline answerer: grounded Swedish answers composed from the annex's own sentences.

Every claim is a quote with a citation [n]; the stance label says which phrase set it.
When no sentence carries the answer, the answer says so ("Det framgår inte av bilagan")
and shows the closest passages without citing them as support.
"""

from __future__ import annotations

import copy
import math
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from ingest.catalog import TitleIndex
from ingest.models import Measure
from ingest.registry import REPORTS_BY_NAME
from ingest.text import normalize_for_match
from ingest.text.groups import BODY_WORDS, GROUP_WORDS, group_noun
from ingest.text.words import (
    DOMAIN_STOPWORDS,
    ORGANISATION_WORDS,
    STOPWORDS,
    content_words,
    stem_matches,
    stems,
    words,
)
from retrieval.guard import clean_question
from retrieval.search import Filters, Passage, Searcher
from retrieval.stance import (
    AVVISANDE,
    FORBEHALL,
    INGEN,
    NEUTRAL,
    POSITIV,
    TVEKSAM,
    classify,
    stance_of,
)
from retrieval.statements import Sentence, Statements
from retrieval.understand import Detected

NOT_IN_ANNEX = "Det framgår inte av bilagan"
NO_STATEMENT_TEXT = "har inte lämnat någon skrivelse i bilagan"

# Words that say what kind of answer is wanted, not what it is about (and the words for
# the bodies and groups of them, which name who, not what).
_QUESTION_WORDS = GROUP_WORDS.keys() | BODY_WORDS | frozenset(normalize_for_match(w) for w in """
vad hur vilka vilken vilket varför när var vem vilkas tycker anser säger skriver menar tänker
ser ställer ställa sig syn inställning ståndpunkt positiv positiva positivt negativ negativa
tveksam tveksamma stödjer stöder om till på för med och att det den de är har kan ska vill
gör göra något några många mycket finns fanns enligt bilagan bilaga kommissionen kommissionens
hållbarhetskommissionen förslag förslaget förslagen åtgärd åtgärden åtgärder åtgärderna
rekommendation rekommendationen sina sin sitt egen eget egna också även
lämnat yttrat yttrande skrivelse skrivning kommenterat kommenterar tar upp nämner frågan
yttrar yttra uttalar uttala ställning tagit tar hållbarhetskommissionens rekommendationer
rekommendationerna förbehåll förbehållen villkor
what does do did the a an of to in on for about how which who view think say says position
committee committees district districts administration administrations council councils
""".split())
_ENGLISH = frozenset("""the what which how does do did is are of to about for with and who
when where their its any council committee administration district view think""".split())
_AMOUNT = re.compile(r"\b(hur (mycket|många|stor|stora|lång)|vad kostar|hur mycket kostar"
                     r"|how (much|many)|antal)\b")
_AMOUNT_NOUN = re.compile(r"\b(?:hur (?:många|mycket)|hur stor (?:andel|del) av(?: de| alla)?)"
                          r" (?P<noun>[a-zåäö]{4,})")
# "När …?" asks for a time; "… när förslagen genomförs" does not.
_WHEN = re.compile(r"^(när|vilket år|vilken tidpunkt|when)\b")
# A quantity: a number that is not a year, or a number word ("hälften", "tio").
_NUMBER = re.compile(r"(?<![\d])(?!(19|20)\d\d(?!\d))\d+|\b(två|tre|fyra|fem|sex|sju|åtta|nio"
                     r"|tio|tolv|fjorton|tjugo|hundra|tusen|miljon\w*|miljard\w*|hälften"
                     r"|procent|dubbelt)\b|%")
_DATE = re.compile(r"\b(19|20)\d\d\b|\b(januari|februari|mars|april|maj|juni|juli|augusti"
                   r"|september|oktober|november|december|våren|hösten|vintern|sommaren)\b")
_ORGANISATION = re.compile(
    r"\b([a-zåäö]+(nämnden|styrelsen|förvaltningen|kontoret|fullmäktige))\b"
    r"|\b([a-zåäö]+) (stad|kommun|region)\b"
)
_LABEL_ORDER = [POSITIV, FORBEHALL, TVEKSAM, AVVISANDE, NEUTRAL]
_LABEL_HEADINGS = {
    POSITIV: "Positiva", FORBEHALL: "Positiva med förbehåll", TVEKSAM: "Tveksamma",
    AVVISANDE: "Avvisande", NEUTRAL: "Tar upp frågan utan att ta ställning",
}
# A sentence answers when it holds this share of the question's (IDF-weighted) topic words.
RELEVANCE = 0.5
# A question is about a measure when this share of words is shared with its title.
TITLE_MATCH = 0.6


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


# What kind of answer it is: one administration's (or a few) position, a list over a
# group, who has no statement, quotes on a general question, nothing in the annex, or a
# chat model's own text.
Shape = Literal["position", "list", "no_statement", "general", "not_in_annex", "llm"]


@dataclass(frozen=True)
class Quote:
    """One quoted sentence of the answer, with the citation and passage it comes from."""

    n: int  # the citation marker [n]
    passage_id: str
    chunk_id: str
    administration: str
    text: str  # verbatim (whitespace collapsed)

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
    shape: Shape = "general"
    direct: str = ""  # the answer in one line, without quotes
    stances: list[StanceClaim] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def as_dict(self, layouts: dict) -> dict:
        return {
            "question": self.question, "answer": self.answer, "mode": self.mode,
            "grounded": self.grounded, "notices": self.notices, "shape": self.shape,
            "direct": self.direct,
            "stances": [asdict(s) for s in self.stances],
            "quotes": [asdict(q) for q in self.quotes],
            "citations": [c.as_dict(layouts) for c in self.citations],
            "passages": [p.as_dict() for p in self.passages],
            "nearby": [p.as_dict() for p in self.nearby],
            "detected": self.detected.as_dict(), "timings_ms": self.timings_ms,
        }


class _Cites:
    """Numbers citations in order of first use (one number per passage), and records the
    quotes and stances the answer states, which its Markdown is rendered from."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self.quotes: list[Quote] = []
        self.stances: list[StanceClaim] = []

    def quote(self, passage: Passage, sentence: Sentence) -> Quote:
        quote = Quote(self.cite(passage, [sentence]), passage.id, sentence.chunk_id,
                      sentence.administration, sentence.flat)
        self.quotes.append(quote)
        return quote

    def stance(self, administration: str, key: tuple[str, str] | None, label: str,
               trigger: str = "", reservation: str = "") -> StanceClaim:
        report, number = key if key else (None, None)
        claim = StanceClaim(administration, report, number, label, trigger, reservation)
        self.stances.append(claim)
        return claim

    def cite(self, passage: Passage, sentences: list[Sentence]) -> int:
        for c in self.items:
            if c.passage.id == passage.id:
                for s in sentences:
                    if s not in c.sentences:
                        c.sentences.append(s)
                c.sentences.sort(key=lambda s: s.start)
                return c.n
        self.items.append(Citation(len(self.items) + 1, passage, list(sentences)))
        return len(self.items)


class OfflineAnswerer:
    mode = "offline"

    def __init__(self, searcher: Searcher, statements: Statements) -> None:
        self.searcher = searcher
        self.statements = statements
        self.index = searcher.index
        df: Counter[str] = Counter()
        self._stems: dict[int, set[str]] = {}
        for s in statements.sentences:
            own = _match_tokens(s.text)
            self._stems[id(s)] = own
            df.update(own)
        n = max(1, len(statements.sentences))
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._max_idf = math.log(1 + n)
        self._titles = TitleIndex(statements.measures.values(),
                                  drop=STOPWORDS | DOMAIN_STOPWORDS | ORGANISATION_WORDS)
        self._alias_words = {w for alias, _ in searcher.vocab.aliases for w in alias.split()}
        self._groups = {p: [self.index.chunks[i] for i in idx]
                        for p, idx in self.index.groups.items()}
        self._kind_of = searcher.vocab.kind_of

    # -- entry point --------------------------------------------------------------------
    def answer(self, question: str, filters: Filters | None = None) -> Answer:
        if filters and filters.sources:
            # A source filter: answer from that annex's sentences only (a copy, so that
            # concurrent questions without the filter are untouched).
            scoped = copy.copy(self)
            scoped.statements = self.statements.scoped(frozenset(filters.sources))
            return scoped._answer(question, filters)
        return self._answer(question, filters)

    def _answer(self, question: str, filters: Filters | None) -> Answer:
        t0 = time.perf_counter()
        q, notices = clean_question(question, self.searcher.settings.max_question_chars)
        result = self.searcher.search(q, k=10, filters=filters)
        d = result.detected
        t1 = time.perf_counter()
        topic = self._topic(q, d)
        english = _is_english(q)
        if english:
            notices.append("Frågan verkar vara på engelska; svaret citerar bilagan på svenska.")
            # English words cannot match Swedish text; names and loanwords ("KTH",
            # "community") can, so only the words the annex uses decide.
            topic = [t for t in topic if t in self._idf] or topic
        cites = _Cites()
        text: str | None
        shape: Shape
        if d.intent == "no_statement":
            shape, text = "no_statement", self._no_statement(d, result.passages, cites, filters)
        elif _unknown_organisation(q, self._alias_words) and not d.administrations:
            shape, text = "not_in_annex", None
        elif d.intent == "list":
            shape, text = "list", self._list(q, d, topic, cites, filters)
        elif d.administrations:
            shape = "position"
            text = self._position(q, d, topic, result.passages, cites, english)
        else:
            shape, text = "general", self._general(q, d, topic, result.passages, cites, english)
        grounded = text is not None and bool(cites.items)
        nearby: list[Passage] = []
        if not grounded:
            shape = "not_in_annex"
            text = (f"{NOT_IN_ANNEX}. Ingen förvaltnings skrivelse i bilagan besvarar frågan; "
                    "närliggande avsnitt visas nedan men stöder inget svar.")
            nearby = result.passages[:3]
            cites = _Cites()
        timings = dict(result.timings_ms)
        timings["answer"] = round((time.perf_counter() - t1) * 1000, 2)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        text = text or ""
        return Answer(q, text, self.mode, grounded, cites.items, result.passages, d,
                      nearby, notices, timings, shape=shape, direct=_direct(shape, text),
                      stances=cites.stances, quotes=cites.quotes)

    # -- relevance ----------------------------------------------------------------------
    def _topic(self, question: str, d: Detected) -> list[str]:
        """What the question is about: its words less question words, names of
        administrations and the names of reports it mentions."""
        q = normalize_for_match(question)
        for report in d.reports:
            for cue in (*REPORTS_BY_NAME[report].cues, normalize_for_match(report)):
                q = q.replace(cue, " ")
        # Measure numbers and abbreviations ("6.3.3", "t.ex") are not topic words; a
        # year ("2017") is.
        kept = [w for w in words(q) if "." not in w
                and w not in _QUESTION_WORDS and w not in self._alias_words
                and w not in STOPWORDS]
        items = []
        for word in kept:
            stem = next(iter(stems(word)), "")
            # Snowball cuts "lots" to "lot": too short to find "lotsfunktion" by, so the
            # word itself stands in for such a stem.
            items.append(stem if len(stem) >= 4 else (word if len(word) >= 4 else stem))
        return list(dict.fromkeys(i for i in items if i))

    def relevance(self, sentence: Sentence, topic: list[str]) -> float:
        if not topic:
            return 0.0
        tokens = self._stems.get(id(sentence)) or _match_tokens(sentence.text)
        return self._coverage(topic, tokens, partial=0.45)

    def _question_measures(self, q: str, d: Detected, admin: str | None = None,
                           topic: list[str] | None = None) -> list[tuple[str, str]]:
        """Measures the question names by number, or describes in the title's words: the
        question covers most of a title, or a title holds all that the question asks."""
        if d.measures:
            return list(d.measures)
        addressed = set(self.statements.measures_of(admin)) if admin else None
        scored = []
        for key, measure in self.statements.measures.items():
            if addressed is not None and key not in addressed:
                continue
            if d.reports and measure.report not in d.reports:
                continue
            title_words = set(stems(measure.title))
            cover = self._titles.score(measure, q)
            held = self._coverage(topic or [], title_words) if topic else 0.0
            scored.append((max(cover, held), key))
        scored = sorted([x for x in scored if x[0] >= TITLE_MATCH], reverse=True)
        if not scored:
            return []
        close = [key for score, key in scored if score >= scored[0][0] - 0.05]
        return close if len(close) <= 2 else []

    def _coverage(self, topic: list[str], tokens: set[str], partial: float = 0.5) -> float:
        """IDF-weighted share of the topic words found in `tokens`. A topic compound is
        found whole when the text has the word, holds it inside a compound, or has both
        its parts ("praktikbank" in "bank med praktikplatser"); only partly when the text
        has just one part ("praktik")."""
        weights = [self._idf.get(t, self._max_idf) for t in topic]
        if not weights:
            return 0.0
        hit = sum(w * _found(t, tokens, partial) for t, w in zip(topic, weights, strict=True))
        return hit / sum(weights)

    def _fits_kind(self, sentence: Sentence, q: str) -> bool:
        """Amount and date questions need a number or a date in the answer, and an
        amount of the thing asked about ("Hur många föreningar …" – "ca 120 … föreningar")."""
        text = normalize_for_match(sentence.text)
        question = normalize_for_match(q)
        if _AMOUNT.search(question):
            if not _NUMBER.search(text):
                return False
            noun = _AMOUNT_NOUN.search(question)
            if noun:
                wanted = stems(noun.group("noun"))
                tokens = self._stems.get(id(sentence)) or set(stems(sentence.text))
                if wanted and not any(stem_matches(wanted[0], t) or stem_matches(t, wanted[0])
                                      for t in tokens):
                    return False
        return not (_WHEN.search(question) and not _DATE.search(text))

    def _passage_of(self, sentence: Sentence) -> Passage:
        return Passage(self._groups[sentence.group], 0.0)

    # -- answer kinds ---------------------------------------------------------------------
    def _no_statement(self, d: Detected, passages: list[Passage], cites: _Cites,
                      filters: Filters | None) -> str:
        silent = self._silent_administrations()
        if d.administrations:
            lines = []
            for admin in d.administrations:
                if admin in silent:
                    cites.stance(admin, None, INGEN)
                    quote = cites.quote(*_first(silent[admin]))
                    lines.append(f"**{admin}** {NO_STATEMENT_TEXT} (”{quote.text}”) [{quote.n}].")
                else:
                    measures = self.statements.measures_of(admin)
                    own = self.statements.of_administration(admin)
                    if not own:
                        continue
                    n = cites.cite(self._passage_of(own[0]), own[:1])
                    about = (", ".join(f"{num}" for _, num in measures[:8])
                             if measures else "kommissionens rapporter i allmänhet")
                    lines.append(f"**{admin}** har lämnat en skrivelse i bilagan; den tar upp "
                                 f"åtgärd {about} [{n}]." if measures else
                                 f"**{admin}** har lämnat en skrivelse i bilagan om {about} [{n}].")
            return "\n\n".join(lines)
        scope = [a for a in silent if not d.kinds or self._kind_of.get(a) in d.kinds]
        total = [a for a in self._kind_of if not d.kinds or self._kind_of.get(a) in d.kinds]
        lines = [f"{len(scope)} av {len(total)} {group_noun(d.kinds)} {NO_STATEMENT_TEXT}:"]
        for admin in scope:
            cites.stance(admin, None, INGEN)
            quote = cites.quote(*_first(silent[admin]))
            lines.append(f"- **{admin}** (”{quote.text}”) [{quote.n}]")
        return "\n".join(lines)

    def _silent_administrations(self) -> dict[str, tuple[Passage, list[Sentence]]]:
        """Administrations whose section is only "Skrivelse saknas.", with that passage
        (in the sources answered from: a source filter scopes `statements`)."""
        return {admin: (self._passage_of(lines[0]), [lines[0]])
                for admin, lines in self.statements.silent.items()}

    def _position(self, q: str, d: Detected, topic: list[str], passages: list[Passage],
                  cites: _Cites, english: bool) -> str | None:
        silent = self._silent_administrations()
        parts: list[str] = []
        for admin in d.administrations[:3]:
            if admin in silent:
                cites.stance(admin, None, INGEN)
                n = cites.cite(*silent[admin])
                parts.append(f"**{admin}** {NO_STATEMENT_TEXT} [{n}].")
                continue
            part = self._one_position(q, d, topic, admin, passages, cites, english)
            if part:
                parts.append(part)
        return "\n\n".join(parts) if parts else None

    def _one_position(self, q: str, d: Detected, topic: list[str], admin: str,
                      passages: list[Passage], cites: _Cites, english: bool) -> str | None:
        committee = next((c.committee for c in self.index.chunks if c.administration == admin),
                         "")
        who = f"**{admin}** ({committee})"
        measures = self._question_measures(q, d, admin, topic)
        addressed = set(self.statements.measures_of(admin))
        lines: list[str] = []
        if d.measures and not any(m in addressed for m in measures):
            return None  # the named measure is not in this administration's text
        for key in [m for m in measures if m in addressed]:
            stance = stance_of(self.statements, admin, *key)
            own = self.statements.answer_on_measure(admin, *key)
            anchor = stance.sentence if stance.sentence in own else None
            picked = self._pick(own, topic, anchor, q, limit=2, require=False)
            if not picked:
                continue
            title = self.statements.measures.get(key)
            claim = cites.stance(admin, key, stance.label, stance.trigger, stance.reservation)
            lines.append(f"{who} om åtgärd {key[1]} *{_title(title)}* (”{key[0]}”): "
                         f"{claim.markdown}.")
            lines.extend(self._quotes(picked, cites))
        if lines:
            return "\n".join(lines)
        # No measure to go by: the sentences of its own text that answer the question,
        # from its best-ranked passages.
        ranked = [p for p in passages if p.administration == admin][:5]
        own = [s for p in ranked for s in self.statements.of_group(p.id)]
        if not topic:  # "Vad tycker Farsta?": its evaluative sentences
            picked = [s for s in own if classify([s])[0] != NEUTRAL][:2] or own[:1]
        else:
            picked = self._pick(own, topic, None, q, limit=2, require=True)
            if not picked and self._may_answer(admin, topic, own, q, english):
                prior = {p.id: 0.3 - 0.1 * i for i, p in enumerate(ranked)}
                best = max((s for s in own if self._fits_kind(s, q)),
                           key=lambda s: self.relevance(s, topic) + max(0, prior[s.group]),
                           default=None)
                picked = [best] if best is not None else []
        if not picked:
            return None
        # Name a measure only where the quoted sentence itself is about it.
        keys = [m for s in picked if s.direct for m in s.measures]
        if keys:
            # The quoted sentences are about a measure: its stance is the position, and
            # the sentence that set it is quoted too.
            stance = stance_of(self.statements, admin, *keys[0])
            label, trigger, reservation = stance.label, stance.trigger, stance.reservation
            if stance.sentence is not None and stance.sentence not in picked:
                picked = [stance.sentence, *picked[:1]]
            title = self.statements.measures.get(keys[0])
            about = f" om åtgärd {keys[0][1]} *{_title(title)}* (”{keys[0][0]}”)"
        else:
            label, trigger, reservation, _ = classify(picked)
            about = ""
        claim = cites.stance(admin, keys[0] if keys else None, label, trigger, reservation)
        lines.append(f"{who}{about}: {claim.markdown}.")
        lines.extend(self._quotes(picked, cites))
        return "\n".join(lines)

    def _pick(self, sentences: list[Sentence], topic: list[str], anchor: Sentence | None,
              q: str, *, limit: int, require: bool) -> list[Sentence]:
        """The sentences to quote: the one that set the stance, then the most relevant."""
        scored = sorted(((self.relevance(s, topic), -i, s) for i, s in enumerate(sentences)),
                        reverse=True)
        picked: list[Sentence] = [anchor] if anchor is not None else []
        for score, _, s in scored:
            if len(picked) >= limit:
                break
            if s in picked or not self._fits_kind(s, q):
                continue
            if require and score < RELEVANCE:
                continue
            picked.append(s)
        if require and not any(self.relevance(s, topic) >= RELEVANCE and self._fits_kind(s, q)
                               for s in picked):
            return []
        if not require and not picked and sentences:
            picked = [sentences[0]]
        return picked  # most telling first; _quotes puts them in document order

    def _may_answer(self, admin: str, topic: list[str], own: list[Sentence], q: str,
                    english: bool) -> bool:
        """Whether a weakly matching passage of a named administration may answer.

        The search ranks that administration's passages well even for paraphrases, so its
        best passage answers unless the question's most specific word (the rarest one the
        annex uses at all) appears nowhere in the administration's own text: then the
        question is about something it does not discuss."""
        if english:
            return True
        if _WHEN.search(normalize_for_match(q)):
            return False  # a date is asked for: only a sentence that is about it and holds one
        known = [t for t in topic if t in self._idf]
        if not known:
            return False  # not one word of the question occurs in the annex
        rarest = max(known, key=lambda t: self._idf[t])
        words = {t for s in self.statements.of_administration(admin)
                 for t in self._stems.get(id(s), ())}
        return any(stem_matches(rarest, w) or stem_matches(w, rarest) for w in words)

    def _quotes(self, sentences: list[Sentence], cites: _Cites) -> list[str]:
        out = []
        for s in sorted(sentences, key=lambda s: (s.source, s.start)):
            out.append(f"- {cites.quote(self._passage_of(s), s).markdown}")
        return out

    def _list(self, q: str, d: Detected, topic: list[str], cites: _Cites,
              filters: Filters | None) -> str | None:
        kinds = d.kinds or (filters.kinds if filters else [])
        admins = [a for a in self._kind_of if not kinds or self._kind_of[a] in kinds]
        if filters and filters.administrations:
            admins = [a for a in admins if a in filters.administrations]
        silent = self._silent_administrations()
        measures = self._question_measures(q, d, topic=topic)
        by_label: dict[str, list[tuple[str, Sentence, str]]] = {}
        for admin in admins:
            if admin in silent:
                continue
            found = self._list_entry(admin, measures, topic, q)
            if found:
                label, sentence, trigger = found
                by_label.setdefault(label, []).append((admin, sentence, trigger))
        if not by_label:
            return None
        subject = _topic_phrase(measures, self.statements.measures, q)
        lines = [f"Så här uttalar sig {group_noun(kinds, definite=True)} om {subject}:"]
        for label in _LABEL_ORDER:
            entries = by_label.get(label, [])
            if not entries:
                continue
            lines.append(f"\n**{_LABEL_HEADINGS[label]} ({len(entries)}):**")
            for admin, sentence, trigger in entries:
                key = measures[0] if measures else None
                cites.stance(admin, key, label, trigger)
                quote = cites.quote(self._passage_of(sentence), sentence)
                lines.append(f"- **{admin}**{_trigger(trigger, '')}: {quote.markdown}")
        positive = len(by_label.get(POSITIV, [])) + len(by_label.get(FORBEHALL, []))
        speaking = sum(len(v) for v in by_label.values())
        lines.append(
            f"\n{positive} av {len(admins)} {group_noun(kinds)} är positiva "
            f"(varav {len(by_label.get(FORBEHALL, []))} med förbehåll); {speaking} tar upp "
            f"frågan; {len([a for a in admins if a in silent])} har inte lämnat någon skrivelse."
        )
        return "\n".join(lines)

    def _list_entry(self, admin: str, measures: list[tuple[str, str]], topic: list[str],
                    q: str) -> tuple[str, Sentence, str] | None:
        addressed = set(self.statements.measures_of(admin))
        for key in measures:
            if key in addressed:
                stance = stance_of(self.statements, admin, *key)
                own = self.statements.on_measure(admin, *key)
                sentence = stance.sentence or (own[0] if own else None)
                if sentence is not None:
                    return stance.label, sentence, stance.trigger
        if measures and not topic:
            return None
        own = self.statements.of_administration(admin)
        relevant = [s for s in own if self.relevance(s, topic) >= RELEVANCE
                    and self._fits_kind(s, q)]
        if not relevant:
            return None
        label, trigger, _, sentence = classify(relevant)
        return label, sentence or relevant[0], trigger

    def _general(self, q: str, d: Detected, topic: list[str], passages: list[Passage],
                 cites: _Cites, english: bool) -> str | None:
        lines: list[str] = []
        if d.ambiguous_measures:
            for number in d.ambiguous_measures:
                named = [self.statements.measures[k] for k in d.measures
                         if k[1] == number and k in self.statements.measures]
                lines.append(f"Åtgärd {number} finns i två delrapporter: " + " och ".join(
                    f"i ”{m.report}” (*{_title(m)}*)" for m in named) + ".")
        picked: list[Sentence] = []
        seen_admins: set[str] = set()
        for p in passages[:6]:
            if p.administration in seen_admins:
                continue
            own = self.statements.of_group(p.id)
            if d.measures:
                own = [s for s in own if any(m in d.measures for m in s.measures)] or own
                best = self._pick(own, topic, None, q, limit=1, require=False)
            else:
                best = self._pick(own, topic, None, q, limit=1, require=True)
                if not best and english:
                    best = own[:1]
            if best:
                picked.extend(best)
                seen_admins.add(p.administration)
            if len(picked) >= 3:
                break
        if not picked:
            return "\n".join(lines) if lines and cites.items else None
        for s in picked:
            quote = cites.quote(self._passage_of(s), s)
            keys = s.measures if s.direct else ()
            about = f", åtgärd {keys[0][1]} (”{keys[0][0]}”)" if keys else ""
            lines.append(f"- **{s.administration}**{about}: {quote.markdown}")
        return "\n".join(lines)


def _match_tokens(text: str) -> set[str]:
    """A sentence's stems, plus its words whose stem is too short to search by
    ("lots" → "lot")."""
    out = set(stems(text))
    out.update(w for w in words(text) if len(w) >= 4 and w not in STOPWORDS
               and len(next(iter(stems(w)), "")) < 4)
    return out


def _found(word: str, tokens: set[str], partial: float) -> float:
    relations = [_relation(word, t) for t in tokens]
    if any(r.whole for r in relations):
        return 1.0
    # Both parts of a compound, in different words ("bank med praktikplatser").
    heads = {c for r in relations for c in r.heads}
    if heads and heads & {c for r in relations for c in r.tails}:
        return 1.0
    # The text has one part of the asked compound: the last part (Swedish compounds end
    # in their head: a "medborgarbudget" is a budget) counts more than the first.
    if any(r.ends for r in relations):
        return partial
    if any(r.inside for r in relations):
        return partial * 0.4
    return 0.0


class _Relation(NamedTuple):
    whole: bool  # the token is the word, or a form of it
    heads: frozenset[int]  # cuts where the word's first part (4+ letters) starts the token
    tails: frozenset[int]  # cuts where the word's last part starts the token
    ends: bool  # the word ends in the token
    inside: bool  # the token's stem matches the word


_NO_CUTS: frozenset[int] = frozenset()  # shared by most relations


# How a question word relates to a text token does not change between questions, and a
# corpus has few distinct tokens: with many sources, list answers test the same pairs
# over and over. Bounded: one question's words against a corpus vocabulary fit.
@lru_cache(maxsize=1 << 18)
def _relation(word: str, token: str) -> _Relation:
    cuts = range(4, len(word) - 2)
    return _Relation(
        whole=word == token or stem_matches(word, token),
        heads=frozenset(c for c in cuts if token.startswith(word[:c])) or _NO_CUTS,
        tails=frozenset(c for c in cuts if token.startswith(word[c:])) or _NO_CUTS,
        ends=len(token) >= 4 and word.endswith(token),
        inside=stem_matches(token, word),
    )


def _title(measure: Measure | None) -> str:
    return measure.title if measure else ""


def _first(silent: tuple[Passage, list[Sentence]]) -> tuple[Passage, Sentence]:
    return silent[0], silent[1][0]


def _direct(shape: Shape, markdown: str) -> str:
    """The answer in one line: its first line without quotes, markers and emphasis (a
    list's closing count, which sums it up)."""
    lines = [line for line in markdown.splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1] if shape == "list" else lines[0]
    line = re.sub(r"\s*\[\d+\]", "", line)
    line = re.sub(r"\s*\(?”[^”]{12,}”\)?", "", line)
    return line.replace("**", "").replace("*", "").lstrip("- ").strip()


def _trigger(trigger: str, reservation: str) -> str:
    if not trigger:
        return ""
    extra = f", förbehåll: ”{reservation}”" if reservation else ""
    return f" (”{trigger}”{extra})"


def _topic_phrase(measures: list[tuple[str, str]], catalog: dict, q: str) -> str:
    if measures and measures[0] in catalog:
        m = catalog[measures[0]]
        return f"åtgärd {m.number} *{m.title}*"
    return "frågan"


def _is_english(q: str) -> bool:
    words = content_words(q)
    return bool(words) and sum(w in _ENGLISH for w in words) / len(words) >= 0.2


def _unknown_organisation(q: str, known_words: set[str]) -> bool:
    """The question is about a body the annex does not hold ("kommunstyrelsen", "Solna stad")."""
    for m in _ORGANISATION.finditer(normalize_for_match(q)):
        word = m.group(1) or m.group(3)
        if word and word not in known_words and word not in {"stockholms", "stockholm"}:
            return True
    return False
