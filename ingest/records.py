"""Chunks on disk (JSON Lines) and as Chroma metadata."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ingest.models import Chunk, MeasureLink, Segment


def chunk_to_dict(chunk: Chunk) -> dict:
    return asdict(chunk)


def chunk_from_dict(data: dict) -> Chunk:
    data = dict(data)
    data["measures"] = [MeasureLink(**m) for m in data["measures"]]
    data["segments"] = [Segment(**s) for s in data["segments"]]
    return Chunk(**data)


def write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(json.dumps(chunk_to_dict(chunk), ensure_ascii=False) + "\n")


def read_chunks(path: Path) -> list[Chunk]:
    with path.open(encoding="utf-8") as f:
        return [chunk_from_dict(json.loads(line)) for line in f if line.strip()]


def chroma_metadata(chunk: Chunk) -> dict[str, str | int | bool]:
    """Scalar metadata only (Chroma's rule); None becomes "" or -1."""
    return {
        "source": chunk.source,
        "administration": chunk.administration,
        "kind": chunk.kind,
        "committee": chunk.committee,
        "report": chunk.report or "",
        "measures": ";".join(f"{m.report}|{m.number}" for m in chunk.measures),
        "roles": ",".join(chunk.roles),
        "page": chunk.page if chunk.page is not None else -1,
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
    }
