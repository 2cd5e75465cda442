"""Logging: one logger per package ("ingest", "retrieval"), configured once at the edge.

Library modules log to `logging.getLogger(__name__)` and never configure handlers; the CLI
and the app call `configure_logging(settings)`, which writes both packages' records to the
file named in the settings and returns its path (the app shows it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ingest.settings import Settings

PACKAGES = ("ingest", "retrieval")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> Path:
    """Send the packages' records at `settings.log_level` and above to `settings.log_path`
    (created if need be); calling it again with the same path adds no second handler."""
    path = settings.log_path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(settings.log_level)
        if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path
                   for h in logger.handlers):
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(logging.Formatter(_FORMAT))
            logger.addHandler(handler)
    return path
