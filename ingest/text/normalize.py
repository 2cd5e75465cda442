"""Text normalisation: only ever for matching, never for what is quoted."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_QUOTES_DASHES = re.compile(r"[”“„\"'«»‘’–—•]")


def nfc(text: str) -> str:
    """Composed Unicode: "a" + combining ring and "å" compare equal afterwards."""
    return unicodedata.normalize("NFC", text)


def normalize_ws(text: str) -> str:
    """Collapse every whitespace run (line breaks included) to one space."""
    return _WS.sub(" ", text).strip()


def normalize_lines(text: str) -> str:
    """Whitespace collapsed within each line, line breaks kept (Markdown keeps its lines)."""
    return "\n".join(normalize_ws(line) for line in text.splitlines()).strip()


def normalize_for_match(text: str) -> str:
    """Lowercase NFC text without quotes, dashes and extra whitespace."""
    return normalize_ws(_QUOTES_DASHES.sub(" ", nfc(text).lower()))
