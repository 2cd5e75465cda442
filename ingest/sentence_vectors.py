"""Sentences of the indexed text and their vectors, computed once at build time.

Answers rank candidate sentences by meaning: every sentence of every chunk (the
administrations' own answers and prose, and the commission's text quoted beside them) is
embedded when the index is built and stored with it as one float32 matrix, so that
search and the answerer read a sentence's vector by its span, with no store round trip.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ingest.layout import Layout
from ingest.models import Chunk
from ingest.text import normalize_ws
from ingest.text.sentences import quote_spans

RECORDS = "sentences.jsonl"  # one line per sentence: source, chunk, role, span, text
VECTORS = "sentence_vectors.npy"  # row i: the vector of line i


@dataclass(frozen=True)
class SentenceRecord:
    """One sentence as stored with the index; row i of the vector matrix is its vector."""

    source: str
    chunk_id: str
    role: str
    start: int
    end: int
    text: str  # whitespace-normalised, as embedded


def collect_sentences(chunks: list[Chunk], layouts: dict[str, Layout]) -> list[SentenceRecord]:
    out: list[SentenceRecord] = []
    seen: set[tuple[str, int, int]] = set()
    for chunk in chunks:
        layout = layouts[chunk.source]
        for segment in chunk.segments:
            for start, end in quote_spans(layout.unmarked, segment.start, segment.end):
                if (chunk.source, start, end) in seen:
                    continue
                text = normalize_ws(layout.content(start, end))
                if text:
                    seen.add((chunk.source, start, end))
                    out.append(SentenceRecord(chunk.source, chunk.id, segment.role, start,
                                              end, text))
    return out


def write_sentences(directory: Path, records: list[SentenceRecord], vectors: np.ndarray
                    ) -> None:
    with (directory / RECORDS).open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    np.save(directory / VECTORS, np.asarray(vectors, dtype=np.float32))


class SentenceVectors:
    """The stored sentence vectors of one build, looked up by (source, start, end)."""

    def __init__(self, records: list[SentenceRecord], vectors: np.ndarray) -> None:
        if len(records) != len(vectors):
            raise ValueError(f"{len(records)} meningar men {len(vectors)} vektorer")
        self.records = records
        self.vectors = vectors
        self._row = {(r.source, r.start, r.end): i for i, r in enumerate(records)}

    @classmethod
    def load(cls, directory: Path) -> SentenceVectors | None:
        """None for a build made without sentence vectors."""
        if not (directory / VECTORS).exists():
            return None
        with (directory / RECORDS).open(encoding="utf-8") as f:
            records = [SentenceRecord(**json.loads(line)) for line in f if line.strip()]
        return cls(records, np.load(directory / VECTORS, mmap_mode="r"))

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def __len__(self) -> int:
        return len(self.records)

    def row(self, source: str, start: int, end: int) -> int | None:
        return self._row.get((source, start, end))

    def vector(self, source: str, start: int, end: int) -> np.ndarray | None:
        i = self.row(source, start, end)
        return None if i is None else np.asarray(self.vectors[i])

    def similarities(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        """Cosine of the query with the given rows (vectors are normalised)."""
        if not rows:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.vectors[rows]) @ np.asarray(query, dtype=np.float32)
