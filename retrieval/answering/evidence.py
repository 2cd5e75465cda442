"""Sentence-level evidence: the candidate sentences of a plan's scope ranked by meaning,
wording and structure.

score = cosine(question, sentence)                      (meaning, sentence vectors)
      + WORDING × topic-word coverage                   (stems, compounds)
      + PASSAGE × 1 / (1 + rank of its passage)         (the hybrid search's ranking)
      + ON_MEASURE where the sentence is on a measure the plan names
      - FRAGMENT_PENALTY for a list introduction or a heading fragment
      - TEMPLATE_PENALTY for the annex's template text (shared, on no measure)
      - REPORTED_PENALTY for a sentence that retells the commission's text

Measured on the blind development half (`python -m tools.measure_signals`: 47 position,
fact, compare and follow-up questions; the key's evidence sentence among all of its
administration's own sentences, ranked first / in the top 3): meaning alone 0.36 / 0.68,
wording alone 0.19 / 0.38, meaning + wording 0.38 / 0.60, + the passage's rank 0.55 /
0.77. Answers therefore quote the best two or three sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.text.reported import reports_the_commission
from retrieval.answering.meaning import Meaning
from retrieval.answering.wording import AnswerType, Wording
from retrieval.statements import MeasureKey, Sentence

WORDING = 0.2
PASSAGE = 0.2
ON_MEASURE = 0.05
# A sentence that only introduces a list ("Information ges inom följande områden:") or is
# a heading left in the prose ("Stockholms stad och civilsamhället.") says nothing alone.
# Measured: no change to the evidence ranks on the development half (first 0.553, top 3
# 0.766 with or without it); it keeps such fragments out of the quotes. A penalty on
# sentences summing up the reports was tried too and dropped: it demoted evidence (first
# 0.532, top 3 0.745).
FRAGMENT_PENALTY = 0.05
FRAGMENT_WORDS = 5
# A number or time question is answered by a sentence with a number or date that also
# holds this share of the question's topic words ("När öppnade Älvsjö sitt
# medborgarkontor?" is not answered by a date in a sentence on the budget).
FACT_WORDING = 0.1
# ... or, for a number (which must still stand near a topic word), be among this many of
# the candidates closest to the question in meaning. Not for a time: any dated sentence
# near in meaning would answer "När invigde Bromma sin nya simhall?".
MEANING_TOP = 3
# The annex's template: a sentence that another administration writes all but word for
# word (cosine of the sentence vectors at least TEMPLATE_COSINE) and that is on no measure
# ("I rapporterna beskrivs … åtgärder som staden kan vidta i syfte att minska skillnader i
# livsvillkor.") introduces the reports; it answers nothing. Shared sentences on a measure
# stay: Norrmalm and Södermalm state the same positions in the same words. Three blind
# development halves, evidence first / top 3: 0.553/0.766, 0.42/0.54, 0.37/0.519 without;
# 0.553/0.787, 0.44/0.60, 0.37/0.519 with (penalty 0.1, 0.2 the same; at 0.90 set 3's top 3
# fell to 0.50, at 0.95 set 2's first stayed 0.42). No answer's score changed.
TEMPLATE_COSINE = 0.93
TEMPLATE_PENALTY = 0.1
# A sentence retelling the commission's text ("Kommissionen föreslår att lokal
# omvärldsbevakning ska initieras …", ingest.text.reported) is not the administration's
# view; its own sentence after it is. 31 of the annex's 658 own sentences, none a stance's
# trigger. Three blind development halves, evidence top 3: 0.787 -> 0.809, 0.60 -> 0.62,
# 0.519 -> 0.537 (first unchanged; at 0.1 only set 1 moved); answers: a compare quotes
# Hässelby-Vällingby's own "bevakar dagligen sociala medier" instead of the commission's
# proposal it retells; one follow-up's stance lost (set 2's dev half, Älvsjö on 6.5.3).
REPORTED_PENALTY = 0.2


@dataclass(frozen=True)
class Evidence:
    sentence: Sentence
    score: float
    meaning: float
    wording: float
    fits: bool  # holds the asked kind of answer (a number, a time)


def template_sentences(sentences: list[Sentence], meaning: Meaning,
                       threshold: float = TEMPLATE_COSINE) -> frozenset[tuple[str, int]]:
    """(source, start) of the sentences on no measure that another administration's
    sentence matches in meaning at `threshold` or closer."""
    rows = meaning.rows(sentences)
    have = [i for i, r in enumerate(rows) if r >= 0]
    if meaning.vectors is None or len(have) < 2:
        return frozenset()
    vectors = np.asarray(meaning.vectors.vectors)[[rows[i] for i in have]]
    admins = np.array([sentences[i].administration for i in have])
    found = set()
    for j, i in enumerate(have):
        s = sentences[i]
        if s.measures:
            continue
        others = admins != admins[j]
        if others.any() and float((vectors[others] @ vectors[j]).max()) >= threshold:
            found.add((s.source, s.start))
    return frozenset(found)


class EvidenceRanker:
    def __init__(self, meaning: Meaning, wording: Wording,
                 template: frozenset[tuple[str, int]] = frozenset()) -> None:
        self.meaning = meaning
        self.wording = wording
        self.template = template

    def run(self, sentences: list[Sentence], *, query: np.ndarray | None, topic: list[str],
            passage_rank: dict[str, int], measures: list[MeasureKey] | None = None,
            wanted: AnswerType = "any", question: str = "", broad: bool = False,
            about: frozenset[str] = frozenset()) -> list[Evidence]:
        """The sentences best first (ties in document order). `broad`: the candidates are
        a whole section or more, not one measure's text, so a fact must also match the
        topic's words (FACT_WORDING), or stand in a passage of `about` (for a follow-up, the
        passages the previous answer cited: "När ska det vara på plats?")."""
        if not sentences:
            return []
        cos = self.meaning.cosines(sentences, query)
        # The few closest in meaning may answer a number in other words than the
        # question's ("förortsområden" for "ytterstadsområden").
        closest = set(np.argsort(-np.asarray(cos), kind="stable")[:MEANING_TOP].tolist()) \
            if broad and wanted in ("money", "number") else set()
        out = []
        wanted_measures = set(measures or ())
        for i, (s, c) in enumerate(zip(sentences, cos, strict=True)):
            words = self.wording.coverage(topic, s.text) if topic else 0.0
            rank = passage_rank.get(s.group)
            score = float(c) + WORDING * words \
                + (PASSAGE / (1 + rank) if rank is not None else 0.0) \
                + (ON_MEASURE if wanted_measures & set(s.measures) else 0.0) \
                - (FRAGMENT_PENALTY if fragment(s.flat) else 0.0) \
                - (TEMPLATE_PENALTY if (s.source, s.start) in self.template else 0.0) \
                - (REPORTED_PENALTY if reports_the_commission(s.text) else 0.0)
            fits = self.wording.fits(s.text, wanted, question) and (
                not broad or wanted not in ("money", "number", "time") or not topic
                or words >= FACT_WORDING or i in closest or s.group in about) and (
                not broad or wanted not in ("money", "number")
                or self.wording.number_near_topic(s.text, topic)
                or self.wording.one_counted(s.text, question))
            out.append(Evidence(s, score, float(c), words, fits))
        order = sorted(range(len(out)), key=lambda i: (-out[i].score, i))
        return [out[i] for i in order]


def fragment(text: str) -> bool:
    """A heading or a list's lead-in ("Stockholms stad och civilsamhället.", "… följande:")."""
    return text.rstrip().endswith(":") or len(text.split()) < FRAGMENT_WORDS
