"""Swedish lexical indexes: BM25 over stemmed words, and over word-internal n-grams.

Stemming handles inflection ("lotsar" ~ "lots"); the n-grams handle compounds, which
stemming cannot: "praktikbank" shares "prak", "rakt", "bank" with "bank med praktikplatser".
"""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from ingest.text.words import STOPWORDS, stems, words

NGRAM = 4


def word_tokens(text: str) -> list[str]:
    return stems(text, drop=STOPWORDS)


def ngram_tokens(text: str, n: int = NGRAM) -> list[str]:
    """Character n-grams inside each content word, with word-edge markers."""
    grams: list[str] = []
    for w in words(text):
        if w in STOPWORDS or w.isdigit():
            continue
        padded = f"^{w}$"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


TOKENIZERS = {"words": word_tokens, "ngrams": ngram_tokens}


class LexicalIndex:
    """One BM25 index over one token representation of the chunks."""

    def __init__(self, kind: str, retriever: bm25s.BM25) -> None:
        self.kind = kind
        self._retriever = retriever
        self._tokenize = TOKENIZERS[kind]
        self._vocab = set(getattr(retriever, "vocab_dict", {}) or {})

    @classmethod
    def build(cls, kind: str, texts: list[str]) -> LexicalIndex:
        tokenize = TOKENIZERS[kind]
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(kind, retriever)

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory / self.kind), show_progress=False)

    @classmethod
    def load(cls, directory: Path, kind: str) -> LexicalIndex:
        return cls(kind, bm25s.BM25.load(str(directory / kind)))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where nothing matches)."""
        tokens = [t for t in self._tokenize(query) if t in self._vocab]
        if not tokens:
            return np.zeros(self._retriever.scores["num_docs"], dtype=np.float32)
        return self._retriever.get_scores(tokens)
