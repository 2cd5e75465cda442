"""Several annexes in one index: each chunk keeps its source, and a source filter holds.

Two copies of the annex under different names ("bilaga_2016.txt", "bilaga_2017.txt") are
built in-process with the hash embedder: same text, so any answer drawn from the wrong
copy shows up as a wrong `source`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import HashEmbedder

from ingest.build import BuildSummary, build_index, current_build
from ingest.errors import FilterError
from ingest.records import read_chunks
from ingest.settings import DEFAULT_ANNEX, PROJECT_ROOT, Settings
from retrieval import __main__ as cli
from retrieval import service as service_module
from retrieval.index import OpenIndex, open_index
from retrieval.search import Filters
from retrieval.service import Service

FIRST, SECOND = "bilaga_2016.txt", "bilaga_2017.txt"
PROBE = "Vad tycker Skärholmen om lotsar?"
QUESTIONS = [
    PROBE,
    "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?",
    "Vilka stadsdelsnämnder har inte lämnat någon skrivelse?",
    "Hur ser Skärholmens stadsdelsnämnd på att göra Fokus Skärholmen till ett profilprojekt "
    "(6.1.3)?",
    "Vilka förvaltningar nämner projektet Samverkan Östberga?",
    "Har Bromma lämnat någon skrivelse?",
]


class Built:
    def __init__(self, folder: Path) -> None:
        self.paths = []
        for name in (FIRST, SECOND):
            path = folder / name
            path.write_bytes(DEFAULT_ANNEX.read_bytes())
            self.paths.append(path)
        self.embedder = HashEmbedder()
        self.settings = Settings(index_dir=folder / "index",
                                 embedding_model=self.embedder.name)
        self.summary: BuildSummary = build_index(self.paths, self.settings,
                                                 embedder=self.embedder)
        self.service = Service.from_settings(self.settings, embedder=self.embedder)

    @property
    def build_dir(self) -> Path:
        return self.settings.index_dir / "builds" / self.summary.build_id


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("multi"))


# -- the build ------------------------------------------------------------------------------
def test_chunks_carry_their_source(built: Built) -> None:
    chunks = read_chunks(built.build_dir / "chunks.jsonl")
    by_source = Counter(c.source for c in chunks)
    assert set(by_source) == {FIRST, SECOND}
    assert by_source[FIRST] == by_source[SECOND] == len(chunks) // 2
    assert len({c.id for c in chunks}) == len(chunks), "ids must differ between sources"
    first = [c for c in chunks if c.source == FIRST]
    second = [c for c in chunks if c.source == SECOND]
    assert [c.text for c in first] == [c.text for c in second]
    assert {c.group for c in first}.isdisjoint({c.group for c in second})
    # the vector store carries the source too (the dense filter relies on it)
    collection = built.service.index.collection
    for name, own in ((FIRST, first), (SECOND, second)):
        got = collection.get(where={"source": name}, include=[])
        assert sorted(got["ids"]) == sorted(c.id for c in own)


def test_manifest_lists_both_sources_with_sha256(built: Built) -> None:
    manifest = json.loads((built.build_dir / "manifest.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256(DEFAULT_ANNEX.read_bytes()).hexdigest()
    assert [s["name"] for s in manifest["sources"]] == [FIRST, SECOND]
    for source in manifest["sources"]:
        assert source["sha256"] == sha
        assert source["administrations"] == 31
        assert source["chunks"] == manifest["chunks"] // 2
    assert built.summary.sources == [FIRST, SECOND]
    assert built.service.sources == [FIRST, SECOND]
    # each source's text travels with the build, for citations and the document view
    assert sorted(p.name for p in (built.build_dir / "sources").iterdir()) == [
        f"{FIRST}.json", f"{SECOND}.json"]
    assert set(built.service.index.layouts) == {FIRST, SECOND}


def test_administrations_are_listed_per_source(built: Built) -> None:
    infos = built.service.administrations()
    assert Counter(i.source for i in infos) == {FIRST: 31, SECOND: 31}
    assert {c.source for c in built.service.section_chunks("Farsta", SECOND)} == {SECOND}


# -- search ---------------------------------------------------------------------------------
@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("source", [FIRST, SECOND])
def test_source_filter_restricts_search(built: Built, question: str, source: str) -> None:
    result = built.service.search(question, filters=Filters(sources=[source]))
    assert result.passages, question
    assert {p.source for p in result.passages} == {source}
    assert all(c.source == source for p in result.passages for c in p.parts)


@pytest.mark.parametrize("question", [PROBE, "Vad säger Farsta om facilitatorer?"])
def test_without_a_filter_both_sources_appear(built: Built, question: str) -> None:
    result = built.service.search(question, k=10)
    assert {p.source for p in result.passages} == {FIRST, SECOND}
    both = built.service.search(question, k=10, filters=Filters(sources=[FIRST, SECOND]))
    assert [p.id for p in both.passages] == [p.id for p in result.passages]


def test_filter_on_an_unknown_name_is_refused_with_the_known_ones(built: Built) -> None:
    # An empty result would look like "the annex says nothing"; a typo must say so.
    unknown = Filters(sources=["finns-inte.txt"])
    for call in (built.service.search, built.service.ask):
        with pytest.raises(FilterError) as caught:
            call(PROBE, filters=unknown)
        message = str(caught.value)
        assert "finns-inte.txt" in message and FIRST in message and SECOND in message
    with pytest.raises(FilterError, match="Okänd förvaltning i filtret: Fasta"):
        built.service.ask(PROBE, filters=Filters(administrations=["Fasta"]))
    with pytest.raises(FilterError, match=r"Okänd åtgärd i filtret: 9\.9\.9"):
        built.service.search(PROBE, filters=Filters(measures=["9.9.9"]))
    with pytest.raises(FilterError, match="Okänd delrapport"):
        built.service.search(PROBE, filters=Filters(reports=["Stad i samverkn"]))
    # the searcher itself only filters; the names were checked at the service
    assert built.service.searcher.search(PROBE, filters=unknown).passages == []


# -- answers --------------------------------------------------------------------------------
@pytest.mark.parametrize("question", QUESTIONS)
def test_ask_with_a_filter_searches_only_that_source(built: Built, question: str) -> None:
    answer = built.service.ask(question, filters=Filters(sources=[SECOND]))
    assert answer.passages
    assert {p.source for p in answer.passages} == {SECOND}
    assert {p.source for p in answer.nearby} <= {SECOND}


def test_no_statement_answer_respects_the_filter(built: Built) -> None:
    question = "Vilka stadsdelsnämnder har inte lämnat någon skrivelse?"
    for source in (FIRST, SECOND):
        answer = built.service.ask(question, filters=Filters(sources=[source]))
        assert answer.grounded
        assert {c.passage.source for c in answer.citations} == {source}
        assert {c["source"] for c in built.service.answer_dict(answer)["citations"]} == {source}


@pytest.mark.parametrize("question", [q for q in QUESTIONS if "inte lämnat" not in q])
def test_ask_with_a_filter_cites_only_that_source(built: Built, question: str) -> None:
    answer = built.service.ask(question, filters=Filters(sources=[SECOND]))
    assert answer.grounded
    assert {c.passage.source for c in answer.citations} == {SECOND}


# -- identical passages in several sources ------------------------------------------------
class TiedCollection:
    """Stands in for Chroma where exact ties rank in any order: a query for a vector
    returns the other chunks with the same vector first (what HNSW may do)."""

    def __init__(self, chunks: list, embedder: HashEmbedder) -> None:
        self.chunks = chunks
        self.vectors = embedder.embed_passages([c.embed_text() for c in chunks])

    def count(self) -> int:
        return len(self.chunks)

    def query(self, query_embeddings: list[list[float]], n_results: int,
              include: list[str] | None = None) -> dict:
        target = np.asarray(query_embeddings[0])  # the build passes float32 rows
        same = [c.id for c, v in zip(self.chunks, self.vectors, strict=True)
                if np.allclose(v, target, atol=1e-6)]
        ordered = same[1:] + same[:1]  # the probe itself last among its equals
        rest = [c.id for c in self.chunks if c.id not in same]
        ids = (ordered + rest)[:n_results]
        text = {c.id: c.text for c in self.chunks}
        return {"ids": [ids], "documents": [[text[i] for i in ids]]}


def test_build_check_accepts_a_passage_present_in_several_sources(tmp_path: Path) -> None:
    from ingest.build import _validate
    from ingest.embed_cache import VectorCache
    from ingest.parse import parse_file

    embedder = HashEmbedder()
    chunks = []
    for n in range(4):
        path = tmp_path / f"bilaga_{n}.txt"
        path.write_bytes(DEFAULT_ANNEX.read_bytes())
        chunks.extend(parse_file(path).chunks)
    _validate(TiedCollection(chunks, embedder), chunks, VectorCache(embedder, None))


# -- the CLI --------------------------------------------------------------------------------
@pytest.fixture
def cli_on_built(built: Built, monkeypatch: pytest.MonkeyPatch) -> Built:
    """`python -m retrieval` in-process, with the hash embedder put in place of the model."""

    def open_with_hash(settings: Settings, *, embedder=None, **kwargs) -> OpenIndex:
        return open_index(settings, embedder=built.embedder)

    monkeypatch.setattr(service_module, "open_index", open_with_hash)
    monkeypatch.setenv("NAMNDSVAR_EMBEDDING_MODEL", built.embedder.name)
    return built


def _cli_search(capsys: pytest.CaptureFixture[str], built: Built, *extra: str) -> dict:
    code = cli.main(["search", "--json", "--index", str(built.settings.index_dir),
                     *extra, PROBE])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize(("flags", "expected"), [
    ([], {FIRST, SECOND}),
    (["--source", SECOND], {SECOND}),
    (["--source", FIRST], {FIRST}),
    (["--source", FIRST, "--source", SECOND], {FIRST, SECOND}),
])
def test_cli_source_flag(cli_on_built: Built, capsys: pytest.CaptureFixture[str],
                         flags: list[str], expected: set[str]) -> None:
    data = _cli_search(capsys, cli_on_built, *flags)
    assert data["passages"]
    assert {p["source"] for p in data["passages"]} == expected


def test_cli_unknown_source_exits_with_the_message(cli_on_built: Built,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["search", "--json", "--index", str(cli_on_built.settings.index_dir),
                     "--source", "finns-inte.txt", PROBE])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Okänd källa i filtret: finns-inte.txt" in captured.err
    assert FIRST in captured.err


def test_cli_help_lists_the_source_flag() -> None:
    result = subprocess.run([sys.executable, "-m", "retrieval", "search", "--help"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0
    assert "--source" in result.stdout


@pytest.mark.slow
def test_cli_source_flag_with_the_real_model(real_index: Settings) -> None:
    """End to end in a subprocess (the packaged model): the flag filters."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    env["HF_HUB_OFFLINE"] = "1"
    assert current_build(real_index.index_dir)

    def search(source: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "retrieval", "search", "--json", "--index",
             str(real_index.index_dir), "--source", source, PROBE],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
            check=False)

    own = search(DEFAULT_ANNEX.name)
    assert own.returncode == 0, own.stderr
    passages = json.loads(own.stdout)["passages"]
    assert passages
    assert {p["source"] for p in passages} == {DEFAULT_ANNEX.name}
    unknown = search("finns-inte.txt")
    assert unknown.returncode == 2
    assert "Okänd källa i filtret: finns-inte.txt" in unknown.stderr
