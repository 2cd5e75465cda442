"""Feedback lines, Markdown escaping and export, the stance table and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from retrieval.export import (
    WORD_JOINER,
    answer_markdown,
    conversation_markdown,
    document_blocks,
    escape_markdown,
    group_window,
    measure_key,
    not_commented,
    paragraphs_markdown,
    source_line,
    stance_record,
    stance_table,
    stances_csv,
)
from retrieval.feedback import FeedbackError, read, record
from retrieval.service import Service
from retrieval.stance import INGEN

HOSTILE = "<script>alert(1)</script> ![x](http://example.invalid/x.png) [l](javascript:x) `c` $x$"

CITATION = {
    "n": 1, "id": "g1", "chunk_id": "c1", "text": "Nämnden är positiv *verkligen*.",
    "passage_text": "4.1.1 Etablera lotsar\nNämnden är positiv.", "administration": "Farsta",
    "kind": "stadsdelsförvaltning", "committee": "Farsta stadsdelsnämnd",
    "report": "Stad i samverkan", "measure": "4.1.1",
    "measure_title": "Etablera lotsar för civilsamhället i stadsdelsnämnderna", "page": None,
    "page_approx": 28, "line_start": 1350, "line_end": 1352, "source": "bilaga.txt",
}
ANSWER = {"question": "Vad tycker Farsta om lotsar?", "mode": "offline", "grounded": True,
          "answer": "**Farsta** om åtgärd 4.1.1: **positiv**.\n- ”Nämnden är positiv.” [1]",
          "notices": [], "citations": [CITATION], "nearby": [], "passages": []}


def _unescaped(markdown: str, token: str) -> bool:
    """True when `token` occurs with its first character not backslash-escaped."""
    return re.search(r"(?<!\\)" + re.escape(token[0]) + re.escape(token[1:]), markdown) \
        is not None


# -- escaping ---------------------------------------------------------------------------
def test_escape_markdown_neutralises_html_images_links_code_and_latex() -> None:
    out = escape_markdown(HOSTILE)
    for token in ("<script", "![", "](", "`", "$x", "[l]"):
        assert not _unescaped(out, token), token
    # Every escape is a backslash before the original character: nothing is lost.
    assert re.sub(r"\\(.)", r"\1", out).replace(WORD_JOINER, "") == HOSTILE
    assert "http" + WORD_JOINER + "\\:" in out  # no bare URL for GFM to link


def test_answer_markdown_keeps_the_answerers_emphasis_and_bullets_only() -> None:
    text = ("**Farsta** om åtgärd 4.1.1 *Etablera lotsar*: **positiv**.\n"
            f"- ”{HOSTILE}” [1]\n\n5 av 14 är positiva.")
    out = answer_markdown(text)
    assert out.startswith("**Farsta** om åtgärd 4\\.1\\.1 *Etablera lotsar*\\: **positiv**\\.")
    assert "\n- ”\\<script\\>" in out
    assert "\\[1\\]" in out
    for token in ("<script", "![", "](", "[1]"):
        assert not _unescaped(out, token), token


def test_paragraphs_keep_paragraphs_and_bullets_and_join_wrapped_lines() -> None:
    text = "Första raden\nfortsätter här.  \n\n• Punkt ett\n• Punkt två\n\n   Sista #1"
    assert paragraphs_markdown(text) == (
        "Första raden fortsätter här\\.\n\n• Punkt ett  \n• Punkt två\n\nSista \\#1")


def test_source_line_names_who_where_and_page() -> None:
    assert source_line(CITATION) == (
        "Farsta (Farsta stadsdelsnämnd) – Stad i samverkan – åtgärd 4.1.1 Etablera lotsar för "
        "civilsamhället i stadsdelsnämnderna – ca s. 28 – rad 1350–1352")
    exact = {**CITATION, "page": 7, "line_end": 1350}
    assert source_line(exact).endswith("– s. 7 – rad 1350")


# -- export -----------------------------------------------------------------------------
def test_conversation_markdown_holds_questions_quotes_and_sources() -> None:
    turns = [
        {"question": "Vad tycker Farsta om lotsar?", "searched": None, "answer": ANSWER},
        {"question": "Och <b>Solna</b>?", "searched": "Vad tycker Solna om lotsar?",
         "filters": "Farsta", "answer": {**ANSWER, "grounded": False, "citations": [],
                                         "answer": "Det framgår inte av bilagan.",
                                         "nearby": [{"administration": "Farsta",
                                                     "text": "Närliggande text."}],
                                         "notices": ["Frågan kortades."]}},
        {"question": "?", "searched": None, "answer": None, "error": "Skriv en fråga."},
    ]
    md = conversation_markdown(turns)
    assert md.startswith("# Nämndsvar – samtal")
    assert "## Fråga 1: Vad tycker Farsta om lotsar?" in md
    assert "> ”Nämnden är positiv \\*verkligen\\*\\.”" in md
    assert "Farsta \\(Farsta stadsdelsnämnd\\) – Stad i samverkan – åtgärd 4\\.1\\.1" in md
    assert "bilaga\\.txt" in md
    assert "## Fråga 2: Och \\<b\\>Solna\\</b\\>?" in md
    assert "*Kompletterad fråga: Vad tycker Solna om lotsar?*" in md
    assert "Närliggande avsnitt (stöder inget svar)" in md
    assert "OBS: Frågan kortades" in md
    assert "Skriv en fråga" in md
    assert conversation_markdown([]).startswith("# Nämndsvar")


# -- feedback ---------------------------------------------------------------------------
def test_record_appends_one_json_line_per_rating(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "feedback.jsonl"
    first = record(path, "Vad tycker Farsta om lotsar?", ANSWER, "up")
    record(path, "Vad tycker Farsta om lotsar?", ANSWER, 0, comment="Fel citat")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    entries = [json.loads(line) for line in lines]
    assert entries == read(path)
    assert entries[0] == first
    assert {"timestamp", "question", "answer", "citations", "rating"} <= set(entries[0])
    assert entries[0]["rating"] == "up" and entries[1]["rating"] == "down"
    assert entries[1]["comment"] == "Fel citat"
    assert entries[0]["citations"][0]["administration"] == "Farsta"
    assert entries[0]["citations"][0]["text"] == CITATION["text"]
    assert entries[0]["answer"] == ANSWER["answer"]


def test_record_rejects_unknown_ratings_and_reports_unwritable_paths(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        record(tmp_path / "f.jsonl", "q", ANSWER, "maybe")
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(FeedbackError, match="kunde inte sparas"):
        record(blocked / "feedback.jsonl", "q", ANSWER, "up")
    assert read(tmp_path / "missing.jsonl") == []


# -- stances and the document on the indexed annex --------------------------------------
@pytest.fixture
def service(fake_index) -> Service:
    settings, embedder, _ = fake_index
    return Service.from_settings(settings, embedder=embedder)


def test_stance_table_has_every_measure_by_report_and_a_label_per_cell(service) -> None:
    stances, measures = service.stances(), service.measures()
    admins = list(dict.fromkeys(a.name for a in service.administrations()))
    table = stance_table(stances, measures, admins)
    frame = table.frame()
    assert list(frame.columns[:2]) == ["Delrapport", "Åtgärd"]
    assert list(frame.columns[2:]) == admins
    assert len(frame) == len(measures) == len(table.keys)
    reports = list(frame["Delrapport"])
    assert reports == sorted(reports, key=reports.index)  # grouped: each report one run
    row = table.keys.index(measure_key("Allas rätt till kunskap", "1.1"))
    assert frame.loc[row, "Arbetsmarknadsförvaltningen"] == "positiv"
    assert set(frame["Valnämnden"]) == {INGEN}
    one = stance_table(stances, measures, admins, number_key=table.keys[row])
    assert one.keys == [table.keys[row]]
    by_report = stance_table(stances, measures, admins, report="Stad i samverkan")
    assert set(by_report.frame()["Delrapport"]) == {"Stad i samverkan"}


def test_not_commented_lists_silent_and_quiet_administrations(service) -> None:
    stances = service.stances()
    admins = list(dict.fromkeys(a.name for a in service.administrations()))
    silent, quiet = not_commented(stances, admins, measure_key("Stad i samverkan", "4.1.1"))
    assert "Valnämnden" in silent and "Kungsholmen" in silent
    assert "Skärholmen" not in silent + quiet  # it speaks of 4.1.1
    assert not set(silent) & set(quiet)
    spoke = {s.administration for s in stances if s.number == "4.1.1"
             and s.report == "Stad i samverkan"}
    assert set(admins) == spoke | set(silent) | set(quiet)


def test_stances_csv_has_a_row_per_stance_with_its_source(service) -> None:
    stances = service.stances()
    records = [stance_record(s, service.index) for s in stances]
    rows = list(csv.DictReader(io.StringIO(stances_csv(records))))
    assert len(rows) == len(stances)
    first = next(r for r in rows if r["förvaltning"] == "Arbetsmarknadsförvaltningen"
                 and r["åtgärd"] == "1.1")
    assert first["ställningstagande"] == "positiv"
    assert first["citat"].startswith("Nämnden delar kommissionens bedömning")
    assert int(first["rad från"]) > 0 and first["källa"].endswith(".txt")
    assert first["åtgärdens titel"].startswith("Etablera ett nära")


def test_document_blocks_follow_the_section_and_window_the_cited_passage(service) -> None:
    chunks = service.section_chunks("Skärholmen")
    blocks = document_blocks(chunks, service.index.layouts)
    headings = [b.text for b in blocks if b.role == "heading"]
    assert headings[0].startswith("4.1.1 Etablera lotsar")
    assert [b.line_start for b in blocks] == sorted(b.line_start for b in blocks)
    group = next(b.group for b in blocks if b.role == "heading")
    window = group_window(blocks, group, around=1)
    groups = list(dict.fromkeys(b.group for b in window))
    assert group in groups and len(groups) <= 3
    assert group_window(blocks, "unknown") == blocks
