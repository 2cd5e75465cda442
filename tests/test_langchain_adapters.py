"""Nämndsvar's retrieval inside a user's own LangChain chain (LCEL), with fakes."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from retrieval.langchain_adapters import (
    NamndsvarEmbeddings,
    passages_from_documents,
    retriever_for,
)
from retrieval.search import Filters

QUESTION = "Vad tycker Skärholmen om lotsar för föreningar?"


def test_retriever_returns_passages_with_citation_metadata(fake_service) -> None:
    docs = retriever_for(fake_service, k=4).invoke(QUESTION)
    assert 1 <= len(docs) <= 4 and all(isinstance(d, Document) for d in docs)
    first = docs[0]
    # The named administration comes first, and the document carries what a citation needs.
    assert first.metadata["administration"] == "Skärholmen"
    for key in ("committee", "report", "measure", "line_start", "line_end", "source",
                "chunk_ids", "citation"):
        assert key in first.metadata, key
    assert first.metadata["citation"].startswith("Skärholmen (")
    assert f"rad {first.metadata['line_start']}" in first.metadata["citation"]
    # The text is the passage as the index holds it, and it maps back to the passage.
    passages = passages_from_documents(docs, fake_service.index)
    assert [p.id for p in passages] == [d.id for d in docs]
    assert passages[0].text == first.page_content


def test_retriever_applies_filters(fake_service) -> None:
    docs = retriever_for(fake_service, k=5, filters=Filters(administrations=["Bromma"])
                         ).invoke("föreningsbidrag")
    assert docs and {d.metadata["administration"] for d in docs} == {"Bromma"}


def test_lcel_chain_over_the_retriever_with_a_fake_chat_model(fake_service) -> None:
    seen: list[str] = []

    def context(docs: list[Document]) -> str:
        return "\n\n".join(f"[{n}] {d.metadata['citation']}\n{d.page_content}"
                           for n, d in enumerate(docs, start=1))

    def record(prompt_value):
        seen.append(prompt_value.to_string())
        return prompt_value

    prompt = ChatPromptTemplate.from_messages([
        ("system", "Svara bara utifrån avsnitten och hänvisa med [n]."),
        ("human", "Avsnitt:\n{context}\n\nFråga: {question}"),
    ])
    model = FakeListChatModel(responses=["Skärholmen är positiv till lotsar [1]."])
    chain = ({"context": retriever_for(fake_service, k=3) | RunnableLambda(context),
              "question": RunnablePassthrough()}
             | prompt | RunnableLambda(record) | model | StrOutputParser())
    out = chain.invoke(QUESTION)
    assert out == "Skärholmen är positiv till lotsar [1]."
    # The chat model was given the question and Skärholmen's passage as [1].
    assert len(seen) == 1 and QUESTION in seen[0]
    assert "[1] Skärholmen (" in seen[0]


def test_embeddings_wrap_the_index_embedder(fake_service) -> None:
    embeddings = NamndsvarEmbeddings(fake_service.index.embedder)
    docs = embeddings.embed_documents(["lotsar", "föreningsbidrag"])
    query = embeddings.embed_query("lotsar")
    assert len(docs) == 2 and len(query) == fake_service.index.embedder.dimension
    assert all(isinstance(x, float) for x in query)
    assert docs[0] == query  # the hash fake has no prefixes: same text, same vector
