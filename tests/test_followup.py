"""Follow-up questions are completed from the previous question; full questions are not."""

from __future__ import annotations

import pytest

from ingest.parse import parse_file
from ingest.settings import DEFAULT_ANNEX
from retrieval.followup import (
    context_part,
    measure_mentions,
    own_part,
    points_back,
    rewrite,
    subject_mentions,
    with_context,
)
from retrieval.understand import Vocabulary, understand


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary(parse_file(DEFAULT_ANNEX).chunks)


FARSTA = "Vad tycker Farsta om lotsar för civilsamhället?"


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("Och Skärholmen?", FARSTA, "Vad tycker Skärholmen om lotsar för civilsamhället?"),
    ("och skärholmen då?", FARSTA, "Vad tycker Skärholmen om lotsar för civilsamhället?"),
    ("Hur är det med Skärholmens stadsdelsnämnd?", FARSTA,
     "Vad tycker Skärholmens stadsdelsnämnd om lotsar för civilsamhället?"),
    ("Och Skärholmn?", FARSTA, "Vad tycker Skärholmen om lotsar för civilsamhället?"),
    ("Och utbildningsnämnden?", "Vad tycker arbetsmarknadsnämnden om en praktikbank?",
     "Vad tycker utbildningsnämnden om en praktikbank?"),
    ("Och Rinkeby-Kista?", "Vad tycker Farsta, Bromma och Älvsjö om åtgärd 4.1.1?",
     "Vad tycker Rinkeby-Kista om åtgärd 4.1.1?"),
    ("Och åtgärd 6.5.1?", "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?",
     "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.1?"),
    ("Och 6.5.1?", "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?",
     "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.1?"),
    ("Och åtgärd 4.1.2?", "Vad tycker Farsta om lotsar?", "Vad säger Farsta om åtgärd 4.1.2?"),
    ("Och fackförvaltningarna?",
     "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?",
     "Vilka fackförvaltningar är positiva till lotsar för civilsamhället?"),
    ("Och Skärholmen?", "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?",
     "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället – Skärholmen?"),
])
def test_follow_up_is_completed(vocab: Vocabulary, question: str, previous: str,
                                expected: str) -> None:
    assert rewrite(question, ["Vad tycker Bromma om praktik?", previous], vocab) == expected


@pytest.mark.parametrize("question", [
    "Vad tycker arbetsmarknadsnämnden om en praktikbank?",
    "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?",
    "Och vad tycker Bromma om medborgardrivna mötesplatser?",
    "Vilka nämnder har inte lämnat någon skrivelse?",
    "Tack!",
    "",
])
def test_full_or_unrelated_question_is_unchanged(vocab: Vocabulary, question: str) -> None:
    assert rewrite(question, [FARSTA], vocab) == question


def test_without_history_nothing_changes(vocab: Vocabulary) -> None:
    assert rewrite("Och Skärholmen?", [], vocab) == "Och Skärholmen?"


def test_mentions_have_spans_in_the_original_text(vocab: Vocabulary) -> None:
    q = "Vad tycker Skärholmens stadsdelsnämnd och stadsdelsnämnderna om åtgärd 6.5.3?"
    subjects = subject_mentions(q, vocab)
    assert [(q[m.start:m.end], m.kind) for m in subjects] == [
        ("Skärholmens stadsdelsnämnd", "admin"), ("stadsdelsnämnderna", "group")]
    assert [q[m.start:m.end] for m in measure_mentions(q)] == ["6.5.3"]
    # A year or a decimal is not a measure; two-part numbers need a measure word.
    assert measure_mentions("Budget 2017 och 1.5 miljoner") == []
    assert [m.text for m in measure_mentions("Åtgärd 2.2 och 1.5")] == ["2.2"]


def test_a_question_asked_with_its_context_splits_back_into_its_parts() -> None:
    asked = with_context("Vad vill man få reda på med det?", "Hur ska Farsta (4.5.1) mäta?")
    assert own_part(asked) == "Vad vill man få reda på med det?"
    assert context_part(asked) == "Hur ska Farsta (4.5.1) mäta?"
    plain = "Vad tycker Farsta (och Bromma)?"
    assert own_part(plain) == plain and context_part(plain) == ""


@pytest.mark.parametrize(("question", "previous"), [
    ("Vad vill man få reda på med det?",
     "På hur många skolor ska utbildningsförvaltningen testa att följa upp varför elever "
     "byter skola?"),
    ("Kan de göra något åt det själva?", "Var är det svårast att hitta lokaler, enligt "
                                         "idrottsnämnden?"),
])
def test_a_pronoun_carries_the_previous_question(vocab: Vocabulary, question: str,
                                                 previous: str) -> None:
    """A follow-up that points back ("det", "de", "man") and names nobody is searched
    with the question it follows, which names the administration."""
    out = rewrite(question, [previous], vocab)
    assert out.endswith(f"(föregående fråga: {previous})")
    assert understand(out, vocab).administrations == understand(previous, vocab).administrations


@pytest.mark.parametrize(("question", "previous"), [
    ("Varför då?", "Vill arbetsmarknadsnämnden att vuxenskolorna satsar på hälsa?"),
    ("Och efter 2016?", "Vad säger stadsbyggnadsnämnden om att utbilda personalen?"),
    # The previous question's name misspelt: the planner still reads it.
    ("Och mentorerna för nyanlända då?", "Vad tänker utbildningsnämden göra med skolpengen?"),
])
def test_an_elliptic_follow_up_is_asked_with_the_previous_question(
        vocab: Vocabulary, question: str, previous: str) -> None:
    """Nothing of its own to be about ("Varför då?"), or a few words after "och" or
    before "då": it is asked with the question it follows."""
    assert rewrite(question, [previous], vocab) == with_context(question, previous)


def test_a_new_subject_with_a_pronoun_takes_the_previous_question_along(
        vocab: Vocabulary) -> None:
    """"Och Hägersten-Liljeholmen – har de folk till det?": "det" is the previous
    question's topic, put to the new subject; what is asked is the follow-up's."""
    previous = "Kan Älvsjö tänka sig att ha någon som guidar föreningarna?"
    question = "Och Hägersten-Liljeholmen – har de folk till det?"
    out = rewrite(question, [previous], vocab)
    assert own_part(out) == question
    assert context_part(out) == "Kan Hägersten-Liljeholmen tänka sig att ha någon som " \
                                "guidar föreningarna?"


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("Och vad svarar utbildningsförvaltningen på den?",
     "Vem står som ansvarig för åtgärd 6.5.2 om studiecirklar?",
     "Vad säger Utbildningsförvaltningen om åtgärd 6.5.2?"),
    ("Och Farsta?", "Vilka stadsdelsnämnder är positiva till åtgärd 4.1.1?",
     "Vad säger Farsta om åtgärd 4.1.1?"),
])
def test_an_administration_after_a_question_on_a_measure_is_asked_about_it(
        vocab: Vocabulary, question: str, previous: str, expected: str) -> None:
    """The previous question named a measure and no administration: the follow-up's
    administration is asked about that measure."""
    assert rewrite(question, [previous], vocab) == expected


def test_a_count_follow_up_on_another_group_keeps_the_count(vocab: Vocabulary) -> None:
    previous = "Hur många stadsdelsnämnder tar upp förslaget om Community Center?"
    assert rewrite("Och hur många fackförvaltningar?", [previous], vocab) == (
        "Hur många fackförvaltningar tar upp förslaget om Community Center?")


def test_a_complete_question_with_a_pronoun_is_left_alone(vocab: Vocabulary) -> None:
    question = "Vad tycker Farsta om det lokala civilsamhället?"
    assert rewrite(question, [FARSTA], vocab) == question


@pytest.mark.parametrize("question", [
    "Vilka är positiva till det civila samhällets utvecklingsprogram?",
    "Vad föreslår kommissionen om praktikplatser för de skoltrötta?",
])
def test_an_article_is_no_pronoun_in_a_question_with_its_own_topic(vocab: Vocabulary,
                                                                    question: str) -> None:
    assert rewrite(question, [FARSTA], vocab) == question


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("Och vem måste de samarbeta med?",
     "Hur många av kommissionens åtgärder berör miljönämnden?",
     "Vem måste miljönämnden samarbeta med?"),
    ("Har de provat något mentorskap för nyanlända någonstans?",
     "Vad gör Hässelby-Vällingby för nyanlända elever?",
     "Har Hässelby-Vällingby provat något mentorskap för nyanlända någonstans?"),
    ("Vad tycker de om finansieringen?", "Jämför Farsta och Bromma om lotsar.",
     "Vad tycker Farsta och Bromma om finansieringen?"),
    ("Hur ser deras samarbete med skolorna ut?", "Vad gör Skärholmen för unga?",
     "Hur ser Skärholmens samarbete med skolorna ut?"),
    ("Vem är ansvarig för den åtgärden enligt kommissionen?",
     "Vad säger exploateringsnämnden om åtgärd 6.2.1 i En skola där alla ska lyckas?",
     "Vem är ansvarig för åtgärd 6.2.1 i En skola där alla ska lyckas enligt kommissionen?"),
])
def test_a_pronoun_with_a_topic_of_its_own_is_given_its_referent(
        vocab: Vocabulary, question: str, previous: str, expected: str) -> None:
    """"de"/"dem"/"deras" of the administrations the previous question named, "den
    åtgärden" of its measure: the names go in, and the question keeps its own topic."""
    assert rewrite(question, [previous], vocab) == expected


@pytest.mark.parametrize(("question", "previous"), [
    ("Vad föreslår kommissionen om praktikplatser för de skoltrötta?", FARSTA),
    ("Vilket stöd får de nyanlända eleverna?", "Vad gör Skärholmen för unga?"),
    ("När kommer de nya lokalerna att öppna?", "Var saknar idrottsnämnden lokaler?"),
    ("Hur många av dem som läser sfi är kortutbildade?", FARSTA),
    ("Vilka av dem planerar att öppna ett nytt center?", "Vilka har kommenterat åtgärd 6.5.3?"),
    ("Och tack så mycket!", FARSTA),
])
def test_an_article_or_a_group_is_not_replaced(vocab: Vocabulary, question: str,
                                               previous: str) -> None:
    """"de" before an adjective or a participle is an article, "dem som" is "those who";
    after a question that named no administration (an overview) there is no one to put
    in; thanks are no topic."""
    assert rewrite(question, [previous], vocab) == question


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("Och det där med att analysera stadsrummet?",
     "Hur ser förvaltningarna på att ta fram en modell för sociala konsekvenser?",
     "Hur ser förvaltningarna på att analysera stadsrummet?"),
    ("Och medborgardrivna mötesplatser då?",
     "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?",
     "Vilka stadsdelsnämnder är positiva till medborgardrivna mötesplatser?"),
    ("Och det där med praktikbanken?", "Vad tycker arbetsmarknadsnämnden om lotsar?",
     "Vad tycker arbetsmarknadsnämnden om praktikbanken?"),
])
def test_a_new_topic_is_asked_the_way_the_previous_question_was(
        vocab: Vocabulary, question: str, previous: str, expected: str) -> None:
    """"Och det där med X?" keeps the previous question's subjects and frame (a list, an
    overview, a position) and puts X where its topic stood."""
    assert rewrite(question, [previous], vocab) == expected


def test_a_question_of_its_own_after_och_is_not_a_new_topic(vocab: Vocabulary) -> None:
    out = rewrite("Och vilka driver det tillsammans med?",
                  ["När öppnade Bromma sitt medborgarkontor?"], vocab)
    assert out.startswith("Och vilka driver det tillsammans med?")


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("Och 6.2.1 i rapporten om översiktsplanering?",
     "Vilka har kommenterat åtgärd 6.2.1 i En skola där alla ska lyckas?",
     "Vilka har kommenterat åtgärd 6.2.1 i Från delad till enad stad?"),
    ("Och 6.3.1 i Från delad till enad stad?", "Vad tycker Farsta om åtgärd 6.5.3?",
     "Vad tycker Farsta om åtgärd 6.3.1 i Från delad till enad stad?"),
])
def test_a_measure_follow_up_may_name_its_report(vocab: Vocabulary, question: str,
                                                 previous: str, expected: str) -> None:
    """The same number is in two reports; a follow-up that says which report replaces
    the previous question's report, by its name or as "rapporten om <its subject>"."""
    assert rewrite(question, [previous], vocab) == expected


@pytest.mark.parametrize(("question", "previous"), [
    ("Och blir det dyrt för kommunen?", FARSTA),
    ("Men stämmer det verkligen?", FARSTA),
    ("Och behövs det mer pengar?", FARSTA),
])
def test_a_yes_no_follow_up_is_no_new_topic(vocab: Vocabulary, question: str,
                                            previous: str) -> None:
    """"Och blir det dyrt?" asks about the previous answer, it does not ask the previous
    question about "blir det dyrt": it is searched with the question it follows."""
    assert rewrite(question, [previous], vocab) == f"{question} (föregående fråga: {previous})"


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("Och kostnaden?", "Hur arbetar Farsta och Bromma med lotsar?",
     "Vad tycker Farsta och Bromma om kostnaden?"),
    ("Och lotsar då?", "Vilka av Farstas åtgärder gäller skolan?", "Vad tycker Farsta om lotsar?"),
    ("Och det där med mentorer?", "Vad gör Farsta för att få fler att gå på sfi?",
     "Vad tycker Farsta om mentorer?"),
    ("Vad tycker de om lotsar?", "Vilka av Farstas åtgärder gäller skolan?",
     "Vad tycker Farsta om lotsar?"),
    ("Vem ansvarar för den åtgärden i Stad i samverkan?",
     "Vad säger Farsta om åtgärd 6.2.1 i Från delad till enad stad?",
     "Vem ansvarar för åtgärd 6.2.1 i Stad i samverkan?"),
    ("Och 6.2.1 i rapporten om översiktsplanering?",
     "Vilka har kommenterat åtgärd 6.2.1 i skolrapporten?",
     "Vilka har kommenterat åtgärd 6.2.1 i Från delad till enad stad?"),
    ("Och 6.2.1 i rapporten om översiktsplanering?", "Vad säger Farsta om lotsar?",
     "Vad säger Farsta om åtgärd 6.2.1 i Från delad till enad stad?"),
    ("Och Farsta i rapporten om översiktsplanering?",
     "Vad säger Bromma om åtgärd 6.2.1 i En skola där alla ska lyckas?",
     "Vad säger Farsta om åtgärd 6.2.1 i Från delad till enad stad?"),
])
def test_frames_names_and_reports_of_a_follow_up(vocab: Vocabulary, question: str,
                                                 previous: str, expected: str) -> None:
    """Every administration the previous question named, in the nominative; a topic put
    after the word that introduced the previous topic only when it stands right after
    the subject; a report named once, the follow-up's."""
    assert rewrite(question, [previous], vocab) == expected


@pytest.mark.parametrize(("question", "back"), [
    ("När ska det vara på plats?", True),
    ("Har de pengar till allt det här då?", True),
    ("Vad vill de ha i stället för en sådan bank?", True),
    ("Och Skärholmen?", False),
    ("Och vad tycker de om att göra stora byggområden till förebildsprojekt?", False),
])
def test_points_back_at_the_previous_answer(question: str, back: bool) -> None:
    assert points_back(question) is back


def test_de_is_the_one_administration_the_previous_answer_cited(vocab: Vocabulary) -> None:
    """The previous question named nobody; its answer cited one administration: "de" is
    that one. Two cited: "de" stays unresolved (which one is meant is not known)."""
    previous = "Vilken förvaltning planerar att utse pilotskolor?"
    question = "Har de provat mentorskap?"
    one = rewrite(question, [previous], vocab, ["Utbildningsförvaltningen"])
    assert one.startswith("Har Utbildningsförvaltningen provat mentorskap")
    two = rewrite(question, [previous], vocab, ["Utbildningsförvaltningen", "Farsta"])
    assert "Utbildningsförvaltningen" not in two and "Farsta" not in two
    # A previous question that named its administration keeps it.
    named = rewrite(question, ["Planerar Farsta pilotskolor?"], vocab,
                    ["Utbildningsförvaltningen"])
    assert named.startswith("Har Farsta provat mentorskap")
