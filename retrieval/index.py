"""Opening the live index for search, refusing one that does not fit the settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.build import FORMAT_VERSION, current_build
from ingest.embed import Embedder, identity_of, load_embedder
from ingest.errors import IndexStateError
from ingest.layout import Layout, build_layout
from ingest.lexical import TOKENIZERS, LexicalIndex
from ingest.models import Chunk
from ingest.records import read_chunks
from ingest.sentence_vectors import SentenceVectors
from ingest.settings import Settings
from ingest.source import SourceText
from ingest.store import chroma_client, get_collection

BUILD_HINT = "python -m ingest build"


@dataclass
class OpenIndex:
    build_id: str
    directory: Path
    manifest: dict
    chunks: list[Chunk]
    lexical: dict[str, LexicalIndex]
    collection: object  # a chromadb Collection
    embedder: Embedder
    layouts: dict[str, Layout]  # source name -> its text, as the offsets index it
    sentence_vectors: SentenceVectors | None = None  # None: built without them

    def __post_init__(self) -> None:
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        self.groups: dict[str, list[int]] = {}
        for i, c in enumerate(self.chunks):
            self.groups.setdefault(c.group or c.id, []).append(i)

    @property
    def sources(self) -> list[str]:
        return [s["name"] for s in self.manifest.get("sources", [])]


def read_manifest(settings: Settings) -> tuple[str, Path, dict]:
    """The live build's id, directory and manifest, or a clear error saying how to build."""
    index_dir = settings.index_dir
    build_id = current_build(index_dir) if index_dir.exists() else None
    if build_id is None:
        raise IndexStateError(
            f"Inget sökindex finns i {index_dir}. Bygg det med: {BUILD_HINT}"
        )
    directory = index_dir / "builds" / build_id
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        raise IndexStateError(
            f"Indexet i {index_dir} är ofullständigt (manifest saknas). Bygg om: {BUILD_HINT}"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexStateError(
            f"Indexets manifest i {directory} är skadat ({exc.__class__.__name__}). "
            f"Bygg om: {BUILD_HINT}"
        ) from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexStateError(
            f"Indexet är byggt med ett annat format (version {manifest.get('format')}, "
            f"programmet läser version {FORMAT_VERSION}). Bygg om: {BUILD_HINT}"
        )
    if manifest.get("embedding_model") != settings.embedding_model:
        raise IndexStateError(
            f"Indexet är byggt med embeddingmodellen '{manifest.get('embedding_model')}', men "
            f"inställningarna anger '{settings.embedding_model}'. Bygg om indexet ({BUILD_HINT}) "
            "eller ändra NAMNDSVAR_EMBEDDING_MODEL tillbaka."
        )
    return build_id, directory, manifest


def open_index(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    embedder_factory: Callable[[Settings], Embedder] = load_embedder,
) -> OpenIndex:
    # Check the manifest before loading the model: a mismatch should fail in milliseconds.
    build_id, directory, manifest = read_manifest(settings)
    if embedder is None:
        embedder = embedder_factory(settings)
    if embedder.dimension != manifest.get("dimension"):
        raise IndexStateError(
            f"Modellens dimension ({embedder.dimension}) matchar inte indexets "
            f"({manifest.get('dimension')}). Bygg om: {BUILD_HINT}"
        )
    recorded = manifest.get("embedding")
    if recorded is not None and recorded != identity_of(embedder):
        # Same name, other vectors (another quantization, prefixes, engine): never mix.
        raise IndexStateError(
            f"Indexet är byggt med {_describe(recorded)}, men den laddade modellen är "
            f"{_describe(identity_of(embedder))}. Bygg om indexet: {BUILD_HINT}"
        )
    try:
        chunks = read_chunks(directory / "chunks.jsonl")
        lexical = {kind: LexicalIndex.load(directory / "lexical", kind) for kind in TOKENIZERS}
        sentence_vectors = SentenceVectors.load(directory)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexStateError(
            f"Indexet i {directory} är skadat eller ofullständigt ({exc.__class__.__name__}: "
            f"{exc}). Bygg om: {BUILD_HINT}"
        ) from exc
    client = chroma_client(settings, directory / "chroma")
    collection = get_collection(client, manifest["chroma"]["collection"])
    layouts = {}
    for path in sorted((directory / "sources").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        layouts[data["name"]] = build_layout(SourceText(data["name"], data["text"],
                                                        data["pages"]))
    if sentence_vectors is not None and sentence_vectors.dimension not in (
            0, embedder.dimension):
        raise IndexStateError(
            f"Indexets meningsvektorer har dimension {sentence_vectors.dimension}, modellen "
            f"{embedder.dimension}. Bygg om: {BUILD_HINT}")
    return OpenIndex(build_id, directory, manifest, chunks, lexical, collection, embedder,
                     layouts, sentence_vectors)


def _describe(identity: dict) -> str:
    parts = [str(identity.get("model") or identity.get("name"))]
    parts += [f"{k} {identity[k]}" for k in ("backend", "quantization", "dimension")
              if identity.get(k) is not None]
    return ", ".join(parts)
