"""The annex as a PDF: same structure as the text file, real page numbers, clear errors.

The PDF is built in the test with fpdf2 from the annex text, one source line per PDF line
(blank lines stay blank rows), 45 lines per page, in a Unicode TTF so that å, ä, ö, ”, – and
• survive.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import DocumentError
from ingest.models import Annex
from ingest.parse import parse_file
from ingest.registry import GROUP_HEADINGS
from ingest.settings import DEFAULT_ANNEX, PROJECT_ROOT
from ingest.text import normalize_for_match, normalize_ws

fpdf = pytest.importorskip("fpdf", reason="fpdf2 is a dev dependency (pip install -e '.[dev]')")

FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
]
LINES_PER_PAGE = 45
FONT_SIZE = 8
LEADING = 11  # points from one line to the next: a normal line spacing
MARGIN = 36

# ingest/source.py reads a PDF page with pypdf's default `extract_text()`, which returns
# one "\n" per text line and never an empty line: the blank lines that separate paragraphs
# in the text file are gone. Report headings ("Rapport: …", "Delrapport …") then run into
# the paragraph before them and measures land under the wrong report (1.1–6.1 of "Allas
# rätt till kunskap" are read as "En skola där alla ska lyckas"). Reading with
# `extract_text(extraction_mode="layout")` keeps the blank lines (checked by hand on this
# fixture: measures and numbered links then match the text parse exactly).


def _font() -> Path | None:
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    found = sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf")) if Path(
        "/usr/share/fonts").is_dir() else []
    return found[0] if found else None


def build_pdf(path: Path, lines: list[str], font: Path) -> int:
    """Write `lines` to a PDF, one per row, LINES_PER_PAGE rows a page; returns pages."""
    probe = fpdf.FPDF(unit="pt")
    probe.add_font("DejaVu", fname=str(font))
    probe.set_font("DejaVu", size=FONT_SIZE)
    widest = max(probe.get_string_width(line.rstrip()) for line in lines)
    width = math.ceil(widest) + 2 * MARGIN  # no line is ever wrapped
    height = LINES_PER_PAGE * LEADING + 2 * MARGIN + 20
    pdf = fpdf.FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", fname=str(font))
    pdf.set_font("DejaVu", size=FONT_SIZE)
    for i, line in enumerate(lines):
        if i % LINES_PER_PAGE == 0:
            pdf.add_page()
        if line.strip():
            pdf.set_xy(MARGIN, MARGIN + (i % LINES_PER_PAGE) * LEADING)
            pdf.cell(text=line.rstrip())
    pdf.output(str(path))
    return pdf.page_no()


@pytest.fixture(scope="module")
def font() -> Path:
    path = _font()
    if path is None:
        pytest.skip("no DejaVuSans.ttf under /usr/share/fonts: install fonts-dejavu-core "
                    "(a Unicode TTF is needed for å, ä, ö in the generated PDF)")
    return path


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory: pytest.TempPathFactory, font: Path) -> tuple[Path, int]:
    lines = DEFAULT_ANNEX.read_text(encoding="utf-8").split("\n")
    path = tmp_path_factory.mktemp("pdf") / "bilaga.pdf"
    pages = build_pdf(path, lines, font)
    assert pages == math.ceil(len(lines) / LINES_PER_PAGE)
    return path, pages


@pytest.fixture(scope="module")
def pdf_annex(pdf_file: tuple[Path, int]) -> Annex:
    return parse_file(pdf_file[0])


@pytest.fixture(scope="module")
def text_annex() -> Annex:
    return parse_file(DEFAULT_ANNEX)


# -- the fixture itself ------------------------------------------------------------------


def test_fixture_pdf_holds_the_annex_text(pdf_file: tuple[Path, int]) -> None:
    from pypdf import PdfReader

    path, pages = pdf_file
    reader = PdfReader(str(path))
    assert len(reader.pages) == pages == 47
    extracted = [p.extract_text() for p in reader.pages]
    original = DEFAULT_ANNEX.read_text(encoding="utf-8")
    assert normalize_ws(" ".join(extracted)) == normalize_ws(original)
    # No line was wrapped: each page holds (at most) its 45 source lines, in order.
    lines = original.split("\n")
    for number, text in enumerate(extracted):
        chunk = lines[number * LINES_PER_PAGE:(number + 1) * LINES_PER_PAGE]
        assert normalize_ws(text) == normalize_ws(" ".join(chunk))


# -- structure --------------------------------------------------------------------------


def test_pdf_same_administrations(pdf_annex: Annex, text_annex: Annex) -> None:
    def rows(annex: Annex) -> list[tuple[str, str, str, bool]]:
        return [(a.name, a.heading, a.kind, a.has_statement) for a in annex.administrations]

    assert len(pdf_annex.administrations) == 31
    assert rows(pdf_annex) == rows(text_annex)
    assert pdf_annex.source == "bilaga.pdf"


def test_pdf_same_measures(pdf_annex: Annex, text_annex: Annex) -> None:
    assert pdf_annex.measures == text_annex.measures
    assert [r.name for r in pdf_annex.reports] == [r.name for r in text_annex.reports]


def test_pdf_same_numbered_links_per_administration(pdf_annex: Annex,
                                                    text_annex: Annex) -> None:
    """Measures each administration names by number (heading or reference)."""

    def numbered(annex: Annex) -> dict[str, set[tuple[str, str]]]:
        out: dict[str, set[tuple[str, str]]] = {a.name: set() for a in annex.administrations}
        for c in annex.chunks:
            out[c.administration] |= {(m.report, m.number) for m in c.measures
                                      if m.source in ("heading", "reference")}
        return out

    assert numbered(pdf_annex) == numbered(text_annex)


def test_pdf_same_measures_per_administration(pdf_annex: Annex, text_annex: Annex) -> None:
    for pdf_admin, text_admin in zip(pdf_annex.administrations, text_annex.administrations,
                                     strict=True):
        assert pdf_admin.measures == text_admin.measures, pdf_admin.name


def test_pdf_statements_and_headings_found(pdf_annex: Annex) -> None:
    """What does not need paragraph breaks already holds for a PDF."""
    utb = pdf_annex.administration("Utbildningsförvaltningen")
    assert [m.number for m in utb.measures] == [
        "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.3.1", "6.3.2", "6.3.3", "6.4.1", "6.4.2",
        "6.4.3", "6.4.4", "6.5.1", "6.5.2", "6.5.3", "6.6.1", "6.6.2"]
    assert pdf_annex.administration("Idrottsförvaltningen").heading == "Idrottförvaltningen"
    assert sum(not a.has_statement for a in pdf_annex.administrations) == 10


# -- chunks and pages ----------------------------------------------------------------------


def test_pdf_chunks_have_real_pages(pdf_annex: Annex, pdf_file: tuple[Path, int]) -> None:
    _, pages = pdf_file
    seen = [c.page for c in pdf_annex.chunks]
    assert all(p is not None for p in seen)
    assert seen == sorted(seen)
    assert seen[0] == 1
    assert max(seen) == pages
    for c in pdf_annex.chunks:
        # A chunk cites the page its first line is on; page_approx is the same real page.
        assert c.page == pdf_annex.page_of_line[c.line_start - 1]
        assert c.page_approx == c.page
        assert 1 <= c.page <= pages


def test_pdf_page_of_line_matches_the_layout(pdf_annex: Annex) -> None:
    # The first line of each page of the fixture is source line 45·k + 1 (when not blank).
    lines = DEFAULT_ANNEX.read_text(encoding="utf-8").split("\n")
    pdf_lines = pdf_annex.text.split("\n")
    for k in range(0, len(lines), LINES_PER_PAGE):
        first = next((ln for ln in lines[k:k + LINES_PER_PAGE] if ln.strip()), None)
        if first is None:
            continue
        page = k // LINES_PER_PAGE + 1
        numbers = [i for i, ln in enumerate(pdf_lines)
                   if normalize_ws(ln) == normalize_ws(first)
                   and pdf_annex.page_of_line[i] == page]
        assert numbers, f"{first!r} not found on page {page}"


def test_pdf_chunks_verbatim_and_complete(pdf_annex: Annex) -> None:
    text = pdf_annex.text
    flat = normalize_ws(" ".join(line for number, line in enumerate(text.split("\n"), start=1)
                                 if number not in pdf_annex.marker_lines))
    assert len(pdf_annex.marker_lines) == 7  # "4 (44)", "22 \n(44)", "33 \n(44)", "39 \n(44)"
    ids = [c.id for c in pdf_annex.chunks]
    assert len(ids) == len(set(ids))
    covered = bytearray(len(text))
    for c in pdf_annex.chunks:
        assert normalize_ws(c.text) in flat
        assert c.source == "bilaga.pdf"
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    heads = {a.line_start for a in pdf_annex.administrations}
    for number, line in enumerate(text.split("\n"), start=1):
        if (not line.strip() or number in pdf_annex.marker_lines or number in heads
                or normalize_for_match(line) in GROUP_HEADINGS):
            continue
        start = pdf_annex.line_offsets[number - 1]
        missing = [i for i, ch in enumerate(line) if not ch.isspace() and not covered[start + i]]
        assert not missing, f"PDF line {number} is in no chunk: {line!r}"


# -- bad PDFs -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory: pytest.TempPathFactory, pdf_file: tuple[Path, int]
             ) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    out: dict[str, Path] = {}

    enc = fpdf.FPDF()
    enc.add_page()
    enc.set_font("helvetica", size=12)
    enc.cell(text="Arbetsmarknadsforvaltningen")
    enc.set_encryption(owner_password="agare", user_password="hemligt")
    out["krypterad"] = folder / "krypterad.pdf"
    enc.output(str(out["krypterad"]))

    out["skadad"] = folder / "skadad.pdf"
    out["skadad"].write_bytes(b"%PDF-1.4\n" + random.Random(20160101).randbytes(4096))

    out["avklippt"] = folder / "avklippt.pdf"
    data = pdf_file[0].read_bytes()
    out["avklippt"].write_bytes(data[: len(data) // 2])

    blank = fpdf.FPDF()
    blank.add_page()
    out["tom"] = folder / "tom.pdf"
    blank.output(str(out["tom"]))
    return out


@pytest.mark.parametrize(("case", "words"), [
    ("krypterad", "är krypterad"),
    ("skadad", "kunde inte läsas"),
    ("avklippt", "kunde inte läsas"),
    ("tom", "innehåller ingen text"),
])
def test_bad_pdf_raises_document_error(bad_pdfs: dict[str, Path], case: str,
                                       words: str) -> None:
    path = bad_pdfs[case]
    with pytest.raises(DocumentError) as err:
        parse_file(path)
    message = str(err.value)
    assert path.name in message
    assert words in message


@pytest.mark.parametrize("case", ["krypterad", "skadad", "tom"])
def test_cli_inspect_bad_pdf_fails_cleanly(bad_pdfs: dict[str, Path], case: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "inspect", str(bad_pdfs[case])],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    # pypdf may log its own warnings ("EOF marker not found") first; the error is ours.
    assert result.stderr.strip().splitlines()[-1].startswith("Fel: ")
    assert bad_pdfs[case].name in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
