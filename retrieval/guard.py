"""Questions as users type them: trimmed, cleaned and capped before anything else."""

from __future__ import annotations

import re

from ingest.errors import NamndsvarError
from ingest.text import nfc, normalize_ws

# C0 and C1 controls, zero-width and direction marks, bidi embeddings and isolates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e"
                      r"\u2066-\u2069\ufeff]")


class QuestionError(NamndsvarError):
    """The question cannot be answered as given (empty, nothing but noise)."""


def clean_question(text: str, max_chars: int) -> tuple[str, list[str]]:
    """The question to search for, and notices for the user about what was changed."""
    notices: list[str] = []
    text = nfc(text or "")
    cleaned = _CONTROL.sub(" ", text)
    if cleaned != text:
        notices.append("Frågan innehöll styrtecken; de togs bort.")
    cleaned = normalize_ws(cleaned)
    if not cleaned:
        raise QuestionError("Skriv en fråga, till exempel: Vad tycker Farsta om lotsar?")
    if len(cleaned) > max_chars:
        cleaned = cleaned[:max_chars].rsplit(" ", 1)[0] or cleaned[:max_chars]
        notices.append(
            f"Frågan var {len(text)} tecken lång och kortades till de första {max_chars}."
        )
    if not re.search(r"\w", cleaned):
        raise QuestionError("Frågan innehåller inga ord. Skriv en fråga om bilagan.")
    return cleaned, notices


# A request to drop the rules or to write something else is not a question about the
# annex ("Ignorera alla tidigare instruktioner …", "Skriv en dikt om …", "Du är nu …").
_INSTRUCTION = re.compile(
    r"\b(ignorera|glöm|strunta i|bortse från)\b.{0,40}\b(instruktion|regl|ovan)"
    r"|\bdu är nu\b|^\W*system\s*:|\bskriv (en|ett|några) (dikt|låt|saga|vers|novell|rim)"
    r"|\bignore\b.{0,40}\b(instruction|rule|previous)|\bwrite (a|an|some) (poem|song|story)"
    r"|\byou are now\b", re.IGNORECASE)


def asks_for_something_else(question: str) -> bool:
    """The text asks for something other than what the annex says."""
    return bool(_INSTRUCTION.search(question))
