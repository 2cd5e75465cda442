"""Concurrent use: many threads asking one service, searches while the index is rebuilt.

The lock between two builds is tested in tests/test_build.py
(test_second_build_while_locked_is_refused); a build killed midway there too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import HashEmbedder

from ingest.build import BuildSummary, build_index, current_build
from ingest.records import read_chunks
from ingest.settings import DEFAULT_ANNEX, PROJECT_ROOT, Settings
from retrieval.index import open_index
from retrieval.search import Searcher
from retrieval.service import Service
from tools.evaluate import load_gold

THREADS = 8
PROBE = "Vad tycker Skärholmen om lotsar?"
FakeIndex = tuple[Settings, HashEmbedder, BuildSummary]


def _questions(step: int) -> list[str]:
    return [g.question for g in load_gold()][::step]


def _fingerprint(service: Service, question: str) -> str:
    """Everything an answer says, less its timings."""
    data = service.answer_dict(service.ask(question))
    data.pop("timings_ms")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _ask_from_threads(service: Service, questions: list[str], rounds: int = 1
                      ) -> list[tuple[str, str]]:
    """THREADS threads, started together, each asking every question in its own order."""
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> list[tuple[str, str]]:
        shift = n * len(questions) // THREADS
        order = (questions[shift:] + questions[:shift]) * rounds
        barrier.wait(timeout=60)
        return [(q, _fingerprint(service, q)) for q in order]

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, n) for n in range(THREADS)]
        return [pair for f in futures for pair in f.result(timeout=900)]


def _assert_same_as_alone(service: Service, questions: list[str], rounds: int = 1) -> None:
    alone = {q: _fingerprint(service, q) for q in questions}
    together = _ask_from_threads(service, questions, rounds)
    assert len(together) == THREADS * len(questions) * rounds
    mixed = sorted({q for q, got in together if got != alone[q]})
    assert not mixed, f"answers differ when asked concurrently: {mixed}"


def test_threads_asking_at_once_get_the_single_threaded_answers(
        fake_index: FakeIndex) -> None:
    settings, embedder, _ = fake_index
    service = Service.from_settings(settings, embedder=embedder)
    _assert_same_as_alone(service, _questions(step=3))


@pytest.mark.slow
def test_threads_asking_at_once_with_the_real_model(real_index: Settings,
                                                    real_searcher: Searcher) -> None:
    service = Service(real_index, real_searcher.index)
    _assert_same_as_alone(service, _questions(step=6))


def test_searches_in_threads_while_rebuilding(fake_index: FakeIndex) -> None:
    """Readers that open the index while builds switch it always find a whole build."""
    settings, embedder, first = fake_index
    def search() -> tuple[str, list[str]]:
        index = open_index(settings, embedder=embedder)
        return index.build_id, [p.id for p in Searcher(index, settings).search(PROBE).passages]

    reference = search()[1]
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: set[str] = set()
    searches = [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                build_id, ids = search()
                seen.add(build_id)
                assert ids == reference, ids
                searches[0] += 1
            except BaseException as exc:  # report any failure from the thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        builds = [build_index([DEFAULT_ANNEX], settings, embedder=embedder).build_id
                  for _ in range(3)]
        time.sleep(0.5)  # a few searches on the last build
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[0]
    assert current_build(settings.index_dir) == builds[-1]
    assert searches[0] > 3
    assert len(seen) >= 2, f"the readers saw only {seen}"
    assert seen <= {first.build_id, *builds}


# -- a second process searching while a build runs -------------------------------------------
def _search_process(index_dir: Path, question: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    env["HF_HUB_OFFLINE"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "retrieval", "search", "--json", "--index", str(index_dir),
         question], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180,
        check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passages"], "a search found nothing"
    return data


@pytest.mark.slow
def test_process_searching_while_a_build_runs(real_index: Settings, real_searcher: Searcher,
                                              tmp_path: Path) -> None:
    # A private copy of the session's real index: the build below must not touch it.
    settings = real_index.model_copy(update={"index_dir": tmp_path / "index"})
    shutil.copytree(real_index.index_dir, settings.index_dir,
                    ignore=shutil.ignore_patterns(".build.lock"))
    old = current_build(settings.index_dir)
    assert old
    old_build = settings.index_dir / "builds" / old
    known = {c.group or c.id for c in read_chunks(old_build / "chunks.jsonl")}
    reference = _search_process(settings.index_dir, PROBE)
    ref_ids = [p["id"] for p in reference["passages"]]

    outcome: dict[str, object] = {}

    def build() -> None:
        try:
            outcome["summary"] = build_index([DEFAULT_ANNEX], settings,
                                             embedder=real_searcher.index.embedder)
        except BaseException as exc:
            outcome["error"] = exc

    builder = threading.Thread(target=build)
    builder.start()
    during = 0
    deadline = time.monotonic() + 900
    try:
        while builder.is_alive() and time.monotonic() < deadline:
            # A search that starts while the build runs overlaps it, whenever it ends
            # (a search process's start-up can outlast a build from the vector cache).
            started_during = builder.is_alive()
            data = _search_process(settings.index_dir, PROBE)
            ids = [p["id"] for p in data["passages"]]
            assert set(ids) <= known, "passages from neither the old nor the new build"
            assert ids[0] == ref_ids[0]
            during += started_during
    finally:
        builder.join(timeout=900)
    assert "error" not in outcome, outcome.get("error")
    summary = outcome["summary"]
    assert isinstance(summary, BuildSummary)
    assert current_build(settings.index_dir) == summary.build_id != old
    after = _search_process(settings.index_dir, PROBE)
    assert [p["id"] for p in after["passages"]][:3] == ref_ids[:3]  # same input, same ids
    assert during >= 1, "no search ran while the build did"
