"""The index against a real Chroma server (`chroma run`, shipped with chromadb)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from ingest.build import build_index, current_build
from ingest.settings import DEFAULT_ANNEX, Settings
from ingest.store import collection_name
from retrieval.index import open_index
from retrieval.search import Searcher
from tools.local_app import stop

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _client(port: int) -> chromadb.api.ClientAPI:
    return chromadb.HttpClient(host=HOST, port=port,
                               settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A Chroma server on a free port with its data in tmp_path; stopped at teardown."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.is_file() or not os.access(chroma, os.X_OK):
        pytest.fail(f"`chroma` is missing at {chroma}; it ships with chromadb "
                    "(pip install -e '.[dev]'), so the environment is broken.")
    port = _free_port()
    log_path = tmp_path / "chroma-server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    env["ANONYMIZED_TELEMETRY"] = "False"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(tmp_path / "chroma-data"), "--host", HOST,
             "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last_error: Exception | None = None
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`chroma run` exited with {proc.returncode}:\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            try:
                _client(port).heartbeat()
                break
            except Exception as exc:  # not up yet
                last_error = exc
            if time.monotonic() > deadline:
                pytest.fail(f"Chroma server not up after {STARTUP_TIMEOUT_S} s ({last_error}):\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.25)
        yield port
    finally:
        stop(proc)


def _collections(port: int) -> set[str]:
    return {getattr(c, "name", c) for c in _client(port).list_collections()}


def test_build_and_search_against_chroma_server(chroma_server: int, tmp_path: Path,
                                                hash_embedder) -> None:
    port = chroma_server
    settings = Settings(chroma_host=HOST, chroma_port=port, index_dir=tmp_path / "index",
                        embedding_model=hash_embedder.name)
    first = build_index([DEFAULT_ANNEX], settings, embedder=hash_embedder)
    manifest = json.loads(
        (settings.index_dir / "builds" / first.build_id / "manifest.json").read_text("utf-8"))
    assert manifest["chroma"]["mode"] == "server"
    assert manifest["chroma"]["collection"] == collection_name(settings, first.build_id)
    assert collection_name(settings, first.build_id) in _collections(port)
    assert _client(port).get_collection(manifest["chroma"]["collection"]).count() == first.chunks

    index = open_index(settings, embedder=hash_embedder)
    result = Searcher(index, settings).search("Vad tycker Skärholmen om lotsar?")
    assert result.passages
    assert result.passages[0].administration == "Skärholmen"

    # Second build: the first stays as PREVIOUS, so its collection stays too.
    second = build_index([DEFAULT_ANNEX], settings, embedder=hash_embedder)
    assert current_build(settings.index_dir) == second.build_id
    names = _collections(port)
    assert {collection_name(settings, b) for b in (first.build_id, second.build_id)} <= names

    # Third build: the first is no longer kept, and its server-side collection is deleted.
    third = build_index([DEFAULT_ANNEX], settings, embedder=hash_embedder)
    names = _collections(port)
    assert collection_name(settings, first.build_id) not in names
    assert {collection_name(settings, b) for b in (second.build_id, third.build_id)} <= names
    assert {p.name for p in (settings.index_dir / "builds").iterdir()} == {
        second.build_id, third.build_id}

    index = open_index(settings, embedder=hash_embedder)
    assert index.build_id == third.build_id
    result = Searcher(index, settings).search("Vad tycker Skärholmen om lotsar?")
    assert result.passages[0].administration == "Skärholmen"
