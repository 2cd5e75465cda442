"""The question plan: the planner reads a question's structure (who it names, a group word,
a measure number, an asked stance, a question word) into a typed QuestionPlan.

The table below is checked against the annex (data/bilaga_…_2016.txt): each question names
administrations, measures and reports that the annex has, and the expected shape is what
the question's form asks for. Questions whose measure is given by number, or that need no
measure, are structure only and run on the hash-embedder index (`fake_service`); where a
measure or a refusal is found by meaning, on the real index (`real_service`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest

from ingest.registry import FACK, STADSDEL
from ingest.settings import Settings
from retrieval.answering.plan import ALL_SHAPES, QuestionPlan
from retrieval.search import Filters
from retrieval.service import Service

AMF = "Arbetsmarknadsförvaltningen"
SAMVERKAN = "Stad i samverkan"
SKOLA = "En skola där alla ska lyckas"
DELAD = "Från delad till enad stad"


@pytest.fixture(scope="module")
def real_service(real_index: Settings, real_searcher) -> Service:
    """The real index, reusing the session's opened index (the model loads once)."""
    return Service(real_index, real_searcher.index)


def plan_of(service: Service, question: str, filters: Filters | None = None) -> QuestionPlan:
    """The plan alone, as the answerer makes it from the search's result."""
    result = service.searcher.search(question, k=10, filters=filters)
    return service.offline.plan(question, result, filters)


@dataclass(frozen=True)
class Case:
    question: str
    shape: str
    admins: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    group: bool = False
    # Measures the question names by number (asserted with measures_by "number"); None:
    # not asserted (a fact's or profile's topic is its words).
    measures: tuple[tuple[str, str], ...] | None = None
    reports: tuple[str, ...] | None = None
    answer_type: str | None = None
    stance: str | None = None
    silence: bool | None = None
    reason_has: tuple[str, ...] = field(default=())


CASES = [
    # -- position: one administration, one measure ----------------------------------------
    Case("Vad tycker Farsta om åtgärd 4.1.1?", "position", ("Farsta",),
         measures=((SAMVERKAN, "4.1.1"),), answer_type="any"),
    Case("Vad tycker Södermalm om åtgärd 6.4.4?", "position", ("Södermalm",),
         measures=((SKOLA, "6.4.4"),)),
    Case("Vad tycker arbetsmarknadsnämnden om åtgärd 6.3.3?", "position", (AMF,),
         measures=((SKOLA, "6.3.3"),)),
    # -- fact: a question word asks for a time or a number --------------------------------
    Case("När antogs Norrmalms parkplan?", "fact", ("Norrmalm",), answer_type="time"),
    Case("När öppnades Brommas medborgarkontor?", "fact", ("Bromma",), answer_type="time"),
    # -- fact over a group: who of it writes of a thing ---------------------------------
    Case("Vilka stadsdelsnämnder har redan ett medborgarkontor?", "fact", kinds=(STADSDEL,),
         group=True),
    Case("Hur många förvaltningar nämner projektet Fokus Skärholmen?", "fact", group=True),
    Case("Hur många föreningar i Skärholmen har kontaktats om lokalbehov?", "fact",
         ("Skärholmen",), answer_type="number"),
    # -- list_by_stance: a group word, a measure, an asked stance --------------------------
    Case("Vilka stadsdelsnämnder är positiva till åtgärd 4.1.1?", "list_by_stance",
         kinds=(STADSDEL,), group=True, measures=((SAMVERKAN, "4.1.1"),), stance="positiv"),
    Case("Vilka fackförvaltningar är tveksamma till åtgärd 6.3.3?", "list_by_stance",
         kinds=(FACK,), group=True, measures=((SKOLA, "6.3.3"),), stance="tveksam"),
    Case("Vilka stadsdelsnämnder är emot åtgärd 6.5.3?", "list_by_stance",
         kinds=(STADSDEL,), group=True, measures=((SKOLA, "6.5.3"),), stance="avvisande"),
    # -- count: "hur många" over a group ---------------------------------------------------
    Case("Hur många stadsdelsnämnder har kommenterat delrapporten Stad i samverkan?", "count",
         kinds=(STADSDEL,), group=True, measures=(), reports=(SAMVERKAN,), silence=False),
    Case("Hur många stadsdelsnämnder är positiva till åtgärd 4.1.1?", "count",
         kinds=(STADSDEL,), group=True, measures=((SAMVERKAN, "4.1.1"),), stance="positiv"),
    Case("Hur många förvaltningar har inte lämnat någon skrivelse?", "count", group=True,
         silence=True),
    # "neutrala" of the topic asks no stance; of the administrations, it does.
    Case("Hur många stadsdelar kommenterar förslaget om neutrala medlare i åtgärd 4.3.2?",
         "count", kinds=(STADSDEL,), group=True, measures=((SAMVERKAN, "4.3.2"),)),
    Case("Vilka stadsdelsnämnder är neutrala till åtgärd 4.3.2?", "measure_overview",
         kinds=(STADSDEL,), group=True, measures=((SAMVERKAN, "4.3.2"),)),
    # The missing text is no topic: no measure is looked for ("measures=()").
    Case("Hur många förvaltningar har inte skickat in någon text alls till bilagan?",
         "count", group=True, measures=(), silence=True),
    Case("Hur många stadsdelsnämnder saknar skrivning i bilagan?", "count",
         kinds=(STADSDEL,), group=True, measures=(), silence=True),
    # -- compare: two or more named, in the question's order --------------------------------
    Case("Jämför Norrmalm och Södermalm om åtgärd 4.3.2.", "compare", ("Norrmalm", "Södermalm"),
         measures=((SAMVERKAN, "4.3.2"),)),
    Case("Vad tycker Södermalm och Norrmalm om åtgärd 4.5.1?", "compare",
         ("Södermalm", "Norrmalm"), measures=((SAMVERKAN, "4.5.1"),)),
    Case("Vad tycker Älvsjö, Norrmalm och Skarpnäck om åtgärd 4.2.1?", "compare",
         ("Älvsjö", "Norrmalm", "Skarpnäck"), measures=((SAMVERKAN, "4.2.1"),)),
    Case("Vad tycker Bromma och Älvsjö om åtgärd 4.1.2?", "compare", ("Bromma", "Älvsjö"),
         measures=((SAMVERKAN, "4.1.2"),)),
    # -- profile: one administration, nothing narrower asked --------------------------------
    Case("Vad tycker Bromma?", "profile", ("Bromma",), measures=()),
    Case("Sammanfatta kulturförvaltningens skrivning.", "profile", ("Kulturförvaltningen",),
         measures=()),
    Case("Vilka frågor tar Farsta upp?", "profile", ("Farsta",), measures=()),
    # Counting the measures one administration addresses is its profile's head.
    Case("Hur många åtgärder kommenterar Bromma?", "profile", ("Bromma",), measures=()),
    Case("Hur många av kommissionens förslag tar Farsta upp?", "profile", ("Farsta",),
         measures=()),
    # -- inverse: one administration, the proposals by an asked stance ----------------------
    Case("Vilka av kommissionens förslag är arbetsmarknadsnämnden tveksam till?", "inverse",
         (AMF,), measures=(), stance="tveksam"),
    Case("Är Skärholmen emot något?", "inverse", ("Skärholmen",), stance="avvisande"),
    Case("Vilka förslag gillar Norrmalm?", "inverse", ("Norrmalm",), stance="positiv"),
    # "något annat förslag": the proposals again, after a question on one of them.
    Case("Finns det något annat förslag som arbetsmarknadsnämnden tvivlar på?", "inverse",
         (AMF,), measures=(), stance="tveksam"),
    Case("Har Skärholmen andra förslag som de är tveksamma till?", "inverse",
         ("Skärholmen",), measures=(), stance="tveksam"),
    # -- measure_overview: a group on one measure, no stance asked --------------------------
    Case("Vad säger förvaltningarna om åtgärd 6.1.3?", "measure_overview", group=True,
         measures=((DELAD, "6.1.3"),)),
    Case("Vad säger stadsdelsnämnderna om åtgärd 4.2.2?", "measure_overview",
         kinds=(STADSDEL,), group=True, measures=((SAMVERKAN, "4.2.2"),)),
    # "Vilka har yttrat sig om …" asks who spoke, not who is silent.
    Case("Vilka har yttrat sig om 4.2.1?", "measure_overview", group=True,
         measures=((SAMVERKAN, "4.2.1"),), silence=False),
    # -- no_statement: a silent administration, or who is silent ----------------------------
    Case("Har Kungsholmen yttrat sig?", "no_statement", ("Kungsholmen",)),
    Case("Vad tycker Spånga-Tensta?", "no_statement", ("Spånga-Tensta",)),
    Case("Vad tycker Valnämnden om åtgärd 4.1.1?", "no_statement", ("Valnämnden",),
         measures=((SAMVERKAN, "4.1.1"),)),
    Case("Vilka nämnder har inte lämnat någon skrivelse?", "no_statement", group=True,
         silence=True),
    Case("Vilka stadsdelsnämnder har inte lämnat någon skrivelse?", "no_statement",
         kinds=(STADSDEL,), group=True, silence=True),
    # -- commission_text: the commission's own proposal, who it makes responsible ----------
    Case("Vem är ansvarig för åtgärd 6.1.1 i Från delad till enad stad?", "commission_text",
         measures=((DELAD, "6.1.1"),), reports=(DELAD,)),
    Case("Vad vill kommissionen med åtgärd 6.5.3?", "commission_text",
         measures=((SKOLA, "6.5.3"),)),
    Case("Vilka nämnder pekas ut som ansvariga för åtgärd 6.5.2?", "commission_text",
         measures=((SKOLA, "6.5.2"),)),
    Case("Hur många lärare behövs i vuxenutbildningen enligt kommissionen?",
         "commission_text", answer_type="number"),
    # -- not_in_annex: a measure number the annex lacks, an organisation it lacks -----------
    Case("Vad tycker Skärholmen om åtgärd 6.7.1?", "not_in_annex", ("Skärholmen",),
         measures=(), reason_has=("6.7.1",)),
    Case("Vad tycker Solna stad om förslagen?", "not_in_annex", reason_has=("organisation",)),
    Case("Vad tycker kommunstyrelsen om förslagen?", "not_in_annex",
         reason_has=("organisation",)),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.question) for c in CASES])
def test_plan_reads_the_question_structure(fake_service: Service, case: Case) -> None:
    """Shape, scope and (where the question gives them) topic, answer type and stance."""
    plan = plan_of(fake_service, case.question)
    assert plan.question == case.question
    assert plan.shape == case.shape, plan
    assert plan.scope.administrations == list(case.admins), plan.scope
    assert plan.scope.kinds == list(case.kinds), plan.scope
    assert plan.scope.group is case.group, plan.scope
    assert plan.scope.only == []
    if case.measures is not None:
        assert plan.topic.measures == list(case.measures), plan.topic
        if case.measures:
            assert plan.topic.measures_by == "number", plan.topic
    if case.reports is not None:
        assert plan.topic.reports == list(case.reports), plan.topic
    if case.answer_type is not None:
        assert plan.answer_type == case.answer_type
    assert plan.stance_wanted == case.stance
    if case.silence is not None:
        assert plan.about_silence is case.silence
    if case.shape == "not_in_annex":
        assert plan.reason, "a refusal by plan says why"
        for part in case.reason_has:
            assert part in plan.reason, plan.reason
    else:
        assert plan.reason == ""


def test_the_table_covers_every_shape() -> None:
    """Each shape the planner can give has at least one question in the table."""
    assert {c.shape for c in CASES} == set(ALL_SHAPES)


@pytest.mark.parametrize(("question", "asked"), [
    ("Vad tycker miljöförvaltningen om profilprojekt i t.ex. Husby och Skärholmen?",
     "Miljöförvaltningen"),
    ("Vad tycker trafikkontoret om insatserna i Rinkeby och Skärholmen?", "Trafikkontoret"),
    ("Vad skriver idrottsnämnden om bristen på möteslokaler i Bromma och Älvsjö?",
     "Idrottsförvaltningen"),
])
def test_a_district_named_as_a_place_is_not_in_scope(fake_service: Service, question: str,
                                                      asked: str) -> None:
    """"… i t.ex. Husby och Skärholmen" names places: the one administration asked is the
    scope, and the question is not read as a comparison of it with the districts."""
    detected = fake_service.searcher.search(question, k=10).detected.administrations
    assert asked in detected and len(detected) >= 2, detected  # the districts are seen
    plan = plan_of(fake_service, question)
    assert plan.scope.administrations == [asked], plan.scope
    assert plan.shape != "compare"


@pytest.mark.slow
def test_the_measure_the_question_means_is_found_by_meaning(real_service: Service) -> None:
    """"en praktikbank" names no number and not the title's words: measure 6.3.3, by
    meaning, among the measures arbetsmarknadsnämnden addresses."""
    plan = plan_of(real_service, "Vad tycker arbetsmarknadsnämnden om en praktikbank?")
    assert plan.shape == "position"
    assert plan.scope.administrations == [AMF]
    assert plan.topic.measures == [(SKOLA, "6.3.3")]
    assert plan.topic.measures_by == "meaning"
    assert "6.3.3" in plan.describe() and "innebörd" in plan.describe()


@pytest.mark.slow
def test_the_measure_a_title_names_is_found_by_title(real_service: Service) -> None:
    """Quoting most of a measure's title names it ("efter titeln"), for both administrations
    of a comparison."""
    plan = plan_of(real_service, "Jämför Älvsjö och Norrmalm om lotsar för civilsamhället.")
    assert plan.shape == "compare"
    assert plan.scope.administrations == ["Älvsjö", "Norrmalm"]
    assert plan.topic.measures == [(SAMVERKAN, "4.1.1")]
    assert plan.topic.measures_by == "title"


def test_an_english_question_is_planned_like_a_swedish_one(fake_service: Service) -> None:
    """An English question is flagged as such and planned from the names and numbers in it."""
    plan = plan_of(fake_service, "What does Farsta think about measure 4.3.2?")
    assert plan.english is True
    assert plan.shape == "position"
    assert plan.scope.administrations == ["Farsta"]
    assert plan.topic.measures == [(SAMVERKAN, "4.3.2")]


def test_a_filter_restricts_the_scope(fake_service: Service) -> None:
    """The user's filter is the scope's `only`; one filtered administration is the one asked."""
    one = plan_of(fake_service, "Vad tycker de om åtgärd 4.3.2?",
                  Filters(administrations=["Farsta"]))
    assert one.shape == "position"
    assert one.scope.administrations == ["Farsta"]
    assert one.scope.only == ["Farsta"]
    kinds = plan_of(fake_service, "Vilka är positiva till åtgärd 4.1.1?",
                    Filters(kinds=[STADSDEL]))
    assert kinds.shape == "list_by_stance"
    assert kinds.scope.kinds == [STADSDEL]
    assert kinds.scope.group is True


def test_describe_names_a_filtered_scope(fake_service: Service) -> None:
    """A filter to Norrmalm and Bromma: the "Sökte på" line names them, not all of them."""
    plan = plan_of(fake_service, "Vilka är positiva till åtgärd 4.1.1?",
                   Filters(administrations=["Norrmalm", "Bromma"]))
    assert plan.scope.only == ["Norrmalm", "Bromma"]
    line = plan.describe()
    assert "Norrmalm" in line and "Bromma" in line, line
    assert "alla förvaltningar" not in line, line


def _shape_name(line: str) -> str:
    m = re.search(r"svarstyp: ([^;]+)", line)
    assert m, line
    return m.group(1).strip()


def test_describe_names_scope_topic_and_shape_in_swedish(fake_service: Service) -> None:
    """One "Sökte på …" line: the scope (named administrations, "alla <group>", or "hela
    bilagan"), the measure numbers, and a Swedish name for the shape, distinct per shape."""
    names: dict[str, set[str]] = {}
    for case in CASES:
        plan = plan_of(fake_service, case.question)
        line = plan.describe()
        assert line.startswith("Sökte på "), line
        assert "\n" not in line
        for admin in plan.scope.administrations:
            assert admin in line, line
        if plan.scope.group and not plan.scope.administrations:
            assert "Sökte på alla " in line, line
            if plan.scope.kinds == [STADSDEL]:
                assert "stadsdelsnämnder" in line, line
            elif plan.scope.kinds == [FACK]:
                assert "fackförvaltningar" in line, line
        if not plan.scope.administrations and not plan.scope.group:
            assert "hela bilagan" in line, line
        for _, number in plan.topic.measures:
            assert f"åtgärd {number}" in line or f", {number}" in line, line
        if plan.stance_wanted:
            assert f"ställning: {plan.stance_wanted}" in line, line
        name = _shape_name(line)
        assert name != plan.shape and "_" not in name, line
        names.setdefault(plan.shape, set()).add(name)
    assert all(len(v) == 1 for v in names.values()), names
    flat = [next(iter(v)) for v in names.values()]
    assert len(flat) == len(set(flat)), "two shapes share a name"


@pytest.mark.slow
def test_describe_names_the_measure_the_question_means(real_service: Service) -> None:
    """Asked about profilprojekt (6.1.3), which miljöförvaltningen does not address: the
    plan's line names 6.1.3, the measure the answer then says it does not address."""
    question = "Vad tycker miljöförvaltningen om profilprojekt i t.ex. Husby och Skärholmen?"
    a = real_service.ask(question)
    assert a.plan is not None and a.plan.scope.administrations == ["Miljöförvaltningen"]
    assert a.plan.topic.annex_measure == (DELAD, "6.1.3")
    assert "6.1.3" in a.answer  # the refusal names it
    line = a.plan.describe()
    assert "6.1.3" in line, line


@pytest.mark.parametrize("case", [pytest.param(c, id=c.question) for c in CASES])
def test_as_dict_is_json_and_round_trips(fake_service: Service, case: Case) -> None:
    """`as_dict()` (what `ask --json` shows as `plan`) is JSON as it is, and says what the
    plan says."""
    plan = plan_of(fake_service, case.question)
    data = json.loads(json.dumps(plan.as_dict(), ensure_ascii=False))
    assert data["question"] == case.question
    assert data["shape"] == plan.shape
    assert data["scope"] == {"administrations": plan.scope.administrations,
                             "kinds": plan.scope.kinds, "group": plan.scope.group,
                             "only": plan.scope.only}
    assert [tuple(m) for m in data["topic"]["measures"]] == plan.topic.measures
    assert data["topic"]["reports"] == plan.topic.reports
    assert data["stance_wanted"] == plan.stance_wanted
    assert data["about_silence"] is plan.about_silence
    assert data["reason"] == plan.reason


def test_taking_in_is_not_being_against(fake_service: Service) -> None:
    """"tar emot" (receives) asks no stance; "emot" alone is against."""
    assert plan_of(fake_service, "Vilka stadsdelsnämnder tar emot nyanlända elever?"
                   ).stance_wanted is None
    assert plan_of(fake_service, "Är Enskede-Årsta-Vantör emot något av förslagen?"
                   ).stance_wanted == "avvisande"


@pytest.mark.parametrize(("text", "topic", "near"), [
    # "av alla … på" are function words: sfi is two content words from "hälften".
    ("Kortutbildade utgör cirka hälften av alla deltagare på sfi.", ["sfi"], True),
    # "cirka" qualifies the number and "enligt" introduces a source: neither counts.
    ("Kortutbildade enligt kommissionens definition utgör cirka hälften av deltagarna.",
     ["kortutbild"], True),
    ("Kortutbildade i kommissionens nya definition utgör numera hälften av deltagarna.",
     ["kortutbild"], False),
    ("Ungefär 5 miljoner besökare kommer till biblioteken om året.", ["besökar"], True),
    # Numerals, approximate "-tal" and fractions are quantities too; a year is not.
    ("Kontoret medverkar i projekt i ett femtontal ytterstadsområden.", ["ytterstadsområd"],
     True),
    ("En tredjedel av eleverna på sfi har kort skolbakgrund.", ["elev"], True),
    ("Medborgarkontoret i Bromma öppnades 2016.", ["medborgarkont"], False),
    ("Två av förslagen gäller skolan, medan biblioteken nämns sist i rapporten.",
     ["bibliotek"], False),
])
def test_a_number_counts_the_topic_when_few_content_words_stand_between(
        fake_service: Service, text: str, topic: list[str], near: bool) -> None:
    assert fake_service.offline.wording.number_near_topic(text, topic) is near


@pytest.mark.slow
def test_the_named_administrations_own_words_weigh_in_the_measure_found_by_meaning(
        real_service: Service) -> None:
    """A measure's meaning score gains SCOPED × the best cosine of the named
    administration's own sentences on it; measures it says nothing on score as before."""
    from retrieval.answering.measures import SCOPED

    off = real_service.offline
    question = "Vad tycker Norrmalm om att någon lokalt ska hjälpa föreningarna?"
    query = off._query(question)
    words = ["lokalt", "hjälp", "förening"]
    every = set(off.statements.measures)
    plain = off.resolver.run(question, words, query, {}, every)
    scoped = off.resolver.run(question, words, query, {}, every, ("Norrmalm",))
    assert plain.by == scoped.by == "meaning"
    own = off.statements.of_administration("Norrmalm")
    cosines = off.meaning.cosines(own, query)
    lifted = 0
    for key in every:
        mine = [float(c) for s, c in zip(own, cosines, strict=True) if key in s.measures]
        expected = plain.scores[key] + (SCOPED * max(mine) if mine else 0.0)
        assert scoped.scores[key] == pytest.approx(expected, abs=1e-5), key
        lifted += bool(mine)
    assert 0 < lifted < len(every)


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "Vilka stadsdelsnämnder är för att föreningarna ska kunna söka pengar från staden "
    "digitalt, på ett och samma ställe?",
    "Vad säger förvaltningarna om att staden ska ordna studiecirklar ihop med "
    "studieförbunden i utsatta områden?",
])
def test_an_unsure_reading_by_meaning_offers_the_next_measures(real_service: Service,
                                                               question: str) -> None:
    """The resolver keeps the next RUNNERS_UP measures by score exactly when the lead is
    under UNSURE_LEAD; a list on the measure then says so in a notice that names them and
    how to ask for one, and the plan's line says the reading is unsure."""
    from retrieval.answering.measures import RUNNERS_UP, UNSURE_LEAD

    off = real_service.offline
    plan = plan_of(real_service, question)
    assert plan.topic.measures_by == "meaning" and plan.scope.group
    allowed = off.planner._addressed(plan.scope)
    found = off.resolver.run(question, plan.topic.words, off._query(question), {}, allowed)
    order = sorted(found.scores, key=lambda k: -found.scores[k])
    assert found.runners_up == (order[1:1 + RUNNERS_UP]
                                if found.confidence < UNSURE_LEAD else [])
    a = real_service.ask(question)
    unsure = [n for n in a.notices if "tolkningen är osäker" in n]
    if plan.topic.confidence < UNSURE_LEAD:
        assert 0 < len(plan.topic.runners_up) <= RUNNERS_UP
        assert not set(plan.topic.runners_up) & set(plan.topic.measures)
        assert set(plan.topic.runners_up) <= allowed
        assert len(unsure) == 1 and "nummer" in unsure[0]
        assert all(f"åtgärd {n} " in unsure[0] for _, n in plan.topic.runners_up)
        assert "osäkert" in plan.describe()
    else:
        assert plan.topic.runners_up == [] and unsure == []
        assert "osäkert" not in plan.describe()


def test_a_followup_asked_with_the_previous_question_asks_for_its_own_kind_of_answer(
        fake_service: Service) -> None:
    """"Vilka områden gällde det under 2015?" after a "hur många" question: the previous
    question, added for its subject and topic, does not make it a number question; its
    words count as topic words, the added label's do not."""
    from retrieval.followup import with_context

    previous = "Hur många förortsområden är trafiknämnden med i samarbetsprojekt?"
    question = with_context("Vilka områden gällde det under 2015?", previous)
    plan = plan_of(fake_service, question)
    assert plan.answer_type == "any"
    assert plan.scope.administrations == ["Trafikkontoret"]
    assert plan_of(fake_service, previous).answer_type == "number"
    assert "förortsområd" in plan.topic.words and "2015" in plan.topic.words
    assert not {"föregåend", "fråg"} & set(plan.topic.words)


def test_a_misspelt_name_is_no_topic_word(fake_service: Service) -> None:
    """"utbildningsnämden" is read as Utbildningsförvaltningen, not searched as a word."""
    plan = plan_of(fake_service, "Vad tänker utbildningsnämden göra med skolpengen?")
    assert plan.scope.administrations == ["Utbildningsförvaltningen"]
    assert not any(w.startswith("utbildningsnäm") for w in plan.topic.words)
    assert "skolpeng" in plan.topic.words


@pytest.mark.slow
def test_silence_on_a_topic_is_silence_on_the_measure_it_means(real_service: Service) -> None:
    """"Vilka stadsdelsnämnder har inte kommenterat lotsarna?" is about 4.1.1 (by
    meaning): the answer lists the districts that do not take it up, not the ones with no
    statement at all."""
    question = "Vilka stadsdelsnämnder har inte kommenterat lotsarna?"
    plan = plan_of(real_service, question)
    assert plan.shape == "no_statement" and plan.about_silence
    assert plan.topic.measures == [(SAMVERKAN, "4.1.1")]
    answer = real_service.ask(question)
    assert "tar inte upp åtgärd 4.1.1" in answer.answer


@pytest.mark.parametrize(("text", "question", "fits"), [
    ("Förvaltningen har idag en handläggare för föreningsbidragen.",
     "Hur många handläggare har förvaltningen?", True),
    # The article before another noun is no count of the asked thing.
    ("Förvaltningen har idag en handläggare för föreningsbidragen.",
     "Hur många föreningar får bidrag?", False),
    ("Förvaltningen har idag en handläggare för föreningsbidragen.",
     "Vilka handläggare har förvaltningen?", False),
])
def test_en_or_ett_before_the_counted_noun_is_a_number(
        fake_service: Service, text: str, question: str, fits: bool) -> None:
    assert fake_service.offline.wording.fits(text, "number", question) is fits


def test_a_dated_sentence_in_the_previous_answers_passage_answers_a_when_follow_up(
        fake_service: Service) -> None:
    """"När ska det vara på plats?" after an answer: a dated sentence of a passage that
    answer cited holds the asked time though it shares no word with the follow-up."""
    off = fake_service.offline
    dated = next(s for s in off.statements.sentences
                 if "2017" in s.text and off.wording.coverage(["plats"], s.text) == 0)
    ranker, topic = off.ranker, ["plats"]

    def fits(about: frozenset[str]) -> bool:
        [e] = ranker.run([dated], query=None, topic=topic, passage_rank={}, wanted="time",
                         question="När ska det vara på plats?", broad=True, about=about)
        return e.fits

    assert not fits(frozenset())
    assert fits(frozenset({dated.group}))
