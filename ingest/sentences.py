"""Sentences of the indexed text and their vectors, computed once at build time.

Answers rank candidate sentences by meaning: every sentence of every chunk (the
administrations' own answers and prose, and the commission's text quoted beside them) is
embedded when the index is built and stored with it as one float32 matrix, so that
search and the answerer read a sentence's vector by its span, with no store round trip.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ingest.layout import Layout
from ingest.models import Chunk
from ingest.text import normalize_ws

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"”•A-ZÅÄÖ0-9])|\n\s*•\s*")
_LABEL = re.compile(r"^(Kommentar|Svar|Hantering)\s*:\s*")

RECORDS = "sentences.jsonl"
VECTORS = "sentence_vectors.npy"


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end]; a leading answer label is not part of the
    first sentence ("Kommentar: Nämnden …" quotes "Nämnden …")."""
    spans: list[tuple[int, int]] = []
    cursor = start
    label = _LABEL.match(text[start:end])
    if label:
        cursor = start + label.end()
    for m in _SENTENCE.finditer(text, cursor, end):
        if m.start() > cursor:
            spans.append((cursor, m.start()))
        cursor = m.end()
    if cursor < end:
        spans.append((cursor, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


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
            for start, end in sentence_spans(layout.text, segment.start, segment.end):
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
