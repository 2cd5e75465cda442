"""Chroma: embedded in the index directory by default, or a server named in settings."""

from __future__ import annotations

import logging
from pathlib import Path

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from ingest.errors import IndexStateError
from ingest.settings import Settings

log = logging.getLogger(__name__)
# What an unreachable server raises: the client's own "Could not connect" is a ValueError.
_UNREACHABLE = (ValueError, ConnectionError, OSError, httpx.HTTPError)


def chroma_client(settings: Settings, persist_dir: Path) -> ClientAPI:
    # Telemetry off: it would try the network on every start.
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                       settings=chroma_settings)
        except _UNREACHABLE as exc:
            log.warning("Chroma server %s:%s unreachable: %r", settings.chroma_host,
                        settings.chroma_port, exc)
            raise IndexStateError(
                f"Chroma-servern på {settings.chroma_host}:{settings.chroma_port} svarar inte "
                f"({exc}). Starta den (`chroma run --path DIR --port {settings.chroma_port}`) "
                "eller ta bort NAMNDSVAR_CHROMA_HOST för att använda det inbyggda indexet."
            ) from exc
    return chromadb.PersistentClient(path=str(persist_dir), settings=chroma_settings)


def collection_name(settings: Settings, build_id: str) -> str:
    return f"{settings.chroma_collection}-{build_id}"


def create_collection(client: ClientAPI, name: str):
    # embedding_function=None: we always pass our own vectors; Chroma's default function
    # would download a model.
    return client.create_collection(name=name, embedding_function=None,
                                    metadata={"hnsw:space": "cosine"})


def get_collection(client: ClientAPI, name: str):
    try:
        return client.get_collection(name=name, embedding_function=None)
    except NotFoundError as exc:
        log.warning("Chroma collection %s missing: %s", name, exc)
        raise IndexStateError(
            f"Indexets Chroma-samling '{name}' saknas. Bygg om indexet: python -m ingest build"
        ) from exc
    except _UNREACHABLE as exc:
        # A server that went away is not a missing collection: rebuilding would not help.
        log.warning("Chroma unreachable while opening collection %s: %r", name, exc)
        raise IndexStateError(
            f"Chroma svarade inte när samlingen '{name}' skulle öppnas ({exc}). "
            "Kontrollera att Chroma-servern kör och nås."
        ) from exc
