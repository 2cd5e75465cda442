"""Building the index atomically: a new build directory, validated, then one pointer switch.

Layout of the index directory:
    CURRENT                 the live build id (replaced with os.replace: atomic)
    builds/<id>/manifest.json, chunks.jsonl, lexical/, chroma/
A build killed midway leaves the previous build serving; the next build removes its debris.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.chunking import Budget
from ingest.embed import Embedder, identity_of, load_embedder
from ingest.embed_cache import VectorCache, text_key
from ingest.errors import BuildInProgressError, IndexStateError
from ingest.layout import build_layout
from ingest.lexical import TOKENIZERS, LexicalIndex
from ingest.models import Annex, Chunk
from ingest.parse import parse_file
from ingest.records import chroma_metadata, write_chunks
from ingest.sentence_vectors import collect_sentences, write_sentences
from ingest.settings import Settings
from ingest.source import read_source
from ingest.store import chroma_client, collection_name, create_collection

FORMAT_VERSION = 2  # 2: the model's identity and the sentence vectors are recorded
log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class BuildSummary:
    build_id: str
    index_dir: Path
    sources: list[str]
    administrations: int
    measures: int
    chunks: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        return (
            f"Index klart ({self.build_id}) i {self.index_dir}: {len(self.sources)} källa/källor, "
            f"{self.administrations} förvaltningar, {self.measures} åtgärder, "
            f"{self.chunks} textavsnitt, {self.seconds:.1f} s."
        )


def _quiet(_: str) -> None:
    pass


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".build.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildInProgressError(
                f"En annan indexbyggnad pågår redan i {index_dir}. Vänta tills den är klar."
            ) from exc
        yield


def current_build(index_dir: Path) -> str | None:
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_index(
    paths: list[Path],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Progress = _quiet,
) -> BuildSummary:
    """Parse the annexes, embed and index their chunks, and make the result live."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if embedder is None:
        # Loading the model takes seconds; a bad file should be refused before that.
        # (The real parse below needs the model's tokenizer for its chunk budget.)
        for path in paths:
            progress(f"Kontrollerar {Path(path).name} …")
            parse_file(Path(path))
        progress(f"Laddar embeddingmodellen {settings.embedding_model} …")
        embedder = load_embedder(settings)
    timings["model_s"] = time.perf_counter() - started
    # Chunks sized in the model's own tokens, header included: it reads each one whole.
    limit = min(settings.chunk_max_tokens or embedder.max_tokens, embedder.max_tokens)
    budget = Budget(limit, embedder.count_tokens, counts_header=True, unit="tokens")
    # Parse everything before writing anything: a bad document changes no index.
    t = time.perf_counter()
    annexes: list[Annex] = []
    for path in paths:
        progress(f"Läser {Path(path).name} …")
        annexes.append(parse_file(Path(path), budget=budget))
    names = [a.source for a in annexes]
    if len(set(names)) != len(names):
        raise IndexStateError("Två källfiler har samma namn; byt namn på den ena.")
    chunks: list[Chunk] = [c for a in annexes for c in a.chunks]
    timings["parse_s"] = time.perf_counter() - t
    if not chunks:
        raise IndexStateError(
            "Inga textavsnitt att indexera: ange minst en bilaga (python -m ingest build FIL)."
        )

    # Opened after the parse: a bad document must not cost a probe embedding.
    t = time.perf_counter()
    cache = VectorCache(
        embedder, settings.embedding_cache_dir,
        seeds=[settings.shipped_embedding_cache] if settings.shipped_embedding_cache else [])
    timings["cache_open_s"] = time.perf_counter() - t

    index_dir = settings.index_dir
    with _build_lock(index_dir):
        build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        builds = index_dir / "builds"
        build_dir = builds / build_id
        build_dir.mkdir(parents=True)
        _remove_debris(index_dir, settings, keep={build_id})
        try:
            write_chunks(build_dir / "chunks.jsonl", chunks)
            # The source texts travel with the index: citations, the document view and
            # the stance rules read the exact text the offsets point into.
            sources_dir = build_dir / "sources"
            sources_dir.mkdir()
            layouts = {}
            for path, annex in zip(paths, annexes, strict=True):
                source = read_source(Path(path))
                layouts[annex.source] = build_layout(source)
                (sources_dir / f"{annex.source}.json").write_text(
                    json.dumps({"name": source.name, "text": source.text,
                                "pages": source.pages}, ensure_ascii=False),
                    encoding="utf-8")
            t = time.perf_counter()
            lexical_dir = build_dir / "lexical"
            lexical_dir.mkdir()
            for kind in TOKENIZERS:
                LexicalIndex.build(kind, [c.text for c in chunks]).save(lexical_dir)
            timings["lexical_s"] = time.perf_counter() - t

            t = time.perf_counter()
            client = chroma_client(settings, build_dir / "chroma")
            name = collection_name(settings, build_id)
            collection = create_collection(client, name)
            batch = 64
            used: set[str] = set()
            for i in range(0, len(chunks), batch):
                part = chunks[i:i + batch]
                texts = [c.embed_text() for c in part]
                used.update(text_key(x) for x in texts)
                collection.add(
                    ids=[c.id for c in part], embeddings=cache.embed(texts),
                    documents=[c.text for c in part],
                    metadatas=[chroma_metadata(c) for c in part],
                )
                progress(f"Indexerar: {min(i + batch, len(chunks))}/{len(chunks)} textavsnitt")
            timings["embed_index_s"] = time.perf_counter() - t
            sentence_count = 0
            if settings.sentence_vectors:
                t = time.perf_counter()
                records = collect_sentences(chunks, layouts)
                texts = [r.text for r in records]
                used.update(text_key(x) for x in texts)
                vectors = []
                for i in range(0, len(texts), 256):
                    vectors.append(cache.embed(texts[i:i + 256]))
                    progress(f"Meningsvektorer: {min(i + 256, len(texts))}/{len(texts)}")
                write_sentences(build_dir, records, np.concatenate(vectors) if vectors
                                else np.zeros((0, embedder.dimension), dtype=np.float32))
                sentence_count = len(records)
                timings["sentences_s"] = time.perf_counter() - t
            timings["embedded"] = cache.added
            if cache.stale(used):
                # Keep only what this build uses: the cache never outgrows the index.
                cache.save(keep=used)
            _validate(collection, chunks, cache)
            manifest = {
                "format": FORMAT_VERSION,
                "build_id": build_id,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "embedding_model": embedder.name,
                "dimension": embedder.dimension,
                "embedding": identity_of(embedder),
                "sentences": sentence_count,
                "chunk_budget": {"limit": budget.limit, "unit": budget.unit},
                "chroma": {"mode": "server" if settings.chroma_host else "embedded",
                           "collection": name},
                "lexical": list(TOKENIZERS),
                "chunks": len(chunks),
                "sources": [
                    {"name": a.source, "sha256": _sha256(Path(p)),
                     "chunks": len(a.chunks), "administrations": len(a.administrations)}
                    for a, p in zip(annexes, paths, strict=True)
                ],
            }
            _write_synced(build_dir / "manifest.json",
                          json.dumps(manifest, ensure_ascii=False, indent=2))
            _switch(index_dir, build_id)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _remove_debris(index_dir, settings, keep={build_id})
    return BuildSummary(
        build_id=build_id, index_dir=index_dir, sources=names,
        administrations=sum(len(a.administrations) for a in annexes),
        measures=sum(len(a.measures) for a in annexes), chunks=len(chunks),
        seconds=time.perf_counter() - started, timings=timings,
    )


def _validate(collection, chunks: list[Chunk], cache: VectorCache) -> None:
    """Refuse to switch to a build that does not hold and find what it should."""
    count = collection.count()
    if count != len(chunks):
        raise IndexStateError(f"Indexbygget ofullständigt: {count} av {len(chunks)} avsnitt.")
    if not chunks:
        raise IndexStateError("Indexbygget gav inga textavsnitt.")
    probe = max(chunks, key=lambda c: len(c.text))
    hits = collection.query(query_embeddings=[cache.embed([probe.embed_text()])[0]],
                            n_results=min(3, count), include=["documents"])
    # Several annexes may hold the same passage (a year copied unchanged): any chunk with
    # the probe's own text answers the probe.
    found = probe.id in hits["ids"][0] or probe.text in (hits["documents"] or [[]])[0]
    if not found:
        raise IndexStateError("Indexbygget klarade inte kontrollsökningen; bygget avbröts.")


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _replace_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    _write_synced(tmp, text)
    os.replace(tmp, path)  # readers see the old content or the new, never half


def _switch(index_dir: Path, build_id: str) -> None:
    old = current_build(index_dir)
    # PREVIOUS first: a crash between the two writes must not leave the build that
    # readers may still hold unprotected from clean-up.
    if old:
        _replace_atomically(index_dir / "PREVIOUS", old + "\n")
    _replace_atomically(index_dir / "CURRENT", build_id + "\n")


def _remove_debris(index_dir: Path, settings: Settings, keep: set[str]) -> None:
    """Drop builds that are neither live, the one before it (readers may still hold it),
    nor in progress; and their server-side collections."""
    builds = index_dir / "builds"
    if not builds.exists():
        return
    keep = set(keep)
    for name in ("CURRENT", "PREVIOUS"):
        path = index_dir / name
        if path.exists():
            keep.add(path.read_text(encoding="utf-8").strip())
    stale = [b for b in builds.iterdir() if b.name not in keep]
    for build in stale:
        shutil.rmtree(build, ignore_errors=True)
    if settings.chroma_host and stale:
        client = chroma_client(settings, index_dir)
        for build in stale:
            # never created (killed early) or already gone: nothing to remove
            with contextlib.suppress(Exception):
                client.delete_collection(collection_name(settings, build.name))
