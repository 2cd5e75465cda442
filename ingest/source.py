"""Reading an annex file (plain text or PDF) into lines with the pages they sit on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import DocumentError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceText:
    name: str  # file name, used in chunk ids and citations
    text: str  # "\n"-separated lines
    pages: list[int | None]  # real page per line (PDF); None where the file shows none


def read_source(path: Path) -> SourceText:
    """Read a .txt or .pdf annex. Raises DocumentError with a Swedish message on bad input."""
    if not path.exists():
        raise DocumentError(f"Filen {path} finns inte. Kontrollera sökvägen.")
    if path.suffix.lower() == ".pdf":
        return _read_pdf(path)
    return _read_text(path)


def _read_text(path: Path) -> SourceText:
    raw = path.read_bytes()
    if not raw.strip():
        raise DocumentError(f"Filen {path.name} är tom. Välj bilagans textfil eller PDF.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")  # "Unicode text" as saved by Windows tools
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"{path.name} är en trasig eller avklippt UTF-16-fil. Spara den som UTF-8-text."
            ) from exc
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Older exports from Word/Windows are cp1252; both hold Swedish letters.
            try:
                text = raw.decode("cp1252", errors="strict")
                log.info("%s is not UTF-8; read as Windows-1252", path.name)
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"{path.name} har en okänd teckenkodning (varken UTF-8, UTF-16 eller "
                    "Windows-1252) eller är ingen textfil. Spara den som UTF-8-text."
                ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(path.name, text, [None] * (text.count("\n") + 1))


def _read_pdf(path: Path) -> SourceText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(
                f"PDF-filen {path.name} är krypterad. Spara en okrypterad kopia och försök igen."
            )
        # Layout mode keeps blank lines: they separate paragraphs and report headings,
        # which the default mode runs together.
        page_texts = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as exc:
        raise DocumentError(
            f"PDF-filen {path.name} kunde inte läsas ({exc.__class__.__name__}). "
            "Filen verkar vara skadad; exportera den på nytt."
        ) from exc
    if not any(t.strip() for t in page_texts):
        raise DocumentError(
            f"PDF-filen {path.name} innehåller ingen text (bara bilder?). "
            "Kör OCR på den eller använd en textversion."
        )
    lines: list[str] = []
    pages: list[int | None] = []
    for number, page_text in enumerate(page_texts, start=1):
        page_lines = page_text.replace("\r\n", "\n").split("\n")
        # A blank line at each page break: a paragraph that runs on over the break is
        # joined again by the parser (mid-sentence, lower case next), others stay apart.
        lines.extend([*page_lines, ""])
        pages.extend([number] * (len(page_lines) + 1))
    return SourceText(path.name, "\n".join(lines), pages)
