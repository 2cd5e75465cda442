"""The ingest stage on the real annex: structure, measures, roles, links, pages, chunks.

Every expectation here was checked by reading the annex text itself
(ingest/data/bilaga_hallbarhetskommissionen_namndernas_kommentarer_2016.txt); nothing is copied
from the parser's output.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

import pytest

from ingest.models import Annex, Chunk, Segment
from ingest.parse import DEFAULT_CHUNK_MAX_CHARS, parse_file
from ingest.registry import GROUP_HEADINGS
from ingest.settings import DEFAULT_ANNEX, PROJECT_ROOT
from ingest.structure import TITLE_LINK_THRESHOLD
from ingest.text import normalize_for_match, normalize_ws

SKOLA = "En skola där alla ska lyckas"
DELAD = "Från delad till enad stad"
ALLAS = "Allas rätt till kunskap"
SAMVERKAN = "Stad i samverkan"

FACK_NAMES = [
    "Arbetsmarknadsförvaltningen", "Exploateringskontoret", "Fastighetskontoret",
    "Idrottsförvaltningen", "Kulturförvaltningen", "Kyrkogårdsförvaltningen",
    "Miljöförvaltningen", "Revisionskontoret", "Serviceförvaltningen", "Socialförvaltningen",
    "Stadsarkivet", "Stadsbyggnadskontoret", "Trafikkontoret", "Utbildningsförvaltningen",
    "Valnämnden", "Äldreförvaltningen", "Överförmyndarförvaltningen",
]
DISTRICT_NAMES = [
    "Bromma", "Enskede-Årsta-Vantör", "Farsta", "Hägersten-Liljeholmen", "Hässelby-Vällingby",
    "Kungsholmen", "Norrmalm", "Rinkeby-Kista", "Skarpnäck", "Skärholmen", "Spånga-Tensta",
    "Södermalm", "Älvsjö", "Östermalm",
]
WITHOUT_STATEMENT = {
    "Fastighetskontoret", "Kyrkogårdsförvaltningen", "Revisionskontoret", "Serviceförvaltningen",
    "Socialförvaltningen", "Valnämnden", "Äldreförvaltningen", "Överförmyndarförvaltningen",
    "Kungsholmen", "Spånga-Tensta",
}


@pytest.fixture(scope="module")
def annex() -> Annex:
    return parse_file(DEFAULT_ANNEX)


# -- helpers ----------------------------------------------------------------------------


def marker_spans(annex: Annex) -> list[tuple[int, int]]:
    """Character spans of the page-marker lines (newline included)."""
    spans = []
    for number in sorted(annex.marker_lines):
        start = annex.line_offsets[number - 1]
        end = (annex.line_offsets[number] if number < len(annex.line_offsets)
               else len(annex.text))
        spans.append((start, end))
    return spans


def in_spans(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= offset < b for a, b in spans)


def body_without_markers(annex: Annex, name: str) -> str:
    admin = annex.administration(name)
    spans = marker_spans(annex)
    return "".join(ch for i, ch in enumerate(annex.text[admin.start:admin.end], admin.start)
                   if not in_spans(i, spans))


def chunks_of(annex: Annex, name: str) -> list[Chunk]:
    return [c for c in annex.chunks if c.administration == name]


def offset_of(annex: Annex, name: str, phrase: str) -> int:
    """Offset of a phrase that occurs exactly once in an administration's section."""
    admin = annex.administration(name)
    section = annex.text[admin.start:admin.end]
    hits = [m.start() for m in re.finditer(re.escape(phrase), section)]
    assert len(hits) == 1, f"{phrase!r} occurs {len(hits)} times in {name}"
    return admin.start + hits[0]


def chunk_holding(annex: Annex, name: str, pos: int) -> Chunk:
    found = [c for c in chunks_of(annex, name) if c.start <= pos < c.end]
    assert len(found) == 1, f"{len(found)} chunks hold offset {pos} in {name}"
    return found[0]


def chunk_at(annex: Annex, name: str, phrase: str) -> Chunk:
    return chunk_holding(annex, name, offset_of(annex, name, phrase))


def segment_at(annex: Annex, name: str, phrase: str) -> Segment:
    pos = offset_of(annex, name, phrase)
    chunk = chunk_at(annex, name, phrase)
    found = [s for s in chunk.segments if s.start <= pos < s.end]
    assert len(found) == 1, f"{len(found)} segments hold {phrase!r} in {name}"
    return found[0]


def link_keys(chunk: Chunk, source: str | None = None) -> set[tuple[str, str]]:
    return {(m.report, m.number) for m in chunk.measures if source is None or m.source == source}


def measure_keys(annex: Annex, name: str) -> list[tuple[str, str]]:
    return [m.key for m in annex.administration(name).measures]


# -- administrations -----------------------------------------------------------------------


def test_31_administrations_in_document_order(annex: Annex) -> None:
    assert [a.name for a in annex.administrations] == FACK_NAMES + DISTRICT_NAMES
    kinds = [a.kind for a in annex.administrations]
    assert kinds == ["fackförvaltning"] * 17 + ["stadsdelsförvaltning"] * 14
    lines = [a.line_start for a in annex.administrations]
    assert lines == sorted(lines)


def test_headings_as_written_and_misspelt_idrott(annex: Annex) -> None:
    idrott = annex.administration("Idrottsförvaltningen")
    assert idrott.heading == "Idrottförvaltningen"
    lines = annex.text.split("\n")
    assert lines[idrott.line_start - 1].strip() == "Idrottförvaltningen"
    for admin in annex.administrations:
        assert lines[admin.line_start - 1].strip() == admin.heading
        if admin.name != "Idrottsförvaltningen":
            assert admin.heading == admin.name


def test_administration_metadata(annex: Annex) -> None:
    amf = annex.administration("Arbetsmarknadsförvaltningen")
    assert amf.committee == "arbetsmarknadsnämnden"
    assert "arbetsmarknadsnämnden" in amf.aliases
    skh = annex.administration("Skärholmen")
    assert skh.committee == "Skärholmens stadsdelsnämnd"
    assert "skärholmens stadsdelsnämnd" in skh.aliases
    for admin in annex.administrations:
        assert admin.committee
        assert admin.name.lower() in admin.aliases
        assert admin.start <= admin.end


def test_exactly_ten_without_statement(annex: Annex) -> None:
    without = {a.name for a in annex.administrations if not a.has_statement}
    assert without == WITHOUT_STATEMENT
    for name in WITHOUT_STATEMENT:
        admin = annex.administration(name)
        assert admin.measures == []
        chunks = chunks_of(annex, name)
        assert chunks, f"{name}: the 'saknas' line must still be a chunk"
        assert all(c.roles == ["no_statement"] for c in chunks)
        assert re.fullmatch(r"Skriv(ning|else) saknas\.?", normalize_ws(
            " ".join(c.text for c in chunks)))


def test_sections_follow_each_other(annex: Annex) -> None:
    admins = annex.administrations
    for prev, nxt in itertools.pairwise(admins):
        assert prev.line_end < nxt.line_start
        assert prev.end <= nxt.start


# -- reports and measures --------------------------------------------------------------------


UTB_MEASURES = [
    "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.3.1", "6.3.2", "6.3.3", "6.4.1", "6.4.2", "6.4.3",
    "6.4.4", "6.5.1", "6.5.2", "6.5.3", "6.6.1", "6.6.2",
]
AMF_ALLAS = ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "4.1",
             "5.1", "5.2", "6.1"]
AMF_SKOLA = ["6.3.3", "6.5.1", "6.5.2", "6.5.3"]


def test_reports(annex: Annex) -> None:
    assert [r.name for r in annex.reports] == [SAMVERKAN, SKOLA, DELAD, ALLAS]
    by_report: dict[str, list[str]] = defaultdict(list)
    for m in annex.measures:
        by_report[m.report].append(m.number)
    assert by_report[SKOLA] == UTB_MEASURES
    assert by_report[ALLAS] == AMF_ALLAS
    assert by_report[DELAD] == ["6.1.1", "6.1.2", "6.1.3", "6.2.1", "6.3.1", "6.3.2"]
    assert by_report[SAMVERKAN] == ["4.1.1", "4.1.2", "4.2.1", "4.2.2", "4.3.1", "4.3.2",
                                    "4.4.1", "4.4.2", "4.4.3", "4.5.1", "4.5.2"]
    assert len({m.key for m in annex.measures}) == len(annex.measures) == 48


def test_measure_titles_from_headings(annex: Annex) -> None:
    titles = {m.key: m.title for m in annex.measures}
    assert titles[(ALLAS, "1.4")] == "Stärk studie- och yrkesvägledningen"
    assert titles[(SKOLA, "6.5.3")] == "Etablera fler lokala Community Center"
    assert titles[(SAMVERKAN, "4.1.1")] == "Etablera lotsar för civilsamhället i stadsdelsnämnderna"
    assert titles[(DELAD, "6.3.1")] == "Utveckla modell för socialt värdeskapande analys (SVA)"
    for m in annex.measures:
        assert m.title and "\n" not in m.title and not m.title.endswith(".")


def test_utbildningsforvaltningen_measures(annex: Annex) -> None:
    assert measure_keys(annex, "Utbildningsförvaltningen") == [(SKOLA, n) for n in UTB_MEASURES]


def test_arbetsmarknadsforvaltningen_measures(annex: Annex) -> None:
    expected = [(ALLAS, n) for n in AMF_ALLAS] + [(SKOLA, n) for n in AMF_SKOLA]
    assert measure_keys(annex, "Arbetsmarknadsförvaltningen") == expected


def test_every_addressed_measure_is_in_the_catalogue(annex: Annex) -> None:
    known = set(annex.measures)
    for admin in annex.administrations:
        assert len(set(admin.measures)) == len(admin.measures)
        assert set(admin.measures) <= known
        linked = {k for c in chunks_of(annex, admin.name) for k in link_keys(c)}
        assert {m.key for m in admin.measures} == linked


@pytest.mark.parametrize(("number", "skola_title", "delad_title"), [
    ("6.2.1", "Analysera grundskolans/gymnasieskolans placering",
     "Samordna områdesplaneringen med lokala utvecklingsprogram"),
    ("6.3.1", "Följ upp förstärkningen av elevhälsoarbetet",
     "Utveckla modell för socialt värdeskapande analys"),
    ("6.3.2", "Genomför ett pilotprojekt för att utveckla studie- och yrkesvägledningen",
     "Använd sociala stadsrumsanalyser för att identifiera platser"),
])
def test_same_number_in_two_reports_kept_apart(annex: Annex, number: str, skola_title: str,
                                                delad_title: str) -> None:
    both = {m.report: m.title for m in annex.measures_numbered(number)}
    assert set(both) == {SKOLA, DELAD}
    assert both[SKOLA].startswith(skola_title)
    assert both[DELAD].startswith(delad_title)


def test_exploateringskontoret_answers_both_6_2_1(annex: Annex) -> None:
    keys = measure_keys(annex, "Exploateringskontoret")
    assert (SKOLA, "6.2.1") in keys
    assert (DELAD, "6.2.1") in keys
    titles = {m.report: m.title for m in annex.measures_numbered("6.2.1")}
    # Each block's chunks, heading to answer, carry their own report.
    for phrase, report, other in [
        ("6.2.1 Åtgärd: Samordna områdesplaneringen", DELAD, SKOLA),
        ("Svar: Ett högt bostadsbyggande", DELAD, SKOLA),
        ("Fokus Skärholmen vill Stockholms stad pröva", DELAD, SKOLA),
        ("6.2.1 Åtgärd: Analysera grundskolans", SKOLA, DELAD),
        ("Svar: Exploateringsnämnden ska ha ett nära samarbete", SKOLA, DELAD),
        ("kräver ett nära samarbete mellan berörda nämnder och bolag", SKOLA, DELAD),
    ]:
        chunk = chunk_at(annex, "Exploateringskontoret", phrase)
        assert chunk.report == report, phrase
        assert (report, "6.2.1") in link_keys(chunk, "heading"), phrase
        assert (other, "6.2.1") not in link_keys(chunk), phrase
        assert chunk.measure_titles["6.2.1"] == titles[report], phrase


@pytest.mark.parametrize(("name", "phrase", "report", "number"), [
    ("Utbildningsförvaltningen", "6.3.1 Åtgärd: Följ upp förstärkningen", SKOLA, "6.3.1"),
    ("Utbildningsförvaltningen", "6.3.2 Åtgärd: Genomför ett pilotprojekt", SKOLA, "6.3.2"),
    ("Exploateringskontoret", "6.3.1 Åtgärd: Utveckla modell för socialt", DELAD, "6.3.1"),
    ("Stadsbyggnadskontoret", "6.3.1 Åtgärd: Utveckla proaktiv modell", DELAD, "6.3.1"),
    ("Stadsbyggnadskontoret", "6.3.2 Åtgärd: Använd sociala stadsrumsanalyser", DELAD, "6.3.2"),
    ("Skärholmen", "6.3.1 Utveckla modell för socialt", DELAD, "6.3.1"),
    ("Skärholmen", "6.3.2 Använd sociala stadsrumsanalyser", DELAD, "6.3.2"),
    ("Skärholmen", "6.2.1 Samordna områdesplanering med lokala", DELAD, "6.2.1"),
    ("Stadsbyggnadskontoret", "6.2.1 Åtgärd: Samordna områdesplanering med", DELAD, "6.2.1"),
])
def test_shared_numbers_resolve_to_the_right_report(annex: Annex, name: str, phrase: str,
                                                     report: str, number: str) -> None:
    chunk = chunk_at(annex, name, phrase)
    assert chunk.report == report
    numbered = {(r, n) for (r, n) in link_keys(chunk) if n == number}
    assert numbered == {(report, number)}
    assert (report, number) in measure_keys(annex, name)
    other = SKOLA if report == DELAD else DELAD
    assert (other, number) not in measure_keys(annex, name)


def _keys(report: str, numbers: str) -> list[tuple[str, str]]:
    return [(report, n) for n in numbers.split()]


# Sections whose measures are all named by number (headings or "(4.1.1)"-style references),
# in the order the text first names them.
@pytest.mark.parametrize(("name", "expected"), [
    ("Hässelby-Vällingby",  # "(4.1.2.)" has a trailing dot; "Delrapport - En skola där alla
     # lyckas" and "Delrapport - Från delad till enad stad" switch the report.
     _keys(SAMVERKAN, "4.1.1 4.1.2 4.2.1 4.2.2 4.3.1 4.3.2 4.4.1 4.5.1")
     + _keys(SKOLA, "6.4.4 6.5.1 6.5.3") + _keys(DELAD, "6.2.1")),
    ("Södermalm",
     _keys(SAMVERKAN, "4.1.1 4.2.1 4.2.2 4.3.1 4.3.2 4.5.1") + _keys(SKOLA, "6.4.2 6.4.4")
     + _keys(DELAD, "6.2.1")),
    ("Norrmalm",
     _keys(SAMVERKAN, "4.1.1 4.2.1 4.2.2 4.3.1 4.3.2") + _keys(DELAD, "6.2.1")
     + _keys(SKOLA, "6.4.2")),
    ("Hägersten-Liljeholmen",  # "(åtgärd \n 4.3.2)" breaks over a line
     _keys(SAMVERKAN, "4.1.1 4.5.1 4.1.2 4.2.1 4.2.2 4.3.2 4.5.2") + _keys(DELAD, "6.2.1")
     + _keys(SKOLA, "6.4.2 6.4.4")),
    ("Skärholmen",  # headings without "Åtgärd:"; "4.3.1 / 4.3.2" names two
     _keys(SAMVERKAN, "4.1.1 4.1.2 4.3.1 4.3.2 4.4.1 4.4.3 4.5.1 4.5.2")
     + _keys(DELAD, "6.1.3 6.2.1 6.3.1 6.3.2") + _keys(SKOLA, "6.4.2 6.4.4 6.5.1 6.5.2 6.5.3")),
    ("Stadsbyggnadskontoret",  # no report named anywhere in the section
     _keys(DELAD, "6.1.1 6.1.2 6.1.3 6.2.1 6.3.1 6.3.2")),
])
def test_measures_named_by_number(annex: Annex, name: str,
                                  expected: list[tuple[str, str]]) -> None:
    assert measure_keys(annex, name) == expected
    linked = {(m.report, m.number) for c in chunks_of(annex, name) for m in c.measures
              if m.source != "title"}
    assert linked == set(expected)


@pytest.mark.parametrize(("name", "expected"), [
    # "Nämnden är berörd av två åtgärder; • Styr forskningsnära samverkan … • Genomför
    # utbildningsinsatser …" in a text about "Från delad till enad stad".
    ("Miljöförvaltningen", _keys(DELAD, "6.1.1 6.1.2")),
    # "… görs stadsdelsnämnderna huvudansvariga för att inrätta lokala Community Centers"
    ("Rinkeby-Kista", _keys(SKOLA, "6.5.3")),
])
def test_measures_found_by_wording(annex: Annex, name: str,
                                   expected: list[tuple[str, str]]) -> None:
    assert measure_keys(annex, name) == expected
    sources = {m.source for c in chunks_of(annex, name) for m in c.measures}
    assert sources == {"title"}


def test_report_variants_are_quoted_from_the_text(annex: Annex) -> None:
    flat = normalize_ws(annex.text)
    for report in annex.reports:
        assert report.variants, report.name
        for written in report.variants:
            assert written in flat, written
    skola = next(r for r in annex.reports if r.name == SKOLA)
    assert "Delrapport - En skola där alla lyckas" in skola.variants


def test_trafikkontoret_prose_references(annex: Annex) -> None:
    # "Vad gäller åtgärd 6.1.1 …", "Gällande åtgärd 6.3.1 …", "åtgärderna 6.1.2 … och 6.3.2"
    # in a text about "Från delad till enad stad".
    assert set(measure_keys(annex, "Trafikkontoret")) == {
        (DELAD, "6.1.1"), (DELAD, "6.1.2"), (DELAD, "6.3.1"), (DELAD, "6.3.2")}


# -- chunks: verbatim, complete, unique --------------------------------------------------------


def test_chunk_text_is_verbatim_from_its_section(annex: Annex) -> None:
    bodies = {a.name: normalize_ws(body_without_markers(annex, a.name))
              for a in annex.administrations}
    for chunk in annex.chunks:
        text = normalize_ws(chunk.text)
        assert text, chunk.id
        assert text in bodies[chunk.administration], chunk.id
        # The chunk's text is exactly its span minus page-marker lines.
        spans = marker_spans(annex)
        raw = "".join(ch for i, ch in enumerate(annex.text[chunk.start:chunk.end], chunk.start)
                      if not in_spans(i, spans))
        assert normalize_ws(raw) == text, chunk.id


def test_chunks_cover_every_character_once(annex: Annex) -> None:
    spans = marker_spans(annex)
    for admin in annex.administrations:
        chunks = sorted(chunks_of(annex, admin.name), key=lambda c: c.start)
        for a, b in itertools.pairwise(chunks):
            assert a.end <= b.start, f"{admin.name}: {a.id} overlaps {b.id}"
        for c in chunks:
            assert admin.start <= c.start < c.end <= admin.end, c.id
        covered = [False] * (admin.end - admin.start)
        for c in chunks:
            for i in range(c.start, c.end):
                covered[i - admin.start] = True
        lost = [i for i in range(admin.start, admin.end)
                if not annex.text[i].isspace() and not in_spans(i, spans)
                and not covered[i - admin.start]]
        assert not lost, f"{admin.name}: {annex.text[lost[0]:lost[0] + 60]!r} is in no chunk"
        # No chunk holds page-marker characters as text.
        for c in chunks:
            assert "(44)" not in c.text


def test_whole_document_is_accounted_for(annex: Annex) -> None:
    """Outside the chunks only whitespace, page markers and heading lines remain."""
    covered = bytearray(len(annex.text))
    for c in annex.chunks:
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    admin_heads = {a.line_start for a in annex.administrations}
    for number, line in enumerate(annex.text.split("\n"), start=1):
        start = annex.line_offsets[number - 1]
        if not line.strip() or number in annex.marker_lines or number in admin_heads:
            continue
        if normalize_for_match(line) in GROUP_HEADINGS:
            continue
        missing = [i for i, ch in enumerate(line) if not ch.isspace() and not covered[start + i]]
        assert not missing, f"line {number} not in any chunk: {line!r}"


def test_chunk_order_follows_the_document(annex: Annex) -> None:
    starts = [c.start for c in annex.chunks]
    assert starts == sorted(starts)
    names = [a.name for a in annex.administrations]
    order = [names.index(c.administration) for c in annex.chunks]
    assert order == sorted(order)


def test_chunk_ids_unique_and_stable(annex: Annex) -> None:
    ids = [c.id for c in annex.chunks]
    assert len(ids) == len(set(ids))
    again = parse_file(DEFAULT_ANNEX)
    assert [c.id for c in again.chunks] == ids
    assert [(c.start, c.end) for c in again.chunks] == [(c.start, c.end) for c in annex.chunks]


def test_chunk_fields(annex: Annex) -> None:
    kinds = {a.name: (a.kind, a.committee) for a in annex.administrations}
    for c in annex.chunks:
        assert c.source == DEFAULT_ANNEX.name
        assert (c.kind, c.committee) == kinds[c.administration]
        assert c.segments, c.id
        assert c.line_start <= c.line_end
        assert annex.line_offsets[c.line_start - 1] <= c.start
        for s in c.segments:
            assert c.start <= s.start < s.end <= c.end, c.id
            assert c.line_start <= s.line_start <= s.line_end <= c.line_end, c.id
            assert not annex.text[s.start].isspace() and not annex.text[s.end - 1].isspace()
        for a, b in itertools.pairwise(c.segments):
            assert a.end <= b.start, c.id
        for link in c.measures:
            assert link.number in c.measure_titles
        embedded = c.embed_text()
        assert embedded.startswith(c.administration) and embedded.endswith(c.text)


def test_chunks_within_budget(annex: Annex) -> None:
    # chunking measures a span as len(normalize_ws(text without page markers)) == chunk.text
    sizes = [len(normalize_ws(c.text)) for c in annex.chunks]
    assert max(sizes) <= DEFAULT_CHUNK_MAX_CHARS
    # …and the budget is used: long answers are cut into several chunks.
    assert sum(1 for s in sizes if s > DEFAULT_CHUNK_MAX_CHARS // 2) > 100


# -- roles ---------------------------------------------------------------------------------


def test_amf_1_1_roles(annex: Annex) -> None:
    amf = "Arbetsmarknadsförvaltningen"
    heading = segment_at(annex, amf, "1.1 Åtgärd: Etablera ett nära")
    assert heading.role == "heading"
    desc = segment_at(annex, amf, "Eftersom forskningen om kortutbildade")
    assert desc.role == "description" and desc.label == ""
    ongoing = segment_at(annex, amf, "Pågående arbete: Arbetsmarknadsnämnden har flera")
    assert ongoing.role == "ongoing" and ongoing.label == "Pågående arbete"
    answer = segment_at(annex, amf, "Kommentar: Nämnden delar kommissionens bedömning och har")
    assert answer.role == "answer" and answer.label == "Kommentar"
    assert annex.text[answer.start:].startswith("Kommentar:")
    assert annex.text[answer.start:answer.end].endswith("kompetensutveckling för personal.")
    for seg in (heading, desc, ongoing, answer):
        chunk = chunk_holding(annex, amf, seg.start)
        assert link_keys(chunk) == {(ALLAS, "1.1")}


def test_amf_6_1_inline_kommentar_starts_mid_line(annex: Annex) -> None:
    amf = "Arbetsmarknadsförvaltningen"
    pos = offset_of(annex, amf, "Kommentar: Nämnden delar bedömningen att stärkt")
    line_start = annex.text.rfind("\n", 0, pos) + 1
    assert annex.text[line_start:pos].strip().endswith("partnerskap.")
    answer = segment_at(annex, amf, "Kommentar: Nämnden delar bedömningen att stärkt")
    assert answer.role == "answer" and answer.start == pos
    before = segment_at(annex, amf, "Det finns goda förutsättningar att inleda")
    assert before.role == "ongoing" and before.end <= pos


def test_amf_ansvarig_is_responsible(annex: Annex) -> None:
    seg = segment_at(annex, "Arbetsmarknadsförvaltningen",
                     "Ansvarig: Arbetsmarknadsnämnden och utbildningsnämnden")
    assert seg.role == "responsible"


def test_utbildningsforvaltningen_hantering_is_answer(annex: Annex) -> None:
    name = "Utbildningsförvaltningen"
    admin = annex.administration(name)
    section = annex.text[admin.start:admin.end]
    hits = [admin.start + m.start() for m in re.finditer("Hantering:", section)]
    assert len(hits) == 16  # one per measure
    segments = [s for c in chunks_of(annex, name) for s in c.segments]
    for pos in hits:
        seg = next(s for s in segments if s.start <= pos < s.end)
        assert seg.role == "answer" and seg.label == "Hantering" and seg.start == pos
    assert segment_at(annex, name, "Ansvarig: Utbildningsnämnden i samverkan").role == \
        "responsible"


def test_idrottsforvaltningen_unlabelled_text_is_its_own_prose(annex: Annex) -> None:
    name = "Idrottsförvaltningen"
    for phrase in ["Idrottsnämnden kan bidra med kunskap och kompetens i det kommande arbetet med",
                   "Många föreningar efterfrågar", "Idrottsnämndens roll är i detta uppdrag"]:
        assert segment_at(annex, name, phrase).role == "prose", phrase
    roles = {s.role for c in chunks_of(annex, name) for s in c.segments}
    assert roles == {"report_heading", "prose", "heading"}
    assert measure_keys(annex, name) == [(SAMVERKAN, "4.2.1"), (SAMVERKAN, "4.2.2"),
                                         (SAMVERKAN, "4.4.3")]


def test_exploateringskontoret_beskrivning_and_svar(annex: Annex) -> None:
    name = "Exploateringskontoret"
    admin = annex.administration(name)
    section = annex.text[admin.start:admin.end]
    segments = [s for c in chunks_of(annex, name) for s in c.segments]
    for label, role, count in [("Beskrivning", "description", 6), ("Svar", "answer", 6),
                               ("Ansvarig", "responsible", 6)]:
        hits = [admin.start + m.start() for m in re.finditer(label + ":", section)]
        assert len(hits) == count, label
        for pos in hits:
            seg = next(s for s in segments if s.start <= pos < s.end)
            assert (seg.role, seg.label, seg.start) == (role, label, pos)
    # Answer text that runs on after a paragraph break keeps its role.
    assert segment_at(annex, name, "I projektet kommer SP Sveriges").role == "answer"


def test_own_words_never_labelled_as_commission(annex: Annex) -> None:
    # "Kommentar:"/"Svar:"/"Hantering:" segments are answers wherever they occur.
    for c in annex.chunks:
        for s in c.segments:
            head = annex.text[s.start:s.start + 12]
            if re.match(r"(Kommentar|Svar|Hantering)\s*:", head):
                assert s.role == "answer", (c.administration, head)
            if re.match(r"(Beskrivning)\s*:", head):
                assert s.role == "description"


# -- links -------------------------------------------------------------------------------------


def test_hagersten_reference_link(annex: Annex) -> None:
    chunk = chunk_at(annex, "Hägersten-Liljeholmen", "(åtgärd 4.1.1)")
    assert (SAMVERKAN, "4.1.1") in link_keys(chunk, "reference")
    assert segment_at(annex, "Hägersten-Liljeholmen", "(åtgärd 4.1.1)").role == "prose"
    assert set(measure_keys(annex, "Hägersten-Liljeholmen")) >= {
        (SAMVERKAN, "4.1.1"), (SAMVERKAN, "4.1.2"), (SAMVERKAN, "4.5.1"), (DELAD, "6.2.1"),
        (SKOLA, "6.4.2"), (SKOLA, "6.4.4")}


def test_norrmalm_range_expands(annex: Annex) -> None:
    chunk = chunk_at(annex, "Norrmalm", "(4.2.1 - 4.2.2)")
    refs = link_keys(chunk, "reference")
    assert {(SAMVERKAN, "4.2.1"), (SAMVERKAN, "4.2.2")} <= refs
    # 4.2.2 is named nowhere else in Norrmalm: only the range can have produced it.
    admin = annex.administration("Norrmalm")
    assert annex.text[admin.start:admin.end].count("4.2.2") == 1


def test_enskede_lotsfunktion_title_link(annex: Annex) -> None:
    name = "Enskede-Årsta-Vantör"
    chunk = chunk_at(annex, name, "Bland annat föreslås en lotsfunktion")
    titles = [m for m in chunk.measures if m.source == "title"]
    lots = [m for m in titles if (m.report, m.number) == (SAMVERKAN, "4.1.1")]
    assert lots and lots[0].score >= TITLE_LINK_THRESHOLD
    assert not link_keys(chunk, "reference") and not link_keys(chunk, "heading")


def test_ostermalm_listed_headings_share_the_kommentar(annex: Annex) -> None:
    name = "Östermalm"
    listed = {(SAMVERKAN, n) for n in
              ["4.1.1", "4.1.2", "4.2.1", "4.2.2", "4.3.1", "4.3.2", "4.4.1", "4.5.1"]}
    holding = [c for c in chunks_of(annex, name)
               if any(s.role == "answer" and s.label == "Kommentar" for s in c.segments)]
    assert holding
    assert annex.text[min(s.start for c in holding for s in c.segments
                          if s.role == "answer"):].startswith("Kommentar: Förvaltningen har")
    for c in holding:
        assert link_keys(c, "heading") == listed
    assert set(measure_keys(annex, name)) == listed
    # The listed headings are headings, not the administration's answer.
    assert segment_at(annex, name, "4.3.1 Åtgärd: Initiera lokal").role == "heading"


def test_kulturforvaltningen_4_4_2_links_6_5_3(annex: Annex) -> None:
    name = "Kulturförvaltningen"
    block = [c for c in chunks_of(annex, name) if (SAMVERKAN, "4.4.2") in link_keys(c)]
    assert block
    assert chunk_at(annex, name, "4.4.2 Åtgärd: Stärk bibliotekens") in block
    for c in block:
        assert (SKOLA, "6.5.3") in link_keys(c, "reference")
        assert (SAMVERKAN, "4.4.2") in link_keys(c, "heading")


def test_reference_links_name_real_measures(annex: Annex) -> None:
    known = {m.key for m in annex.measures}
    for c in annex.chunks:
        for link in c.measures:
            assert (link.report, link.number) in known
            assert link.source in {"heading", "reference", "title"}
            if link.source == "title":
                assert TITLE_LINK_THRESHOLD <= link.score <= 1.0
            else:
                assert link.score == 1.0


# -- pages --------------------------------------------------------------------------------------


def shown_markers(annex: Annex) -> dict[int, int]:
    """Marker lines and the page each shows, read off the text: "4 (44)", "22 \\n(44)"."""
    lines = annex.text.split("\n")
    shown: dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        if m := re.fullmatch(r"\s*(\d+)\s*\(44\)\s*", line):
            shown[number] = int(m.group(1))
        elif (m := re.fullmatch(r"\s*(\d+)\s*", line)) and re.fullmatch(
                r"\s*\(44\)\s*", lines[number]):
            shown[number] = shown[number + 1] = int(m.group(1))
    return shown


def test_page_markers_found(annex: Annex) -> None:
    shown = shown_markers(annex)
    assert sorted(set(shown.values())) == [4, 22, 33, 39]
    assert set(annex.marker_lines) == set(shown)


def test_chunks_spanning_a_marker_show_its_page(annex: Annex) -> None:
    shown = shown_markers(annex)
    spanning = 0
    for c in annex.chunks:
        pages = [p for n, p in shown.items() if c.line_start <= n <= c.line_end]
        if pages:
            spanning += 1
            assert c.page == pages[0], c.id
        else:
            assert c.page is None, c.id  # plain text shows no other pages
    assert spanning >= 2  # "4 (44)" and "39 (44)" fall inside paragraphs


def test_split_marker_22(annex: Annex) -> None:
    shown = shown_markers(annex)
    split = sorted(n for n, p in shown.items() if p == 22)
    assert len(split) == 2 and split[1] == split[0] + 1
    for c in annex.chunks:
        if c.line_start <= split[1] and c.line_end >= split[0]:
            assert c.page == 22
    # The marker sits between Trafikkontoret's last paragraph and Utbildningsförvaltningen:
    # the chunks on either side are estimated to pages 21–22 and 22.
    before = [c for c in annex.chunks if c.line_end < split[0]][-1]
    after = next(c for c in annex.chunks if c.line_start > split[1])
    assert after.administration == "Utbildningsförvaltningen"
    assert after.page_approx == 22
    assert before.page_approx in (21, 22)


def test_page_approx_monotonic(annex: Annex) -> None:
    pages = [c.page_approx for c in annex.chunks]
    assert all(p is not None and 1 <= p <= 44 for p in pages)
    assert pages == sorted(pages)
    assert pages[0] <= 4 and pages[-1] >= 39
    shown = shown_markers(annex)
    for c in annex.chunks:
        for n, p in shown.items():
            if c.line_start > n:
                assert c.page_approx >= p, c.id


# -- CLI ------------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_inspect_json(annex: Annex) -> None:
    result = run_cli("inspect", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [a["name"] for a in data["administrations"]] == [a.name for a in annex.administrations]
    for row, admin in zip(data["administrations"], annex.administrations, strict=True):
        assert row["kind"] == admin.kind
        assert row["committee"] == admin.committee
        assert row["has_statement"] is admin.has_statement
        assert row["measures"] == [
            {"report": m.report, "number": m.number, "title": m.title} for m in admin.measures]
    utb = next(a for a in data["administrations"] if a["name"] == "Utbildningsförvaltningen")
    assert [m["number"] for m in utb["measures"]] == UTB_MEASURES
    assert [r["name"] for r in data["reports"]] == [SAMVERKAN, SKOLA, DELAD, ALLAS]
    assert sum(len(r["measures"]) for r in data["reports"]) == 48


def test_cli_inspect_table() -> None:
    result = run_cli("inspect")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "31 förvaltningar" in out
    assert "17 fackförvaltningar" in out and "14 stadsdelsförvaltningar" in out
    assert "10 utan skrivelse" in out and "48 åtgärder" in out
    assert re.search(r"^Idrottsförvaltningen\s+fackförvaltning\s+ja\s+4\.2\.1, 4\.2\.2, 4\.4\.3$",
                     out, re.M)
    assert re.search(r"^Kungsholmen\s+stadsdelsförvaltning\s+nej\s+-$", out, re.M)
