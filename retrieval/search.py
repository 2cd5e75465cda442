"""Hybrid search: dense (Chroma) and Swedish lexical (BM25 words, BM25 n-grams), fused by
weighted reciprocal rank, steered by what the question names."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ingest.models import OWN_ROLES, Chunk
from ingest.settings import DEFAULT_FUSION, FUSION_WEIGHTS, Settings
from retrieval.index import OpenIndex
from retrieval.understand import Detected, Vocabulary, understand


@dataclass
class Filters:
    """Hard restrictions chosen by the user (sidebar, CLI), never guessed."""

    administrations: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)  # numbers
    sources: list[str] = field(default_factory=list)

    def allows(self, chunk: Chunk) -> bool:
        if self.administrations and chunk.administration not in self.administrations:
            return False
        if self.kinds and chunk.kind not in self.kinds:
            return False
        if self.sources and chunk.source not in self.sources:
            return False
        if self.reports and chunk.report not in self.reports and not any(
            m.report in self.reports for m in chunk.measures
        ):
            return False
        return not self.measures or any(m.number in self.measures for m in chunk.measures)


@dataclass
class Passage:
    """One measure block (or prose group) of one administration: the chunks it was cut
    into for the embedder, back together, in document order."""

    parts: list[Chunk]
    score: float

    @property
    def first(self) -> Chunk:
        return self.parts[0]

    @property
    def id(self) -> str:
        return self.first.group or self.first.id

    @property
    def administration(self) -> str:
        return self.first.administration

    @property
    def source(self) -> str:
        return self.first.source

    @property
    def start(self) -> int:
        return self.first.start

    @property
    def end(self) -> int:
        return self.parts[-1].end

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.parts)

    @property
    def segments(self) -> list:
        return [s for c in self.parts for s in c.segments]

    @property
    def roles(self) -> list[str]:
        return sorted({r for c in self.parts for r in c.roles})

    @property
    def page(self) -> int | None:
        return next((c.page for c in self.parts if c.page is not None), None)

    def as_dict(self) -> dict:
        c = self.first
        first = c.measures[0] if c.measures else None
        return {
            "id": self.id,
            "text": self.text,
            "administration": c.administration,
            "kind": c.kind,
            "committee": c.committee,
            "report": c.report,
            "measure": first.number if first else None,
            "measure_title": c.measure_titles.get(first.number) if first else None,
            "measures": [
                {"report": m.report, "number": m.number, "title": c.measure_titles.get(m.number),
                 "link": m.source}
                for m in c.measures
            ],
            "page": self.page,
            "page_approx": c.page_approx,
            "line_start": c.line_start,
            "line_end": self.parts[-1].line_end,
            "source": c.source,
            "roles": self.roles,
            "chunk_ids": [p.id for p in self.parts],
            "score": round(self.score, 6),
        }


@dataclass
class SearchResult:
    question: str
    detected: Detected
    passages: list[Passage]
    timings_ms: dict[str, float]

    def as_dict(self) -> dict:
        return {"question": self.question, "detected": self.detected.as_dict(),
                "passages": [p.as_dict() for p in self.passages],
                "timings_ms": self.timings_ms}


@dataclass(frozen=True)
class Weights:
    dense: float
    words: float
    ngrams: float
    rrf_k: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> Weights:
        dense, words, ngrams = FUSION_WEIGHTS.get(settings.embedding_model, DEFAULT_FUSION)
        pick = [w if w is not None else d for w, d in (
            (settings.dense_weight, dense), (settings.lexical_weight, words),
            (settings.ngram_weight, ngrams))]
        return cls(*pick, settings.rrf_k)


# A passage holding only the commission's text (description, ongoing work, who is
# responsible) is not the administration's position; rank it below its own words.
COMMISSION_ONLY_FACTOR = 0.6
QUERY_CACHE = 512  # question vectors kept (oldest dropped first)


class Searcher:
    def __init__(self, index: OpenIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.vocab = Vocabulary(index.chunks)
        self.weights = Weights.from_settings(settings)
        self._kinds = np.array([c.kind for c in index.chunks])
        self._own = np.array([bool(OWN_ROLES & set(c.roles)) or "no_statement" in c.roles
                              for c in index.chunks])
        self._no_statement = np.array(["no_statement" in c.roles for c in index.chunks])
        self._admins = np.array([c.administration for c in index.chunks])
        # Per-query work stays in numpy: at 100 sources a Python loop over every chunk
        # would cost more than the search itself.
        by_measure: dict[tuple[str, str], list[int]] = {}
        for i, c in enumerate(index.chunks):
            for m in c.measures:
                by_measure.setdefault((m.report, m.number), []).append(i)
        self._by_measure = {key: np.array(rows) for key, rows in by_measure.items()}
        self._query_vectors: dict[str, np.ndarray] = {}

    def _allowed(self, filters: Filters) -> np.ndarray:
        chunks = self.index.chunks
        if filters == Filters():
            return np.ones(len(chunks), dtype=bool)
        return np.array([filters.allows(c) for c in chunks])

    def search(self, question: str, *, k: int = 10, filters: Filters | None = None,
               weights: Weights | None = None) -> SearchResult:
        t0 = time.perf_counter()
        filters = filters or Filters()
        weights = weights or self.weights
        detected = understand(question, self.vocab)
        chunks = self.index.chunks
        allowed = self._allowed(filters)
        t1 = time.perf_counter()

        fused = np.zeros(len(chunks))
        timings: dict[str, float] = {"understand": (t1 - t0) * 1000}
        if weights.dense:
            ranks = self._dense_ranks(question, detected, filters)
            fused += _rrf(ranks, weights.dense, weights.rrf_k, len(chunks))
        t2 = time.perf_counter()
        timings["dense"] = (t2 - t1) * 1000
        for kind, weight in (("words", weights.words), ("ngrams", weights.ngrams)):
            if weight:
                scores = self.index.lexical[kind].scores(question)
                fused += _rrf(_ranks_from_scores(scores), weight, weights.rrf_k, len(chunks))
        timings["lexical"] = (time.perf_counter() - t2) * 1000

        fused = self._steer(fused, detected)
        fused[~allowed] = -np.inf
        order = [int(i) for i in np.argsort(-fused, kind="stable") if np.isfinite(fused[i])]
        if detected.intent in ("list", "no_statement") and not detected.administrations:
            order = self._one_per_administration(order, detected)
            k = max(k, len(order))
        passages = self._passages(order, fused, k)
        timings["total"] = (time.perf_counter() - t0) * 1000
        return SearchResult(question, detected, passages,
                            {key: round(v, 2) for key, v in timings.items()})

    # -- scoring ------------------------------------------------------------------------
    def _dense_ranks(self, question: str, detected: Detected,
                     filters: Filters) -> dict[int, int]:
        where = _where(filters, detected)
        n = min(self.index.collection.count(), max(self.settings.candidates, 200))
        vector = self.query_vector(question)
        result = self.index.collection.query(query_embeddings=[vector], n_results=n,
                                             where=where, include=[])
        position = self.index.position
        return {position[cid]: rank for rank, cid in enumerate(result["ids"][0])
                if cid in position}

    def forget_questions(self) -> None:
        """Drop the cached question vectors (the benchmark times new questions)."""
        self._query_vectors.clear()

    def query_vector(self, question: str) -> np.ndarray:
        """The question's vector; an answer may search the same question more than once."""
        vector = self._query_vectors.get(question)
        if vector is None:
            vector = np.asarray(self.index.embedder.embed_query(question), dtype=np.float32)
            if len(self._query_vectors) >= QUERY_CACHE:
                self._query_vectors.pop(next(iter(self._query_vectors)))
            self._query_vectors[question] = vector
        return vector

    def _steer(self, fused: np.ndarray, detected: Detected) -> np.ndarray:
        """Apply what the question names: its administrations first, its measures up."""
        fused = fused.copy()
        fused[~self._own] *= COMMISSION_ONLY_FACTOR
        if detected.measures:
            hit = np.zeros(len(fused), dtype=bool)
            for key in set(detected.measures):
                if key in self._by_measure:
                    hit[self._by_measure[key]] = True
            fused[hit] *= 1.0 + self.settings.named_admin_boost
        if detected.kinds and detected.intent in ("list", "no_statement"):
            fused[~np.isin(self._kinds, detected.kinds)] = -np.inf
        if detected.intent == "no_statement":
            fused[self._no_statement] += 1.0  # the "Skrivelse saknas." passages are the answer
        if detected.administrations:
            # Named administrations strictly first: another administration's passage may
            # follow, never precede, while the named one has any passage.
            fused[np.isin(self._admins, list(detected.administrations))] += 10.0
        return fused

    def _passages(self, order: list[int], fused: np.ndarray, k: int) -> list[Passage]:
        """Ranked chunks to ranked passages: each group once, at its best chunk's rank."""
        passages: list[Passage] = []
        seen: set[str] = set()
        for i in order:
            chunk = self.index.chunks[i]
            key = chunk.group or chunk.id
            if key in seen:
                continue
            seen.add(key)
            parts = [self.index.chunks[j] for j in self.index.groups.get(key, [i])]
            passages.append(Passage(parts, float(fused[i])))
            if len(passages) >= k:
                break
        return passages

    def _one_per_administration(self, order: list[int], detected: Detected) -> list[int]:
        seen: set[str] = set()
        best: list[int] = []
        for i in order:
            chunk = self.index.chunks[i]
            if detected.intent == "no_statement" and not self._no_statement[i]:
                continue
            if chunk.administration not in seen:
                seen.add(chunk.administration)
                best.append(i)
        return best


def _where(filters: Filters, detected: Detected) -> dict | None:
    clauses: list[dict] = []
    if filters.administrations:
        clauses.append({"administration": {"$in": filters.administrations}})
    if filters.kinds:
        clauses.append({"kind": {"$in": filters.kinds}})
    if filters.sources:
        clauses.append({"source": {"$in": filters.sources}})
    if detected.administrations and not filters.administrations:
        clauses.append({"administration": {"$in": detected.administrations}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _ranks_from_scores(scores: np.ndarray) -> dict[int, int]:
    order = np.argsort(-scores, kind="stable")
    return {int(i): rank for rank, i in enumerate(order) if scores[i] > 0}


def _rrf(ranks: dict[int, int], weight: float, k: int, n: int) -> np.ndarray:
    """Weighted reciprocal rank fusion term: weight / (k + rank), rank from 1."""
    out = np.zeros(n)
    for i, rank in ranks.items():
        out[i] = weight / (k + rank + 1)
    return out
