"""Sentence meaning: the cosine of a question with the stored sentence vectors.

The vectors are computed at build time (ingest.sentence_vectors); an index built without
them gives every sentence the same score, so wording and structure decide alone."""

from __future__ import annotations

import numpy as np

from ingest.sentence_vectors import SentenceVectors
from retrieval.statements import Sentence


class Meaning:
    def __init__(self, vectors: SentenceVectors | None) -> None:
        self.vectors = vectors
        # The last question's cosines with every sentence (the query kept alive so that
        # its id is not reused); one question asks for them several times.
        self._last: tuple[int, np.ndarray, np.ndarray] | None = None

    @property
    def available(self) -> bool:
        return self.vectors is not None and len(self.vectors) > 0

    def rows(self, sentences: list[Sentence]) -> list[int]:
        """Row of each sentence (-1 where it has none)."""
        if self.vectors is None:
            return [-1] * len(sentences)
        found = (self.vectors.row(s.source, s.start, s.end) for s in sentences)
        return [-1 if r is None else r for r in found]

    def all_cosines(self, query: np.ndarray) -> np.ndarray:
        """The query's cosine with every stored sentence (one product; row order)."""
        if self.vectors is None:
            return np.zeros(0, dtype=np.float32)
        key = id(query)
        if self._last is None or self._last[0] != key:
            self._last = (key, query, np.asarray(self.vectors.vectors) @ np.asarray(
                query, dtype=np.float32))
        return self._last[2]

    def cosines(self, sentences: list[Sentence], query: np.ndarray | None) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        if query is None or self.vectors is None:
            return np.zeros(len(sentences), dtype=np.float32)
        rows = self.rows(sentences)
        have = [i for i, r in enumerate(rows) if r >= 0]
        out = np.zeros(len(sentences), dtype=np.float32)
        if have:
            sims = self.vectors.similarities(query, [rows[i] for i in have])
            out[have] = sims
            # A sentence without a vector scores as the weakest one that has one.
            missing = [i for i, r in enumerate(rows) if r < 0]
            if missing:
                out[missing] = float(sims.min())
        return out
