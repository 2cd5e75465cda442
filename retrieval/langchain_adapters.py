"""Nämndsvar's retrieval for LangChain: the hybrid search as a `BaseRetriever`, the
embedder as `Embeddings`, so a user's own chain can use them (and the LLM mode does).

Each `Document` is one passage (an administration's whole block on a measure) with the
fields a citation needs in its metadata: administration, committee, report, measures,
line span, page, source and the chunk ids that identify it in the index.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.embed import Embedder
from retrieval.index import OpenIndex
from retrieval.search import Filters, Passage, Searcher


def citation_label(passage: Passage) -> str:
    """"Skärholmen (Skärholmens stadsdelsnämnd), Stad i samverkan, åtgärd 4.1.1, rad 10–20,
    s. 4" – who said it and where, as the app and the CLI show it."""
    data = passage.as_dict()
    parts = [f"{data['administration']} ({data['committee']})"]
    if data["report"]:
        parts.append(data["report"])
    if data["measure"]:
        parts.append(f"åtgärd {data['measure']}")
    parts.append(f"rad {data['line_start']}–{data['line_end']}")
    page = data["page"] or data["page_approx"]
    if page:
        parts.append(f"s. {page}" if data["page"] else f"ca s. {page}")
    return ", ".join(parts)


def passage_document(passage: Passage) -> Document:
    metadata = {k: v for k, v in passage.as_dict().items() if k != "text"}
    metadata["citation"] = citation_label(passage)
    return Document(page_content=passage.text, metadata=metadata, id=passage.id)


def passages_from_documents(documents: list[Document], index: OpenIndex) -> list[Passage]:
    """The passages behind documents this retriever returned (by their chunk ids)."""
    out: list[Passage] = []
    for doc in documents:
        ids = doc.metadata.get("chunk_ids") or []
        parts = [index.chunks[index.position[i]] for i in ids if i in index.position]
        if parts:
            out.append(Passage(parts, float(doc.metadata.get("score", 0.0))))
    return out


class NamndsvarRetriever(BaseRetriever):
    """Hybrid search (dense + BM25 words + BM25 4-grams, steered by the question)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Searcher
    k: int = 6
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.searcher.search(query, k=self.k, filters=self.filters)
        return [passage_document(p) for p in result.passages]


class NamndsvarEmbeddings(Embeddings):
    """The index's own embedder (e5 prefixes applied) as LangChain Embeddings."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed_passages(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.embedder.embed_query(text)))


def retriever_for(service: Any, *, k: int = 6, filters: Filters | None = None
                  ) -> NamndsvarRetriever:
    """A retriever over a `Service`'s index (the same search the app uses)."""
    return NamndsvarRetriever(searcher=service.searcher, k=k, filters=filters)
