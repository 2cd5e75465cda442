"""Vectors already computed, keyed by model and text, so nothing is embedded twice.

A rebuild of an unchanged annex (and the test suite's one real index) reads its vectors
from here. One file per model identity: `<key>.npz` holding the text hashes, the float32
vectors and a probe (a fixed text and its vector). A cache is trusted only after the
probe, embedded again on open, gives the same vector: a changed engine or model file then
invalidates it instead of mixing two vector spaces. The project ships such a file for the
bundled annex (`data/embedding-cache/`, rebuilt by `python -m ingest cache`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from pathlib import Path

import numpy as np

from ingest.embed import Embedder, Vectors, identity_of

log = logging.getLogger(__name__)

PROBE = "Stadsdelsnämnden ställer sig positiv till förslaget om lotsar för civilsamhället."
PROBE_TOLERANCE = 1e-4  # cosine distance; the same engine gives the same vector


def model_key(embedder: Embedder) -> str:
    """A file name for the model's identity (name, backend, dimension, quantization …)."""
    ident = json.dumps(identity_of(embedder), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorCache:
    """The vectors of one model: read from its own file and any read-only seeds."""

    def __init__(self, embedder: Embedder, directory: Path | None,
                 seeds: list[Path] | None = None) -> None:
        self.embedder = embedder
        self.key = model_key(embedder)
        self.directory = directory
        self._vectors: dict[str, np.ndarray] = {}
        self._added = 0
        self._probe: np.ndarray | None = None
        self._own: set[str] = set()  # the keys in this cache's own file
        for folder in seeds or []:
            self._load(folder / f"{self.key}.npz")
        if directory is not None:
            self._own = set(self._load(directory / f"{self.key}.npz"))

    def __len__(self) -> int:
        return len(self._vectors)

    @property
    def added(self) -> int:
        return self._added

    def _probe_vector(self) -> np.ndarray:
        if self._probe is None:
            self._probe = np.asarray(self.embedder.embed_passages([PROBE]),
                                     dtype=np.float32)[0]
        return self._probe

    def stale(self, keep: set[str]) -> bool:
        """Whether saving with `keep` would change this cache's own file."""
        return self.directory is not None and (bool(self._added) or self._own != keep)

    def _load(self, path: Path) -> list[str]:
        if not path.exists():
            return []
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = [str(k) for k in data["keys"]]
                vectors = np.asarray(data["vectors"], dtype=np.float32)
                probe = np.asarray(data["probe"], dtype=np.float32)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Vektorcachen %s kunde inte läsas (%s); den används inte", path, exc)
            return []
        if vectors.shape != (len(keys), self.embedder.dimension):
            log.warning("Vektorcachen %s har fel form %s; den används inte", path,
                        vectors.shape)
            return []
        distance = 1.0 - float(np.dot(probe, self._probe_vector()))
        if distance > PROBE_TOLERANCE:
            log.warning("Vektorcachen %s ger inte samma vektor som modellen (avstånd %.2g); "
                        "den används inte", path, distance)
            return []
        self._vectors.update(zip(keys, vectors, strict=True))
        log.info("Vektorcache %s: %d vektorer", path, len(keys))
        return keys

    def embed(self, texts: list[str], *, batch: int = 64) -> Vectors:
        """Vectors for the passages, computing only those not cached."""
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            for i in range(0, len(missing), batch):
                part = missing[i:i + batch]
                vectors = np.asarray(self.embedder.embed_passages([by_key[k] for k in part]),
                                     dtype=np.float32)
                self._vectors.update(zip(part, vectors, strict=True))
            self._added += len(missing)
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys])

    def save(self, keep: set[str] | None = None) -> Path | None:
        """Write the cache (only the texts in `keep`, when given), atomically."""
        directory = self.directory
        if directory is None:
            return None
        directory.mkdir(parents=True, exist_ok=True)
        keys = sorted(k for k in self._vectors if keep is None or k in keep)
        vectors = (np.stack([self._vectors[k] for k in keys]) if keys
                   else np.zeros((0, self.embedder.dimension), dtype=np.float32))
        path = directory / f"{self.key}.npz"
        tmp = directory / f".{self.key}.{uuid.uuid4().hex[:8]}.npz"
        np.savez(tmp, keys=np.array(keys), vectors=vectors, probe=self._probe_vector())
        os.replace(tmp, path)  # readers see the old file or the new, never half
        self._own, self._added = set(keys), 0
        (directory / f"{self.key}.json").write_text(
            json.dumps({"model": identity_of(self.embedder), "vectors": len(keys)},
                       ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path
