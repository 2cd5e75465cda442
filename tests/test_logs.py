"""Logging: the packages log with the real cause, to the file the settings name."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import chromadb
import pytest

from ingest.errors import IndexStateError
from ingest.logs import configure_logging
from ingest.settings import Settings
from ingest.store import chroma_client, get_collection


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_configure_logging_writes_both_packages_once(tmp_path: Path) -> None:
    settings = Settings(log_path=tmp_path / "logs" / "app.log")
    path = configure_logging(settings)
    assert configure_logging(settings) == path == settings.log_path.resolve()
    logging.getLogger("ingest.parse").info("ett")
    logging.getLogger("retrieval.llm").warning("två")
    for handler in logging.getLogger("ingest").handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1] for line in lines[-2:]] == ["ett", "två"]
    assert "INFO ingest.parse" in lines[-2] and "WARNING retrieval.llm" in lines[-1]
    assert len([h for h in logging.getLogger("ingest").handlers
                if isinstance(h, logging.FileHandler)
                and Path(h.baseFilename) == path]) == 1


def test_missing_collection_is_missing_and_logged(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    client = chroma_client(Settings(), tmp_path / "chroma")
    with caplog.at_level(logging.WARNING, logger="ingest"), \
            pytest.raises(IndexStateError, match=r"saknas\. Bygg om"):
        get_collection(client, "namndsvar-finns-inte")
    assert any("namndsvar-finns-inte" in r.getMessage() for r in caplog.records)


def test_unreachable_server_says_so_with_its_cause(caplog: pytest.LogCaptureFixture) -> None:
    port = _free_port()  # nothing listens there
    settings = Settings(chroma_host="127.0.0.1", chroma_port=port)
    with caplog.at_level(logging.WARNING, logger="ingest"), \
            pytest.raises(IndexStateError, match="svarar inte") as info:
        chroma_client(settings, Path("unused"))
    assert isinstance(info.value.__cause__, ValueError | ConnectionError | OSError)
    assert any(str(port) in r.getMessage() for r in caplog.records)


def test_other_store_errors_are_not_misdiagnosed(tmp_path: Path) -> None:
    """A programming error in the call is not "samling saknas"."""
    client = chroma_client(Settings(), tmp_path / "chroma")
    with pytest.raises(TypeError):
        get_collection(client, None)  # type: ignore[arg-type]
    assert isinstance(client, chromadb.api.ClientAPI)
