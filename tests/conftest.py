"""Shared fixtures and fakes.

Fakes stand in for the heavy parts (embedding model, chat model) in fast tests; the
`real_index` fixture builds the real index once per session for quality and search tests.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import pytest

from ingest.build import BuildSummary, build_index
from ingest.models import Annex
from ingest.parse import parse_file
from ingest.settings import DEFAULT_ANNEX, Settings
from ingest.text.words import stems


@pytest.fixture(scope="session")
def _log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("log")


@pytest.fixture(autouse=True)
def _no_namndsvar_env(monkeypatch: pytest.MonkeyPatch, _log_dir: Path) -> None:
    """Settings read NAMNDSVAR_* variables; a developer's shell must not steer the tests.
    The log goes to a temporary folder, not into the checkout."""
    for key in list(os.environ):
        if key.startswith("NAMNDSVAR_"):
            monkeypatch.delenv(key)
    # No writable vector cache: a build embeds what the shipped cache (read-only) lacks,
    # and fakes count their calls. The shipped cache makes the real index build warm.
    monkeypatch.setenv("NAMNDSVAR_EMBEDDING_CACHE_DIR", "none")
    monkeypatch.setenv("NAMNDSVAR_LOG_PATH", str(_log_dir / "namndsvar.log"))


class HashEmbedder:
    """Deterministic bag-of-stems vectors (hashing trick): fast, offline, and similar texts
    get similar vectors, so search through Chroma behaves sensibly in tests."""

    def __init__(self, dimension: int = 64, name: str = "test-hash-embedder") -> None:
        self.name = name
        self.dimension = dimension
        self.max_tokens = 256
        self.calls = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def _vector(self, text: str) -> list[float]:
        v = [0.0] * self.dimension
        for s in stems(text) or ["tom"]:
            h = int(hashlib.md5(s.encode()).hexdigest(), 16)
            v[h % self.dimension] += 1.0 if (h >> 8) % 2 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def annex() -> Annex:
    return parse_file(DEFAULT_ANNEX)


@pytest.fixture
def fake_index(tmp_path: Path) -> tuple[Settings, HashEmbedder, BuildSummary]:
    """The real annex indexed with the hash embedder into a fresh directory (fast)."""
    embedder = HashEmbedder()
    settings = Settings(index_dir=tmp_path / "index", embedding_model=embedder.name)
    summary = build_index([DEFAULT_ANNEX], settings, embedder=embedder)
    return settings, embedder, summary


@pytest.fixture(scope="session")
def shared_fake_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, HashEmbedder]:
    """The annex indexed with the hash embedder once per session, for tests that only read
    it (use `fake_index` to get a fresh one to change)."""
    embedder = HashEmbedder()
    root = tmp_path_factory.mktemp("shared")
    settings = Settings(index_dir=root / "index", embedding_model=embedder.name,
                        embedding_cache_dir=None,
                        feedback_path=root / "feedback" / "feedback.jsonl")
    build_index([DEFAULT_ANNEX], settings, embedder=embedder)
    return settings, embedder


@pytest.fixture(scope="session")
def fake_service(shared_fake_index: tuple[Settings, HashEmbedder]):
    from retrieval.service import Service

    settings, embedder = shared_fake_index
    return Service.from_settings(settings, embedder=embedder)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real annex indexed with the default (packaged) model, built once per session."""
    # Session fixtures are set up before the function-scoped environment guard: say
    # what they need outright. The shipped vector cache makes this build warm.
    settings = Settings(index_dir=tmp_path_factory.mktemp("real") / "index",
                        embedding_cache_dir=None)
    build_index([DEFAULT_ANNEX], settings)
    return settings


@pytest.fixture(scope="session")
def real_searcher(real_index: Settings):
    from retrieval.index import open_index
    from retrieval.search import Searcher

    return Searcher(open_index(real_index), real_index)
