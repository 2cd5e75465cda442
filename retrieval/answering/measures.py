"""Which measure a question means when it names no number: by its title's words, else
by meaning.

Measured on the blind development half (52 questions whose key names a measure the
question does not number, scope-restricted): the commission's heading and description
alone put the right measure first for 0.33, the administrations' own sentences on it
(best three) for 0.54, both for 0.65, both plus title words and the search's passage
ranking for 0.73 (an experiment over all 48 measures); as the plan uses it, among the
measures its scope addresses, 0.727 of 33 (`python -m tools.measure_signals`).
Tried and not used: letting the measures of the scope's five best evidence sentences
vote (20 of 35 questions of the shapes that resolve a measure, against 24 of 35), or
adding that vote to the score (no gain at weight 0.02, losses above). Re-checked on both
sets' development halves (set 1: 33, set 2: 38 questions; current weights 0.727/0.632): the
own sentences' best five 0.727/0.632, best one 0.727/0.579; the commission's best two
0.727/0.553; its text at half weight 0.697/0.526; LEXICAL 0.1 0.727/0.605; VOTE 0.1
0.697/0.553 - no change beats the weights above. Adding SCOPED (the named administrations'
own best sentence on each measure) raised set 2 to 0.684 (set 1 unchanged, 0.727); at 1.0
0.727/0.658, with their best three instead 0.727/0.632. Both test halves' figures stayed
the same. At round 16, with more follow-ups asked with the question they follow: set 1
0.735 of 34, set 2 0.692 of 39, and set 3 (written later) 0.639 of 36."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ingest.catalog import TitleIndex
from ingest.text.words import DOMAIN_STOPWORDS, ORGANISATION_WORDS, STOPWORDS
from retrieval.answering.meaning import Meaning
from retrieval.answering.wording import Wording
from retrieval.statements import MeasureKey, Statements

# A question holding this share of a title's words means that measure.
TITLE_MATCH = 0.6
# Weights of the meaning score: commission text (best sentence) + own sentences (best
# three, mean) + LEXICAL × title-and-description words + VOTE × passage rank votes.
LEXICAL = 0.05
VOTE = 0.05
# + SCOPED × the best own sentence on the measure of the administrations the question
# names: their own words are the closest evidence of which measure they are asked about.
SCOPED = 0.5
# A lead this small makes the reading unsure: the next RUNNERS_UP measures are offered to
# the user (the answerer's notice, on the shapes whose whole answer is on the measure). Both
# dev halves: of 27 such answers resting on a reading by meaning, 5 had the wrong measure;
# the notice shows on 4 of those (naming the right one for 2) and on 4 of the 22 right ones.
UNSURE_LEAD = 0.03
RUNNERS_UP = 2


@dataclass
class Resolved:
    measures: list[MeasureKey] = field(default_factory=list)
    by: Literal["title", "meaning", "none"] = "none"
    confidence: float = 0.0
    scores: dict[MeasureKey, float] = field(default_factory=dict)  # by meaning, every candidate
    runners_up: list[MeasureKey] = field(default_factory=list)  # by meaning, when unsure


class MeasureResolver:
    def __init__(self, statements: Statements, wording: Wording, meaning: Meaning) -> None:
        self.statements = statements
        self.wording = wording
        self.meaning = meaning
        self._titles = TitleIndex(statements.measures.values(),
                                  drop=STOPWORDS | DOMAIN_STOPWORDS | ORGANISATION_WORDS)
        self._commission = {k: [s for s in v if s.role in ("heading", "description")]
                            for k, v in statements.commission.items()}
        self._text = {k: m.title + " " + " ".join(s.flat for s in self._commission.get(k, []))
                      for k, m in statements.measures.items()}
        own: dict[MeasureKey, list] = {}
        for s in statements.sentences:
            for key in s.measures:
                own.setdefault(key, []).append(s)
        self._own = own
        # Each measure's stored sentence rows (all its own, and each administration's), so
        # one product with the question serves all.
        self._rows: dict[MeasureKey, tuple[list[int], list[int]]] = {}
        self._rows_of: dict[tuple[MeasureKey, str], list[int]] = {}
        for k in statements.measures:
            sentences = own.get(k, [])
            rows = meaning.rows(sentences)
            for s, r in zip(sentences, rows, strict=True):
                if r >= 0:
                    self._rows_of.setdefault((k, s.administration), []).append(r)
            self._rows[k] = ([r for r in meaning.rows(self._commission.get(k, [])) if r >= 0],
                             [r for r in rows if r >= 0])

    def run(self, question: str, topic: list[str], query: np.ndarray | None,
            passage_measures: dict[MeasureKey, float], allowed: set[MeasureKey],
            administrations: tuple[str, ...] = ()) -> Resolved:
        candidates = [k for k in self.statements.measures if k in allowed]
        if not candidates:
            return Resolved()
        titled = sorted(((self._titles.score(self.statements.measures[k], question), k)
                         for k in candidates), reverse=True)
        if titled and titled[0][0] >= TITLE_MATCH:
            close = [k for s, k in titled if s >= titled[0][0] - 0.05]
            if len(close) <= 2:
                return Resolved(close, "title", titled[0][0])
        if query is None or not self.meaning.available or not topic:
            return Resolved()
        scored = []
        every = self.meaning.all_cosines(query)
        for key in candidates:
            rows_described, rows_own = self._rows.get(key, ([], []))
            described, own = every[rows_described], every[rows_own]
            score = (float(described.max()) if len(described) else 0.0) \
                + (float(np.sort(own)[-3:].mean()) if len(own) else 0.0) \
                + LEXICAL * self.wording.coverage(topic, self._text[key]) \
                + VOTE * passage_measures.get(key, 0.0)
            scoped = [r for a in administrations for r in self._rows_of.get((key, a), [])]
            if scoped:
                score += SCOPED * float(every[scoped].max())
            scored.append((score, key))
        scored.sort(reverse=True)
        best = scored[0][0]
        lead = best - scored[1][0] if len(scored) > 1 else 1.0
        # Only the best measure: naming a close second too made lists mix two measures.
        # The next ones are kept to be offered to the user when the lead is small.
        return Resolved([scored[0][1]], "meaning", round(lead, 4),
                        {k: score for score, k in scored},
                        [k for _, k in scored[1:1 + RUNNERS_UP]] if lead < UNSURE_LEAD else [])
