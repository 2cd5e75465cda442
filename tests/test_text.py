"""The text layer (ingest/text/): one rule for each piece of Swedish text handling."""

from __future__ import annotations

import pytest

from ingest.settings import DEFAULT_ANNEX
from ingest.text import normalize_for_match, normalize_ws
from ingest.text.groups import FACK, STADSDEL, group_noun, kinds_named, same_definiteness
from ingest.text.measures import Reference, expand, mentions_in, references_in
from ingest.text.names import closest, name_pattern
from ingest.text.placeholders import asks_about_no_statement, is_placeholder
from ingest.text.sentences import ends_sentence, sentence_spans, sentences


@pytest.fixture(scope="module")
def annex_text() -> str:
    return DEFAULT_ANNEX.read_text(encoding="utf-8")


def _sentence_holding(text: str, phrase: str) -> str:
    at = text.index(phrase)
    return normalize_ws(next(text[a:b] for a, b in sentence_spans(text, max(0, at - 600),
                                                                    at + 600)
                             if a <= at < b))


def test_rinkeby_kista_community_schools_is_one_sentence(annex_text: str) -> None:
    # The line break falls after "inrätta", and "s.k." is followed by a capital.
    s = _sentence_holding(annex_text, "inrätta \ns.k. Community Schools")
    assert s.endswith("inrätta s.k. Community Schools i stadsdelsområdet."), s
    assert s.startswith("Eftersom behovet av mötesplatser är stort"), s


@pytest.mark.parametrize(("phrase", "ending"), [
    ("behöver skapas, t.ex. genom", "t.ex. genom möjlighet till forskarutbildning"),
    ("rörde dessa insatser bl.a.", "bl.a. Östberga, Rågsved, Rinkeby, Akalla och Skärholmen."),
    ("de s.k. miljonprogramsområdena", "de s.k. miljonprogramsområdena kommer att behöva"),
])
def test_abbreviations_in_the_annex_do_not_end_a_sentence(annex_text: str, phrase: str,
                                                          ending: str) -> None:
    assert ending in _sentence_holding(annex_text, phrase)


@pytest.mark.parametrize(("phrase", "ending"), [
    # sentencex takes "med." and "etc." for abbreviations that never end a sentence.
    ("man kommer i kontakt med.", "kommer i kontakt med."),
    ("föreningsliv, näringsliv, etc.", "näringsliv, etc."),
])
def test_a_full_stop_sentencex_leaves_ends_the_sentence(annex_text: str, phrase: str,
                                                        ending: str) -> None:
    assert _sentence_holding(annex_text, phrase).endswith(ending)


def test_a_bullet_that_starts_the_text_is_cut_off_and_its_sentences_cut() -> None:
    # sentencex cuts nothing in a piece that starts with "•".
    text = "• I rapporten föreslås åtgärden (åtgärd 6.2.1). I enlighet med förslaget gör vi."
    assert sentences(text) == ["I rapporten föreslås åtgärden (åtgärd 6.2.1).",
                               "I enlighet med förslaget gör vi."]
    assert sentence_spans(text, keep_bullets=True)[0] == (0, text.index(")") + 2)


def test_a_bullet_after_an_indent_where_the_piece_starts_is_cut_off() -> None:
    # The segment starts at the bullet, after the line's indent: no line starts there.
    text = "Två åtgärder:\n • Genomför utbildningsinsatser. Och mer.\n"
    start = text.index("•")
    assert [text[a:b] for a, b in sentence_spans(text, start)] == [
        "Genomför utbildningsinsatser.", "Och mer."]
    assert text[slice(*sentence_spans(text, start, keep_bullets=True)[0])].startswith("• ")


def test_a_full_stop_inside_a_quoted_title_does_not_cut() -> None:
    text = 'Rapporterna "Uppväxt och utbildning. En skola där alla ska lyckas" samt fler.'
    assert sentences(text) == [text]


def test_swedish_abbreviations_and_bullets() -> None:
    text = ("Det kostar ca 3 mnkr m.m. och mer. Vi ser t.ex. Lotsar och bl.a. Community "
            "Center. Följande:\n• En punkt\n• Två. Tre")
    assert sentences(text) == [
        "Det kostar ca 3 mnkr m.m. och mer.",
        "Vi ser t.ex. Lotsar och bl.a. Community Center.",
        "Följande:",
        "En punkt",
        "Två.",
        "Tre",
    ]
    spans = sentence_spans(text, keep_bullets=True)
    assert [text[a:b] for a, b in spans][3] == "• En punkt"


def test_line_end_mid_sentence() -> None:
    assert ends_sentence("ställer sig positiv.") and ends_sentence("Följande: ")
    assert not ends_sentence("inrätta") and not ends_sentence("till exempel t.ex.")


def test_measure_numbers_and_ranges() -> None:
    refs = references_in("… (4.1.1) och (4.2.1 - 4.2.2), (4.1.2.) och 2016.")
    assert refs == [Reference("4.1.1"), Reference("4.2.1", "4.2.2"), Reference("4.1.2")]
    assert expand(refs[1], ["4.1.1", "4.2.1", "4.2.2", "4.2.3"]) == ["4.2.1", "4.2.2"]
    q = "Vad säger Farsta om åtgärd 2.2 och 6.5.3 – budget 1.5 miljoner 2016?"
    assert [m.number for m in mentions_in(q)] == ["2.2", "6.5.3"]
    assert [q[m.start:m.end] for m in mentions_in(q)] == ["2.2", "6.5.3"]
    assert mentions_in("version 1.2.3.4") == []


def test_group_words_name_kinds_and_forms() -> None:
    assert kinds_named("vilka stadsdelsnämnder är positiva") == [STADSDEL]
    assert kinds_named("vad säger fackförvaltningarna") == [FACK]
    assert kinds_named("vad säger skärholmens stadsdelsnämnd") == []
    assert group_noun([STADSDEL], definite=True) == "stadsdelsnämnderna"
    assert group_noun([]) == "förvaltningar"
    assert same_definiteness("fackförvaltningarna", "stadsdelsnämnder") == "fackförvaltningar"


def test_names_whole_words_and_typos() -> None:
    assert name_pattern("rinkeby").search("Vad tycker Rinkeby?")
    assert not name_pattern("rinkeby").search("rinkeby-kista")
    known = [("skärholmen", "Skärholmen"), ("farsta", "Farsta")]
    assert closest("skärholmn", known, 0.86) == "Skärholmen"
    assert closest("solna", known, 0.86) is None


def test_no_statement_placeholder_and_question() -> None:
    assert is_placeholder("Skrivelse saknas.") and is_placeholder(" Skrivning saknas ")
    assert not is_placeholder("Skrivelse saknas för åtgärden men …")
    assert asks_about_no_statement(normalize_for_match("Vilka har inte lämnat någon skrivelse?"))
    assert not asks_about_no_statement("vad tycker farsta om lotsar?")


def test_a_compound_part_counts_only_after_a_real_first_part() -> None:
    """The asked compound's last part found alone counts partly ("medborgarbudget" in a
    text on a "budget"); a two-letter first part is no compound ("bostäder" are not
    "städerna")."""
    from retrieval.answering.wording import PARTIAL, Wording

    wording = Wording(["Stadens budget växer.", "De tre städerna samarbetar.",
                       "Nya bostäder byggs."], set())
    assert wording.coverage(["medborgarbudget"], "Stadens budget växer.") == \
        pytest.approx(PARTIAL)
    assert wording.coverage(["bostäd"], "De tre städerna samarbetar.") == 0.0
    assert wording.coverage(["bostäd"], "Nya bostäder byggs.") == 1.0


def test_information_counts_only_words_few_sections_use() -> None:
    """A summary's "says most": a sentence of words every administration writes says
    nothing particular (0); a post or a sum only one section names weighs; without
    sections every word counts."""
    from retrieval.answering.wording import PARTICULAR, Wording

    common = "Förvaltningen arbetar vidare med rapportens rekommendationer."
    own = "En demokratisamordnare har anställts för 5 miljoner kronor."
    sections = {f"Förvaltning {i}": [common] for i in range(PARTICULAR + 2)}
    sections["Förvaltning 0"] = [common, own]
    texts = [t for v in sections.values() for t in v]
    wording = Wording(texts, set(), sections)
    assert wording.information(common) == 0.0
    assert wording.information(own) > 0.0
    plain = Wording(texts, set())
    assert plain.information(common) > 0.0


@pytest.mark.parametrize(("text", "reported"), [
    ("Kommissionen föreslår att lokal omvärldsbevakning ska initieras.", True),
    ("I kommissionens rapport Från delad stad till enad stad föreslås åtgärden att "
     "samordna arbetet (åtgärd 6.2.1).", True),
    ("Rekommendationerna innefattar att främja det lokala civilsamhället.", True),
    ("Kommissionen föreslår lotsar, vilket förvaltningen ser positivt på.", False),
    ("Förslaget om att utreda möjligheterna att utse facilitatorer är bra.", False),
    ("Förvaltningen delar kommissionens bedömning.", False),
])
def test_a_sentence_that_retells_the_commission(text: str, reported: bool) -> None:
    from ingest.text.reported import reports_the_commission

    assert reports_the_commission(text) is reported
