"""Fast unit tests of the ingest stage on small hand-written annex texts."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.errors import DocumentError
from ingest.models import Annex, Chunk, Segment
from ingest.parse import parse_file, parse_source
from ingest.registry import (
    FACK,
    KNOWN_ADMINISTRATIONS,
    STADSDEL,
    aliases_for,
    find_known,
    genitive,
    reports_mentioned,
)
from ingest.source import SourceText, read_source
from ingest.text import normalize_ws

ALLAS = "Allas rätt till kunskap"
SAMVERKAN = "Stad i samverkan"

MINI = """\
 Fackförvaltningar

Arbetsmarknadsförvaltningen

Rapport: Arbete och försörjning – Allas rätt till kunskap. Kortutbildade inom vuxenutbildningen

1.1 Åtgärd: Etablera ett nära och långsiktigt samarbete med akademin.

Ett samarbete med akademin kan stimulera lärarna och ge möjligheter till fortbildning.

Pågående arbete: Nämnden har flera etablerade forskningskontakter.

    7 (44)

Kommentar: Nämnden delar kommissionens bedömning och avser att samarbeta med en hög-
skola under planperioden.

Idrottförvaltningen

Delrapporten ”Stad i samverkan – Stockholms stad och civilsamhället”

4.1.1 Åtgärd: Etablera lotsar för civilsamhället i stadsdelsnämnderna.

Idrottsnämnden kan bidra med kunskap om föreningslivet i det kommande arbetet.

Valnämnden

Skrivelse saknas.

Stadsdelsförvaltningar

Hägersten-Liljeholmen

Kommissionen föreslår i rapporten Stad i samverkan att inrätta lotsar för
civilsamhället (åtgärd 4.1.1). Förvaltningen ser positivt på förslaget men
behöver mer resurser.
"""


def source(text: str, name: str = "mini.txt") -> SourceText:
    return SourceText(name, text, [None] * (text.count("\n") + 1))


@pytest.fixture(scope="module")
def mini() -> Annex:
    return parse_source(source(MINI))


def chunks_of(annex: Annex, name: str) -> list[Chunk]:
    return [c for c in annex.chunks if c.administration == name]


def segment_with(annex: Annex, phrase: str) -> tuple[Chunk, Segment]:
    pos = annex.text.index(phrase)
    assert annex.text.count(phrase) == 1
    for c in annex.chunks:
        for s in c.segments:
            if s.start <= pos < s.end:
                return c, s
    raise AssertionError(f"{phrase!r} is in no segment")


# -- structure --------------------------------------------------------------------------------


def test_mini_administrations(mini: Annex) -> None:
    rows = [(a.name, a.heading, a.kind, a.has_statement) for a in mini.administrations]
    assert rows == [
        ("Arbetsmarknadsförvaltningen", "Arbetsmarknadsförvaltningen", FACK, True),
        ("Idrottsförvaltningen", "Idrottförvaltningen", FACK, True),
        ("Valnämnden", "Valnämnden", FACK, False),
        ("Hägersten-Liljeholmen", "Hägersten-Liljeholmen", STADSDEL, True),
    ]


def test_mini_measures(mini: Annex) -> None:
    assert [m.key for m in mini.measures] == [(SAMVERKAN, "4.1.1"), (ALLAS, "1.1")]
    titles = {m.number: m.title for m in mini.measures}
    assert titles["1.1"] == "Etablera ett nära och långsiktigt samarbete med akademin"
    assert titles["4.1.1"] == "Etablera lotsar för civilsamhället i stadsdelsnämnderna"
    assert [m.key for m in mini.administration("Arbetsmarknadsförvaltningen").measures] == [
        (ALLAS, "1.1")]
    assert [m.key for m in mini.administration("Idrottsförvaltningen").measures] == [
        (SAMVERKAN, "4.1.1")]
    assert mini.administration("Valnämnden").measures == []
    assert [r.name for r in mini.reports] == [SAMVERKAN, ALLAS]


def test_mini_roles(mini: Annex) -> None:
    expected = {
        "1.1 Åtgärd: Etablera ett nära": ("heading", ""),
        "Ett samarbete med akademin": ("description", ""),
        "Pågående arbete: Nämnden har": ("ongoing", "Pågående arbete"),
        "Kommentar: Nämnden delar": ("answer", "Kommentar"),
        "Idrottsnämnden kan bidra": ("prose", ""),  # unlabelled: the administration's words
        "Skrivelse saknas.": ("no_statement", ""),
        "Kommissionen föreslår i rapporten": ("prose", ""),
        "Rapport: Arbete och försörjning": ("report_heading", ""),
    }
    for phrase, (role, label) in expected.items():
        _, seg = segment_with(mini, phrase)
        assert (seg.role, seg.label) == (role, label), phrase


def test_mini_answer_segment_runs_to_the_end_of_the_block(mini: Annex) -> None:
    _, seg = segment_with(mini, "Kommentar: Nämnden delar")
    assert mini.text[seg.start:seg.end].endswith("under planperioden.")


def test_mini_links(mini: Annex) -> None:
    chunk, _ = segment_with(mini, "Kommissionen föreslår i rapporten")
    assert [(m.report, m.number, m.source) for m in chunk.measures] == [
        (SAMVERKAN, "4.1.1", "reference")]
    assert chunk.report == SAMVERKAN
    assert chunk.measure_titles == {"4.1.1": "Etablera lotsar för civilsamhället i "
                                             "stadsdelsnämnderna"}
    chunk, _ = segment_with(mini, "Kommentar: Nämnden delar")
    assert [(m.report, m.number, m.source) for m in chunk.measures] == [
        (ALLAS, "1.1", "heading")]
    assert chunk.report == ALLAS


def test_mini_page_marker_removed_from_chunk_text(mini: Annex) -> None:
    marker = next(n for n, line in enumerate(mini.text.split("\n"), start=1)
                  if line.strip() == "7 (44)")
    assert mini.marker_lines == frozenset({marker})
    chunk, _ = segment_with(mini, "Kommentar: Nämnden delar")
    assert chunk.line_start < marker < chunk.line_end  # the chunk spans the marker…
    assert "(44)" not in chunk.text  # …but does not quote it
    assert "7 (44)" in mini.text[chunk.start:chunk.end]
    assert chunk.page == 7
    assert chunk.page_approx is None  # one marker is not enough to interpolate from
    for other in mini.chunks:
        if not other.line_start <= marker <= other.line_end:
            assert other.page is None


def test_mini_hyphenated_line_kept_verbatim(mini: Annex) -> None:
    chunk, seg = segment_with(mini, "Kommentar: Nämnden delar")
    assert "en hög-\nskola under planperioden." in chunk.text
    assert "hög-\nskola" in mini.text[seg.start:seg.end]
    assert "högskola" not in chunk.text
    assert "en hög- skola under" in normalize_ws(chunk.text)


def test_mini_chunks_cover_the_text(mini: Annex) -> None:
    covered = "".join(normalize_ws(c.text) + " " for c in mini.chunks)
    for line in MINI.split("\n"):
        stripped = line.strip()
        if not stripped or stripped in {"7 (44)", "Fackförvaltningar",
                                        "Stadsdelsförvaltningar"}:
            continue
        if any(a.heading == stripped for a in mini.administrations):
            continue
        assert normalize_ws(line) in covered, line
    ids = [c.id for c in mini.chunks]
    assert len(ids) == len(set(ids))


def test_chunk_ids_depend_on_source_and_span() -> None:
    first = parse_source(source(MINI))
    again = parse_source(source(MINI))
    other = parse_source(source(MINI, name="annan.txt"))
    assert [c.id for c in first.chunks] == [c.id for c in again.chunks]
    assert not {c.id for c in first.chunks} & {c.id for c in other.chunks}
    assert {c.source for c in other.chunks} == {"annan.txt"}


def test_split_page_marker_mid_sentence() -> None:
    text = (
        "Stadsdelsförvaltningar\n\nFarsta\n\n"
        "Förvaltningen arbetar med lokala utvecklingsprogram och följer upp arbetet \n"
        " \n    22 \n(44) \n \n"
        "tillsammans med civilsamhället under hela planperioden.\n"
    )
    annex = parse_source(source(text))
    lines = text.split("\n")
    assert annex.marker_lines == frozenset(
        {lines.index("    22 ") + 1, lines.index("(44) ") + 1})
    [chunk] = annex.chunks  # the paragraph goes on across the page break
    assert chunk.page == 22
    assert normalize_ws(chunk.text) == (
        "Förvaltningen arbetar med lokala utvecklingsprogram och följer upp arbetet "
        "tillsammans med civilsamhället under hela planperioden.")
    assert [s.role for s in chunk.segments] == ["prose"]
    # Sentences are cut from the text with the marker lines blanked: "(44)" starts none.
    from ingest.layout import build_layout
    from ingest.text.sentences import quote_spans

    layout = build_layout(source(text))
    [segment] = chunk.segments
    cut = [normalize_ws(layout.content(a, b))
           for a, b in quote_spans(layout.unmarked, segment.start, segment.end)]
    assert cut == [normalize_ws(chunk.text)]
    assert len(layout.unmarked) == len(layout.text) and "(44)" not in layout.unmarked


def test_new_sentence_after_a_gap_is_a_new_paragraph() -> None:
    text = ("Stadsdelsförvaltningar\n\nFarsta\n\nFörsta stycket slutar här.\n\n"
            "Andra stycket börjar med stor bokstav.\n")
    annex = parse_source(source(text))
    segments = [s for c in annex.chunks for s in c.segments]
    assert len(segments) == 2
    assert [annex.text[s.start:s.end] for s in segments] == [
        "Första stycket slutar här.", "Andra stycket börjar med stor bokstav."]


def test_long_answer_is_split_within_budget() -> None:
    sentence = "Nämnden ser behov av att utveckla arbetet tillsammans med skolorna. "
    text = MINI.replace("Kommentar: Nämnden delar",
                        "Kommentar: " + sentence * 30 + "Nämnden delar")
    annex = parse_source(source(text), chunk_max_chars=200)
    amf = chunks_of(annex, "Arbetsmarknadsförvaltningen")
    assert len(amf) > 10
    for c in annex.chunks:
        assert len(normalize_ws(c.text)) <= 200, c.text
    answers = [c for c in amf if any(s.role == "answer" for s in c.segments)]
    assert len(answers) >= 10
    for c in answers:
        assert [(m.report, m.number) for m in c.measures] == [(ALLAS, "1.1")]
        assert {s.role for s in c.segments} <= {"answer", "ongoing"}
    # Pieces follow each other without gaps or overlaps, and the cut is between sentences.
    ordered = sorted(amf, key=lambda c: c.start)
    for a, b in itertools.pairwise(ordered):
        assert a.end <= b.start
        assert annex.text[a.end:b.start].strip() in {"", "7 (44)"}
    joined = normalize_ws(" ".join(c.text for c in ordered))
    assert sentence * 30 in joined + " "


def test_listed_headings_share_the_answer() -> None:
    text = """\
Stadsdelsförvaltningar

Östermalm

Delrapport: Stad i samverkan – Stockholms stad och civilsamhället

4.1.1 Åtgärd: Etablera lotsar för civilsamhället i stadsdelsnämnderna.

4.1.2 Åtgärd: Implementera ett utvecklingsprogram för aktörer inom det civila samhället

Kommentar: Förvaltningen har utarbetat nya lokala riktlinjer för föreningsbidrag.
"""
    annex = parse_source(source(text))
    [answer] = [c for c in annex.chunks if any(s.role == "answer" for s in c.segments)]
    assert {(m.report, m.number, m.source) for m in answer.measures} == {
        (SAMVERKAN, "4.1.1", "heading"), (SAMVERKAN, "4.1.2", "heading")}


def test_inline_label_after_a_sentence() -> None:
    text = """\
Fackförvaltningar

Arbetsmarknadsförvaltningen

Rapport: Allas rätt till kunskap

6.1 Åtgärd: Inled en dialog med Arbetsförmedlingen om ett partnerskap.

Pågående arbete: Det finns goda förutsättningar att inleda en dialog om ett
partnerskap. Kommentar: Nämnden delar bedömningen att samverkan är viktig.
"""
    annex = parse_source(source(text))
    segments = {s.role: s for c in annex.chunks for s in c.segments}
    answer = segments["answer"]
    assert annex.text[answer.start:].startswith("Kommentar: Nämnden delar")
    assert annex.text[annex.text.rfind("\n", 0, answer.start) + 1:answer.start] == \
        "partnerskap. "
    assert annex.text[segments["ongoing"].start:segments["ongoing"].end].endswith(
        "partnerskap.")


def test_label_word_inside_a_sentence_is_not_a_label() -> None:
    text = """\
Fackförvaltningar

Utbildningsförvaltningen

Rapport: En skola där alla ska lyckas

6.4.1 Åtgärd: Följ upp och vidareutveckla nyanländapengen.

Hantering: Förvaltningen lämnar en kort kommentar: översynen görs under år 2016.
"""
    annex = parse_source(source(text))
    roles = [(s.role, s.label) for c in annex.chunks for s in c.segments]
    assert roles.count(("answer", "Hantering")) == 1
    assert ("answer", "Kommentar") not in roles


def test_text_without_annex_structure_raises() -> None:
    text = "Protokoll från styrelsemötet\n\nMötet öppnades.\n\nInga beslut fattades.\n"
    with pytest.raises(DocumentError, match="har inte bilagans struktur"):
        parse_source(source(text, name="protokoll.txt"))


def test_parse_file_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "bilaga.txt"
    path.write_text(MINI, encoding="utf-8")
    annex = parse_file(path)
    assert annex.source == "bilaga.txt"
    assert annex.administrations[0].name == "Arbetsmarknadsförvaltningen"


# -- reading files -------------------------------------------------------------------------------


def test_read_source_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="finns inte"):
        read_source(tmp_path / "saknas.txt")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \r\n"])
def test_read_source_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tom.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match="är tom"):
        read_source(path)


def test_read_source_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "gammal.txt"
    text = ("Äldreförvaltningen\r\n\r\nSkrivelse saknas.\r\n\r\n"
            "Överförmyndarförvaltningen\r\n\r\nNämnden ser över åtgärden – ”löpande”.\r\n")
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    src = read_source(path)
    assert src.text == text.replace("\r\n", "\n")
    assert src.name == "gammal.txt"
    assert len(src.pages) == src.text.count("\n") + 1
    assert all(p is None for p in src.pages)
    annex = parse_file(path)
    assert [(a.name, a.has_statement) for a in annex.administrations] == [
        ("Äldreförvaltningen", False), ("Överförmyndarförvaltningen", True)]
    assert annex.chunks[-1].text == "Nämnden ser över åtgärden – ”löpande”."


def test_read_source_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("Valnämnden\n\nSkrivelse saknas\n".encode("utf-8-sig"))
    assert read_source(path).text.startswith("Valnämnden")


# -- registry -----------------------------------------------------------------------------------


def known(name: str):
    return next(k for k in KNOWN_ADMINISTRATIONS if k.name == name)


@pytest.mark.parametrize(("name", "aliases"), [
    ("Arbetsmarknadsförvaltningen", ["arbetsmarknadsförvaltningen", "arbetsmarknadsnämnden",
                                     "arbetsmarknadsnämndens", "arbetsmarknadsförvaltningens",
                                     "arbetsmarknadsnämnd", "jobbtorg stockholm"]),
    ("Skärholmen", ["skärholmen", "skärholmens", "skärholmens stadsdelsnämnd",
                    "skärholmens stadsdelsförvaltning", "stadsdelsförvaltningen i skärholmen"]),
    ("Farsta", ["stadsdelsförvaltningen i farsta", "farstas stadsdelsnämnd",
                "stadsdelsnämnden i farsta"]),
    ("Idrottsförvaltningen", ["idrottsnämnden", "idrottsnämndens", "idrottsförvaltningens"]),
    ("Rinkeby-Kista", ["rinkeby", "kista", "rinkebys", "kistas",
                       "rinkeby-kista stadsdelsnämnd"]),
    ("Stadsarkivet", ["kulturnämnden", "stadsarkivets"]),
])
def test_aliases(name: str, aliases: list[str]) -> None:
    got = aliases_for(known(name))
    for alias in aliases:
        assert alias in got, alias
    assert got[0] == name.lower()
    assert len(got) == len(set(got))
    assert all(a == a.lower() for a in got)


def test_genitive() -> None:
    assert genitive("Farsta") == "Farstas"
    assert genitive("idrottsnämnden") == "idrottsnämndens"
    assert genitive("Kungsholmens") == "Kungsholmens"


@pytest.mark.parametrize(("heading", "name"), [
    ("Idrottförvaltningen", "Idrottsförvaltningen"),
    ("Bromma ", "Bromma"),
    ("  Enskede-Årsta-Vantör \t", "Enskede-Årsta-Vantör"),
    ("Stadsbyggnadskontoret", "Stadsbyggnadskontoret"),
    ("ÖVERFÖRMYNDARFÖRVALTNINGEN", "Överförmyndarförvaltningen"),
])
def test_find_known(heading: str, name: str) -> None:
    found = find_known(heading)
    assert found is not None and found.name == name


@pytest.mark.parametrize("heading", [
    "Brommaplan", "Bromm", "Farstastrand", "Kommentar:", "",
    "Arbetsmarknadsförvaltningen har flera etablerade forskningskontakter",
])
def test_find_known_rejects(heading: str) -> None:
    assert find_known(heading) is None


def test_registry_has_31_administrations() -> None:
    kinds = [k.kind for k in KNOWN_ADMINISTRATIONS]
    assert kinds.count(FACK) == 17 and kinds.count(STADSDEL) == 14
    assert len({k.name for k in KNOWN_ADMINISTRATIONS}) == 31


def test_reports_mentioned_in_order() -> None:
    text = ("I delrapporten Från delad stad till enad stad och i rapporten "
            "”En skola där alla kan lyckas” samt Stad i samverkan")
    assert [r.name for r in reports_mentioned(text)] == [
        "Från delad till enad stad", "En skola där alla ska lyckas", SAMVERKAN]
    assert reports_mentioned("Inget om rapporterna här") == []
