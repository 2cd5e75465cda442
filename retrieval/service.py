"""The product behind the CLI and the app: one object built from settings.

Heavy parts (index, embedding model, chat model) are built once here and passed in, so
the app can cache this object and tests can hand it fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.embed import Embedder
from ingest.errors import FilterError
from ingest.models import Chunk, Measure
from ingest.settings import Settings
from retrieval.answer import Answer
from retrieval.answering import OfflineAnswerer
from retrieval.index import OpenIndex, open_index
from retrieval.search import Filters, Searcher, SearchResult
from retrieval.stance import Stance, stance_matrix
from retrieval.statements import Statements
from retrieval.understand import Vocabulary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdministrationInfo:
    name: str
    kind: str
    committee: str
    has_statement: bool
    source: str


class Service:
    def __init__(self, settings: Settings, index: OpenIndex, chat_model=None) -> None:
        self.settings = settings
        self.index = index
        self.searcher = Searcher(index, settings)
        self.statements = Statements(index)
        self.offline = OfflineAnswerer(self.searcher, self.statements)
        self.chat_model = chat_model
        log.info("service ready: %d chunks, %d own sentences, sources %s",
                 len(index.chunks), len(self.statements.sentences), ", ".join(index.sources))
        self._stances: list[Stance] | None = None
        # What a filter may name (check_filters), collected once rather than per question.
        self._known: dict[str, tuple[str, set[str]]] = {
            "källa": ("källor", set(index.sources)),
            "förvaltning": ("förvaltningar", {c.administration for c in index.chunks}),
            "delrapport": ("delrapporter", {r for r, _ in self.statements.measures}),
            "åtgärd": ("åtgärder", {n for _, n in self.statements.measures}),
        }

    @classmethod
    def from_settings(cls, settings: Settings, *, embedder: Embedder | None = None,
                      chat_model=None) -> Service:
        """Open the live index (IndexStateError / ModelError say how to fix a failure)."""
        return cls(settings, open_index(settings, embedder=embedder), chat_model)

    # -- questions ------------------------------------------------------------------------
    def search(self, question: str, *, k: int = 10, filters: Filters | None = None
               ) -> SearchResult:
        self.check_filters(filters)
        return self.searcher.search(question, k=k, filters=filters)

    def ask(self, question: str, *, filters: Filters | None = None,
            mode: str = "offline", previous: Sequence[str] = ()) -> Answer:
        """Answer offline, or through the chat model when one is configured and asked for;
        the LLM path falls back to the offline answer with a visible notice. `previous`:
        for a follow-up, the passage ids the previous answer cited (what "det" points at)."""
        self.check_filters(filters)
        if mode == "llm" and self.chat_model is not None:
            from retrieval.llm import LLMAnswerer

            return LLMAnswerer(self.offline, self.chat_model, self.settings).answer(
                question, filters=filters, previous=previous)
        answer = self.offline.answer(question, filters=filters, previous=previous)
        if mode == "llm":
            answer.notices.append("Ingen språkmodell är inställd; offline-svaret visas.")
        return answer

    def check_filters(self, filters: Filters | None) -> None:
        """A filter on a name the index lacks would silently match nothing: say so."""
        if filters is None:
            return
        asked = {"källa": filters.sources, "förvaltning": filters.administrations,
                 "delrapport": filters.reports, "åtgärd": filters.measures}
        for kind, names in asked.items():
            plural, have = self._known[kind]
            if unknown := [x for x in names if x not in have]:
                raise FilterError(f"Okänd {kind} i filtret: {', '.join(unknown)}. "
                                  f"Indexet har dessa {plural}: {', '.join(sorted(have))}.")

    def answer_dict(self, answer: Answer) -> dict:
        return answer.as_dict(self.index.layouts)

    # -- the document ---------------------------------------------------------------------
    def stances(self) -> list[Stance]:
        if self._stances is None:
            self._stances = stance_matrix(self.statements)
        return self._stances

    def administrations(self) -> list[AdministrationInfo]:
        seen: dict[tuple[str, str], list[Chunk]] = {}
        for chunk in self.index.chunks:
            seen.setdefault((chunk.source, chunk.administration), []).append(chunk)
        return [
            AdministrationInfo(admin, chunks[0].kind, chunks[0].committee,
                               not all("no_statement" in c.roles for c in chunks), source)
            for (source, admin), chunks in seen.items()
        ]

    def measures(self) -> list[Measure]:
        return sorted(self.statements.measures.values(),
                      key=lambda m: (m.report, [int(p) for p in m.number.split(".")]))

    @property
    def vocab(self) -> Vocabulary:
        return self.searcher.vocab

    @property
    def sources(self) -> list[str]:
        return self.index.sources

    def section_chunks(self, administration: str, source: str | None = None) -> list[Chunk]:
        """An administration's whole section, in document order (for the document view)."""
        return [c for c in self.index.chunks if c.administration == administration
                and (source is None or c.source == source)]
