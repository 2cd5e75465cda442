"""Text normalisation: only ever for matching, never for what is quoted."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_QUOTES_DASHES = re.compile(r"[”“„\"'«»‘’–—•]")


def normalize_ws(text: str) -> str:
    """Collapse every whitespace run (line breaks included) to one space."""
    return _WS.sub(" ", text).strip()


def normalize_for_match(text: str) -> str:
    """Lowercase NFC text without quotes, dashes and extra whitespace."""
    text = unicodedata.normalize("NFC", text).lower()
    return normalize_ws(_QUOTES_DASHES.sub(" ", text))
