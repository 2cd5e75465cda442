"""Question understanding: names, typos, measures, reports and intents (fast, no model)."""

from __future__ import annotations

import pytest

from ingest.models import Annex
from ingest.registry import FACK, STADSDEL
from retrieval.understand import Vocabulary, understand

DELAD = "Från delad till enad stad"
SKOLA = "En skola där alla ska lyckas"


@pytest.fixture(scope="module")
def vocab(annex: Annex) -> Vocabulary:
    return Vocabulary(annex.chunks)


@pytest.mark.parametrize(
    ("question", "administration"),
    [
        ("Vad tycker arbetsmarknadsnämnden om en praktikbank?", "Arbetsmarknadsförvaltningen"),
        ("Vad anser idrottsnämnden om föreningslivet?", "Idrottsförvaltningen"),
        ("Hur ser exploateringsnämnden på skolplaceringar?", "Exploateringskontoret"),
        ("Vad säger trafiknämnden om stadsrumsanalyser?", "Trafikkontoret"),
        ("Vad tycker stadsbyggnadsnämnden om områdesplanering?", "Stadsbyggnadskontoret"),
        ("Vad tycker miljönämnden om utbildningsinsatser?", "Miljöförvaltningen"),
        ("Vad tycker miljö- och hälsoskyddsnämnden om stadsplanering?", "Miljöförvaltningen"),
        ("Vad säger kulturnämnden om biblioteken?", "Kulturförvaltningen"),
        ("Vad tycker utbildningsnämnden om lärarna?", "Utbildningsförvaltningen"),
        ("Vad tycker Arbetsmarknadsförvaltningen om sfi?", "Arbetsmarknadsförvaltningen"),
        ("What does the labour market committee think about sfi?",
         "Arbetsmarknadsförvaltningen"),
    ],
)
def test_committee_aliases(vocab: Vocabulary, question: str, administration: str) -> None:
    detected = understand(question, vocab)
    assert detected.administrations == [administration]
    assert detected.intent == "position"


@pytest.mark.parametrize(
    ("question", "administration"),
    [
        ("Vad tycker Skärholmens stadsdelsnämnd om lotsar?", "Skärholmen"),
        ("Vad säger stadsdelsförvaltningen i Farsta om civilsamhället?", "Farsta"),
        ("Vad tycker stadsdelen Bromma om lotsar?", "Bromma"),
        ("Vad är Farstas inställning till lotsar?", "Farsta"),
        ("Vad tycker Rinkeby om Community Centers?", "Rinkeby-Kista"),
        ("Vad tycker Kista om Community Centers?", "Rinkeby-Kista"),
        ("Hur ser Hägersten-Liljeholmens stadsdelsnämnd på lotsar?", "Hägersten-Liljeholmen"),
        ("Vad tycker Enskede-Årsta-Vantör om föreningar?", "Enskede-Årsta-Vantör"),
        ("Vad säger Älvsjö stadsdelsnämnd om lotsar?", "Älvsjö"),
    ],
)
def test_district_forms(vocab: Vocabulary, question: str, administration: str) -> None:
    detected = understand(question, vocab)
    assert detected.administrations == [administration]
    assert detected.kinds == []  # one named district is not the group of districts
    assert detected.intent == "position"


@pytest.mark.parametrize(
    ("question", "administration"),
    [
        ("Vad tycker Skärholmn om lotsar?", "Skärholmen"),
        ("Vad tycker arbetsmarknadsnämden om praktikbanken?", "Arbetsmarknadsförvaltningen"),
        ("Vad tycker Östermlm om lotsar?", "Östermalm"),
        ("Vad tycker Brommma om lotsar?", "Bromma"),
    ],
)
def test_small_typos(vocab: Vocabulary, question: str, administration: str) -> None:
    detected = understand(question, vocab)
    assert detected.administrations == [administration]
    # The misspelt word is kept, so that the plan does not take it for a topic word.
    assert len(detected.misspelt) == 1 and detected.misspelt[0] in question.lower()
    assert understand("Vad tycker Bromma om lotsar?", vocab).misspelt == []


def test_two_administrations_in_one_question(vocab: Vocabulary) -> None:
    detected = understand("Vad tycker Bromma och Farsta om lotsar?", vocab)
    assert sorted(detected.administrations) == ["Bromma", "Farsta"]


@pytest.mark.parametrize(
    "question",
    [
        "Vilka stadsdelsnämnder är positiva till lotsar?",
        "Vilka stadsdelsförvaltningar har kommenterat lotsar för civilsamhället?",
        "Vilka stadsdelar vill etablera Community Centers?",
    ],
)
def test_district_group_is_no_administration(vocab: Vocabulary, question: str) -> None:
    detected = understand(question, vocab)
    assert detected.administrations == []
    assert detected.kinds == [STADSDEL]
    assert detected.intent == "list"


def test_fack_group(vocab: Vocabulary) -> None:
    detected = understand("Vilka fackförvaltningar har kommenterat åtgärd 6.1.2?", vocab)
    assert detected.administrations == []
    assert detected.kinds == [FACK]
    assert detected.intent == "list"


def test_ambiguous_measure_without_report(vocab: Vocabulary) -> None:
    detected = understand("Vad säger exploateringsnämnden om åtgärd 6.2.1?", vocab)
    assert detected.administrations == ["Exploateringskontoret"]
    assert detected.measure_numbers == ["6.2.1"]
    assert sorted(detected.measures) == sorted([(DELAD, "6.2.1"), (SKOLA, "6.2.1")])
    assert detected.ambiguous_measures == ["6.2.1"]
    assert detected.intent == "position"


@pytest.mark.parametrize(
    "question",
    [
        "Vad säger exploateringsnämnden om åtgärd 6.2.1 i Från delad till enad stad?",
        "Vad säger exploateringsnämnden om 6.2.1 i delrapporten ”Från delad till enad stad”?",
    ],
)
def test_measure_with_named_report(vocab: Vocabulary, question: str) -> None:
    detected = understand(question, vocab)
    assert detected.reports == [DELAD]
    assert detected.measures == [(DELAD, "6.2.1")]
    assert detected.ambiguous_measures == []


def test_unambiguous_measure(vocab: Vocabulary) -> None:
    detected = understand("Vad innebär åtgärd 4.1.1?", vocab)
    assert detected.measures == [("Stad i samverkan", "4.1.1")]
    assert detected.ambiguous_measures == []
    assert detected.administrations == []


def test_short_measure_number_needs_a_cue(vocab: Vocabulary) -> None:
    with_cue = understand("Vad säger arbetsmarknadsnämnden om åtgärd 4.1?", vocab)
    assert with_cue.measure_numbers == ["4.1"]
    assert with_cue.measures == [("Allas rätt till kunskap", "4.1")]
    # a bare "2016" or a decimal is not a measure
    plain = understand("Vad hände med budgeten 2016, ungefär 4.5 miljoner?", vocab)
    assert plain.measure_numbers == []


def test_unknown_measure_number_is_kept_without_reports(vocab: Vocabulary) -> None:
    detected = understand("Vad säger Skärholmen om åtgärd 9.9.9?", vocab)
    assert detected.measure_numbers == ["9.9.9"]
    assert detected.measures == []


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("Vad tycker Skärholmen om lotsar för civilsamhället?", "position"),
        ("Hur ställer sig arbetsmarknadsnämnden till hälsofrämjande insatser?", "position"),
        ("Vilka stadsdelsnämnder är positiva till lotsar?", "list"),
        ("Vilka nämnder har kommenterat åtgärd 6.5.3?", "list"),
        ("Which districts support Community Centers?", "list"),
        ("Vilka nämnder har inte lämnat någon skrivelse?", "no_statement"),
        ("Har Kungsholmen yttrat sig?", "no_statement"),
        ("Vilka förvaltningar saknar skrivelse?", "no_statement"),
        ("Which committees did not submit a statement?", "no_statement"),
        ("Vad innebär åtgärd 4.1.1?", "fact"),
        ("Hur många åtgärder har Allas rätt till kunskap?", "fact"),
        ("Vad är en praktikbank?", "fact"),
    ],
)
def test_intents(vocab: Vocabulary, question: str, intent: str) -> None:
    assert understand(question, vocab).intent == intent


def test_no_statement_names_the_administration(vocab: Vocabulary) -> None:
    detected = understand("Har Kungsholmen yttrat sig?", vocab)
    assert detected.administrations == ["Kungsholmen"]
    assert detected.intent == "no_statement"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Vilka stadsdelsnämnder har inte lämnat någon skrivelse?", STADSDEL),
        ("Vilka fackförvaltningar saknar skrivelse?", FACK),
    ],
)
def test_no_statement_within_a_group(vocab: Vocabulary, question: str, kind: str) -> None:
    detected = understand(question, vocab)
    assert detected.intent == "no_statement"
    assert detected.kinds == [kind]
    assert detected.administrations == []


def test_report_from_area_cue(vocab: Vocabulary) -> None:
    detected = understand("Vad säger nämnderna om kortutbildade i vuxenutbildningen?", vocab)
    assert "Allas rätt till kunskap" in detected.reports


@pytest.mark.parametrize(
    "question",
    [
        "Vad tycker nämnderna om civilsamhället?",
        "Hur fungerar vuxenutbildningen i staden?",
        "Vad säger kommissionen om segregation i skolan?",
        "Vad betyder det för första året?",  # "första" is not Farsta
        "Vad säger nämnderna om normalt arbete?",  # "normalt" is not Norrmalm
        "",
        "   ",
    ],
)
def test_no_false_administration(vocab: Vocabulary, question: str) -> None:
    assert understand(question, vocab).administrations == []


def test_vocabulary_only_knows_present_administrations(annex: Annex) -> None:
    only_bromma = [c for c in annex.chunks if c.administration == "Bromma"]
    vocab = Vocabulary(only_bromma)
    assert understand("Vad tycker Farsta om lotsar?", vocab).administrations == []
    assert understand("Vad tycker Bromma om lotsar?", vocab).administrations == ["Bromma"]


def test_vocabulary_measures_and_titles(vocab: Vocabulary) -> None:
    assert sorted(vocab.measures["6.2.1"]) == sorted([DELAD, SKOLA])
    assert vocab.measures["4.1.1"] == ["Stad i samverkan"]
    assert (DELAD, "6.2.1") in vocab.titles and (SKOLA, "6.2.1") in vocab.titles
    assert vocab.titles[(DELAD, "6.2.1")] != vocab.titles[(SKOLA, "6.2.1")]


def test_as_dict_round_trip(vocab: Vocabulary) -> None:
    d = understand("Vad säger exploateringsnämnden om åtgärd 6.2.1?", vocab).as_dict()
    assert set(d) >= {"administrations", "kinds", "measures", "measure_numbers", "reports",
                      "intent", "ambiguous_measures"}
    assert d["intent"] == "position"


@pytest.mark.parametrize(("text", "report"), [
    ("Vad säger de om 6.2.1 i rapporten om översiktsplanering?", "Från delad till enad stad"),
    ("Hur många har svarat på delrapporten om kortutbildade?", "Allas rätt till kunskap"),
    ("Vad står det i rapporten om civilsamhället?", "Stad i samverkan"),
])
def test_a_report_is_named_by_its_subject(text: str, report: str) -> None:
    from ingest.registry import reports_mentioned

    assert [r.name for r in reports_mentioned(text)] == [report]


def test_a_common_word_names_no_report() -> None:
    from ingest.registry import reports_mentioned

    for text in ("Vad säger rapporten om Stockholm och social hållbarhet?",
                 "Vad står i rapporten om skolan och kunskap?",
                 "Finns det någon rapport om kunskap om droger bland unga?",
                 "Har Bromma skrivit en rapport för civilsamhället?",
                 "Vad säger Skärholmen i sin rapport om kunskap hos lärarna?"):
        assert reports_mentioned(text) == [], text


@pytest.mark.parametrize(("question", "administrations"), [
    # A district's name inside a project's name is the project, not the district.
    ("Hur många förvaltningar nämner projektet Fokus Skärholmen?", []),
    ("Vad skriver Farsta om Tyngdpunkt Farsta?", ["Farsta"]),
    # Two names in a row are two administrations; a name first in the question is one.
    ("Jämför Norrmalm Södermalm", ["Norrmalm", "Södermalm"]),
    ("Skärholmen och lotsarna – vad säger de?", ["Skärholmen"]),
    # Only a name the annex has: an organisation word or a title-cased verb is none.
    ("Vad tycker Stadsdelsförvaltningen Skärholmen om lotsar?", ["Skärholmen"]),
    ("Vad säger Stockholms Kulturförvaltning om biblioteken?", ["Kulturförvaltningen"]),
    ("Vad Tycker Farsta om lotsar?", ["Farsta"]),
])
def test_a_name_inside_a_proper_name_is_no_administration(
        vocab: Vocabulary, question: str, administrations: list[str]) -> None:
    assert sorted(understand(question, vocab).administrations) == administrations
